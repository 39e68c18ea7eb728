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

    /// ``exp(_:)-(Wide)`` on 8 lanes: the same algorithm, one implementation (the lanes are computed as the low half
    /// of a 16-lane call; the kernels themselves call the 16-lane form).
    @inlinable @inline(__always)
    public static func exp(_ x: Vector) -> Vector {
        exp(Wide(lowHalf: x, highHalf: x)).lowHalf
    }

    public typealias Wide = SIMD16<Float>

    /// `a · b + c` on 16 lanes: one AVX-512 FMA, two AVX2 FMAs, or multiply + add without FMA.
    @inlinable @inline(__always)
    public static func multiplyAdd(_ a: Wide, _ b: Wide, _ c: Wide) -> Wide { cvm_muladd16(a, b, c) }

    /// ``exp(_:)`` on 16 lanes (one AVX-512 register): the same algorithm and error.
    @inlinable @inline(__always)
    public static func exp(_ x: Wide) -> Wide {
        var clamped = x
        clamped.replace(with: -87.3, where: x .< -87.3)
        clamped.replace(with: 88.3, where: x .> 88.3)
        let magic: Float = 12_582_912
        let t = multiplyAdd(clamped, Wide(repeating: 1.442_695_04), Wide(repeating: magic))
        let n = t - magic
        var r = multiplyAdd(n, Wide(repeating: -0.693_359_375), clamped)
        r = multiplyAdd(n, Wide(repeating: 2.121_944_4e-4), r)
        var p = multiplyAdd(r, Wide(repeating: 1.987_569_15e-4), Wide(repeating: 1.398_199_95e-3))
        p = multiplyAdd(p, r, Wide(repeating: 8.333_451_9e-3))
        p = multiplyAdd(p, r, Wide(repeating: 4.166_579_59e-2))
        p = multiplyAdd(p, r, Wide(repeating: 1.666_666_55e-1))
        p = multiplyAdd(p, r, Wide(repeating: 5.000_000_12e-1))
        p = multiplyAdd(p, r * r, (r + 1))
        let bits = unsafeBitCast(t, to: SIMD16<Int32>.self) &- 0x4B40_0000
        let scale = unsafeBitCast((bits &+ 127) &<< 23, to: Wide.self)
        var result = p * scale
        result.replace(with: 0, where: x .< -87.3)
        return result
    }

    /// Replaces `row[0..<count]` by `exp(row − shift) · factor` and returns the sum of `exp(row − shift)`.
    /// `count` is a multiple of 16 (the kernels' tiles are). One tight loop, so the polynomial constants stay in
    /// registers.
    @inlinable @discardableResult
    public static func exponentiate(_ row: UnsafeMutablePointer<Float>, count: Int, shift: Float, factor: Float = 1) -> Float {
        precondition(count % 16 == 0, "VectorMath.exponentiate: count \(count) is not a multiple of 16")
        var sum = Wide()
        let shift16 = Wide(repeating: shift), factor16 = Wide(repeating: factor)
        for c in stride(from: 0, to: count, by: 16) {
            let e = exp(loadWide(row + c) - shift16)
            sum += e
            storeWide(factor == 1 ? e : e * factor16, row + c)
        }
        return horizontalSum(sum)
    }

    /// The largest of `row[0..<count]`, `count` a multiple of 16 (−∞ for an empty row).
    @inlinable
    public static func maximum(_ row: UnsafePointer<Float>, count: Int) -> Float {
        precondition(count % 16 == 0, "VectorMath.maximum: count \(count) is not a multiple of 16")
        var m = Wide(repeating: -.infinity)
        for c in stride(from: 0, to: count, by: 16) {
            let x = loadWide(row + c)
            m.replace(with: x, where: x .> m)
        }
        return horizontalMaximum(m)
    }

    /// The largest lane, by halving (the standard library's `max()` is a scalar loop).
    @inlinable @inline(__always)
    public static func horizontalMaximum(_ v: Wide) -> Float {
        let a = v.lowHalf.replacing(with: v.highHalf, where: v.highHalf .> v.lowHalf)
        let b = a.lowHalf.replacing(with: a.highHalf, where: a.highHalf .> a.lowHalf)
        let c = b.lowHalf.replacing(with: b.highHalf, where: b.highHalf .> b.lowHalf)
        return Swift.max(c[0], c[1])
    }

    /// The sum of the lanes, by halving.
    @inlinable @inline(__always)
    public static func horizontalSum(_ v: Wide) -> Float {
        let a = v.lowHalf + v.highHalf
        let b = a.lowHalf + a.highHalf
        let c = b.lowHalf + b.highHalf
        return c[0] + c[1]
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

    /// Loads 16 floats from a possibly unaligned pointer.
    @inlinable @inline(__always)
    public static func loadWide(_ p: UnsafePointer<Float>) -> Wide {
        UnsafeRawPointer(p).loadUnaligned(as: Wide.self)
    }

    /// Stores 16 floats to a possibly unaligned pointer.
    @inlinable @inline(__always)
    public static func storeWide(_ v: Wide, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: Wide.self)
    }
}
