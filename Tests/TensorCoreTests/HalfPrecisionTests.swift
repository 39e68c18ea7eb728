import Testing
import TensorCore

@Suite("HalfPrecision")
struct HalfPrecisionTests {
    /// IEEE binary16 straight from the definition, in Double.
    static func referenceFloat16(_ bits: UInt16) -> Double {
        let sign: Double = bits & 0x8000 == 0 ? 1 : -1
        let exponent = Int(bits >> 10) & 0x1F
        let fraction = Double(bits & 0x3FF)
        switch exponent {
        case 0: return sign * fraction * 0x1p-24
        case 31: return fraction == 0 ? sign * .infinity : .nan
        default: return sign * (1 + fraction / 1024) * Double(sign: .plus, exponent: exponent - 15, significand: 1)
        }
    }

    @Test func everyFloat16PatternWidensExactly() {
        for pattern in 0...UInt16.max {
            let value = HalfPrecision.float(fromFloat16: pattern)
            let reference = Self.referenceFloat16(pattern)
            if reference.isNaN {
                #expect(value.isNaN, "pattern \(pattern)")
                // The payload survives the widening.
                #expect(UInt16((value.bitPattern >> 13) & 0x3FF) == pattern & 0x3FF)
            } else {
                #expect(Double(value) == reference, "pattern \(pattern)")
                #expect(value.sign == (pattern & 0x8000 == 0 ? .plus : .minus), "pattern \(pattern)")
            }
        }
    }

    @Test func everyFloat16PatternSurvivesARoundTrip() {
        for pattern in 0...UInt16.max {
            let back = HalfPrecision.float16Bits(from: HalfPrecision.float(fromFloat16: pattern))
            if Self.referenceFloat16(pattern).isNaN {
                #expect(back == pattern | 0x0200, "NaN \(pattern) should come back quiet with its payload")
            } else {
                #expect(back == pattern, "pattern \(pattern)")
            }
        }
    }

    /// Between every two neighbouring finite halves: the midpoint goes to the even one, anything off the midpoint
    /// goes to the nearer one.
    @Test func float16NarrowingRoundsToNearestEven() {
        for pattern in UInt16(0)..<0x7BFF {
            let low = HalfPrecision.float(fromFloat16: pattern)
            let high = HalfPrecision.float(fromFloat16: pattern + 1)
            let midpoint = (low + high) / 2  // exact: halves have 11 significant bits
            let even = pattern & 1 == 0 ? pattern : pattern + 1
            for sign in [UInt16(0), 0x8000] {
                let flip: Float = sign == 0 ? 1 : -1
                #expect(HalfPrecision.float16Bits(from: flip * midpoint) == even | sign, "midpoint above \(pattern)")
                #expect(HalfPrecision.float16Bits(from: flip * midpoint.nextDown) == pattern | sign)
                #expect(HalfPrecision.float16Bits(from: flip * midpoint.nextUp) == (pattern + 1) | sign)
            }
        }
    }

    @Test func float16EdgeCases() {
        #expect(HalfPrecision.float16Bits(from: 65504) == 0x7BFF)
        #expect(HalfPrecision.float16Bits(from: Float(65520).nextDown) == 0x7BFF)
        #expect(HalfPrecision.float16Bits(from: 65520) == 0x7C00, "the tie above the largest half rounds to infinity")
        #expect(HalfPrecision.float16Bits(from: 1e10) == 0x7C00)
        #expect(HalfPrecision.float16Bits(from: -.infinity) == 0xFC00)
        #expect(HalfPrecision.float16Bits(from: -0.0) == 0x8000)
        #expect(HalfPrecision.float16Bits(from: 0x1p-25) == 0x0000, "half the smallest subnormal ties to zero")
        #expect(HalfPrecision.float16Bits(from: Float(0x1p-25).nextUp) == 0x0001)
        #expect(HalfPrecision.float16Bits(from: 0x1p-24) == 0x0001)
        #expect(HalfPrecision.float16Bits(from: .leastNonzeroMagnitude) == 0x0000)
        #expect(HalfPrecision.float16Bits(from: -.leastNormalMagnitude) == 0x8000)
        #expect(HalfPrecision.float16Bits(from: Float(0x1p-14).nextDown) == 0x0400, "rounds up into the normals")
        #expect(HalfPrecision.float16Bits(from: .nan) & 0x7E00 == 0x7E00)
        #expect(HalfPrecision.float16Bits(from: 1) == 0x3C00)
        #expect(HalfPrecision.float16Bits(from: -2) == 0xC000)
        #expect(HalfPrecision.float16Bits(from: 1.0 / 3) == 0x3555)
    }

    @Test func everyBFloat16PatternWidensAndSurvivesARoundTrip() {
        for pattern in 0...UInt16.max {
            let value = HalfPrecision.float(fromBFloat16: pattern)
            #expect(value.bitPattern == UInt32(pattern) << 16)
            let back = HalfPrecision.bfloat16Bits(from: value)
            #expect(value.isNaN ? back == pattern | 0x0040 : back == pattern, "pattern \(pattern)")
        }
    }

    static let bfloat16Cases: [(value: Float, bits: UInt16)] = [
        (1, 0x3F80),
        (1 + 0x1p-8, 0x3F80),  // tie between 0x3F80 and 0x3F81: even wins
        (1 + 0x1p-8 + 0x1p-23, 0x3F81),  // just above the tie
        (1 + 3 * 0x1p-8, 0x3F82),  // tie between 0x3F81 and 0x3F82: even wins
        (-(1 + 3 * 0x1p-8), 0xBF82),
        (3.140625, 0x4049),
        (Float.pi, 0x4049),
        (.greatestFiniteMagnitude, 0x7F80),  // rounds up to infinity
        (-.infinity, 0xFF80),
        (-0.0, 0x8000),
        (.leastNonzeroMagnitude, 0x0000),
        (Float(bitPattern: 0x0000_8000), 0x0000),  // subnormal tie to even (zero)
        (Float(bitPattern: 0x0001_8000), 0x0002),  // subnormal tie to even (up)
    ]

    @Test(arguments: bfloat16Cases)
    func bfloat16Rounding(value: Float, expected: UInt16) {
        #expect(HalfPrecision.bfloat16Bits(from: value) == expected)
    }

    @Test func bfloat16KeepsNaNQuiet() {
        let signalling = Float(bitPattern: 0x7F80_0001)  // payload only in the bits that are dropped
        #expect(HalfPrecision.float(fromBFloat16: HalfPrecision.bfloat16Bits(from: signalling)).isNaN)
        #expect(HalfPrecision.float(fromBFloat16: HalfPrecision.bfloat16Bits(from: -.nan)).isNaN)
    }
}
