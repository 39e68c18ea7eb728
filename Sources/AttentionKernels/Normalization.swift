import TensorCore

/// Normalizations over the last axis. Statistics are accumulated in `Double` for stability.
public enum Normalization {
    /// Layer normalization (Ba et al., 2016): `y = (x − mean) / √(var + ε) · γ + β` over the last axis,
    /// with the biased variance, as PyTorch's `LayerNorm`.
    /// - Parameters:
    ///   - x: `[..., C]`.
    ///   - weight: γ, `[C]` (nil means ones).
    ///   - bias: β, `[C]` (nil means zeros).
    /// - Returns: `[..., C]`.
    public static func layerNorm(_ x: Tensor, weight: Tensor?, bias: Tensor?, epsilon: Float = 1e-5) -> Tensor {
        let c = x.shape.last ?? 1
        precondition(weight == nil || weight!.shape == [c], "layerNorm: weight \(weight!.shape) does not match channels \(c) of \(x.shape)")
        precondition(bias == nil || bias!.shape == [c], "layerNorm: bias \(bias!.shape) does not match channels \(c) of \(x.shape)")
        var out = x
        let gamma = weight?.scalars
        let beta = bias?.scalars
        out.withUnsafeMutableBufferPointer { p in
            var base = 0
            while base < p.count {
                var mean = 0.0
                for j in 0..<c { mean += Double(p[base + j]) }
                mean /= Double(c)
                var variance = 0.0
                for j in 0..<c { let d = Double(p[base + j]) - mean; variance += d * d }
                variance /= Double(c)
                let inverse = 1 / (variance + Double(epsilon)).squareRoot()
                for j in 0..<c {
                    var y = Float((Double(p[base + j]) - mean) * inverse)
                    if let gamma { y *= gamma[j] }
                    if let beta { y += beta[j] }
                    p[base + j] = y
                }
                base += c
            }
        }
        return out
    }

    /// RMS normalization (Zhang & Sennrich, 2019): `y = x / √(mean(x²) + ε) · γ` over the last axis, as Llama's `RMSNorm`.
    /// - Parameters:
    ///   - x: `[..., C]`.
    ///   - weight: γ, `[C]` (nil means ones).
    /// - Returns: `[..., C]`.
    public static func rmsNorm(_ x: Tensor, weight: Tensor?, epsilon: Float = 1e-6) -> Tensor {
        let c = x.shape.last ?? 1
        precondition(weight == nil || weight!.shape == [c], "rmsNorm: weight \(weight!.shape) does not match channels \(c) of \(x.shape)")
        var out = x
        let gamma = weight?.scalars
        out.withUnsafeMutableBufferPointer { p in
            var base = 0
            while base < p.count {
                var squares = 0.0
                for j in 0..<c { squares += Double(p[base + j]) * Double(p[base + j]) }
                let inverse = Float(1 / (squares / Double(c) + Double(epsilon)).squareRoot())
                for j in 0..<c {
                    var y = p[base + j] * inverse
                    if let gamma { y *= gamma[j] }
                    p[base + j] = y
                }
                base += c
            }
        }
        return out
    }
}
