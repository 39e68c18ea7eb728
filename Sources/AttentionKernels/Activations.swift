import Foundation
import TensorCore

/// Element-wise activation functions used by transformer feed-forward blocks.
public enum Activation: String, Sendable, Codable, CaseIterable {
    /// `max(0, x)`.
    case relu
    /// Exact GELU: `x · Φ(x) = x/2 · (1 + erf(x/√2))` (Hendrycks & Gimpel, 2016); BERT's `gelu`.
    case gelu
    /// Tanh approximation: `x/2 · (1 + tanh(√(2/π) · (x + 0.044715 x³)))`; GPT-2's `gelu_new`.
    case geluTanh
    /// SiLU / swish: `x · σ(x)`; the gate of Llama's SwiGLU.
    case silu

    /// Applies the activation to one value.
    @inlinable
    public func callAsFunction(_ x: Float) -> Float {
        switch self {
        case .relu: return Swift.max(0, x)
        case .gelu: return 0.5 * x * (1 + Float(erf(Double(x) * 0.7071067811865476)))
        case .geluTanh:
            let inner = 0.7978845608028654 * (x + 0.044715 * x * x * x)
            return 0.5 * x * (1 + tanh(inner))
        case .silu: return x / (1 + exp(-x))
        }
    }

    /// Applies the activation to every element.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        var out = x
        apply(inPlace: &out)
        return out
    }

    /// Applies the activation to every element in place.
    public func apply(inPlace x: inout Tensor) {
        let activation = self
        x.withUnsafeMutableBufferPointer { p in
            for i in 0..<p.count { p[i] = activation(p[i]) }
        }
    }
}
