extension Tensor {
    /// Batched matrix product through BLAS: `op(a) · op(b)`, where `op` optionally transposes the last two axes.
    ///
    /// - Parameters:
    ///   - a: `[..., M, K]` (or `[..., K, M]` with `transposeA`).
    ///   - b: `[..., K, N]` (or `[..., N, K]` with `transposeB`), or a rank-2 matrix shared by every batch.
    /// - Returns: `[..., M, N]`. Leading axes of `a` and `b` must be equal, or `b` must be rank 2.
    /// - Complexity: O(batch · M · N · K), one `sgemm` per batch (one in all when `b` is shared and `a` untransposed).
    public static func matmul(_ a: Tensor, _ b: Tensor, transposeA: Bool = false, transposeB: Bool = false) -> Tensor {
        precondition(a.rank >= 2 && b.rank >= 2, "matmul: need rank ≥ 2, got \(a.shape) and \(b.shape)")
        let (aRows, aCols) = (a.shape[a.rank - 2], a.shape[a.rank - 1])
        let (bRows, bCols) = (b.shape[b.rank - 2], b.shape[b.rank - 1])
        let m = transposeA ? aCols : aRows
        let k = transposeA ? aRows : aCols
        let kb = transposeB ? bCols : bRows
        let n = transposeB ? bRows : bCols
        precondition(k == kb, "matmul: inner extents differ: \(a.shape)\(transposeA ? "ᵀ" : "") · \(b.shape)\(transposeB ? "ᵀ" : "")")
        let batchShape = Array(a.shape.dropLast(2))
        let sharedB = b.rank == 2
        precondition(sharedB || Array(b.shape.dropLast(2)) == batchShape,
                     "matmul: batch axes differ: \(a.shape) · \(b.shape)")
        let batch = Tensor.elementCount(batchShape)
        var out = [Float](repeating: 0, count: batch * m * n)
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                out.withUnsafeMutableBufferPointer { po in
                    guard let pa = pa.baseAddress, let pb = pb.baseAddress, let po = po.baseAddress else { return }
                    if sharedB && !transposeA {
                        BLAS.sgemm(transposeA: false, transposeB: transposeB, m: batch * m, n: n, k: k,
                                   a: pa, lda: aCols, b: pb, ldb: bCols, c: po, ldc: n)
                        return
                    }
                    for i in 0..<batch {
                        BLAS.sgemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                                   a: pa + i * aRows * aCols, lda: aCols,
                                   b: sharedB ? pb : pb + i * bRows * bCols, ldb: bCols,
                                   c: po + i * m * n, ldc: n)
                    }
                }
            }
        }
        return Tensor(shape: batchShape + [m, n], scalars: out)
    }
}
