import TensorCore

/// Scaled dot-product attention that materializes the score matrix: `output = softmax(Q·Kᵀ · scale + bias) · V`
/// (Vaswani et al., 2017, eq. 1), plus the hard modes, masks, causal rule and dropout of `AttentionOptions`.
///
/// Legend: B = batch, H = query heads, G = key/value heads, Q = queries, K = keys, D = head dim, E = value dim.
/// - Complexity: O(B·H·Q·K·(D+E)) time through two `sgemm` per head; O(Q·K) extra memory per head.
///   It is the ground truth the fused kernel is tested against.
public enum ReferenceAttention {
    /// - Parameters:
    ///   - query: `[B, H, Q, D]`, `[B, Q, D]` or `[Q, D]`.
    ///   - key: `[B, G, K, D]` (G divides H), `[B, K, D]` or `[K, D]`.
    ///   - value: `[B, G, K, E]`, `[B, K, E]` or `[K, E]`.
    /// - Returns: output `[B, H, Q, E]` (in the query's rank) and, if asked, the weights `[B, H, Q, K]`.
    public static func attention(query: Tensor, key: Tensor, value: Tensor, options: AttentionOptions = .init()) -> AttentionResult {
        let p = AttentionProblem(query: query, key: key, value: value, options: options)
        let (b4, h4, q4, k4, d, e) = (p.batch, p.heads, p.queries, p.keys, p.headDim, p.valueDim)
        var output = [Float](repeating: 0, count: b4 * h4 * q4 * e)
        var weights = [Float](repeating: 0, count: options.returnsWeights ? b4 * h4 * q4 * k4 : 0)
        var scores = [Float](repeating: 0, count: q4 * k4)
        p.query.withUnsafeBufferPointer { qp in
        p.key.withUnsafeBufferPointer { kp in
        p.value.withUnsafeBufferPointer { vp in
        output.withUnsafeMutableBufferPointer { op in
        scores.withUnsafeMutableBufferPointer { sp in
            guard q4 > 0, k4 > 0 else { return }
            let s = sp.baseAddress!
            for b in 0..<b4 {
                for h in 0..<h4 {
                    let g = h / p.groupSize
                    let qBase = qp.baseAddress! + ((b * h4 + h) * q4) * d
                    let kBase = kp.baseAddress! + ((b * p.kvHeads + g) * k4) * d
                    let vBase = vp.baseAddress! + ((b * p.kvHeads + g) * k4) * e
                    // scores [Q, K] = scale · Q_bh · K_bgᵀ
                    BLAS.sgemm(transposeA: false, transposeB: true, m: q4, n: k4, k: d, alpha: p.scale,
                               a: qBase, lda: d, b: kBase, ldb: d, c: s, ldc: k4)
                    for i in 0..<q4 {
                        let row = s + i * k4
                        let rowIndex = (b * h4 + h) * q4 + i
                        AttentionRow.applyMask(row, keyRange: 0..<k4, problem: p, batch: b, head: h, query: i)
                        AttentionRow.weights(row, count: k4, mode: p.mode, rowIndex: rowIndex)
                        AttentionRow.dropout(row, keyRange: 0..<k4, probability: p.dropoutProbability,
                                             seed: p.dropoutSeed, rowIndex: rowIndex, keys: k4)
                    }
                    // output [Q, E] = weights [Q, K] · V_bg [K, E]
                    BLAS.sgemm(transposeA: false, transposeB: false, m: q4, n: e, k: k4,
                               a: s, lda: k4, b: vBase, ldb: e, c: op.baseAddress! + ((b * h4 + h) * q4) * e, ldc: e)
                    if options.returnsWeights {
                        let start = ((b * h4 + h) * q4) * k4
                        weights.withUnsafeMutableBufferPointer { wp in
                            (wp.baseAddress! + start).update(from: s, count: q4 * k4)
                        }
                    }
                }
            }
        }}}}}
        return AttentionResult(
            output: Tensor(shape: p.outputShape, scalars: output),
            weights: options.returnsWeights ? Tensor(shape: p.weightsShape, scalars: weights) : nil)
    }
}
