import Foundation
import AttentionKernels
import TensorCore

/// The element-wise work of a BERT layer, fused and vectorized: exact-erf GELU in `Float` and
/// residual-add-then-LayerNorm in one pass over each row. The naive twins are `Activation.gelu` and
/// `Normalization.layerNorm(x + residual)`; `BERTTests` checks that they agree.
///
/// Legend: N = rows (batch × tokens), C = model width, F = feed-forward width.
enum BERTKernels {
    typealias V8 = SIMD8<Float>

    /// `erf(x)` in `Float` for 8 lanes: a rational approximation on `[-4, 4]` (Eigen's `generic_fast_erf_float`,
    /// odd degree-13 numerator over even degree-8 denominator), within 5e-7 of `erf`; `|erf(x)| > 1 − 2e-8` outside.
    @inline(__always)
    static func erf(_ input: V8) -> V8 {
        // replacing(with:where:) rather than clamped(lowerBound:upperBound:), which calls the standard library's
        // generic pointwiseMin/pointwiseMax unspecialized (1.6% of the MiniLM profile).
        var x = input.replacing(with: -4, where: input .< -4)
        x.replace(with: 4, where: x .> 4)
        let x2 = x * x
        var p = V8(repeating: -2.72614225801306e-10)
        p = p * x2 + V8(repeating: 2.77068142495902e-08)
        p = p * x2 + V8(repeating: -2.10102402082508e-06)
        p = p * x2 + V8(repeating: -5.69250639462346e-05)
        p = p * x2 + V8(repeating: -7.34990630326855e-04)
        p = p * x2 + V8(repeating: -2.95459980854025e-03)
        p = p * x2 + V8(repeating: -1.60960333262415e-02)
        p *= x
        var q = V8(repeating: -1.45660718464996e-05)
        q = q * x2 + V8(repeating: -2.13374055278905e-04)
        q = q * x2 + V8(repeating: -1.68282697438203e-03)
        q = q * x2 + V8(repeating: -7.37332916720468e-03)
        q = q * x2 + V8(repeating: -1.42647390514189e-02)
        return p / q
    }

    /// Exact GELU, `x/2 · (1 + erf(x/√2))`, in place, over rows in parallel.
    /// - Parameter x: `[..., F]`; any shape.
    static func gelu(inPlace x: inout Tensor) {
        let count = x.count
        x.withUnsafeMutableBufferPointer { buffer in
            let shared = UncheckedSendable(buffer.baseAddress!)
            let chunk = 4096
            Parallelism.parallelFor((count + chunk - 1) / chunk) { c in
                let p = shared.value
                let end = Swift.min(count, (c + 1) * chunk)
                var i = c * chunk
                let half = V8(repeating: 0.5), invSqrt2 = V8(repeating: 0.7071067811865476), one = V8(repeating: 1)
                while i + 8 <= end {
                    let v = V8(UnsafeBufferPointer(start: p + i, count: 8))
                    let y = half * v * (one + erf(v * invSqrt2))
                    for lane in 0..<8 { p[i + lane] = y[lane] }
                    i += 8
                }
                while i < end {
                    p[i] = Activation.gelu(p[i])
                    i += 1
                }
            }
        }
    }

    /// `LayerNorm(x + residual)` per row: `y = (s − mean) / √(var + ε) · γ + β` with `s = x + residual`.
    /// - Parameters:
    ///   - x, residual: `[..., C]`, the same shape.
    ///   - norm: γ, β `[C]` and ε.
    /// - Returns: `[..., C]`.
    /// - Complexity: O(N·C), rows in parallel; statistics in `Float` over 8 lanes, two passes (mean, then centred
    ///   variance), so no cancellation.
    static func addLayerNorm(_ x: Tensor, residual: Tensor, weight: Tensor, bias: Tensor?, epsilon: Float) -> Tensor {
        precondition(x.shape == residual.shape, "addLayerNorm: \(x.shape) and residual \(residual.shape) differ")
        let c = x.shape.last ?? 1
        precondition(weight.shape == [c], "addLayerNorm: weight \(weight.shape) does not match width \(c)")
        let rows = x.count / Swift.max(c, 1)
        var out = [Float](repeating: 0, count: x.count)
        let beta = bias?.scalars ?? [Float](repeating: 0, count: c)
        x.withUnsafeBufferPointer { xp in
        residual.withUnsafeBufferPointer { rp in
        weight.withUnsafeBufferPointer { gp in
        beta.withUnsafeBufferPointer { bp in
        out.withUnsafeMutableBufferPointer { op in
            let shared = UncheckedSendable((xp.baseAddress!, rp.baseAddress!, gp.baseAddress!, bp.baseAddress!, op.baseAddress!))
            Parallelism.parallelFor(rows) { row in
                let (xs, rs, g, b, o) = shared.value
                let (xr, rr, orow) = (xs + row * c, rs + row * c, o + row * c)
                var sum8 = V8()
                var j = 0
                while j + 8 <= c {
                    let s = load(xr + j) + load(rr + j)
                    store(s, orow + j)
                    sum8 += s
                    j += 8
                }
                var sum = sum8.sum()
                while j < c { orow[j] = xr[j] + rr[j]; sum += orow[j]; j += 1 }
                let mean = sum / Float(c)
                var square8 = V8()
                let mean8 = V8(repeating: mean)
                j = 0
                while j + 8 <= c { let d = load(orow + j) - mean8; square8 += d * d; j += 8 }
                var squares = square8.sum()
                while j < c { let d = orow[j] - mean; squares += d * d; j += 1 }
                let inverse = 1 / (squares / Float(c) + epsilon).squareRoot()
                let inverse8 = V8(repeating: inverse)
                j = 0
                while j + 8 <= c {
                    store((load(orow + j) - mean8) * inverse8 * load(g + j) + load(b + j), orow + j)
                    j += 8
                }
                while j < c { orow[j] = (orow[j] - mean) * inverse * g[j] + b[j]; j += 1 }
            }
        }}}}}
        return Tensor(shape: x.shape, scalars: out)
    }

    @inline(__always) static func load(_ p: UnsafePointer<Float>) -> V8 {
        UnsafeRawPointer(p).loadUnaligned(as: V8.self)
    }

    @inline(__always) static func load(_ p: UnsafeMutablePointer<Float>) -> V8 {
        UnsafeRawPointer(p).loadUnaligned(as: V8.self)
    }

    @inline(__always) static func store(_ v: V8, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: V8.self)
    }

    /// Splits a fused projection `[B, T, 3·H·D]` (query, key, value side by side) into three `[B, H, T, D]` tensors
    /// in one pass.
    static func splitQueryKeyValue(_ qkv: Tensor, heads: Int) -> (Tensor, Tensor, Tensor) {
        precondition(qkv.rank == 3 && qkv.shape[2] % (3 * heads) == 0, "splitQueryKeyValue: \(qkv.shape) is not [B, T, 3·\(heads)·D]")
        let (b, t) = (qkv.shape[0], qkv.shape[1])
        return splitQueryKeyValue(qkv.reshaped([b * t, qkv.shape[2]]), lengths: [Int](repeating: t, count: b), paddedLength: t, heads: heads)
    }

    /// Splits a fused projection of packed rows `[N, 3·H·D]` (sequence after sequence, no padding: N = Σ lengths)
    /// into three padded `[B, H, T, D]` tensors; rows past a sequence's length are zero.
    static func splitQueryKeyValue(_ qkv: Tensor, lengths: [Int], paddedLength t: Int, heads: Int) -> (Tensor, Tensor, Tensor) {
        let b = lengths.count
        precondition(qkv.rank == 2 && qkv.shape[0] == lengths.reduce(0, +) && qkv.shape[1] % (3 * heads) == 0,
                     "splitQueryKeyValue: \(qkv.shape) is not [Σ lengths = \(lengths.reduce(0, +)), 3·\(heads)·D]")
        precondition(lengths.allSatisfy { $0 <= t }, "splitQueryKeyValue: lengths \(lengths) exceed \(t)")
        let width = qkv.shape[1] / 3
        let d = width / heads
        var parts = [[Float]](repeating: [Float](repeating: 0, count: b * t * width), count: 3)
        qkv.withUnsafeBufferPointer { src in
            for part in 0..<3 {
                parts[part].withUnsafeMutableBufferPointer { dst in
                    var row = 0
                    for batch in 0..<b {
                        for token in 0..<lengths[batch] {
                            let from = src.baseAddress! + (row + token) * 3 * width + part * width
                            for h in 0..<heads {
                                (dst.baseAddress! + ((batch * heads + h) * t + token) * d).update(from: from + h * d, count: d)
                            }
                        }
                        row += lengths[batch]
                    }
                }
            }
        }
        let shape = [b, heads, t, d]
        return (Tensor(shape: shape, scalars: parts[0]), Tensor(shape: shape, scalars: parts[1]), Tensor(shape: shape, scalars: parts[2]))
    }

    /// Merges heads `[B, H, T, D]` into packed rows `[N, H·D]`, keeping only each sequence's first `lengths[b]` rows.
    static func mergeHeads(_ x: Tensor, lengths: [Int]) -> Tensor {
        precondition(x.rank == 4 && x.shape[0] == lengths.count && lengths.allSatisfy { $0 <= x.shape[2] },
                     "mergeHeads: \(x.shape) does not hold sequences of lengths \(lengths)")
        let (b, heads, t, d) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        var rows = [Float](repeating: 0, count: lengths.reduce(0, +) * heads * d)
        x.withUnsafeBufferPointer { src in
            rows.withUnsafeMutableBufferPointer { dst in
                var row = 0
                for batch in 0..<b {
                    for token in 0..<lengths[batch] {
                        for h in 0..<heads {
                            (dst.baseAddress! + (row + token) * heads * d + h * d)
                                .update(from: src.baseAddress! + ((batch * heads + h) * t + token) * d, count: d)
                        }
                    }
                    row += lengths[batch]
                }
            }
        }
        return Tensor(shape: [lengths.reduce(0, +), heads * d], scalars: rows)
    }

    /// Packed rows `[N, C]` (sequence after sequence) → padded `[B, T, C]` with zero rows after each sequence.
    static func pad(_ packed: Tensor, lengths: [Int], paddedLength t: Int) -> Tensor {
        let c = packed.shape[1]
        var out = [Float](repeating: 0, count: lengths.count * t * c)
        packed.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                var row = 0
                for (batch, length) in lengths.enumerated() {
                    (dst.baseAddress! + batch * t * c).update(from: src.baseAddress! + row * c, count: length * c)
                    row += length
                }
            }
        }
        return Tensor(shape: [lengths.count, t, c], scalars: out)
    }

    /// Padded `[B, T, C]` → packed rows `[N, C]`: the first `lengths[b]` rows of each sequence.
    static func pack(_ padded: Tensor, lengths: [Int]) -> Tensor {
        let (t, c) = (padded.shape[1], padded.shape[2])
        var out = [Float](repeating: 0, count: lengths.reduce(0, +) * c)
        padded.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                var row = 0
                for (batch, length) in lengths.enumerated() {
                    (dst.baseAddress! + row * c).update(from: src.baseAddress! + batch * t * c, count: length * c)
                    row += length
                }
            }
        }
        return Tensor(shape: [lengths.reduce(0, +), c], scalars: out)
    }
}
