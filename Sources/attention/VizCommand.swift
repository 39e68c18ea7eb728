import Foundation
import Models
import TensorCore
import Visualization

/// `attention viz`: runs a real model on a text and writes an interactive attention viewer (one HTML file).
enum VizCommand: Command {
    static let name = "viz"
    static let summary = "see attention: every layer and head of a real model in one self-contained HTML page"
    static let usage = """
    Usage: attention viz [--model minilm|smollm2|PATH] [--layer L] [--head H] [--pair TEXT2] [--generate N]
                         -o VIEW.html [--png GRID.png] TEXT

    Runs the model on TEXT, records the attention weights of every layer and head (the fused kernel's weights on
    demand) and writes one HTML file with inline script and no network access: open it from disk in any browser.
      head view    query tokens on the left, keys on the right, lines weighted by attention; hover to isolate a token
      model view   all layers × heads as small heatmaps; click one to open it large
      matrix view  token labels, colour scale, the key each query attends to most, attention each key receives

    --model      minilm (BERT encoder, default), smollm2 (Llama decoder), or a model folder / .gguf file
    --layer, --head   what the page shows first (0-based; default layer 0, every head)
    --pair TEXT2      (BERT) a second sentence: [CLS] TEXT [SEP] TEXT2 [SEP], with a sentence filter in the page
    --generate N      (decoder) generate N tokens greedily and record each one's attention over everything before
                      it; the page gets a step slider that replays generation
    --png GRID.png    also write the layers × heads grid as a picture (only --layer / --head when given)
    Up to 384 tokens (prompt + generated); pages for 256 tokens are about 12 MB and stay responsive.

    Example:
      attention viz --model minilm -o bert.html "The animal didn't cross the street because it was too tired."
      attention viz --model smollm2 --generate 12 -o gpt.html --png grid.png "The capital of France is"
    """
    static let options: Set<String> = ["model", "layer", "head", "pair", "generate", "output", "png"]

    static func run(_ arguments: Arguments) throws {
        let text = arguments.positionals.joined(separator: " ")
        guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw UsageError("give the TEXT to look at, e.g. attention viz -o view.html \"The cat sat on the mat.\"")
        }
        let output = try arguments.required("output")
        let generate = try arguments.int("generate") ?? 0
        guard generate >= 0 else { throw UsageError("--generate must be 0 or more, got \(generate)") }
        let capture = try capture(model: arguments.string("model") ?? "minilm", text: text,
                                  pair: arguments.string("pair"), generate: generate)
        let (layers, heads) = (capture.weights.shape[0], capture.weights.shape[1])
        let layer = try arguments.int("layer")
        let head = try arguments.int("head")
        if let layer, !(0..<layers).contains(layer) {
            throw UsageError("--layer \(layer) is out of range: \(capture.modelName) has layers 0...\(layers - 1)")
        }
        if let head, !(0..<heads).contains(head) {
            throw UsageError("--head \(head) is out of range: \(capture.modelName) has heads 0...\(heads - 1)")
        }
        try capture.viewer(layer: layer ?? 0, head: head).write(to: URL(fileURLWithPath: output))
        printError("wrote \(output): \(capture.tokens.count) tokens, \(layers) layers × \(heads) heads")
        if let png = arguments.string("png") {
            try capture.grid(layer: layer, head: head).render().writePNG(to: URL(fileURLWithPath: png))
            printError("wrote \(png)")
        }
    }

    /// Writes a viewer page for `text` with default settings (every head, layer 0): for lessons and the tour.
    ///
    ///     try VizCommand.writeViewer(model: "minilm", text: "The cat sat on the mat.", to: folder.appendingPathComponent("bert.html"))
    ///     try VizCommand.writeViewer(model: "smollm2", text: "What is 2+2?", generate: 8, to: url)
    ///
    /// - Throws: `ModelError` when the model is not fetched, `UsageError` for text that does not fit.
    static func writeViewer(model: String, text: String, generate: Int = 0, to url: URL) throws {
        try capture(model: model, text: text, pair: nil, generate: generate).viewer(layer: 0, head: nil).write(to: url)
    }

    /// The tokens and weights `[L, H, S, S]` of one model run.
    struct Capture {
        var modelName: String
        var tokens: [String]
        var weights: Tensor
        var isCausal: Bool
        var promptLength: Int
        var segments: [Int]?
        var text: String

        func viewer(layer: Int, head: Int?) -> AttentionViewer {
            let (l, h) = (weights.shape[0], weights.shape[1])
            let shown = text.count > 90 ? String(text.prefix(89)) + "…" : text
            var subtitle = "\(modelName) · \(l) layers × \(h) heads · \(tokens.count) tokens"
            if promptLength < tokens.count { subtitle += " (\(promptLength) prompt + \(tokens.count - promptLength) generated)" }
            return AttentionViewer(tokens: tokens, weights: weights, title: "Attention: “\(shown)”", subtitle: subtitle,
                                   isCausal: isCausal, promptLength: promptLength, segments: segments,
                                   initialLayer: layer, initialHead: head)
        }

        /// Layers × heads (or the chosen layer / head) as small heatmaps; a causal map's hidden half is grey.
        func grid(layer: Int?, head: Int?) -> HeatmapGrid {
            let (l, h, s) = (weights.shape[0], weights.shape[1], weights.shape[2])
            let layers = layer.map { [$0] } ?? Array(0..<l)
            let heads = head.map { [$0] } ?? Array(0..<h)
            var panels: [Tensor] = []
            var captions: [String] = []
            for i in layers {
                for j in heads {
                    let start = (i * h + j) * s * s
                    var map = Array(weights.scalars[start..<(start + s * s)])
                    if isCausal { for r in 0..<s { for c in (r + 1)..<s { map[r * s + c] = .nan } } }
                    panels.append(Tensor(shape: [s, s], scalars: map))
                    captions.append("L\(i) H\(j)")
                }
            }
            var grid = HeatmapGrid(panels: panels, captions: captions, columnCount: heads.count,
                                   title: "\(modelName): attention, layers x heads (\(s) tokens)", range: 0...1)
            grid.colorBarLabel = "weight"
            return grid
        }
    }

    /// The most positions a page holds: the weights grow with the square.
    static let tokenLimit = 384

    static func capture(model specifier: String, text: String, pair: String?, generate: Int) throws -> Capture {
        let location = try ModelStore().resolve(specifier)
        if let gguf = ggufFile(at: location) {
            if pair != nil { throw UsageError("--pair is for a BERT encoder (minilm); a decoder reads one text") }
            return try decoderCapture(gguf: gguf, name: specifier, text: text, generate: generate)
        }
        if generate > 0 { throw UsageError("--generate needs a decoder (smollm2); \(specifier) is an encoder") }
        return try encoderCapture(directory: location, name: specifier, text: text, pair: pair)
    }

    /// `location` itself when it is a `.gguf` file, or the one `.gguf` file in a folder.
    static func ggufFile(at location: URL) -> URL? {
        if location.pathExtension.lowercased() == "gguf" { return location }
        let files = (try? FileManager.default.contentsOfDirectory(at: location, includingPropertiesForKeys: nil)) ?? []
        return files.first { $0.pathExtension.lowercased() == "gguf" }
    }

    static func decoderCapture(gguf url: URL, name: String, text: String, generate: Int) throws -> Capture {
        let gguf = try GGUFFile(contentsOf: url)
        let model = try LlamaModel(gguf: gguf)
        let tokenizer = try ByteLevelBPETokenizer(gguf: gguf)
        let ids = tokenizer.encode(text)
        guard !ids.isEmpty else { throw UsageError("the TEXT has no tokens") }
        guard ids.count + generate <= tokenLimit else {
            throw UsageError("\(ids.count) prompt tokens + \(generate) generated exceed the viewer's \(tokenLimit); shorten the text")
        }
        let trace = model.attentionTrace(prompt: ids, generating: generate, stopIDs: Set([tokenizer.eosID].compactMap { $0 }))
        let label = name == "smollm2" ? "SmolLM2-135M-Instruct (Llama decoder)" : "\(url.lastPathComponent) (Llama decoder)"
        return Capture(modelName: label, tokens: trace.ids.map { displayToken(tokenizer.decode([$0])) }, weights: trace.weights,
                       isCausal: true, promptLength: trace.promptLength, segments: nil, text: text)
    }

    static func encoderCapture(directory: URL, name: String, text: String, pair: String?) throws -> Capture {
        let embedder = try loadEmbedder(directory.path)
        let tokenizer = embedder.tokenizer
        var encoding = tokenizer.encode(text)
        var types = [Int](repeating: 0, count: encoding.count)
        if let pair {
            let room = tokenizer.maxLength - encoding.count + 1
            guard room >= 2 else { throw UsageError("TEXT fills all \(tokenizer.maxLength) tokens; no room for --pair") }
            let second = tokenizer.encode(pair, maxLength: room)
            encoding.ids += second.ids.dropFirst()
            encoding.tokens += second.tokens.dropFirst()
            types += [Int](repeating: 1, count: second.count - 1)
        }
        let output = embedder.model([encoding.ids], typeIDs: [types], returnsAttention: true)
        let (t, h) = (encoding.ids.count, embedder.model.configuration.headCount)
        let weights = Tensor.concatenate((output.attentionWeights ?? []).map { $0.reshaped([1, h, t, t]) }, axis: 0)
        let label = name == "minilm" ? "all-MiniLM-L6-v2 (BERT encoder)" : "\(directory.lastPathComponent) (BERT encoder)"
        return Capture(modelName: label, tokens: encoding.tokens, weights: weights, isCausal: false,
                       promptLength: t, segments: pair == nil ? nil : types, text: pair.map { "\(text)” + “\($0)" } ?? text)
    }

    /// A decoded token as a readable label: line breaks and tabs as symbols, a token of spaces as `␣`.
    static func displayToken(_ text: String) -> String {
        let shown = text.replacingOccurrences(of: "\n", with: "↵").replacingOccurrences(of: "\t", with: "⇥")
        if !shown.isEmpty && shown.allSatisfy({ $0 == " " }) { return String(repeating: "␣", count: shown.count) }
        return shown
    }
}
