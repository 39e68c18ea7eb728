import Foundation

/// A seeded pseudo-random generator that yields the same sequence on every platform.
///
/// The core is xoshiro256** seeded through SplitMix64 (Blackman & Vigna, 2018); both use only 64-bit integer
/// arithmetic, so the raw sequence is bit-identical everywhere. `nextUniform()` takes the top 24 bits, so uniform
/// floats are exact too. `nextNormal()` uses the Box–Muller transform in `Double`, rounded to `Float`.
/// `tools/reference_rng.py` reproduces this generator in Python for golden files.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: (UInt64, UInt64, UInt64, UInt64)
    private var spareNormal: Double?

    /// Creates a generator; equal seeds give equal sequences.
    public init(seed: UInt64) {
        var s = seed
        func splitMix() -> UInt64 {
            s &+= 0x9E37_79B9_7F4A_7C15
            var z = s
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        state = (splitMix(), splitMix(), splitMix(), splitMix())
    }

    /// The next raw 64-bit value (xoshiro256**).
    public mutating func next() -> UInt64 {
        let result = rotateLeft(state.1 &* 5, 7) &* 9
        let t = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= t
        state.3 = rotateLeft(state.3, 45)
        return result
    }

    private func rotateLeft(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// A uniform `Float` in `[0, 1)`: the top 24 bits of `next()` times 2⁻²⁴.
    public mutating func nextUniform() -> Float {
        Float(next() >> 40) * (1.0 / 16_777_216.0)
    }

    /// A standard normal `Float` (mean 0, variance 1) by Box–Muller; values come in pairs.
    public mutating func nextNormal() -> Float {
        if let spare = spareNormal {
            spareNormal = nil
            return Float(spare)
        }
        // u1 in (0, 1] so the logarithm is finite.
        let u1 = (Double(next() >> 11) + 1) * 0x1p-53
        let u2 = Double(next() >> 11) * 0x1p-53
        let radius = (-2 * Foundation.log(u1)).squareRoot()
        spareNormal = radius * Foundation.sin(2 * Double.pi * u2)
        return Float(radius * Foundation.cos(2 * Double.pi * u2))
    }
}

extension Tensor {
    /// A tensor of uniform values in `[low, high)`.
    public static func uniform(shape: [Int], low: Float = 0, high: Float = 1, generator: inout SeededGenerator) -> Tensor {
        Tensor(shape: shape, scalars: (0..<Tensor.elementCount(shape)).map { _ in low + (high - low) * generator.nextUniform() })
    }

    /// A tensor of normal values with the given mean and standard deviation.
    public static func normal(shape: [Int], mean: Float = 0, standardDeviation: Float = 1, generator: inout SeededGenerator) -> Tensor {
        Tensor(shape: shape, scalars: (0..<Tensor.elementCount(shape)).map { _ in mean + standardDeviation * generator.nextNormal() })
    }
}

/// Counter-based random numbers: the `counter`-th uniform of stream `seed`, independent of evaluation order.
///
/// Kernels that visit elements in different orders (the reference and the tiled attention kernels) draw the same
/// dropout and sampling decisions from it. One SplitMix64 finalization of `seed + (counter + 1) · φ`.
public enum CounterRandom {
    @inlinable
    public static func uniform(seed: UInt64, counter: UInt64) -> Float {
        var z = seed &+ 0x9E37_79B9_7F4A_7C15 &* (counter &+ 1)
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return Float(z >> 40) * (1.0 / 16_777_216.0)
    }
}
