import TensorCore
@testable import NN

/// Loop-by-loop references in `Double`, independent of BLAS, reshapes and the attention kernels.
enum Naive {
    /// `x·Wᵀ + b` for `x` `[rows, in]`, `W` `[out, in]`.
    static func linear(_ x: [[Double]], _ layer: Linear) -> [[Double]] {
        let (out, inputs) = (layer.weight.shape[0], layer.weight.shape[1])
        return x.map { row in
            (0..<out).map { o in
                var sum = Double(layer.bias?.scalars[o] ?? 0)
                for i in 0..<inputs { sum += row[i] * Double(layer.weight.scalars[o * inputs + i]) }
                return sum
            }
        }
    }

    static func rows(_ t: Tensor) -> [[Double]] {
        let width = t.shape.last!
        return (0..<(t.count / width)).map { r in (0..<width).map { Double(t.scalars[r * width + $0]) } }
    }

    /// Multi-head attention on one batch row: `x` `[T, C]`, `context` `[S, C]`, `allowed(i, j)` (after causal).
    /// Returns the output `[T, C]` and the weights `[H][T][S]`.
    static func attention(_ x: [[Double]], context: [[Double]], layer: MultiHeadAttention,
                          allowed: (Int, Int) -> Bool) -> (output: [[Double]], weights: [[[Double]]]) {
        let q = linear(x, layer.query), k = linear(context, layer.key), v = linear(context, layer.value)
        let (h, g, d) = (layer.headCount, layer.kvHeadCount, layer.headDimension)
        let e = layer.value.outputCount / g
        var merged = Array(repeating: [Double](repeating: 0, count: h * e), count: x.count)
        var weights: [[[Double]]] = []
        for head in 0..<h {
            let group = head / (h / g)
            var headWeights: [[Double]] = []
            for i in 0..<x.count {
                var scores = [Double](repeating: -.infinity, count: context.count)
                for j in 0..<context.count where allowed(i, j) {
                    var dot = 0.0
                    for c in 0..<d { dot += q[i][head * d + c] * k[j][group * d + c] }
                    scores[j] = dot / Double(d).squareRoot()
                }
                let top = scores.max()!
                var w = scores.map { top == -.infinity ? 0 : Foundation.exp($0 - top) }
                let total = w.reduce(0, +)
                if total > 0 { w = w.map { $0 / total } }
                for c in 0..<e {
                    var sum = 0.0
                    for j in 0..<context.count { sum += w[j] * v[j][group * e + c] }
                    merged[i][head * e + c] = sum
                }
                headWeights.append(w)
            }
            weights.append(headWeights)
        }
        return (linear(merged, layer.output), weights)
    }

    static func maxDifference(_ a: [[Double]], _ t: Tensor) -> Double {
        let flat = a.flatMap { $0 }
        precondition(flat.count == t.count)
        return zip(flat, t.scalars).map { abs($0 - Double($1)) }.max() ?? 0
    }
}

import Foundation

extension MultiHeadAttention {
    /// Random projections for tests: model width `width`, H heads, G key/value heads, head width `d`.
    static func random(width: Int, heads: Int, kvHeads: Int? = nil, headDimension d: Int, seed: UInt64,
                       contextWidth: Int? = nil, bias: Bool = true) -> MultiHeadAttention {
        var generator = SeededGenerator(seed: seed)
        let g = kvHeads ?? heads
        let source = contextWidth ?? width
        return MultiHeadAttention(
            query: Linear(inputCount: width, outputCount: heads * d, hasBias: bias, generator: &generator),
            key: Linear(inputCount: source, outputCount: g * d, hasBias: bias, generator: &generator),
            value: Linear(inputCount: source, outputCount: g * d, hasBias: bias, generator: &generator),
            output: Linear(inputCount: heads * d, outputCount: width, hasBias: bias, generator: &generator),
            headCount: heads, kvHeadCount: g)
    }
}
