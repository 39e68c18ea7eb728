import AttentionKernels
import TensorCore

/// The position-wise feed-forward block of a transformer.
///
/// Plain form (Vaswani et al., 2017; `linear1`/`linear2` in `torch.nn.TransformerEncoderLayer`):
/// `y = down(activation(up(x)))`.
/// Gated form (SwiGLU, Shazeer 2020; Llama's `gate_proj`/`up_proj`/`down_proj`):
/// `y = down(activation(gate(x)) ⊙ up(x))`, usually with `activation = .silu`.
///
/// - Input `[..., C]`, hidden `[..., F]`, output `[..., C]`; `up` and `gate` are `[F, C]`, `down` is `[C, F]`.
public struct FeedForward: Sendable {
    /// `[F, C]`: the first projection (the multiplied branch in the gated form).
    public var up: Linear
    /// `[F, C]` in the gated form; nil in the plain form.
    public var gate: Linear?
    /// `[C, F]`: back to the model width.
    public var down: Linear
    /// Applied to `up(x)` (plain) or to `gate(x)` (gated).
    public var activation: Activation

    /// The plain form, `down(activation(up(x)))`.
    public init(up: Linear, down: Linear, activation: Activation = .relu) {
        precondition(down.inputCount == up.outputCount, "FeedForward: up \(up.weight.shape) does not feed down \(down.weight.shape)")
        self.up = up
        self.gate = nil
        self.down = down
        self.activation = activation
    }

    /// The gated form, `down(activation(gate(x)) ⊙ up(x))`.
    public init(gate: Linear, up: Linear, down: Linear, activation: Activation = .silu) {
        precondition(gate.weight.shape == up.weight.shape, "FeedForward: gate \(gate.weight.shape) and up \(up.weight.shape) differ")
        precondition(down.inputCount == up.outputCount, "FeedForward: up \(up.weight.shape) does not feed down \(down.weight.shape)")
        self.up = up
        self.gate = gate
        self.down = down
        self.activation = activation
    }

    public var isGated: Bool { gate != nil }
    public var parameterCount: Int { up.parameterCount + (gate?.parameterCount ?? 0) + down.parameterCount }

    /// - Parameter x: `[..., C]`. - Returns: `[..., C]`.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        var hidden = up(x)  // [..., F]
        if let gate {
            var gated = gate(x)
            activation.apply(inPlace: &gated)
            gated.withUnsafeBufferPointer { g in
                hidden.withUnsafeMutableBufferPointer { h in
                    for i in 0..<h.count { h[i] *= g[i] }
                }
            }
        } else {
            activation.apply(inPlace: &hidden)
        }
        return down(hidden)
    }
}

/// Inverted dropout with a seeded, counter-based stream: each element is zeroed with probability `p` and the
/// survivors scaled by `1/(1−p)`. Identity unless `isTraining`; reproducible for a given `seed`.
public struct Dropout: Sendable {
    /// The probability of zeroing an element, in `[0, 1)`.
    public var probability: Float
    /// The stream's seed; element `i` uses counter `i`.
    public var seed: UInt64
    /// Off by default, as inference (`model.eval()` in PyTorch).
    public var isTraining: Bool

    public init(probability: Float, seed: UInt64 = 0, isTraining: Bool = false) {
        precondition(probability >= 0 && probability < 1, "Dropout: probability \(probability) not in [0, 1)")
        self.probability = probability
        self.seed = seed
        self.isTraining = isTraining
    }

    /// - Parameter x: any shape. - Returns: the same shape.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        guard isTraining, probability > 0 else { return x }
        let keep = 1 / (1 - probability)
        var out = x
        let (p, seed) = (probability, seed)
        out.withUnsafeMutableBufferPointer { buffer in
            for i in 0..<buffer.count {
                buffer[i] = CounterRandom.uniform(seed: seed, counter: UInt64(i)) < p ? 0 : buffer[i] * keep
            }
        }
        return out
    }
}
