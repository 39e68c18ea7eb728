import Foundation
import TensorCore

/// Numerically stable softmax along the last axis.
public enum Softmax {
    /// Softmax of one row in place: `p_j = exp(x_j − max) / Σ exp(x_k − max)`.
    ///
    /// Entries equal to `-infinity` get probability 0. A row that is entirely `-infinity` (every key masked)
    /// becomes all zeros rather than NaN. Returns the row's log-sum-exp (`-infinity` for an all-masked row).
    @inlinable
    @discardableResult
    public static func softmaxRow(_ row: UnsafeMutablePointer<Float>, count: Int) -> Float {
        var maximum = -Float.infinity
        for j in 0..<count { maximum = Swift.max(maximum, row[j]) }
        if maximum == -.infinity {
            for j in 0..<count { row[j] = 0 }
            return -.infinity
        }
        var total: Float = 0
        for j in 0..<count {
            let e = exp(row[j] - maximum)
            row[j] = e
            total += e
        }
        let inverse = 1 / total
        for j in 0..<count { row[j] *= inverse }
        return maximum + log(total)
    }

    /// Softmax along the last axis. `[..., n]` → `[..., n]`.
    public static func softmax(_ x: Tensor) -> Tensor {
        var out = x
        let n = x.shape.last ?? 1
        guard n > 0 else { return out }
        out.withUnsafeMutableBufferPointer { p in
            var base = 0
            while base < p.count {
                softmaxRow(p.baseAddress! + base, count: n)
                base += n
            }
        }
        return out
    }

    /// Log-softmax along the last axis: `x_j − max − log Σ exp(x_k − max)`. `[..., n]` → `[..., n]`.
    public static func logSoftmax(_ x: Tensor) -> Tensor {
        var out = x
        let n = x.shape.last ?? 1
        guard n > 0 else { return out }
        out.withUnsafeMutableBufferPointer { p in
            var base = 0
            while base < p.count {
                var maximum = -Float.infinity
                for j in 0..<n { maximum = Swift.max(maximum, p[base + j]) }
                var total: Float = 0
                for j in 0..<n { total += exp(p[base + j] - maximum) }
                let shift = maximum + log(total)
                for j in 0..<n { p[base + j] -= shift }
                base += n
            }
        }
        return out
    }
}
