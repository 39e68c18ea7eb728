import AttentionKernels
import TensorCore

/// Layer normalization over the last axis (Ba et al., 2016), as `torch.nn.LayerNorm`:
/// `y = (x − mean) / √(var + ε) · γ + β`, with the biased variance.
///
/// - Input `[..., C]`, output `[..., C]`; `weight` (γ) and `bias` (β) are `[C]`.
public struct LayerNorm: Sendable {
    /// γ, `[C]`.
    public var weight: Tensor
    /// β, `[C]`, or nil (no shift).
    public var bias: Tensor?
    /// ε, added to the variance (PyTorch's default is `1e-5`, BERT's `1e-12`).
    public var epsilon: Float

    public init(weight: Tensor, bias: Tensor?, epsilon: Float = 1e-5) {
        precondition(weight.rank == 1, "LayerNorm: weight must be [C], got \(weight.shape)")
        precondition(bias == nil || bias!.shape == weight.shape, "LayerNorm: bias \(bias!.shape) does not match weight \(weight.shape)")
        self.weight = weight
        self.bias = bias
        self.epsilon = epsilon
    }

    /// γ = 1, β = 0 over `dimension` channels.
    public init(dimension: Int, epsilon: Float = 1e-5) {
        self.init(weight: Tensor(repeating: 1, shape: [dimension]), bias: Tensor(zeros: [dimension]), epsilon: epsilon)
    }

    public var parameterCount: Int { weight.count + (bias?.count ?? 0) }

    /// - Parameter x: `[..., C]`. - Returns: `[..., C]`.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        Normalization.layerNorm(x, weight: weight, bias: bias, epsilon: epsilon)
    }
}

/// RMS normalization over the last axis (Zhang & Sennrich, 2019), as Llama's `RMSNorm`:
/// `y = x / √(mean(x²) + ε) · γ`.
///
/// - Input `[..., C]`, output `[..., C]`; `weight` (γ) is `[C]`.
public struct RMSNorm: Sendable {
    /// γ, `[C]`.
    public var weight: Tensor
    /// ε, added to the mean square (Llama uses `1e-5` or `1e-6`).
    public var epsilon: Float

    public init(weight: Tensor, epsilon: Float = 1e-6) {
        precondition(weight.rank == 1, "RMSNorm: weight must be [C], got \(weight.shape)")
        self.weight = weight
        self.epsilon = epsilon
    }

    public var parameterCount: Int { weight.count }

    /// - Parameter x: `[..., C]`. - Returns: `[..., C]`.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        Normalization.rmsNorm(x, weight: weight, epsilon: epsilon)
    }
}
