import Foundation

extension Tensor {
    /// Applies `operation` element by element to two tensors under NumPy broadcasting.
    ///
    /// The common cases are fast: equal shapes, and a right operand whose shape is a suffix of the left one's
    /// (a bias `[channels]` added to `[batch, sequence, channels]`). Other broadcasts materialize both sides first.
    @inlinable
    public static func zip(_ a: Tensor, _ b: Tensor, _ operation: (Float, Float) -> Float) -> Tensor {
        if a.shape == b.shape {
            var out = [Float](repeating: 0, count: a.count)
            a.withUnsafeBufferPointer { pa in
                b.withUnsafeBufferPointer { pb in
                    out.withUnsafeMutableBufferPointer { po in
                        for i in 0..<po.count { po[i] = operation(pa[i], pb[i]) }
                    }
                }
            }
            return Tensor(shape: a.shape, scalars: out)
        }
        if b.rank <= a.rank, Array(a.shape.suffix(b.rank)) == b.shape, b.count > 0 {
            var out = [Float](repeating: 0, count: a.count)
            let run = b.count
            a.withUnsafeBufferPointer { pa in
                b.withUnsafeBufferPointer { pb in
                    out.withUnsafeMutableBufferPointer { po in
                        var base = 0
                        while base < po.count {
                            for i in 0..<run { po[base + i] = operation(pa[base + i], pb[i]) }
                            base += run
                        }
                    }
                }
            }
            return Tensor(shape: a.shape, scalars: out)
        }
        let target = broadcastShape(a.shape, b.shape)
        return zip(a.broadcast(to: target), b.broadcast(to: target), operation)
    }

    /// Applies `transform` to every element.
    @inlinable
    public func map(_ transform: (Float) -> Float) -> Tensor {
        var out = scalars
        out.withUnsafeMutableBufferPointer { p in
            for i in 0..<p.count { p[i] = transform(p[i]) }
        }
        return Tensor(shape: shape, scalars: out)
    }

    public static func + (a: Tensor, b: Tensor) -> Tensor { zip(a, b, +) }
    public static func - (a: Tensor, b: Tensor) -> Tensor { zip(a, b, -) }
    public static func * (a: Tensor, b: Tensor) -> Tensor { zip(a, b, *) }
    public static func / (a: Tensor, b: Tensor) -> Tensor { zip(a, b, /) }
    public static func + (a: Tensor, b: Float) -> Tensor { a.map { $0 + b } }
    public static func - (a: Tensor, b: Float) -> Tensor { a.map { $0 - b } }
    public static func * (a: Tensor, b: Float) -> Tensor { a.map { $0 * b } }
    public static func / (a: Tensor, b: Float) -> Tensor { a.map { $0 / b } }
    public static prefix func - (a: Tensor) -> Tensor { a.map { -$0 } }

    /// The largest absolute difference between two tensors of the same shape.
    public func maxAbsoluteDifference(_ other: Tensor) -> Float {
        precondition(shape == other.shape, "maxAbsoluteDifference: shapes \(shape) and \(other.shape) differ")
        var worst: Float = 0
        for i in 0..<count {
            let d = abs(scalars[i] - other.scalars[i])
            if d.isNaN { return .nan }
            worst = Swift.max(worst, d)
        }
        return worst
    }
}
