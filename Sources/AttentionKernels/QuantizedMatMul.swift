import Foundation
import TensorCore
import CVectorMath

/// Block-quantized weight storage that the matmul kernels read in place.
///
/// The ggml block layouts (little-endian; `d` and `m` are IEEE binary16), 32 weights per block:
/// - `q8_0`: 34 bytes, `d` then 32 `int8` `q`; `w = d·q`.
/// - `q4_0`: 18 bytes, `d` then 16 bytes of nibbles; `w = d·(q − 8)`.
/// - `q4_1`: 20 bytes, `d`, `m`, then 16 bytes of nibbles; `w = d·q + m`.
/// In both 4-bit formats byte `j` holds weight `j` in its low nibble and weight `j + 16` in its high nibble.
/// `f32` is plain little-endian floats (a "block" of one).
///
/// The formats are defined here rather than taken from the GGUF reader because kernels sit below models in the
/// layering; `Models` maps `GGMLType` onto this enum.
/// Reference: ggml `ggml-quants.c` (`quantize_row_q4_1_ref`, `dequantize_row_q4_1`, …).
public enum QuantizedFormat: String, Sendable, CaseIterable {
    case f32, q8_0, q4_0, q4_1

    /// Weights per block.
    public var blockSize: Int { self == .f32 ? 1 : 32 }
    /// Bytes per block.
    public var blockByteCount: Int {
        switch self {
        case .f32: return 4
        case .q8_0: return 34
        case .q4_0: return 18
        case .q4_1: return 20
        }
    }
}

/// A `[rows, columns]` weight matrix kept in its quantized form (PyTorch's `Linear.weight` layout: one stored row
/// per output feature), typically a slice of a memory-mapped model file.
///
/// The matrix holds on to the `Data` it reads, so a mapped file stays mapped while any matrix uses it; the bytes
/// are never copied or mutated.
public struct QuantizedMatrix: @unchecked Sendable {
    /// The storage format of every row.
    public let format: QuantizedFormat
    /// Output features, `N`.
    public let rows: Int
    /// Input features, `C` (a multiple of the format's block size).
    public let columns: Int
    /// Bytes per stored row.
    public let rowByteCount: Int
    private let storage: Data
    /// The first byte of row 0; valid while `storage` lives (it is never mutated, so never moved).
    let base: UnsafeRawPointer

    /// Wraps `rows · rowByteCount` bytes of quantized rows without copying them.
    /// - Precondition: `columns` is a multiple of the block size and `bytes` holds exactly the matrix.
    public init(format: QuantizedFormat, rows: Int, columns: Int, bytes: Data) {
        precondition(rows >= 0 && columns > 0 && columns % format.blockSize == 0,
                     "QuantizedMatrix: \(columns) columns is not whole \(format) blocks of \(format.blockSize)")
        rowByteCount = columns / format.blockSize * format.blockByteCount
        precondition(bytes.count == rows * rowByteCount,
                     "QuantizedMatrix: \(bytes.count) bytes for [\(rows), \(columns)] \(format) (need \(rows * rowByteCount))")
        self.format = format
        self.rows = rows
        self.columns = columns
        storage = bytes
        base = bytes.withUnsafeBytes { UnsafeRawPointer($0.baseAddress ?? UnsafeRawPointer(bitPattern: 16)!) }
    }

    /// Quantizes a float matrix `[rows, columns]` the way ggml's reference quantizers do (for tests and tools).
    ///
    /// Q8_0: `d = max|w|/127`, `q = round(w/d)`. Q4_0: `d = w_absmax·(−1/8)` signed, `q = min(15, ⌊w/d + 8.5⌋)`.
    /// Q4_1: `d = (max − min)/15`, `m = min`, `q = min(15, ⌊(w − m)/d + 0.5⌋)`. Scales are stored as binary16.
    public init(quantizing matrix: Tensor, format: QuantizedFormat) {
        precondition(matrix.rank == 2, "QuantizedMatrix: need a [rows, columns] matrix, got \(matrix.shape)")
        let (rows, columns) = (matrix.shape[0], matrix.shape[1])
        precondition(columns % format.blockSize == 0, "QuantizedMatrix: \(columns) columns is not whole \(format) blocks")
        var bytes: [UInt8] = []
        bytes.reserveCapacity(rows * columns / format.blockSize * format.blockByteCount)
        func appendHalf(_ value: Float) {
            let bits = HalfPrecision.float16Bits(from: value)
            bytes.append(UInt8(bits & 0xFF)); bytes.append(UInt8(bits >> 8))
        }
        let w = matrix.scalars
        for blockStart in stride(from: 0, to: w.count, by: format.blockSize) {
            let block = w[blockStart..<(blockStart + format.blockSize)]
            switch format {
            case .f32:
                let bits = block.first!.bitPattern
                for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8((bits >> UInt32(shift)) & 0xFF)) }
            case .q8_0:
                let amax = block.map(abs).max()!
                let d = amax / 127
                let inverse: Float = d != 0 ? 1 / d : 0
                appendHalf(d)
                for v in block { bytes.append(UInt8(bitPattern: Int8((v * inverse).rounded()))) }
            case .q4_0:
                let extreme = block.max { abs($0) < abs($1) }!
                let d = extreme / -8
                let inverse: Float = d != 0 ? 1 / d : 0
                appendHalf(d)
                let q = block.map { UInt8(Swift.min(15, Int8(($0 * inverse + 8.5).rounded(.down)))) }
                for j in 0..<16 { bytes.append(q[j] | q[j + 16] << 4) }
            case .q4_1:
                let (low, high) = (block.min()!, block.max()!)
                let d = (high - low) / 15
                let inverse: Float = d != 0 ? 1 / d : 0
                appendHalf(d); appendHalf(low)
                let q = block.map { UInt8(Swift.min(15, Int8((($0 - low) * inverse + 0.5).rounded(.down)))) }
                for j in 0..<16 { bytes.append(q[j] | q[j + 16] << 4) }
            }
        }
        self.init(format: format, rows: rows, columns: columns, bytes: Data(bytes))
    }

    /// Row `row` converted to floats into `output[0..<columns]`.
    public func dequantizeRow(_ row: Int, into output: UnsafeMutablePointer<Float>) {
        precondition(row >= 0 && row < rows, "QuantizedMatrix: row \(row) out of 0..<\(rows)")
        QuantizedKernels.dequantize(format, base + row * rowByteCount, count: columns, into: output)
    }

    /// The whole matrix as floats, `[rows, columns]` (for tests and the naive twin; 4 bytes per weight).
    public func dequantized() -> Tensor {
        var scalars = [Float](repeating: 0, count: rows * columns)
        scalars.withUnsafeMutableBufferPointer { out in
            for r in 0..<rows { dequantizeRow(r, into: out.baseAddress! + r * columns) }
        }
        return Tensor(shape: [rows, columns], scalars: scalars)
    }
}

/// Products with a ``QuantizedMatrix`` that dequantize block by block and never materialize the matrix.
///
/// Legend: T = rows of the input (tokens), C = columns (input features), N = matrix rows (output features).
/// - ``matrixVector(_:_:into:)`` (decode, T = 1): `y = W·x`, 32 weights at a time straight from the packed bytes
///   into `SIMD8` multiply-adds, output rows spread over `Parallelism.threadCount` threads. Memory-bound: it reads
///   each weight byte once.
/// - ``multiply(_:_:)`` (prefill, T > 1): `Y = X·Wᵀ`; 16 weight rows at a time are dequantized into a packed
///   panel `[C, 16]`, then a 6×16 register-blocked kernel multiplies every group of 6 input rows with it, so each
///   dequantized weight is reused T times. Panels are spread over the threads.
/// - ``naiveMultiply(_:_:)``: dequantize the whole matrix, then `Tensor.matmul` (the twin the tests compare to).
public enum QuantizedMatMul {
    /// `Y = X·Wᵀ` for `X` `[..., C]`: the matrix-vector kernel when there is one row, the panel kernel otherwise.
    /// - Returns: `[..., N]`.
    /// - Complexity: O(T·N·C) time; O(threads·16·C) scratch.
    public static func multiply(_ x: Tensor, _ weight: QuantizedMatrix) -> Tensor {
        precondition(x.rank >= 1 && x.shape.last == weight.columns,
                     "QuantizedMatMul: input \(x.shape) does not end in \(weight.columns) (weight [\(weight.rows), \(weight.columns)])")
        let t = x.count / weight.columns
        var y = [Float](repeating: 0, count: t * weight.rows)
        x.withUnsafeBufferPointer { xp in
            y.withUnsafeMutableBufferPointer { yp in
                guard let xb = xp.baseAddress, let yb = yp.baseAddress else { return }
                if t == 1 {
                    matrixVector(weight, xb, into: yb)
                } else {
                    matrixMatrix(weight, xb, rows: t, into: yb)
                }
            }
        }
        return Tensor(shape: Array(x.shape.dropLast()) + [weight.rows], scalars: y)
    }

    /// The naive twin: `X·dequantize(W)ᵀ` through BLAS. Shapes as ``multiply(_:_:)``.
    public static func naiveMultiply(_ x: Tensor, _ weight: QuantizedMatrix) -> Tensor {
        precondition(x.rank >= 1 && x.shape.last == weight.columns,
                     "QuantizedMatMul: input \(x.shape) does not end in \(weight.columns)")
        let t = x.count / weight.columns
        let y = Tensor.matmul(x.reshaped([t, weight.columns]), weight.dequantized(), transposeB: true)
        return y.reshaped(Array(x.shape.dropLast()) + [weight.rows])
    }

    /// How many rows ahead the matrix-vector product asks for weights to be loaded into cache.
    static let prefetchRows = 4

    /// Matrices smaller than this many stored bytes are multiplied by a vector on the calling thread alone.
    static let parallelMatrixVectorBytes = 256 * 1024

    /// `y[n] = Σ_c W[n, c]·x[c]` for every row n.
    /// - Parameters:
    ///   - x: `C` floats.
    ///   - y: room for `N` floats.
    public static func matrixVector(_ weight: QuantizedMatrix, _ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>) {
        let c = weight.columns
        // Q4_1 adds m·Σx per block: the block sums of x are shared by every row.
        var blockSums = [Float](repeating: 0, count: weight.format == .q4_1 ? c / 32 : 0)
        for b in 0..<blockSums.count {
            var s = SIMD8<Float>()
            for j in stride(from: 0, to: 32, by: 8) { s += VectorMath.load(x + 32 * b + j) }
            blockSums[b] = s.sum()
        }
        // Waking the other threads costs tens of microseconds, more than a small matrix takes on one thread. Large
        // ones are cut into about 8 chunks per thread, taken dynamically: on a busy machine a thread that wakes late
        // leaves its share to the others instead of making them wait.
        let parallel = weight.rows * weight.rowByteCount >= parallelMatrixVectorBytes && Parallelism.threadCount > 1
        let chunk = parallel ? Swift.max(16, (weight.rows / (8 * Parallelism.threadCount) + 15) / 16 * 16) : weight.rows
        let chunks = (weight.rows + chunk - 1) / chunk
        blockSums.withUnsafeBufferPointer { sums in
            let shared = UncheckedSendable((x, y, sums.baseAddress))
            Parallelism.parallelForDynamic(chunks) { index in
                let (x, y, sums) = shared.value
                let end = Swift.min(weight.rows, (index + 1) * chunk)
                for n in (index * chunk)..<end {
                    if n + prefetchRows < end { cvm_prefetch(weight.base + (n + prefetchRows) * weight.rowByteCount, weight.rowByteCount) }
                    y[n] = QuantizedKernels.dot(weight.format, weight.base + n * weight.rowByteCount, x, count: c, blockSums: sums)
                }
            }
        }
    }

    /// `Y[t, n] = Σ_c X[t, c]·W[n, c]` for `rows` input rows.
    /// - Parameters:
    ///   - x: `[rows, C]`, row-major.
    ///   - y: room for `[rows, N]`.
    public static func matrixMatrix(_ weight: QuantizedMatrix, _ x: UnsafePointer<Float>, rows: Int,
                                    into y: UnsafeMutablePointer<Float>) {
        let (c, n) = (weight.columns, weight.rows)
        let panels = (n + 15) / 16
        let shared = UncheckedSendable((x, y))
        let threads = Swift.max(1, Swift.min(Parallelism.threadCount, panels))
        Parallelism.parallelFor(threads) { worker in
            let (x, y) = shared.value
            let panel = UnsafeMutablePointer<Float>.allocate(capacity: c * 16)
            let row = UnsafeMutablePointer<Float>.allocate(capacity: c)
            defer { panel.deallocate(); row.deallocate() }
            for p in (panels * worker / threads)..<(panels * (worker + 1) / threads) {
                let n0 = p * 16
                let width = Swift.min(16, n - n0)
                // Pack 16 dequantized weight rows transposed: panel[k·16 + j] = W[n0 + j, k].
                for j in 0..<16 {
                    if j < width {
                        weight.dequantizeRow(n0 + j, into: row)
                        for k in 0..<c { panel[k &* 16 &+ j] = row[k] }
                    } else {
                        for k in 0..<c { panel[k &* 16 &+ j] = 0 }
                    }
                }
                var t = 0
                while t < rows {
                    let count = Swift.min(6, rows - t)
                    QuantizedKernels.panelProduct(rows: count, x: x + t * c, ldx: c, panel: panel, depth: c,
                                                  y: y + t * n + n0, ldy: n, width: width)
                    t += count
                }
            }
        }
    }
}
