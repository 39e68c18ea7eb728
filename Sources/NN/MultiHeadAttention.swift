import AttentionKernels
import TensorCore

/// Multi-head attention (Vaswani et al., 2017) with grouped-query heads (Ainslie et al., 2023):
///
///     Q = x·W_Qᵀ, K = c·W_Kᵀ, V = c·W_Vᵀ          (c = context, or x for self-attention)
///     head_h = softmax(Q_h·K_gᵀ / √D + mask) · V_g   (g = h / (H / G))
///     y = concat(head_1, …, head_H) · W_Oᵀ
///
/// Legend: B batch, T queries, S keys (context length, plus cached positions), C model width, H query heads,
/// G key/value heads (G divides H; G = H is ordinary multi-head attention, G = 1 multi-query), D head width.
///
/// - Projections: `query` `[H·D, C]`, `key` `[G·D, Cc]`, `value` `[G·E, Cc]`, `output` `[C, H·E]` (PyTorch layout).
/// - Masks follow the project convention (`AttentionMask`: true = allowed, floats added); PyTorch's boolean masks
///   mean the opposite (true = blocked) and must be inverted by the caller (the CLI and loaders do this).
/// - Weights, when asked for, are per head `[B, H, T, S]`; PyTorch's `need_weights=True` averages them over heads.
public struct MultiHeadAttention: Sendable {
    public var query: Linear
    public var key: Linear
    public var value: Linear
    public var output: Linear
    /// H, the number of query heads.
    public let headCount: Int
    /// G, the number of key/value heads.
    public let kvHeadCount: Int
    /// Multiplies `Q·Kᵀ`; nil means `1/√D`.
    public var scale: Float?
    /// Applied to queries and keys after projection at positions `cache.offset ..< cache.offset + T` (Llama); nil
    /// for models with absolute positions.
    public var rotary: RotaryEmbedding?
    /// The attention kernel; the fused one unless a test asks for the reference.
    public var kernel: AttentionKernel = .fused

    /// - Parameters:
    ///   - kvHeadCount: G; nil means `headCount` (no grouping).
    public init(query: Linear, key: Linear, value: Linear, output: Linear, headCount: Int, kvHeadCount: Int? = nil,
                scale: Float? = nil, rotary: RotaryEmbedding? = nil) {
        let groups = kvHeadCount ?? headCount
        precondition(headCount > 0 && groups > 0 && headCount % groups == 0,
                     "MultiHeadAttention: kvHeadCount \(groups) must divide headCount \(headCount)")
        precondition(query.outputCount % headCount == 0,
                     "MultiHeadAttention: query width \(query.outputCount) is not divisible by \(headCount) heads")
        let d = query.outputCount / headCount
        precondition(key.outputCount == groups * d,
                     "MultiHeadAttention: key \(key.weight.shape) must output \(groups) heads × \(d) = \(groups * d)")
        precondition(value.outputCount % groups == 0 && key.inputCount == value.inputCount,
                     "MultiHeadAttention: value \(value.weight.shape) does not fit \(groups) heads / key \(key.weight.shape)")
        precondition(output.inputCount == headCount * (value.outputCount / groups),
                     "MultiHeadAttention: output \(output.weight.shape) must take \(headCount) heads × \(value.outputCount / groups)")
        self.query = query
        self.key = key
        self.value = value
        self.output = output
        self.headCount = headCount
        self.kvHeadCount = groups
        self.scale = scale
        self.rotary = rotary
    }

    /// D, the query/key width per head.
    public var headDimension: Int { query.outputCount / headCount }
    public var parameterCount: Int {
        query.parameterCount + key.parameterCount + value.parameterCount + output.parameterCount
    }

    /// Attends `x` to itself, or to `context` (cross-attention).
    /// - Parameters:
    ///   - x: `[B, T, C]` (or `[T, C]`, treated as one batch row).
    ///   - context: `[B, S, Cc]` keys and values come from (encoder memory); nil for self-attention.
    ///   - mask: true = allowed / added floats, broadcasting to `[B, H, T, S]`; `.keyPadding` is `[B, S]`.
    ///   - isCausal: query i sees keys `j ≤ i + (S − T)` (bottom-right aligned, right with a cache).
    ///   - cache: when given, the new keys/values are appended to it and the queries attend to everything cached.
    ///   - returnsWeights: also return the per-head weights `[B, H, T, S]`.
    /// - Returns: `output` `[B, T, C]` (rank of `x`) and `weights` `[B, H, T, S]` when asked.
    /// - Complexity: O(B·T·C·(H·D)) for the projections plus O(B·H·T·S·D) for attention.
    public func callAsFunction(_ x: Tensor, context: Tensor? = nil, mask: AttentionMask? = nil, isCausal: Bool = false,
                               cache: KVCache? = nil, returnsWeights: Bool = false) -> (output: Tensor, weights: Tensor?) {
        if x.rank == 2 {
            let result = self(x.reshaped([1] + x.shape), context: context.map { $0.rank == 2 ? $0.reshaped([1] + $0.shape) : $0 },
                              mask: mask, isCausal: isCausal, cache: cache, returnsWeights: returnsWeights)
            return (result.output.reshaped(Array(result.output.shape.dropFirst())), result.weights)
        }
        precondition(x.rank == 3, "MultiHeadAttention: input must be [B, T, C], got \(x.shape)")
        let source = context ?? x
        precondition(source.rank == 3 && source.shape[0] == x.shape[0],
                     "MultiHeadAttention: context \(source.shape) must be [B, S, C] with B = \(x.shape[0])")
        var q = Self.splitHeads(query(x), heads: headCount)           // [B, H, T, D]
        var k = Self.splitHeads(key(source), heads: kvHeadCount)      // [B, G, S, D]
        var v = Self.splitHeads(value(source), heads: kvHeadCount)    // [B, G, S, E]
        if let rotary {
            let start = cache?.offset ?? 0
            q = rotary(q, offset: start)
            k = rotary(k, offset: start)
        }
        if let cache { (k, v) = cache.update(keys: k, values: v) }  // [B, G, offset + S, D]
        let options = AttentionOptions(scale: scale, mask: mask, isCausal: isCausal, returnsWeights: returnsWeights)
        let result = scaledDotProductAttention(query: q, key: k, value: v, options: options, kernel: kernel)
        return (output(Self.mergeHeads(result.output)), result.weights)  // [B, T, C]
    }

    /// `[B, T, heads·D]` → `[B, heads, T, D]`.
    public static func splitHeads(_ x: Tensor, heads: Int) -> Tensor {
        precondition(x.rank == 3 && x.shape[2] % heads == 0, "splitHeads: \(x.shape) is not [B, T, \(heads)·D]")
        let (b, t, width) = (x.shape[0], x.shape[1], x.shape[2])
        return x.reshaped([b, t, heads, width / heads]).permuted([0, 2, 1, 3])
    }

    /// `[B, heads, T, D]` → `[B, T, heads·D]`.
    public static func mergeHeads(_ x: Tensor) -> Tensor {
        precondition(x.rank == 4, "mergeHeads: \(x.shape) is not [B, H, T, D]")
        let (b, h, t, d) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        return x.permuted([0, 2, 1, 3]).reshaped([b, t, h * d])
    }
}
