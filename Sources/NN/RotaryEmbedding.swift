import Foundation
import TensorCore

/// Rotary position embedding, RoPE (Su et al., 2021): rotates each pair of channels of a query or key by an angle
/// proportional to its position, so `q·k` depends only on the distance between positions.
///
///     θ_i = base^(−2i/R),  i = 0 ..< R/2      (R = rotated dimensions, ≤ D)
///     (a, b) ↦ (a·cos(p·θ_i) − b·sin(p·θ_i),  a·sin(p·θ_i) + b·cos(p·θ_i))     p = offset + position
///
/// Which channels form pair i depends on the convention; the two give different results on the same weights
/// (Hugging Face permutes llama.cpp's Q/K weights when converting between them).
/// Channels `R ..< D` pass through unchanged (partial rotary, as GPT-J and GPT-NeoX use).
public struct RotaryEmbedding: Sendable, Equatable {
    /// How channels are paired.
    public enum Convention: String, Sendable, Codable, CaseIterable {
        /// Pair i is channels `(2i, 2i+1)`: GPT-J, llama.cpp, Meta's original Llama code.
        case adjacentPairs
        /// Pair i is channels `(i, i + R/2)`: GPT-NeoX and Hugging Face's `rotate_half`.
        case halfSplit
    }

    /// R, the number of leading channels rotated (even).
    public var dimensions: Int
    /// The base frequency (10000 in the paper and Llama 2, 500000 in Llama 3).
    public var base: Float
    public var convention: Convention

    public init(dimensions: Int, base: Float = 10_000, convention: Convention = .halfSplit) {
        precondition(dimensions > 0 && dimensions % 2 == 0, "RotaryEmbedding: dimensions must be even and positive, got \(dimensions)")
        self.dimensions = dimensions
        self.base = base
        self.convention = convention
    }

    /// θ_i = base^(−2i/R) for `i = 0 ..< R/2`.
    public var inverseFrequencies: [Double] {
        (0..<(dimensions / 2)).map { Foundation.pow(Double(base), -2 * Double($0) / Double(dimensions)) }
    }

    /// The rotation as a picture-friendly table: row p holds `cos(p·θ_i)` and `sin(p·θ_i)` in the two channels of
    /// pair i (adjacent: `2i` and `2i+1`; half-split: `i` and `i + R/2`).
    /// - Returns: `[length, R]`.
    public func cosineSineTable(length: Int, offset: Int = 0) -> Tensor {
        let half = dimensions / 2
        let frequencies = inverseFrequencies
        var table = Tensor(zeros: [length, dimensions])
        for p in 0..<length {
            for i in 0..<half {
                let angle = Double(offset + p) * frequencies[i]
                let (first, second) = convention == .adjacentPairs ? (2 * i, 2 * i + 1) : (i, i + half)
                table[p, first] = Float(Foundation.cos(angle))
                table[p, second] = Float(Foundation.sin(angle))
            }
        }
        return table
    }

    /// Rotates the leading `dimensions` channels of every row by its position.
    /// - Parameters:
    ///   - x: `[..., T, D]` with `D ≥ dimensions`; row t is at position `offset + t`.
    ///   - offset: the position of the first row (the KV cache's `offset` during decoding).
    /// - Returns: `[..., T, D]`.
    /// - Complexity: O(count) plus O(T·R) sines and cosines.
    public func callAsFunction(_ x: Tensor, offset: Int = 0) -> Tensor {
        precondition(x.rank >= 2 && x.shape[x.rank - 1] >= dimensions,
                     "RotaryEmbedding: input \(x.shape) must be [..., T, D] with D ≥ \(dimensions)")
        let (t, d) = (x.shape[x.rank - 2], x.shape[x.rank - 1])
        let half = dimensions / 2
        let frequencies = inverseFrequencies
        var cosines = [Float](repeating: 0, count: t * half), sines = cosines
        for position in 0..<t {
            for i in 0..<half {
                let angle = Double(offset + position) * frequencies[i]
                cosines[position * half + i] = Float(Foundation.cos(angle))
                sines[position * half + i] = Float(Foundation.sin(angle))
            }
        }
        var out = x
        let adjacent = convention == .adjacentPairs
        out.withUnsafeMutableBufferPointer { p in
            var row = 0
            var base = 0
            while base < p.count {
                let position = row % t
                for i in 0..<half {
                    let (first, second) = adjacent ? (base + 2 * i, base + 2 * i + 1) : (base + i, base + i + half)
                    let (a, b) = (p[first], p[second])
                    let (c, s) = (cosines[position * half + i], sines[position * half + i])
                    p[first] = a * c - b * s
                    p[second] = a * s + b * c
                }
                base += d
                row += 1
            }
        }
        return out
    }
}
