import TensorCore

/// Scaled dot-product attention, `output = softmax(Q·Kᵀ · scale + bias) · V` (Vaswani et al., 2017), with the
/// fused kernel by default.
///
/// - Parameters:
///   - query: `[B, H, Q, D]`, `[B, Q, D]` or `[Q, D]`.
///   - key: `[B, G, K, D]` with G dividing H (grouped-query / multi-query attention), or the same lower rank.
///   - value: `[B, G, K, E]` (E may differ from D), or the same lower rank.
///   - options: scale, mask (true = allowed; floats are added), causal rule, soft/hard mode, dropout, weights.
///   - kernel: `.fused` (default) or `.reference`.
/// - Returns: output `[B, H, Q, E]` in the query's rank and, when `options.returnsWeights`, the weights
///   `[B, H, Q, K]`. A query with no visible key gets a zero output row and zero weights.
public func scaledDotProductAttention(query: Tensor, key: Tensor, value: Tensor, options: AttentionOptions = .init(),
                                      kernel: AttentionKernel = .fused) -> AttentionResult {
    switch kernel {
    case .reference: return ReferenceAttention.attention(query: query, key: key, value: value, options: options)
    case .fused: return FusedAttention.attention(query: query, key: key, value: value, options: options)
    }
}
