extension Tensor {
    /// Reorders the axes: result axis `i` is input axis `axes[i]`. Always returns a contiguous copy.
    ///
    /// `x.permuted([0, 2, 1, 3])` turns `[batch, sequence, heads, headDim]` into `[batch, heads, sequence, headDim]`.
    /// - Complexity: O(count).
    public func permuted(_ axes: [Int]) -> Tensor {
        precondition(axes.count == rank && Set(axes) == Set(0..<rank),
                     "Tensor.permuted: \(axes) is not a permutation of the axes of shape \(shape)")
        if axes == Array(0..<rank) { return self }
        let newShape = axes.map { shape[$0] }
        let inputStrides = Tensor.strides(of: shape)
        let permutedStrides = axes.map { inputStrides[$0] }
        var output = [Float](repeating: 0, count: count)
        // Iterate over all but the innermost output axis; copy the innermost run with a strided loop.
        let inner = newShape.last ?? 1
        let innerStride = permutedStrides.last ?? 1
        let outerShape = Array(newShape.dropLast())
        let outerStrides = Array(permutedStrides.dropLast())
        scalars.withUnsafeBufferPointer { src in
            output.withUnsafeMutableBufferPointer { dst in
                var index = [Int](repeating: 0, count: outerShape.count)
                var sourceBase = 0
                var written = 0
                let outerCount = Tensor.elementCount(outerShape)
                for _ in 0..<outerCount {
                    var s = sourceBase
                    for i in 0..<inner {
                        dst[written + i] = src[s]
                        s += innerStride
                    }
                    written += inner
                    // Odometer increment of the outer index.
                    var axis = outerShape.count - 1
                    while axis >= 0 {
                        index[axis] += 1
                        sourceBase += outerStrides[axis]
                        if index[axis] < outerShape[axis] { break }
                        sourceBase -= outerStrides[axis] * outerShape[axis]
                        index[axis] = 0
                        axis -= 1
                    }
                }
            }
        }
        return Tensor(shape: newShape, scalars: output)
    }

    /// Swaps two axes (by default the last two), as a contiguous copy.
    public func transposed(_ first: Int = -2, _ second: Int = -1) -> Tensor {
        let a = Tensor.normalizedAxis(first, rank: rank)
        let b = Tensor.normalizedAxis(second, rank: rank)
        var axes = Array(0..<rank)
        axes.swapAt(a, b)
        return permuted(axes)
    }

    /// The elements whose index along `axis` lies in `range`, e.g. a window of positions along the sequence axis.
    /// - Complexity: O(result count).
    public func sliced(axis: Int, _ range: Range<Int>) -> Tensor {
        let axis = Tensor.normalizedAxis(axis, rank: rank)
        precondition(range.lowerBound >= 0 && range.upperBound <= shape[axis],
                     "Tensor.sliced: range \(range) out of bounds for axis \(axis) of shape \(shape)")
        let outer = Tensor.elementCount(Array(shape[..<axis]))
        let inner = Tensor.elementCount(Array(shape[(axis + 1)...]))
        var newShape = shape
        newShape[axis] = range.count
        var output = [Float]()
        output.reserveCapacity(outer * range.count * inner)
        for o in 0..<outer {
            let start = (o * shape[axis] + range.lowerBound) * inner
            output.append(contentsOf: scalars[start..<(start + range.count * inner)])
        }
        return Tensor(shape: newShape, scalars: output)
    }

    /// Joins tensors along `axis`; all other extents must agree.
    public static func concatenate(_ tensors: [Tensor], axis: Int) -> Tensor {
        precondition(!tensors.isEmpty, "Tensor.concatenate: no tensors")
        let first = tensors[0]
        let axis = Tensor.normalizedAxis(axis, rank: first.rank)
        for t in tensors {
            precondition(t.rank == first.rank && (0..<first.rank).allSatisfy { $0 == axis || t.shape[$0] == first.shape[$0] },
                         "Tensor.concatenate: shapes \(tensors.map(\.shape)) differ outside axis \(axis)")
        }
        let outer = Tensor.elementCount(Array(first.shape[..<axis]))
        let inner = Tensor.elementCount(Array(first.shape[(axis + 1)...]))
        var newShape = first.shape
        newShape[axis] = tensors.reduce(0) { $0 + $1.shape[axis] }
        var output = [Float]()
        output.reserveCapacity(Tensor.elementCount(newShape))
        for o in 0..<outer {
            for t in tensors {
                let run = t.shape[axis] * inner
                output.append(contentsOf: t.scalars[(o * run)..<((o + 1) * run)])
            }
        }
        return Tensor(shape: newShape, scalars: output)
    }

    /// Materializes this tensor broadcast to `target` (NumPy rules: extents equal or 1, missing leading axes added).
    public func broadcast(to target: [Int]) -> Tensor {
        if shape == target { return self }
        let strides = Tensor.broadcastStrides(from: shape, to: target)
        var output = [Float](repeating: 0, count: Tensor.elementCount(target))
        var index = [Int](repeating: 0, count: target.count)
        var source = 0
        for flat in 0..<output.count {
            output[flat] = scalars[source]
            var axis = target.count - 1
            while axis >= 0 {
                index[axis] += 1
                source += strides[axis]
                if index[axis] < target[axis] { break }
                source -= strides[axis] * target[axis]
                index[axis] = 0
                axis -= 1
            }
        }
        return Tensor(shape: target, scalars: output)
    }

    /// Strides (in elements of a contiguous `shape`) that read `shape` as if it had shape `target`: 0 on broadcast axes.
    /// - Precondition: `shape` broadcasts to `target`.
    public static func broadcastStrides(from shape: [Int], to target: [Int]) -> [Int] {
        precondition(shape.count <= target.count, "Tensor: shape \(shape) does not broadcast to \(target)")
        let own = Tensor.strides(of: shape)
        let offset = target.count - shape.count
        return (0..<target.count).map { axis in
            guard axis >= offset else { return 0 }
            let extent = shape[axis - offset]
            precondition(extent == target[axis] || extent == 1, "Tensor: shape \(shape) does not broadcast to \(target)")
            return extent == 1 ? 0 : own[axis - offset]
        }
    }

    /// The shape two shapes broadcast to under NumPy rules.
    public static func broadcastShape(_ a: [Int], _ b: [Int]) -> [Int] {
        let rank = Swift.max(a.count, b.count)
        let pa = Array(repeating: 1, count: rank - a.count) + a
        let pb = Array(repeating: 1, count: rank - b.count) + b
        return (0..<rank).map { i in
            precondition(pa[i] == pb[i] || pa[i] == 1 || pb[i] == 1, "Tensor: shapes \(a) and \(b) do not broadcast")
            return pa[i] == 1 ? pb[i] : pa[i]
        }
    }
}
