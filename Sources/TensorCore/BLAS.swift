#if canImport(Accelerate)
import Accelerate
#elseif canImport(CBLAS)
import CBLAS
#endif

/// The one seam between the project and a BLAS library: Accelerate on Apple platforms, OpenBLAS elsewhere.
/// No other file imports a BLAS module.
public enum BLAS {
    /// `C = alpha · op(A) · op(B) + beta · C` on row-major matrices, where `op(X)` is `X` or `Xᵀ`.
    ///
    /// - Parameters:
    ///   - m, n, k: `op(A)` is `m × k`, `op(B)` is `k × n`, `C` is `m × n`.
    ///   - lda, ldb, ldc: row strides (leading dimensions) of the stored matrices.
    @inlinable
    public static func sgemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        guard m > 0, n > 0 else { return }
        guard k > 0 else {
            for i in 0..<m { for j in 0..<n { c[i * ldc + j] = beta == 0 ? 0 : beta * c[i * ldc + j] } }
            return
        }
        cblas_sgemm(CblasRowMajor,
                    transposeA ? CblasTrans : CblasNoTrans,
                    transposeB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// Sets the number of threads BLAS may use. Called only by `Parallelism.threadCount`.
    static func setThreadCount(_ count: Int) {
        #if canImport(CBLAS) && !canImport(Accelerate)
        openblas_set_num_threads(Int32(count))
        #endif
    }
}
