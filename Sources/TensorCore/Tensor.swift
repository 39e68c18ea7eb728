import Foundation

/// A dense, contiguous, row-major array of `Float` values with a shape.
///
/// `Tensor` is a value type: copies share storage until one of them is mutated (copy-on-write, through `Array`).
/// Every tensor is contiguous, so `reshaped(_:)` is free and `permuted(_:)` makes a contiguous copy.
///
/// Shapes are listed outermost first, as in NumPy and PyTorch: a batch of sequences is `[batch, sequence, channels]`.
public struct Tensor: Sendable, Equatable {
    /// The extent of each axis, outermost first. A scalar has shape `[]`.
    public private(set) var shape: [Int]
    /// The elements in row-major (C) order; `scalars.count == shape.reduce(1, *)`.
    public var scalars: [Float] {
        didSet { precondition(scalars.count == Tensor.elementCount(shape), "Tensor: \(scalars.count) scalars do not fill shape \(shape)") }
    }

    /// Creates a tensor from row-major scalars.
    /// - Precondition: `scalars.count` equals the product of `shape`.
    public init(shape: [Int], scalars: [Float]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "Tensor: negative extent in shape \(shape)")
        precondition(scalars.count == Tensor.elementCount(shape),
                     "Tensor: \(scalars.count) scalars do not fill shape \(shape) (\(Tensor.elementCount(shape)) needed)")
        self.shape = shape
        self.scalars = scalars
    }

    /// Creates a tensor of the given shape with every element equal to `value`.
    public init(repeating value: Float, shape: [Int]) {
        self.init(shape: shape, scalars: Array(repeating: value, count: Tensor.elementCount(shape)))
    }

    /// Creates a tensor of zeros.
    public init(zeros shape: [Int]) { self.init(repeating: 0, shape: shape) }

    /// Creates a tensor whose elements are computed from a flat row-major index.
    public init(shape: [Int], generator: (Int) -> Float) {
        self.init(shape: shape, scalars: (0..<Tensor.elementCount(shape)).map(generator))
    }

    /// The number of axes.
    public var rank: Int { shape.count }
    /// The number of elements.
    public var count: Int { scalars.count }

    /// The product of the extents in `shape` (1 for a scalar shape).
    public static func elementCount(_ shape: [Int]) -> Int { shape.reduce(1, *) }

    /// Row-major strides of `shape`, in elements.
    public static func strides(of shape: [Int]) -> [Int] {
        var strides = Array(repeating: 1, count: shape.count)
        var running = 1
        for axis in stride(from: shape.count - 1, through: 0, by: -1) {
            strides[axis] = running
            running *= shape[axis]
        }
        return strides
    }

    /// Resolves a possibly negative axis (`-1` is the last) against `rank`.
    public static func normalizedAxis(_ axis: Int, rank: Int) -> Int {
        let resolved = axis < 0 ? axis + rank : axis
        precondition(resolved >= 0 && resolved < rank, "Tensor: axis \(axis) out of range for rank \(rank)")
        return resolved
    }

    /// The element at a multi-dimensional index.
    public subscript(_ indices: Int...) -> Float {
        get { scalars[flatIndex(indices)] }
        set { scalars[flatIndex(indices)] = newValue }
    }

    private func flatIndex(_ indices: [Int]) -> Int {
        precondition(indices.count == shape.count, "Tensor: index \(indices) has wrong rank for shape \(shape)")
        var flat = 0
        for (axis, index) in indices.enumerated() {
            precondition(index >= 0 && index < shape[axis], "Tensor: index \(indices) out of bounds for shape \(shape)")
            flat = flat * shape[axis] + index
        }
        return flat
    }

    /// The same elements with a new shape; one extent may be `-1` and is inferred. O(1) (storage is shared).
    public func reshaped(_ newShape: [Int]) -> Tensor {
        var resolved = newShape
        if let inferred = newShape.firstIndex(of: -1) {
            let known = newShape.enumerated().filter { $0.offset != inferred }.map(\.element).reduce(1, *)
            precondition(known > 0 && count % known == 0, "Tensor.reshaped: cannot reshape \(shape) to \(newShape)")
            resolved[inferred] = count / known
        }
        precondition(Tensor.elementCount(resolved) == count, "Tensor.reshaped: cannot reshape \(shape) to \(newShape)")
        var result = self
        result.shape = resolved
        return result
    }

    /// Calls `body` with a pointer to the contiguous elements.
    @inlinable
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try scalars.withUnsafeBufferPointer(body)
    }

    /// Calls `body` with a mutable pointer to the contiguous elements.
    @inlinable
    public mutating func withUnsafeMutableBufferPointer<R>(_ body: (inout UnsafeMutableBufferPointer<Float>) throws -> R) rethrows -> R {
        try scalars.withUnsafeMutableBufferPointer(body)
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let preview = scalars.prefix(8).map { String(format: "%.4g", Double($0)) }.joined(separator: ", ")
        return "Tensor(shape: \(shape), [\(preview)\(count > 8 ? ", …" : "")])"
    }
}
