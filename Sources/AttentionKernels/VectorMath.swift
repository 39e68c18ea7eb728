import CVectorMath

/// Vectorized elementary functions on `SIMD8<Float>` (one AVX register) for the fused kernels.
///
/// `exp` follows Cephes `expf`: x = n·ln2 + r with |r| ≤ ln2/2, e^r by a degree-6 polynomial, 2ⁿ by building
/// the exponent bits. Relative error ≤ 2 ulp over the normal range; inputs below −87.3 (including −∞) give
/// exactly 0, so masked scores contribute nothing.
public enum VectorMath {
    public typealias Vector = SIMD8<Float>

    /// `a · b + c` lane-wise: one FMA instruction where the target has FMA, multiply + add elsewhere. Use this, not
    /// `addingProduct`, which becomes eight calls to the C library's `fmaf` in a build without FMA (see CVectorMath.h).
    @inlinable @inline(__always)
    public static func multiplyAdd(_ a: Vector, _ b: Vector, _ c: Vector) -> Vector { cvm_muladd8(a, b, c) }

    @inlinable @inline(__always)
    public static func exp(_ x: Vector) -> Vector {
        var clamped = x
        clamped.replace(with: -87.3, where: x .< -87.3)
        clamped.replace(with: 88.3, where: x .> 88.3)
        // Round x·log2(e) to the nearest integer with the 1.5·2²³ trick; its low bits then hold n.
        let magic: Float = 12_582_912
        let t = multiplyAdd(clamped, Vector(repeating: 1.442_695_04), Vector(repeating: magic))
        let n = t - magic
        var r = multiplyAdd(n, Vector(repeating: -0.693_359_375), clamped)
        r = multiplyAdd(n, Vector(repeating: 2.121_944_4e-4), r)
        var p = multiplyAdd(r, Vector(repeating: 1.987_569_15e-4), Vector(repeating: 1.398_199_95e-3))
        p = multiplyAdd(p, r, Vector(repeating: 8.333_451_9e-3))
        p = multiplyAdd(p, r, Vector(repeating: 4.166_579_59e-2))
        p = multiplyAdd(p, r, Vector(repeating: 1.666_666_55e-1))
        p = multiplyAdd(p, r, Vector(repeating: 5.000_000_12e-1))
        p = multiplyAdd(p, r * r, (r + 1))
        let bits = unsafeBitCast(t, to: SIMD8<Int32>.self) &- 0x4B40_0000
        let scale = unsafeBitCast((bits &+ 127) &<< 23, to: Vector.self)
        var result = p * scale
        result.replace(with: 0, where: x .< -87.3)
        return result
    }

    /// Replaces `row[0..<count]` by `exp(row − shift) · factor` and returns the sum of `exp(row − shift)`.
    /// `count` is a multiple of 8. One tight loop, so the polynomial constants stay in registers.
    @inlinable @discardableResult
    public static func exponentiate(_ row: UnsafeMutablePointer<Float>, count: Int, shift: Float, factor: Float = 1) -> Float {
        var sum = Vector()
        let shift8 = Vector(repeating: shift), factor8 = Vector(repeating: factor)
        var c = 0
        while c < count {
            let e = exp(load(row + c) - shift8)
            sum += e
            store(factor == 1 ? e : e * factor8, row + c)
            c += 8
        }
        return sum.sum()
    }

    /// Lane-wise maximum.
    @inlinable @inline(__always)
    public static func max(_ a: Vector, _ b: Vector) -> Vector {
        a.replacing(with: b, where: b .> a)
    }

    /// Loads 8 floats from a possibly unaligned pointer.
    @inlinable @inline(__always)
    public static func load(_ p: UnsafePointer<Float>) -> Vector {
        UnsafeRawPointer(p).loadUnaligned(as: Vector.self)
    }

    /// Stores 8 floats to a possibly unaligned pointer.
    @inlinable @inline(__always)
    public static func store(_ v: Vector, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: Vector.self)
    }
}
