import Foundation
import AttentionKernels
import NN
import TensorCore

// Legend: B = batch, T = tokens (the longest sequence of the batch), C = width (hiddenSize), H = heads,
// D = C / H, F = feed-forward width (intermediateSize), L = layers.

/// BERT's input embeddings (Devlin et al., 2019): `LayerNorm(word[id] + position[t] + tokenType[segment])`.
public struct BERTEmbeddings: Sendable {
    /// `[V, C]`.
    public var word: Embedding
    /// `[P, C]`, absolute positions `0..<P`.
    public var position: Embedding
    /// `[S, C]`, segment (sentence A/B) embeddings.
    public var tokenType: Embedding
    public var norm: LayerNorm

    /// - Parameters:
    ///   - ids: `[B][T]`, equal lengths (pad first), each id in `0..<V`; `T ≤ P`.
    ///   - typeIDs: `[B][T]` segment ids; nil means all 0.
    /// - Returns: `[B, T, C]`.
    public func callAsFunction(_ ids: [[Int]], typeIDs: [[Int]]? = nil) -> Tensor {
        let (b, t, c) = (ids.count, ids.first?.count ?? 0, word.dimension)
        precondition(t <= position.vocabularySize, "BERTEmbeddings: \(t) tokens exceed the \(position.vocabularySize) positions")
        var x = word(ids)  // [B, T, C]
        x.withUnsafeMutableBufferPointer { out in
            position.table.withUnsafeBufferPointer { positions in
                tokenType.table.withUnsafeBufferPointer { types in
                    for batch in 0..<b {
                        for token in 0..<t {
                            let segment = typeIDs?[batch][token] ?? 0
                            precondition(segment >= 0 && segment < tokenType.vocabularySize, "BERTEmbeddings: type id \(segment) out of range")
                            let row = (batch * t + token) * c
                            for j in 0..<c { out[row + j] += positions[token * c + j] + types[segment * c + j] }
                        }
                    }
                }
            }
        }
        return norm(x)
    }
}

/// One post-norm BERT encoder layer:
///
///     a = LayerNorm(x + Attention(x))          (attention.output.LayerNorm)
///     y = LayerNorm(a + W₂·gelu(W₁·a + b₁) + b₂) (output.LayerNorm)
///
/// The fast path (``callAsFunction(_:mask:returnsWeights:)``) projects Q, K and V with one fused matrix, runs the
/// fused attention kernel (``FusedAttention/run(query:key:value:options:)``, weights recomputed on demand) and the
/// vectorized GELU and add-LayerNorm of ``BERTKernels``. ``reference(_:mask:)`` is its naive twin through the NN
/// modules and the reference attention kernel.
public struct BERTLayer: Sendable {
    public var attention: MultiHeadAttention
    /// After the attention residual.
    public var attentionNorm: LayerNorm
    /// `up` `[F, C]`, `down` `[C, F]`.
    public var feedForward: FeedForward
    /// After the feed-forward residual.
    public var outputNorm: LayerNorm
    /// `[3C, C]`: the query, key and value weights stacked, for one matrix product instead of three.
    let queryKeyValue: Linear

    public init(attention: MultiHeadAttention, attentionNorm: LayerNorm, feedForward: FeedForward, outputNorm: LayerNorm) {
        self.attention = attention
        self.attentionNorm = attentionNorm
        self.feedForward = feedForward
        self.outputNorm = outputNorm
        let bias = [attention.query.bias, attention.key.bias, attention.value.bias]
        queryKeyValue = Linear(
            weight: Tensor.concatenate([attention.query.weight, attention.key.weight, attention.value.weight], axis: 0),
            bias: bias.allSatisfy { $0 != nil } ? Tensor.concatenate(bias.map { $0! }, axis: 0) : nil)
    }

    /// - Parameters:
    ///   - x: `[B, T, C]`.
    ///   - mask: usually `.keyPadding` `[B, T]` (1 = real token); nil when no row is padded.
    ///   - returnsWeights: also return the attention weights `[B, H, T, T]`.
    /// - Returns: `[B, T, C]` and the weights when asked.
    public func callAsFunction(_ x: Tensor, mask: AttentionMask?, returnsWeights: Bool = false) -> (output: Tensor, weights: Tensor?) {
        let (b, t) = (x.shape[0], x.shape[1])
        let lengths = [Int](repeating: t, count: b)
        let (y, weights) = packed(x.reshaped([b * t, x.shape[2]]), lengths: lengths, paddedLength: t, mask: mask,
                                  returnsWeights: returnsWeights)
        return (y.reshaped(x.shape), weights)
    }

    /// The fast path on packed rows: `x` is `[N, C]`, the tokens of sequence after sequence without padding
    /// (N = Σ lengths). Projections, GELU and the norms run on the N real rows only; attention runs on padded
    /// `[B, H, T, D]` tiles with `mask` hiding the padding keys.
    /// - Returns: `[N, C]` and the weights `[B, H, T, T]` when asked.
    func packed(_ x: Tensor, lengths: [Int], paddedLength t: Int, mask: AttentionMask?,
                returnsWeights: Bool) -> (output: Tensor, weights: Tensor?) {
        let (q, k, v) = BERTKernels.splitQueryKeyValue(queryKeyValue(x), lengths: lengths, paddedLength: t,
                                                       heads: attention.headCount)                      // 3 × [B, H, T, D]
        let result = FusedAttention.run(query: q, key: k, value: v, options: AttentionOptions(mask: mask))
        let weights = returnsWeights ? result.weights(heads: .all) : nil                              // [B, H, T, T]
        let context = attention.output(BERTKernels.mergeHeads(result.output, lengths: lengths))       // [N, C]
        let a = BERTKernels.addLayerNorm(context, residual: x, weight: attentionNorm.weight, bias: attentionNorm.bias,
                                         epsilon: attentionNorm.epsilon)
        var hidden = feedForward.up(a)                                                                  // [N, F]
        if feedForward.activation == .gelu {
            BERTKernels.gelu(inPlace: &hidden)
        } else {
            feedForward.activation.apply(inPlace: &hidden)
        }
        let y = BERTKernels.addLayerNorm(feedForward.down(hidden), residual: a, weight: outputNorm.weight,
                                         bias: outputNorm.bias, epsilon: outputNorm.epsilon)
        return (y, weights)
    }

    /// The naive twin of the fast path: NN modules, the reference attention kernel, `Activation` and
    /// `Normalization` as written. Same shapes and meaning.
    public func reference(_ x: Tensor, mask: AttentionMask?, returnsWeights: Bool = false) -> (output: Tensor, weights: Tensor?) {
        var attention = self.attention
        attention.kernel = .reference
        let (context, weights) = attention(x, mask: mask, returnsWeights: returnsWeights)
        let a = attentionNorm(x + context)
        return (outputNorm(a + feedForward(a)), weights)
    }
}

/// The result of a BERT forward pass.
public struct BERTOutput: Sendable {
    /// `[B, T, C]`; rows past a sequence's length are padding (zero on the fast path, meaningless on the reference).
    public var lastHiddenState: Tensor
    /// The real length of each sequence, `[B]`.
    public var lengths: [Int]
    /// Per layer, `[B, H, T, T]` attention weights (query rows, key columns), when asked for. Padding keys get
    /// weight 0; the rows of padding queries are meaningless.
    public var attentionWeights: [Tensor]?
}

/// A BERT encoder (Devlin et al., 2019) from a Hugging Face folder: `config.json` + `model.safetensors`, with or
/// without the `bert.` prefix on tensor names.
///
/// ```swift
/// let model = try BERTModel.load(directory: try ModelStore().resolve("minilm"))
/// let output = model([[101, 3086, 2003, 2035, 2017, 2342, 1012, 102]])
/// output.lastHiddenState.shape  // [1, 8, 384]
/// ```
public struct BERTModel: Sendable {
    /// Which implementation runs the layers.
    public enum Path: Sendable { case fast, reference }

    public let configuration: BERTConfiguration
    public var embeddings: BERTEmbeddings
    /// L layers, applied in order.
    public var layers: [BERTLayer]

    /// Loads a model folder (or the folder of a given `model.safetensors`).
    /// - Throws: ``ModelError``: `.notFound` for a missing folder, `.invalid` (with what to do) for a missing or
    ///   malformed `config.json` or `model.safetensors`, missing tensors or wrong shapes.
    public static func load(directory: URL) throws(ModelError) -> BERTModel {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isFolder) else {
            throw ModelError(.notFound, "\(directory.path) does not exist. Fetch the default model with "
                + "`attention models fetch minilm` or pass --model PATH to a BERT folder.")
        }
        let folder = isFolder.boolValue ? directory : directory.deletingLastPathComponent()
        let configuration = try BERTConfiguration.load(contentsOf: folder.appendingPathComponent("config.json"))
        let weightsURL = folder.appendingPathComponent("model.safetensors")
        guard FileManager.default.fileExists(atPath: weightsURL.path) else {
            throw ModelError(.invalid, "\(folder.path) has no model.safetensors (PyTorch .bin files are not read). "
                + "Fetch the default model with `attention models fetch minilm`.")
        }
        let file: SafetensorsFile
        do { file = try SafetensorsFile(contentsOf: weightsURL) } catch {
            throw ModelError(.invalid, "\(error.description) The model file looks corrupt or incomplete; fetch it again "
                + "(`attention models fetch minilm` for the default model).")
        }
        return try BERTModel(configuration: configuration, weights: file)
    }

    /// Builds the model from an opened checkpoint.
    public init(configuration: BERTConfiguration, weights file: SafetensorsFile) throws(ModelError) {
        try configuration.validate()
        let reader = BERTWeightReader(file: file, configuration: configuration)
        let e = BERTCheckpoint.embeddings
        let epsilon = configuration.layerNormEpsilon
        embeddings = BERTEmbeddings(
            word: Embedding(table: try reader.tensor(e["word"]!)),
            position: Embedding(table: try reader.tensor(e["position"]!)),
            tokenType: Embedding(table: try reader.tensor(e["tokenType"]!)),
            norm: LayerNorm(weight: try reader.tensor(e["norm.weight"]!), bias: try reader.tensor(e["norm.bias"]!), epsilon: epsilon))
        let activation = try configuration.activation()
        var layers: [BERTLayer] = []
        for index in 0..<configuration.layerCount {
            func tensor(_ key: String) throws(ModelError) -> Tensor { try reader.tensor(BERTCheckpoint.layer[key]!, layer: index) }
            func linear(_ key: String) throws(ModelError) -> Linear {
                Linear(weight: try tensor(key + ".weight"), bias: try tensor(key + ".bias"))
            }
            func norm(_ key: String) throws(ModelError) -> LayerNorm {
                LayerNorm(weight: try tensor(key + ".weight"), bias: try tensor(key + ".bias"), epsilon: epsilon)
            }
            layers.append(BERTLayer(
                attention: MultiHeadAttention(query: try linear("query"), key: try linear("key"), value: try linear("value"),
                                              output: try linear("output"), headCount: configuration.headCount),
                attentionNorm: try norm("attentionNorm"),
                feedForward: FeedForward(up: try linear("up"), down: try linear("down"), activation: activation),
                outputNorm: try norm("outputNorm")))
        }
        self.configuration = configuration
        self.layers = layers
    }

    /// Encodes a batch of token sequences of any lengths: shorter ones are padded with `[PAD]` and hidden from
    /// attention by a key-padding mask, so each sequence's states equal those of a batch of one.
    ///
    /// - Parameters:
    ///   - ids: `[B][Tᵢ]`, each `1 ≤ Tᵢ ≤ maxPositionEmbeddings`, ids in `0..<vocabularySize`.
    ///   - typeIDs: `[B][Tᵢ]` segment ids; nil means all 0.
    ///   - returnsAttention: also return every layer's weights `[B, H, T, T]`.
    ///   - path: `.fast` (default) or the naive `.reference` twin.
    /// - Returns: hidden states `[B, T, C]` with `T = max Tᵢ`.
    /// - Complexity: O(L·B·T·C·(4C + 2F) + L·B·H·T²·D).
    public func callAsFunction(_ ids: [[Int]], typeIDs: [[Int]]? = nil, returnsAttention: Bool = false,
                               path: Path = .fast) -> BERTOutput {
        let lengths = ids.map(\.count)
        let t = lengths.max() ?? 0
        precondition(t <= configuration.maxPositionEmbeddings,
                     "BERTModel: \(t) tokens exceed max_position_embeddings \(configuration.maxPositionEmbeddings); truncate first")
        let pad = configuration.paddingTokenID
        let paddedIDs = ids.map { $0 + [Int](repeating: pad, count: t - $0.count) }
        let paddedTypes = typeIDs.map { types in types.map { $0 + [Int](repeating: 0, count: t - $0.count) } }
        let mask: AttentionMask? = lengths.allSatisfy { $0 == t } ? nil : .keyLengths(lengths, keys: t)
        var x = embeddings(paddedIDs, typeIDs: paddedTypes)  // [B, T, C]
        var maps: [Tensor] = []
        if path == .fast {
            // Between layers the hidden states stay packed [N, C]: no matrix product spends time on padding rows.
            var rows = BERTKernels.pack(x, lengths: lengths)
            for layer in layers {
                let (y, weights) = layer.packed(rows, lengths: lengths, paddedLength: t, mask: mask, returnsWeights: returnsAttention)
                rows = y
                if let weights { maps.append(weights) }
            }
            x = BERTKernels.pad(rows, lengths: lengths, paddedLength: t)
        } else {
            for layer in layers {
                let (y, weights) = layer.reference(x, mask: mask, returnsWeights: returnsAttention)
                x = y
                if let weights { maps.append(weights) }
            }
        }
        return BERTOutput(lastHiddenState: x, lengths: lengths, attentionWeights: returnsAttention ? maps : nil)
    }
}
