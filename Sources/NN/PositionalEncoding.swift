import Foundation
import TensorCore

/// Fixed position encodings and biases. Rotary embeddings are in `RotaryEmbedding`, learned ones in
/// `LearnedPositionalEmbedding`.
public enum PositionalEncoding {
    /// The sinusoidal table of "Attention Is All You Need" (§3.5), exactly as the seed computes it:
    ///
    ///     angle(p, i) = p / base^(2·⌊i/2⌋ / d)
    ///     PE[p, i] = sin(angle) for even i,  cos(angle) for odd i
    ///
    /// - Parameters:
    ///   - length: number of positions L.
    ///   - dimension: d (may be odd; the last column is then a sine).
    ///   - base: 10000 in the paper.
    ///   - offset: position of the first row.
    /// - Returns: `[L, d]`, computed in `Double` and rounded once.
    public static func sinusoidal(length: Int, dimension: Int, base: Double = 10_000, offset: Int = 0) -> Tensor {
        precondition(length >= 0 && dimension > 0, "sinusoidal: need length ≥ 0 and dimension > 0, got \(length), \(dimension)")
        return Tensor(shape: [length, dimension]) { flat in
            let (p, i) = (offset + flat / dimension, flat % dimension)
            let angle = Double(p) / Foundation.pow(base, Double(2 * (i / 2)) / Double(dimension))
            return Float(i % 2 == 0 ? Foundation.sin(angle) : Foundation.cos(angle))
        }
    }

    /// ALiBi head slopes (Press et al., 2022), as the paper's reference code and Hugging Face's `build_alibi_tensor`:
    /// for H a power of two, `slope_h = 2^(−8(h+1)/H)`; otherwise the slopes of the nearest lower power of two M,
    /// followed by every other slope of 2M, `H − M` of them.
    /// - Returns: `[H]` slopes, largest first.
    public static func alibiSlopes(headCount: Int) -> [Float] {
        precondition(headCount > 0, "alibiSlopes: headCount must be positive, got \(headCount)")
        func powerOfTwoSlopes(_ n: Int) -> [Double] {
            (1...n).map { Foundation.pow(2, -8 * Double($0) / Double(n)) }
        }
        var closest = 1
        while closest * 2 <= headCount { closest *= 2 }
        var slopes = powerOfTwoSlopes(closest)
        if closest < headCount {
            slopes += stride(from: 0, to: 2 * closest, by: 2).map { powerOfTwoSlopes(2 * closest)[$0] }.prefix(headCount - closest)
        }
        return slopes.map { Float($0) }
    }

    /// The ALiBi bias `−slope_h · |i + (K − Q) − j|` the attention kernels add when given `alibiSlopes`
    /// (query i bottom-right aligned with key j).
    /// - Returns: `[H, Q, K]`.
    public static func alibiBias(slopes: [Float], queries: Int, keys: Int) -> Tensor {
        Tensor(shape: [slopes.count, queries, keys]) { flat in
            let (h, i, j) = (flat / (queries * keys), flat / keys % queries, flat % keys)
            return -slopes[h] * Float(abs(i + keys - queries - j))
        }
    }
}

/// Learned absolute position embeddings (BERT's `position_embeddings`, GPT-2's `wpe`): row p of a table is
/// added to the token at position p.
public struct LearnedPositionalEmbedding: Sendable {
    /// `[maximumLength, dimension]`.
    public var table: Tensor

    public init(table: Tensor) {
        precondition(table.rank == 2, "LearnedPositionalEmbedding: table must be [positions, dimension], got \(table.shape)")
        self.table = table
    }

    public var maximumLength: Int { table.shape[0] }
    public var parameterCount: Int { table.count }

    /// Rows `offset ..< offset + length`.
    /// - Returns: `[length, dimension]`.
    public func callAsFunction(length: Int, offset: Int = 0) -> Tensor {
        precondition(offset >= 0 && offset + length <= maximumLength,
                     "LearnedPositionalEmbedding: positions \(offset)..<\(offset + length) exceed the table's \(maximumLength)")
        return table.sliced(axis: 0, offset..<(offset + length))
    }

    /// Adds the embeddings of positions `offset ..< offset + T` to `x`.
    /// - Parameter x: `[..., T, dimension]`. - Returns: the same shape.
    public func callAsFunction(_ x: Tensor, offset: Int = 0) -> Tensor {
        precondition(x.rank >= 2, "LearnedPositionalEmbedding: input \(x.shape) must be [..., T, dimension]")
        return x + self(length: x.shape[x.rank - 2], offset: offset)
    }
}
