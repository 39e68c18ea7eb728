import TensorCore

/// A fully connected layer, `y = x · Wᵀ + b`, with PyTorch's weight layout.
///
/// - Parameters (stored):
///   - weight: `[out, in]`, exactly as `torch.nn.Linear.weight` and Hugging Face checkpoints store it.
///   - bias: `[out]`, or nil.
/// - Input `[..., in]`, output `[..., out]`.
/// - Complexity: one `sgemm` of `(rows × in) · (in × out)` for all leading axes together.
public struct Linear: Sendable {
    /// `[out, in]`.
    public var weight: Tensor
    /// `[out]`, or nil for a layer without bias.
    public var bias: Tensor?

    /// Creates a layer from a `[out, in]` weight and an optional `[out]` bias.
    public init(weight: Tensor, bias: Tensor?) {
        precondition(weight.rank == 2, "Linear: weight must be [out, in], got \(weight.shape)")
        precondition(bias == nil || bias!.shape == [weight.shape[0]],
                     "Linear: bias \(bias!.shape) does not match weight \(weight.shape) (need [\(weight.shape[0])])")
        self.weight = weight
        self.bias = bias
    }

    /// A layer with weights drawn uniformly from `±1/√in` (PyTorch's default range), for tests and demos.
    public init(inputCount: Int, outputCount: Int, hasBias: Bool = true, generator: inout SeededGenerator) {
        let bound = 1 / Float(inputCount).squareRoot()
        let weight = Tensor.uniform(shape: [outputCount, inputCount], low: -bound, high: bound, generator: &generator)
        let bias = hasBias ? Tensor.uniform(shape: [outputCount], low: -bound, high: bound, generator: &generator) : nil
        self.init(weight: weight, bias: bias)
    }

    /// The input width, `in`.
    public var inputCount: Int { weight.shape[1] }
    /// The output width, `out`.
    public var outputCount: Int { weight.shape[0] }
    /// Number of scalars in the weight and bias.
    public var parameterCount: Int { weight.count + (bias?.count ?? 0) }

    /// Applies the layer to the last axis.
    /// - Parameter x: `[..., in]`.
    /// - Returns: `[..., out]`.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        precondition(x.rank >= 1 && x.shape.last == inputCount,
                     "Linear: input \(x.shape) does not end in \(inputCount) (weight \(weight.shape))")
        let rows = x.count / inputCount
        var y = Tensor.matmul(x.reshaped([rows, inputCount]), weight, transposeB: true)  // [rows, out]
        if let bias {
            let out = outputCount
            bias.withUnsafeBufferPointer { b in
                y.withUnsafeMutableBufferPointer { p in
                    var base = 0
                    while base < p.count {
                        for j in 0..<out { p[base + j] += b[j] }
                        base += out
                    }
                }
            }
        }
        return y.reshaped(Array(x.shape.dropLast()) + [outputCount])
    }
}
