import TensorCore

/// How scores become weights: soft attention or one of the hard forms the seed contrasts it with.
public enum AttentionMode: Sendable, Equatable {
    /// Softmax over all allowed keys (the usual, differentiable attention).
    case soft
    /// Hard attention: weight 1 on the highest-scoring allowed key (ties go to the lowest index), 0 elsewhere.
    case argmax
    /// Hard attention: one key drawn from the softmax distribution, with a seeded counter-based generator.
    case sampled(seed: UInt64)
    /// Softmax over the `k` highest-scoring allowed keys only (ties to the lower index); the rest get 0.
    case topK(Int)

    /// Parses `soft`, `argmax`, `sample`, `topk:K` (the CLI spelling); `sample` uses `seed`.
    public init?(parsing text: String, seed: UInt64 = 0) {
        switch text {
        case "soft": self = .soft
        case "argmax", "hard": self = .argmax
        case "sample", "sampled": self = .sampled(seed: seed)
        default:
            guard text.hasPrefix("topk:"), let k = Int(text.dropFirst(5)), k > 0 else { return nil }
            self = .topK(k)
        }
    }
}

/// Which implementation computes attention.
public enum AttentionKernel: String, Sendable, CaseIterable {
    /// Materializes the `[queries, keys]` score matrix per head: simple, and the ground truth for tests.
    case reference
    /// Tiled with online softmax; never materializes the scores (see `FusedAttention`).
    case fused
}

/// Everything about a scaled dot-product attention call except the tensors.
public struct AttentionOptions: Sendable {
    /// Multiplies `Q·Kᵀ`; nil means `1/√headDim`.
    public var scale: Float?
    /// See `AttentionMask` for the one mask convention.
    public var mask: AttentionMask?
    /// Query i sees key j when `j ≤ i + (keys − queries)` (bottom-right aligned, right for a KV cache).
    public var isCausal: Bool
    /// Soft or hard attention.
    public var mode: AttentionMode
    /// Probability of zeroing each weight (training only); kept weights are scaled by `1/(1−p)`. Default 0.
    public var dropoutProbability: Float
    /// Seed of the counter-based dropout stream.
    public var dropoutSeed: UInt64
    /// Return the weights `[batch, heads, queries, keys]` (in the caller's rank) alongside the output.
    public var returnsWeights: Bool
    /// Local attention: query i sees only keys within `window` positions of its diagonal `i + (keys − queries)`
    /// (with `isCausal`, the `window` keys ending at the diagonal). nil means unlimited.
    public var slidingWindow: Int?
    /// ALiBi (Press et al., 2022): one slope per query head; adds `−slope_h · |i + (keys − queries) − j|` to the scores.
    public var alibiSlopes: [Float]?
    /// Logit soft-capping (Gemma 2): scaled scores become `cap · tanh(s / cap)` before masks and biases.
    public var softCap: Float?

    public init(scale: Float? = nil, mask: AttentionMask? = nil, isCausal: Bool = false, mode: AttentionMode = .soft,
                dropoutProbability: Float = 0, dropoutSeed: UInt64 = 0, returnsWeights: Bool = false,
                slidingWindow: Int? = nil, alibiSlopes: [Float]? = nil, softCap: Float? = nil) {
        precondition(slidingWindow == nil || slidingWindow! > 0, "attention: sliding window must be ≥ 1, got \(slidingWindow!)")
        precondition(softCap == nil || softCap! > 0, "attention: soft cap must be > 0, got \(softCap!)")
        precondition(dropoutProbability >= 0 && dropoutProbability < 1, "attention: dropout probability \(dropoutProbability) not in [0, 1)")
        self.scale = scale
        self.mask = mask
        self.isCausal = isCausal
        self.mode = mode
        self.dropoutProbability = dropoutProbability
        self.dropoutSeed = dropoutSeed
        self.returnsWeights = returnsWeights
        self.slidingWindow = slidingWindow
        self.alibiSlopes = alibiSlopes
        self.softCap = softCap
    }
}

/// The output of attention, and the weights when they were asked for.
public struct AttentionResult: Sendable {
    /// `[batch, heads, queries, valueDim]` in the caller's rank.
    public var output: Tensor
    /// `[batch, heads, queries, keys]` in the caller's rank, when `returnsWeights` was set.
    public var weights: Tensor?
}
