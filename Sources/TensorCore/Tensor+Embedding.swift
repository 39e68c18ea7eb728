extension Tensor {
    /// Gathers rows of a `[vocabulary, dimension]` table: `ids` of shape `S` give `S + [dimension]`.
    ///
    /// - Precondition: `self` is rank 2 and every id is in `0..<vocabulary`.
    public func embeddingLookup(_ ids: [Int], shape idShape: [Int]? = nil) -> Tensor {
        precondition(rank == 2, "embeddingLookup: table must be [vocabulary, dimension], got \(shape)")
        let (vocabulary, dimension) = (shape[0], shape[1])
        var out = [Float](repeating: 0, count: ids.count * dimension)
        withUnsafeBufferPointer { table in
            out.withUnsafeMutableBufferPointer { dst in
                for (row, id) in ids.enumerated() {
                    precondition(id >= 0 && id < vocabulary, "embeddingLookup: id \(id) outside vocabulary of \(vocabulary)")
                    for j in 0..<dimension { dst[row * dimension + j] = table[id * dimension + j] }
                }
            }
        }
        return Tensor(shape: (idShape ?? [ids.count]) + [dimension], scalars: out)
    }
}
