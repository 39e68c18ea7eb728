/// Bit-exact conversions between `Float` and the two 16-bit floating-point formats found in checkpoints.
///
/// Both formats travel as raw `UInt16` bit patterns, so this works on every platform (Swift's own `Float16` is
/// missing on macOS x86_64).
///
/// | format   | sign | exponent (bias) | fraction | largest finite | smallest subnormal |
/// |----------|------|-----------------|----------|----------------|--------------------|
/// | Float16  | 1    | 5 (15)          | 10       | 65504          | 2⁻²⁴               |
/// | BFloat16 | 1    | 8 (127)         | 7        | ≈ 3.39e38      | 2⁻¹³³              |
///
/// Widening to `Float` is exact. Narrowing rounds to nearest, ties to even (IEEE 754 default), overflows to
/// infinity, keeps the sign of zero and keeps NaN a (quiet) NaN.
///
/// Reference: IEEE 754-2008 §3.6 (binary16); Google Brain's bfloat16, the upper half of a binary32.
public enum HalfPrecision {
    /// The exact `Float` value of an IEEE binary16 bit pattern, subnormals, infinities and NaN payloads included.
    ///
    /// A normal half `(-1)^s · 2^(e-15) · 1.f` becomes the float with exponent `e - 15 + 127` and the 10 fraction
    /// bits shifted up by 13; a subnormal `(-1)^s · 2^-24 · f` is exact in `Float` as a plain product.
    @inlinable
    public static func float(fromFloat16 bits: UInt16) -> Float {
        let sign = UInt32(bits & 0x8000) << 16
        let exponent = UInt32(bits >> 10) & 0x1F
        let fraction = UInt32(bits & 0x03FF)
        switch exponent {
        case 0:
            // Subnormal or zero: fraction · 2⁻²⁴ is exact in Float (fewer than 24 significant bits).
            let magnitude = Float(fraction) * 0x1p-24
            return Float(bitPattern: magnitude.bitPattern | sign)
        case 0x1F:
            // Infinity (fraction 0) or NaN; the payload moves to the top of the float's fraction.
            return Float(bitPattern: sign | 0x7F80_0000 | (fraction << 13))
        default:
            return Float(bitPattern: sign | ((exponent + 112) << 23) | (fraction << 13))
        }
    }

    /// The IEEE binary16 bit pattern nearest to `value`, ties to even.
    ///
    /// Magnitudes from 65520 up become infinity; magnitudes at or below 2⁻²⁵ become a signed zero; NaN stays a
    /// quiet NaN with the top of its payload.
    @inlinable
    public static func float16Bits(from value: Float) -> UInt16 {
        let bits = value.bitPattern
        let sign = UInt16(truncatingIfNeeded: (bits >> 16) & 0x8000)
        let exponent = Int((bits >> 23) & 0xFF)
        let fraction = bits & 0x007F_FFFF
        if exponent == 0xFF {
            return fraction == 0 ? sign | 0x7C00 : sign | 0x7E00 | UInt16(truncatingIfNeeded: fraction >> 13)
        }
        let halfExponent = exponent - 127 + 15
        if halfExponent >= 0x1F { return sign | 0x7C00 }
        if halfExponent >= 1 {
            // Normal: keep 10 fraction bits, round on the 13 dropped ones; a carry may bump the exponent, even to
            // infinity, which is the correct result.
            var half = UInt32(halfExponent << 10) | (fraction >> 13)
            let dropped = fraction & 0x1FFF
            if dropped > 0x1000 || (dropped == 0x1000 && half & 1 == 1) { half += 1 }
            return sign | UInt16(truncatingIfNeeded: half)
        }
        // Subnormal result: the half fraction is value · 2²⁴ = significand · 2^(exponent - 126).
        let shift = 126 - exponent
        if shift > 24 { return sign }  // below 2⁻²⁵ (float subnormals included): rounds to zero
        let significand = fraction | 0x0080_0000
        var half = significand >> UInt32(shift)
        let dropped = significand & ((1 << UInt32(shift)) - 1)
        let halfway = UInt32(1) << UInt32(shift - 1)
        if dropped > halfway || (dropped == halfway && half & 1 == 1) { half += 1 }
        return sign | UInt16(truncatingIfNeeded: half)
    }

    /// The exact `Float` value of a bfloat16 bit pattern: the pattern becomes the float's upper 16 bits.
    @inlinable
    public static func float(fromBFloat16 bits: UInt16) -> Float {
        Float(bitPattern: UInt32(bits) << 16)
    }

    /// The bfloat16 bit pattern nearest to `value`, ties to even; NaN stays a quiet NaN.
    ///
    /// Adding `0x7FFF` plus the lowest kept bit to the float's bits and truncating rounds to nearest-even; the
    /// carry runs into the exponent when it must, up to infinity.
    @inlinable
    public static func bfloat16Bits(from value: Float) -> UInt16 {
        let bits = value.bitPattern
        if value.isNaN { return UInt16(truncatingIfNeeded: bits >> 16) | 0x0040 }
        let rounding = 0x7FFF + ((bits >> 16) & 1)
        return UInt16(truncatingIfNeeded: (bits &+ rounding) >> 16)
    }
}
