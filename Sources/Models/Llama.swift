import Foundation
import AttentionKernels
import NN
import TensorCore

/// A Llama-architecture decoder (Touvron et al., 2023) run from a GGUF file with its weights left quantized in the
/// memory-mapped file: SmolLM2-135M-Instruct and its relatives.
///
///     x = embed(tokens)                                                  [T, C]
///     for each block:  x = x + attention(rmsNorm(x))                     q, k rotated (RoPE), GQA, causal
///                      x = x + down(silu(gate(rmsNorm(x))) ⊙ up(rmsNorm(x)))
///     logits = rmsNorm(x) · Eᵀ                                           [T, V]  (E = output or token embedding)
///
/// Legend: T = tokens in this call, C = width, H = query heads, G = key/value heads, D = head dimension,
/// F = feed-forward width, V = vocabulary.
///
/// RoPE rotates adjacent channel pairs `(2i, 2i+1)`: GGUF stores `attn_q`/`attn_k` rows permuted for llama.cpp's
/// "normal" RoPE, so Hugging Face's half-split `rotate_half` would be wrong on these weights.
///
/// ```swift
/// let gguf = try GGUFFile(contentsOf: url)
/// let model = try LlamaModel(gguf: gguf)
/// let cache = model.makeCache()
/// let logits = model([41319, 314, 511, 346, 737, 30], cache: cache)   // [1, 49152], last position
/// let next = model([198], cache: cache)                                // one more token against the cache
/// ```
///
/// - Complexity: per token about 2·(parameters) FLOPs plus O(layers·H·D·cached) for attention; memory is the
///   mapped file plus the cache (`2·L·G·D` floats per position).
public struct LlamaModel: @unchecked Sendable {
    public let configuration: LlamaConfiguration
    let tokenEmbedding: QuantizedMatrix    // [V, C]
    let output: QuantizedMatrix            // [V, C]
    let outputNorm: Tensor                 // [C]
    let blocks: [LlamaBlock]

    /// GGUF tensor names: data, kept apart from the Swift names (`blk.N.` is prefixed per block).
    static let tensorNames = (embedding: "token_embd.weight", output: "output.weight", outputNorm: "output_norm.weight",
                              attentionNorm: "attn_norm.weight", query: "attn_q.weight", key: "attn_k.weight",
                              value: "attn_v.weight", attentionOutput: "attn_output.weight",
                              feedForwardNorm: "ffn_norm.weight", gate: "ffn_gate.weight", up: "ffn_up.weight",
                              down: "ffn_down.weight")

    /// Maps every weight of a Llama GGUF file; nothing is dequantized but the norm vectors.
    /// - Throws: `FileFormatError` for a missing or misshapen tensor or an unsupported storage type.
    public init(gguf: GGUFFile) throws {
        let config = try LlamaConfiguration(gguf: gguf)
        let names = Self.tensorNames
        let (c, f, d) = (config.hiddenSize, config.intermediateSize, config.headDimension)
        let kvWidth = config.keyValueHeadCount * d
        func matrix(_ name: String, _ shape: [Int]) throws -> QuantizedMatrix {
            try QuantizedMatrix(gguf: gguf, tensor: name, shape: shape)
        }
        func vector(_ name: String) throws -> Tensor {
            let tensor = try gguf.dequantized(name)
            guard tensor.shape == [c] else {
                throw FileFormatError(.invalidShape, file: gguf.path, problem: "has '\(name)' of shape \(tensor.shape), expected [\(c)].")
            }
            return tensor
        }
        tokenEmbedding = try matrix(names.embedding, [config.vocabularySize, c])
        output = gguf.tensor(named: names.output) == nil ? tokenEmbedding : try matrix(names.output, [config.vocabularySize, c])
        outputNorm = try vector(names.outputNorm)
        let rope = RotaryEmbedding(dimensions: d, base: config.ropeBase, convention: .adjacentPairs)
        blocks = try (0..<config.layerCount).map { i in
            let p = "blk.\(i)."
            return LlamaBlock(
                attentionNorm: try vector(p + names.attentionNorm),
                attention: LlamaAttention(query: try matrix(p + names.query, [c, c]), key: try matrix(p + names.key, [kvWidth, c]),
                                          value: try matrix(p + names.value, [kvWidth, c]),
                                          output: try matrix(p + names.attentionOutput, [c, c]),
                                          headCount: config.headCount, keyValueHeadCount: config.keyValueHeadCount, rope: rope),
                feedForwardNorm: try vector(p + names.feedForwardNorm),
                gate: try matrix(p + names.gate, [f, c]), up: try matrix(p + names.up, [f, c]), down: try matrix(p + names.down, [c, f]),
                epsilon: config.rmsNormEpsilon)
        }
        configuration = config
    }

    /// An empty cache for one sequence: one ``KVCache`` per block.
    public func makeCache() -> LlamaCache { LlamaCache(layerCount: configuration.layerCount) }

    /// Runs `tokens` after whatever `cache` holds and appends their keys and values to it.
    ///
    /// A prompt goes through in one batched, causal pass (prefill); a single token attends to every cached one
    /// (decode). Both give the same logits as recomputing the whole sequence.
    /// - Parameters:
    ///   - tokens: T ≥ 1 ids below V.
    ///   - cache: the sequence so far (empty for a fresh one); grows by T.
    ///   - allPositions: return logits for every new position instead of only the last.
    ///   - recorder: when given, collects every block's attention weights `[1, H, T, K]` for the new positions
    ///     (K = everything cached, these tokens included), recomputed on demand from the fused kernel.
    /// - Returns: `[1, V]`, or `[T, V]` with `allPositions`.
    public func callAsFunction(_ tokens: [Int], cache: LlamaCache, allPositions: Bool = false,
                               recorder: AttentionRecorder? = nil) -> Tensor {
        precondition(!tokens.isEmpty, "LlamaModel: no tokens")
        precondition(tokens.allSatisfy { $0 >= 0 && $0 < configuration.vocabularySize },
                     "LlamaModel: token ids must be below the vocabulary size \(configuration.vocabularySize)")
        precondition(cache.layers.count == blocks.count, "LlamaModel: cache has \(cache.layers.count) layers, model \(blocks.count)")
        var x = embed(tokens)                                                   // [T, C]
        recorder?.reset()
        for (block, layerCache) in zip(blocks, cache.layers) {
            x = block(x, cache: layerCache, recorder: recorder)
        }
        let c = configuration.hiddenSize
        let last = allPositions ? x : Tensor(shape: [1, c], scalars: Array(x.scalars[(x.count - c)...]))
        let normalized = Normalization.rmsNorm(last, weight: outputNorm, epsilon: configuration.rmsNormEpsilon)
        return QuantizedMatMul.multiply(normalized, output)                    // [T or 1, V]
    }

    /// The embedding rows of `tokens`, dequantized: `[T, C]`.
    func embed(_ tokens: [Int]) -> Tensor {
        let c = configuration.hiddenSize
        var rows = [Float](repeating: 0, count: tokens.count * c)
        rows.withUnsafeMutableBufferPointer { out in
            for (t, id) in tokens.enumerated() { tokenEmbedding.dequantizeRow(id, into: out.baseAddress! + t * c) }
        }
        return Tensor(shape: [tokens.count, c], scalars: rows)
    }
}

/// The key/value caches of one sequence, one per block. A reference type: a model call extends it in place.
public final class LlamaCache {
    /// One cache per block.
    public let layers: [KVCache]

    public init(layerCount: Int) { layers = (0..<layerCount).map { _ in KVCache() } }

    /// Positions cached so far (the position of the next token).
    public var offset: Int { layers.first?.offset ?? 0 }

    /// Forgets the sequence.
    public func reset() { layers.forEach { $0.reset() } }
}
