import TensorCore

/// A lookup table from token ids to vectors, as `torch.nn.Embedding`.
///
/// - `table`: `[vocabulary, dimension]`; ids `[N]` give `[N, dimension]`.
public struct Embedding: Sendable {
    /// `[vocabulary, dimension]`.
    public var table: Tensor

    public init(table: Tensor) {
        precondition(table.rank == 2, "Embedding: table must be [vocabulary, dimension], got \(table.shape)")
        self.table = table
    }

    public var vocabularySize: Int { table.shape[0] }
    public var dimension: Int { table.shape[1] }
    public var parameterCount: Int { table.count }

    /// The rows of `table` for `ids`.
    /// - Parameter ids: each in `0..<vocabularySize`.
    /// - Returns: `[ids.count, dimension]`.
    public func callAsFunction(_ ids: [Int]) -> Tensor {
        table.embeddingLookup(ids)
    }

    /// The rows for a batch of equal-length sequences.
    /// - Parameter ids: `[batch][sequence]`.
    /// - Returns: `[batch, sequence, dimension]`.
    public func callAsFunction(_ ids: [[Int]]) -> Tensor {
        let length = ids.first?.count ?? 0
        precondition(ids.allSatisfy { $0.count == length }, "Embedding: sequences of unequal length \(ids.map(\.count))")
        return table.embeddingLookup(ids.flatMap { $0 }, shape: [ids.count, length])
    }
}
