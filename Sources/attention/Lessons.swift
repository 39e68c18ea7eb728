import Foundation
import TensorCore
import AttentionKernels
import NN
import Visualization

/// What a lesson produced: plain-language lines and the pictures it wrote (file names inside the output folder).
struct LessonResult {
    let name: String
    let title: String
    let explanation: [String]
    let pictures: [String]
}

/// The seed's lessons on deterministic inputs: the same numbers and pictures on every machine.
enum Lessons {
    static let names = ["self-attention", "multi-head", "positional-encoding", "encoder", "soft-vs-hard"]

    static func run(_ name: String, into folder: URL) throws -> LessonResult {
        switch name {
        case "self-attention": return try selfAttention(folder)
        case "multi-head": return try multiHead(folder)
        case "positional-encoding": return try positionalEncoding(folder)
        case "encoder": return try encoder(folder)
        case "soft-vs-hard": return try softVersusHard(folder)
        default: throw UsageError("unknown lesson '\(name)'; lessons: \(names.joined(separator: ", "))")
        }
    }

    // MARK: - Shared inputs

    static let tokens = ["the", "cat", "sat", "on", "the", "mat"]

    /// One fixed random vector per distinct word (seeded by the word), so the two "the" tokens are identical.
    static func embeddings(dimension: Int) -> Tensor {
        let rows = tokens.map { word -> [Float] in
            var seed: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a of the word
            for byte in word.utf8 { seed = (seed ^ UInt64(byte)) &* 0x100_0000_01b3 }
            var generator = SeededGenerator(seed: seed)
            return (0..<dimension).map { _ in generator.nextNormal() }
        }
        return Tensor(shape: [tokens.count, dimension], scalars: rows.flatMap { $0 })
    }

    static func format(_ x: Float) -> String { String(format: "%.2f", x) }

    /// The key with the largest weight in each row of a `[queries, keys]` matrix.
    static func strongest(_ weights: Tensor) -> [(key: Int, weight: Float)] {
        let keys = weights.shape[1]
        return (0..<weights.shape[0]).map { i in
            let row = Array(weights.scalars[(i * keys)..<((i + 1) * keys)])
            let j = row.indices.max { row[$0] < row[$1] }!
            return (j, row[j])
        }
    }

    static func weightsMap(_ weights: Tensor, title: String, range: ClosedRange<Float> = 0...1) -> Heatmap {
        var map = Heatmap(weights, title: title, rowLabels: tokens, columnLabels: tokens, range: range)
        map.rowAxisTitle = "query (attending token)"
        map.columnAxisTitle = "key (attended token)"
        map.colorBarLabel = "attention weight"
        return map
    }

    static func write(_ canvas: Canvas, _ file: String, in folder: URL) throws -> String {
        try canvas.writePNG(to: folder.appendingPathComponent(file))
        return file
    }

    /// Pictures side by side, `columns` to a row, under a title.
    static func compose(_ pictures: [Canvas], columns: Int, title: String) -> Canvas {
        let cellWidth = pictures.map(\.width).max()!, cellHeight = pictures.map(\.height).max()!
        let rows = (pictures.count + columns - 1) / columns
        let top = 16 + BitmapFont.height(scale: 3) + 8
        var canvas = Canvas(width: max(columns * cellWidth, BitmapFont.width(of: title, scale: 3) + 32), height: top + rows * cellHeight)
        canvas.drawText(title, x: 16, y: 16, scale: 3)
        for (i, picture) in pictures.enumerated() {
            canvas.draw(picture, atX: (i % columns) * cellWidth, y: top + (i / columns) * cellHeight)
        }
        return canvas
    }

    // MARK: - Lessons

    /// The seed's basic_self_attention.py, on a sentence instead of random Q, K, V.
    static func selfAttention(_ folder: URL) throws -> LessonResult {
        let d = 16
        let x = embeddings(dimension: d)                                      // [T, d]
        let scores = Tensor.matmul(x, x, transposeB: true) / Float(d).squareRoot()  // [T, T]
        let result = scaledDotProductAttention(query: x, key: x, value: x, options: AttentionOptions(returnsWeights: true))
        let weights = result.weights!
        var scoreMap = Heatmap(scores, title: "Scores Q.K^T / sqrt(16)", rowLabels: tokens, columnLabels: tokens, colorMap: .blueWhiteRed)
        scoreMap.rowAxisTitle = "query"
        scoreMap.columnAxisTitle = "key"
        scoreMap.colorBarLabel = "score"
        let pictures = [try write(scoreMap.render(), "self-attention-scores.png", in: folder),
                        try write(weightsMap(weights, title: "Self-attention weights softmax(scores)").render(),
                                  "self-attention-weights.png", in: folder)]
        let best = strongest(weights)
        var lines = [
            "Self-attention lets every token of one sequence look at every token of the same sequence.",
            "Here each of the 6 tokens of \"\(tokens.joined(separator: " "))\" is a fixed random vector of \(d) numbers",
            "(the same word always gets the same vector), used directly as its query, key and value.",
            "1. Scores: the dot product of query i with key j, divided by sqrt(\(d)) = 4, a \(tokens.count) x \(tokens.count) table.",
            "2. Weights: softmax along each row, so row i is positive and sums to 1: where token i looks.",
            "3. Output: row i is the weighted average of the value vectors, shape [\(tokens.count), \(d)] like the input.",
        ]
        for (i, pick) in best.enumerated() {
            lines.append("   '\(tokens[i])' (position \(i)) attends most to '\(tokens[pick.key])' (position \(pick.key)), weight \(format(pick.weight)).")
        }
        lines.append("Without learned projections a vector is most similar to itself, so the diagonal dominates; the two")
        lines.append("'the' tokens are identical, so they split their attention between positions 0 and 4 and have equal rows.")
        return LessonResult(name: "self-attention", title: "Self-attention", explanation: lines, pictures: pictures)
    }

    /// The seed's multihead_attention_demo.py: 4 heads, each with its own projections.
    static func multiHead(_ folder: URL) throws -> LessonResult {
        let (d, heads, sharpness) = (32, 4, Float(3))
        // Untrained projections give nearly uniform weights; scaling the input (scores grow with its square) shows
        // the different preferences of the heads the way trained heads have them.
        let x = (embeddings(dimension: d) + PositionalEncoding.sinusoidal(length: tokens.count, dimension: d)) * sharpness
        var generator = SeededGenerator(seed: 2017)
        let attention = MultiHeadAttention(dimension: d, headCount: heads, generator: &generator)
        let result = attention(x.reshaped([1, tokens.count, d]), returnsWeights: true)
        let weights = result.weights!.reshaped([heads, tokens.count, tokens.count])  // [H, T, T]
        let panels = (0..<heads).map { weights.sliced(axis: 0, $0..<($0 + 1)).reshaped([tokens.count, tokens.count]) }
        let average = panels.dropFirst().reduce(panels[0], +) / Float(heads)
        let maps = panels.enumerated().map { weightsMap($1, title: "head \($0)").render() }
            + [weightsMap(average, title: "average of heads").render()]
        let picture = try write(compose(maps, columns: 3, title: "Multi-head attention: \(heads) heads of width \(d / heads)"),
                                "multi-head.png", in: folder)
        var lines = [
            "Multi-head attention runs \(heads) attentions side by side. Each head projects the \(d)-number token vectors",
            "to its own queries, keys and values of \(d / heads) numbers (W_Q, W_K, W_V: \(d) x \(d), split into \(heads) heads),",
            "attends, and the \(heads) results are concatenated and mixed by W_O back to \(d) numbers.",
            "Inputs: the sentence's word vectors plus sinusoidal positions, times \(Int(sharpness)) so these untrained heads have clear",
            "preferences (trained heads learn such sharpness; random ones at scale 1 look nearly uniform);",
            "weights: random, seeded (2017).",
            "Different projections make different heads look at different tokens:",
        ]
        for h in 0..<heads {
            let picks = strongest(panels[h]).enumerated().map { "\(tokens[$0])->\(tokens[$1.key])" }
            lines.append("   head \(h): " + picks.joined(separator: ", "))
        }
        lines.append("PyTorch's need_weights=True returns the average panel; this project returns every head's weights.")
        lines.append("Parameters: \(attention.parameterCount) (4 projections of \(d) x \(d) plus biases).")
        return LessonResult(name: "multi-head", title: "Multi-head attention", explanation: lines, pictures: [picture])
    }

    /// The seed's positional_encoding_visual.py.
    static func positionalEncoding(_ folder: URL) throws -> LessonResult {
        let (length, d) = (50, 64)
        let pe = PositionalEncoding.sinusoidal(length: length, dimension: d)
        var map = Heatmap(pe, title: "Sinusoidal positional encoding, 50 positions x 64 dimensions",
                          colorMap: .blueWhiteRed, range: -1...1, annotations: .never)
        map.rowAxisTitle = "position"
        map.columnAxisTitle = "dimension i"
        map.colorBarLabel = "PE value"
        let similarity = Tensor.matmul(pe, pe, transposeB: true) / Float(d / 2)
        var similarityMap = Heatmap(similarity, title: "PE(p) . PE(q) / 32: similarity falls with distance",
                                    colorMap: .blueWhiteRed, range: -1...1, annotations: .never)
        similarityMap.rowAxisTitle = "position p"
        similarityMap.columnAxisTitle = "position q"
        similarityMap.colorBarLabel = "similarity"
        let pictures = [try write(map.render(), "positional-encoding.png", in: folder),
                        try write(similarityMap.render(), "positional-similarity.png", in: folder)]
        let lines = [
            "Attention by itself ignores order: shuffle the tokens and each output row just moves with its token.",
            "The sinusoidal encoding adds a different vector to each position p (the seed's formula):",
            "   angle = p / 10000^(2*(i//2)/d);  PE[p, i] = sin(angle) for even i, cos(angle) for odd i.",
            "Left columns (small i) oscillate fast, right columns slowly: read across a row, it is a position in a",
            "set of clocks running at geometrically spaced speeds (wavelengths 2*pi up to 10000*2*pi).",
            "PE(p + k) is a fixed rotation of PE(p) for every p, so the dot product of two positions depends only on",
            "their distance: the second picture is bright on the diagonal and fades away from it, the same in every row.",
            "Values: PE[1, 0] = sin(1) = \(format(pe[1, 0])), PE[1, 1] = cos(1) = \(format(pe[1, 1])), PE[49, 63] = \(format(pe[49, 63])).",
            "Also in this project: learned positions, rotary embeddings (both conventions) and ALiBi; see",
            "attention positional-encoding --help.",
        ]
        return LessonResult(name: "positional-encoding", title: "Positional encoding", explanation: lines, pictures: pictures)
    }

    /// The seed's transformer_encoder_simulation.py, with the architecture drawn from the configuration.
    static func encoder(_ folder: URL) throws -> LessonResult {
        let configuration = TransformerConfiguration(modelDimension: 32, headCount: 4, encoderLayerCount: 2, decoderLayerCount: 2,
                                                     feedForwardDimension: 64, activation: .relu, normPlacement: .post)
        let model = Transformer(configuration: configuration, seed: 40)
        let summary = model.summary()
        let diagram = TransformerDiagram(modelDimension: configuration.modelDimension, headCount: configuration.headCount,
                                         feedForwardDimension: configuration.feedForwardDimension,
                                         encoderLayerCount: configuration.encoderLayerCount,
                                         decoderLayerCount: configuration.decoderLayerCount,
                                         activation: configuration.activation.rawValue, isPreNorm: configuration.normPlacement == .pre,
                                         title: "Transformer: d_model 32, 4 heads of 8, post-norm",
                                         footer: "parameters: \(ModuleSummary.grouped(summary.parameterCount)) (embeddings and output head not counted)")
        try diagram.svg().write(to: folder.appendingPathComponent("transformer.svg"))
        let architecture = try write(diagram.render(), "transformer.png", in: folder)

        // Run the encoder layer by layer, keeping each layer's per-head weights.
        let t = tokens.count
        var h = (embeddings(dimension: 32) + PositionalEncoding.sinusoidal(length: t, dimension: 32)).reshaped([1, t, 32])
        var maps: [Canvas] = []
        var lines = [
            "A transformer encoder layer = multi-head self-attention + a position-wise feed-forward network, each",
            "wrapped in a residual connection and LayerNorm. This model: d_model 32, 4 heads, feed-forward 64 (relu),",
            "post-norm as in the paper and torch.nn.Transformer, 2 encoder + 2 decoder layers, random seeded weights.",
            "The sentence (word vectors + sinusoidal positions, [1, 6, 32]) flows through the encoder:",
        ]
        for (index, layer) in model.encoder.layers.enumerated() {
            let weights = layer.selfAttention(h, returnsWeights: true).weights!.reshaped([4, t, t])
            for head in 0..<4 {
                maps.append(weightsMap(weights.sliced(axis: 0, head..<(head + 1)).reshaped([t, t]), title: "layer \(index) head \(head)").render())
            }
            let before = h
            h = layer(h)
            let row = h.sliced(axis: 1, 1..<2).scalars
            let mean = row.reduce(0, +) / Float(row.count)
            let std = (row.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Float(row.count)).squareRoot()
            lines.append("   layer \(index): shape stays \(h.shape); 'cat' moved by \(format(h.maxAbsoluteDifference(before))) at most;"
                         + " after LayerNorm its row has mean \(format(abs(mean))) and std \(format(std)).")
        }
        let memory = model.encoder.norm.map { $0(h) } ?? h
        let grid = try write(compose(maps, columns: 4, title: "Encoder self-attention weights, 2 layers x 4 heads"),
                             "encoder-attention.png", in: folder)
        lines += [
            "The weights are nearly uniform: these layers are untrained. Trained heads are sharp and specialised;",
            "see them in a real BERT with attention viz --model minilm.",
            "The encoder output (the memory, \(memory.shape)) is what the decoder's cross-attention reads.",
            "Layers and parameters:",
        ]
        lines += summary.table(maximumDepth: 2).split(separator: "\n").map { "   " + $0 }
        lines.append("The diagram (transformer.svg / transformer.png) is drawn from this configuration.")
        return LessonResult(name: "encoder", title: "The transformer encoder", explanation: lines, pictures: [architecture, grid])
    }

    /// Soft attention (softmax) against the hard variants the seed contrasts it with.
    static func softVersusHard(_ folder: URL) throws -> LessonResult {
        let d = 16
        var generator = SeededGenerator(seed: 5)
        let x = embeddings(dimension: d)
        // Random projections so the weights are not dominated by the diagonal.
        let wq = Tensor.normal(shape: [d, d], standardDeviation: 0.5, generator: &generator)
        let wk = Tensor.normal(shape: [d, d], standardDeviation: 0.5, generator: &generator)
        let q = Tensor.matmul(x, wq), k = Tensor.matmul(x, wk)
        let modes: [(String, AttentionMode)] = [("soft (softmax)", .soft), ("top-2 softmax", .topK(2)),
                                                ("hard: argmax", .argmax), ("hard: sampled, seed 7", .sampled(seed: 7))]
        var panels: [Tensor] = []
        for (_, mode) in modes {
            let options = AttentionOptions(mode: mode, returnsWeights: true)
            panels.append(scaledDotProductAttention(query: q, key: k, value: x, options: options).weights!)
        }
        let maps = zip(panels, modes).map { weightsMap($0, title: $1.0).render() }
        let picture = try write(compose(maps, columns: 2, title: "Soft vs hard attention, same scores"), "soft-vs-hard.png", in: folder)
        let cat = 1
        func row(_ t: Tensor) -> String { (0..<tokens.count).map { format(t[cat, $0]) }.joined(separator: " ") }
        let lines = [
            "Soft attention gives every key a weight (softmax of the scores): smooth, differentiable, trained by",
            "backpropagation. Hard attention picks one key: argmax (deterministic, no gradient) or a key sampled from",
            "the softmax distribution (stochastic; trained with REINFORCE-style estimators). Top-k keeps the k best",
            "keys and renormalizes: sparse like hard attention, differentiable over the kept keys.",
            "Same queries and keys (the sentence through seeded random projections), four ways; the row of 'cat':",
            "   soft     " + row(panels[0]),
            "   top-2    " + row(panels[1]),
            "   argmax   " + row(panels[2]),
            "   sampled  " + row(panels[3]),
            "Every row still sums to 1; hard rows are one-hot, so the output is exactly one value vector.",
        ]
        return LessonResult(name: "soft-vs-hard", title: "Soft vs hard attention", explanation: lines, pictures: [picture])
    }
}
