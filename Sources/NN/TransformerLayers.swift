import AttentionKernels
import TensorCore

/// Where a transformer layer normalizes (Xiong et al., 2020).
public enum NormPlacement: String, Sendable, Codable, CaseIterable {
    /// `x = norm(x + sublayer(x))`: the original transformer, BERT; PyTorch's `norm_first=False`.
    case post
    /// `x = x + sublayer(norm(x))`: GPT-2, Llama, ViT; PyTorch's `norm_first=True`.
    case pre
}

/// One encoder layer (Vaswani et al., 2017), as `torch.nn.TransformerEncoderLayer`:
///
///     post-norm:  x = norm1(x + selfAttention(x));  x = norm2(x + feedForward(x))
///     pre-norm:   x = x + selfAttention(norm1(x));  x = x + feedForward(norm2(x))
///
/// Input and output `[B, T, C]`. Dropout is omitted (inference).
public struct TransformerEncoderLayer: Sendable {
    public var selfAttention: MultiHeadAttention
    public var feedForward: FeedForward
    public var norm1: LayerNorm
    public var norm2: LayerNorm
    public var normPlacement: NormPlacement

    public init(selfAttention: MultiHeadAttention, feedForward: FeedForward, norm1: LayerNorm, norm2: LayerNorm,
                normPlacement: NormPlacement = .post) {
        self.selfAttention = selfAttention
        self.feedForward = feedForward
        self.norm1 = norm1
        self.norm2 = norm2
        self.normPlacement = normPlacement
    }

    /// - Parameters:
    ///   - x: `[B, T, C]`.
    ///   - mask: project convention (true = allowed); `.keyPadding` `[B, T]` is non-zero for real tokens.
    ///   - isCausal: each position sees only itself and earlier ones.
    /// - Returns: `[B, T, C]`.
    public func callAsFunction(_ x: Tensor, mask: AttentionMask? = nil, isCausal: Bool = false) -> Tensor {
        let attend = { (h: Tensor) in selfAttention(h, mask: mask, isCausal: isCausal).output }
        switch normPlacement {
        case .post:
            let h = norm1(x + attend(x))
            return norm2(h + feedForward(h))
        case .pre:
            let h = x + attend(norm1(x))
            return h + feedForward(norm2(h))
        }
    }

    public var parameterCount: Int {
        selfAttention.parameterCount + feedForward.parameterCount + norm1.parameterCount + norm2.parameterCount
    }

    public func summary(name: String) -> ModuleSummary {
        ModuleSummary(name: name, detail: "TransformerEncoderLayer(\(normPlacement)-norm, \(feedForward.activation))",
                      children: [selfAttention.summary(name: "self_attn")]
                          + feedForward.summary(names: ("linear1", "gate", "linear2"))
                          + [norm1.summary(name: "norm1"), norm2.summary(name: "norm2")])
    }
}

/// One decoder layer, as `torch.nn.TransformerDecoderLayer`: self-attention over the target, cross-attention to the
/// encoder's memory, feed-forward.
///
///     post-norm:  x = norm1(x + selfAttention(x));  x = norm2(x + crossAttention(x, memory));  x = norm3(x + ff(x))
///     pre-norm:   x = x + selfAttention(norm1(x));  x = x + crossAttention(norm2(x), memory);  x = x + ff(norm3(x))
///
/// Input and output `[B, T, C]`; memory `[B, S, C]`.
public struct TransformerDecoderLayer: Sendable {
    public var selfAttention: MultiHeadAttention
    public var crossAttention: MultiHeadAttention
    public var feedForward: FeedForward
    public var norm1: LayerNorm
    public var norm2: LayerNorm
    public var norm3: LayerNorm
    public var normPlacement: NormPlacement

    public init(selfAttention: MultiHeadAttention, crossAttention: MultiHeadAttention, feedForward: FeedForward,
                norm1: LayerNorm, norm2: LayerNorm, norm3: LayerNorm, normPlacement: NormPlacement = .post) {
        self.selfAttention = selfAttention
        self.crossAttention = crossAttention
        self.feedForward = feedForward
        self.norm1 = norm1
        self.norm2 = norm2
        self.norm3 = norm3
        self.normPlacement = normPlacement
    }

    /// - Parameters:
    ///   - x: target `[B, T, C]`.
    ///   - memory: encoder output `[B, S, C]`.
    ///   - mask: on the self-attention (`[B, T]` for key padding).
    ///   - isCausal: causal self-attention (the usual decoder setting).
    ///   - memoryMask: on the cross-attention (`[B, S]` for key padding of the source).
    ///   - cache: self-attention KV cache for incremental decoding.
    /// - Returns: `[B, T, C]`.
    public func callAsFunction(_ x: Tensor, memory: Tensor, mask: AttentionMask? = nil, isCausal: Bool = false,
                               memoryMask: AttentionMask? = nil, cache: KVCache? = nil) -> Tensor {
        let attendSelf = { (h: Tensor) in selfAttention(h, mask: mask, isCausal: isCausal, cache: cache).output }
        let attendMemory = { (h: Tensor) in crossAttention(h, context: memory, mask: memoryMask).output }
        switch normPlacement {
        case .post:
            var h = norm1(x + attendSelf(x))
            h = norm2(h + attendMemory(h))
            return norm3(h + feedForward(h))
        case .pre:
            var h = x + attendSelf(norm1(x))
            h = h + attendMemory(norm2(h))
            return h + feedForward(norm3(h))
        }
    }

    public var parameterCount: Int {
        selfAttention.parameterCount + crossAttention.parameterCount + feedForward.parameterCount
            + norm1.parameterCount + norm2.parameterCount + norm3.parameterCount
    }

    public func summary(name: String) -> ModuleSummary {
        ModuleSummary(name: name, detail: "TransformerDecoderLayer(\(normPlacement)-norm, \(feedForward.activation))",
                      children: [selfAttention.summary(name: "self_attn"), crossAttention.summary(name: "multihead_attn")]
                          + feedForward.summary(names: ("linear1", "gate", "linear2"))
                          + [norm1.summary(name: "norm1"), norm2.summary(name: "norm2"), norm3.summary(name: "norm3")])
    }
}
