import Foundation
import AttentionKernels
import NN
import TensorCore

/// One pre-norm decoder block: `x + attention(rmsNorm(x))`, then `x + SwiGLU(rmsNorm(x))`.
/// Legend as ``LlamaModel``.
struct LlamaBlock: @unchecked Sendable {
    let attentionNorm: Tensor   // [C]
    let attention: LlamaAttention
    let feedForwardNorm: Tensor // [C]
    let gate: QuantizedMatrix   // [F, C]
    let up: QuantizedMatrix     // [F, C]
    let down: QuantizedMatrix   // [C, F]
    let epsilon: Float

    /// - Parameters:
    ///   - x: `[T, C]`.
    ///   - recorder: when given, receives this block's attention weights `[1, H, T, K]`.
    /// - Returns: `[T, C]`.
    func callAsFunction(_ x: Tensor, cache: KVCache, recorder: AttentionRecorder? = nil) -> Tensor {
        var h = x
        h.add(attention(Normalization.rmsNorm(x, weight: attentionNorm, epsilon: epsilon), cache: cache, recorder: recorder))
        let normalized = Normalization.rmsNorm(h, weight: feedForwardNorm, epsilon: epsilon)
        var hidden = QuantizedMatMul.multiply(normalized, gate)                 // [T, F]
        let upped = QuantizedMatMul.multiply(normalized, up)                    // [T, F]
        hidden.withUnsafeMutableBufferPointer { g in
            upped.withUnsafeBufferPointer { u in
                for i in 0..<g.count { g[i] = g[i] / (1 + Foundation.exp(-g[i])) * u[i] }
            }
        }
        h.add(QuantizedMatMul.multiply(hidden, down))                           // [T, C]
        return h
    }
}

/// Causal grouped-query self-attention with rotary positions and a KV cache; the fused kernel reads the G
/// key/value heads in place for all H query heads.
struct LlamaAttention: @unchecked Sendable {
    let query: QuantizedMatrix   // [H·D, C]
    let key: QuantizedMatrix     // [G·D, C]
    let value: QuantizedMatrix   // [G·D, C]
    let output: QuantizedMatrix  // [C, H·D]
    let headCount: Int
    let keyValueHeadCount: Int
    let rope: RotaryEmbedding

    /// - Parameters:
    ///   - x: `[T, C]`, at positions `cache.offset ..< cache.offset + T`.
    ///   - recorder: when given, the kernel keeps its row statistics and the weights `[1, H, T, K]` are recomputed
    ///     on demand for it (the output is the same; the normal path saves nothing).
    /// - Returns: `[T, C]`.
    func callAsFunction(_ x: Tensor, cache: KVCache, recorder: AttentionRecorder? = nil) -> Tensor {
        let t = x.shape[0]
        let d = rope.dimensions
        let offset = cache.offset
        let q = rope(heads(QuantizedMatMul.multiply(x, query), count: headCount), offset: offset)        // [1, H, T, D]
        let k = rope(heads(QuantizedMatMul.multiply(x, key), count: keyValueHeadCount), offset: offset)  // [1, G, T, D]
        let v = heads(QuantizedMatMul.multiply(x, value), count: keyValueHeadCount)                      // [1, G, T, D]
        let (keys, values) = cache.update(keys: k, values: v)                                            // [1, G, K, D]
        let options = AttentionOptions(isCausal: true)
        let attended: Tensor                                                                             // [1, H, T, D]
        if let recorder {
            let result = FusedAttention.run(query: q, key: keys, value: values, options: options)
            recorder.record(result.weights(heads: .all))                                                 // [1, H, T, K]
            attended = result.output
        } else {
            attended = scaledDotProductAttention(query: q, key: keys, value: values, options: options).output
        }
        let merged = t == 1 ? attended.reshaped([1, headCount * d])
            : attended.reshaped([headCount, t, d]).permuted([1, 0, 2]).reshaped([t, headCount * d])       // [T, H·D]
        return QuantizedMatMul.multiply(merged, output)
    }

    /// `[T, n·D]` → `[1, n, T, D]`.
    private func heads(_ x: Tensor, count n: Int) -> Tensor {
        let (t, d) = (x.shape[0], rope.dimensions)
        if t == 1 { return x.reshaped([1, n, 1, d]) }
        return x.reshaped([t, n, d]).permuted([1, 0, 2]).reshaped([1, n, t, d])
    }
}

extension Tensor {
    /// `self += other`, element by element (same shape).
    fileprivate mutating func add(_ other: Tensor) {
        precondition(shape == other.shape, "add: shapes differ: \(shape) vs \(other.shape)")
        withUnsafeMutableBufferPointer { a in
            other.withUnsafeBufferPointer { b in
                for i in 0..<a.count { a[i] += b[i] }
            }
        }
    }
}
