extension Tensor {
    /// Reduces along `axis` with `combine`, starting each output element at `initial`. The axis is removed
    /// unless `keepingAxis` is true.
    public func reduced(axis: Int, keepingAxis: Bool = false, initial: Float, _ combine: (Float, Float) -> Float) -> Tensor {
        let axis = Tensor.normalizedAxis(axis, rank: rank)
        let outer = Tensor.elementCount(Array(shape[..<axis]))
        let extent = shape[axis]
        let inner = Tensor.elementCount(Array(shape[(axis + 1)...]))
        var out = [Float](repeating: initial, count: outer * inner)
        withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for o in 0..<outer {
                    for e in 0..<extent {
                        let base = (o * extent + e) * inner
                        for i in 0..<inner { dst[o * inner + i] = combine(dst[o * inner + i], src[base + i]) }
                    }
                }
            }
        }
        var newShape = shape
        if keepingAxis { newShape[axis] = 1 } else { newShape.remove(at: axis) }
        return Tensor(shape: newShape, scalars: out)
    }

    /// Sum along `axis`.
    public func sum(axis: Int, keepingAxis: Bool = false) -> Tensor {
        reduced(axis: axis, keepingAxis: keepingAxis, initial: 0, +)
    }

    /// Mean along `axis`.
    public func mean(axis: Int, keepingAxis: Bool = false) -> Tensor {
        let extent = Float(shape[Tensor.normalizedAxis(axis, rank: rank)])
        return sum(axis: axis, keepingAxis: keepingAxis) / extent
    }

    /// Maximum along `axis` (NaN-free inputs assumed; `-infinity` for an empty axis).
    public func max(axis: Int, keepingAxis: Bool = false) -> Tensor {
        reduced(axis: axis, keepingAxis: keepingAxis, initial: -.infinity) { Swift.max($0, $1) }
    }

    /// Sum of all elements, accumulated in `Double`.
    public func sum() -> Float { Float(scalars.reduce(0.0) { $0 + Double($1) }) }

    /// Mean of all elements.
    public func mean() -> Float { count == 0 ? .nan : sum() / Float(count) }

    /// Largest element.
    public func max() -> Float { scalars.max() ?? -.infinity }

    /// Index of the largest element along the last axis, ties to the lowest index: `[..., n]` → `[...]` as `Int`s.
    public func argmaxLastAxis() -> [Int] {
        let n = shape.last ?? 1
        guard n > 0 else { return [] }
        return stride(from: 0, to: count, by: n).map { base in
            var best = base
            for i in base..<(base + n) where scalars[i] > scalars[best] { best = i }
            return best - base
        }
    }
}
