import TensorCore

/// The storage type of a ggml tensor: a float format or a block quantization.
///
/// Raw values are ggml's `enum ggml_type`. Every known type can be located in a file (its block size and block
/// byte count are known); ``GGUFQuantization`` dequantizes F32, F16, BF16, Q8_0, Q4_0 and Q4_1.
public enum GGMLType: UInt32, Sendable, CaseIterable, CustomStringConvertible {
    case f32 = 0, f16 = 1, q4_0 = 2, q4_1 = 3, q5_0 = 6, q5_1 = 7, q8_0 = 8, q8_1 = 9
    case q2_K = 10, q3_K = 11, q4_K = 12, q5_K = 13, q6_K = 14, q8_K = 15
    case iq2_XXS = 16, iq2_XS = 17, iq3_XXS = 18, iq1_S = 19, iq4_NL = 20, iq3_S = 21, iq2_S = 22, iq4_XS = 23
    case i8 = 24, i16 = 25, i32 = 26, i64 = 27, f64 = 28, iq1_M = 29, bf16 = 30
    case tq1_0 = 34, tq2_0 = 35, mxfp4 = 39

    /// Elements per block (1 for plain element types).
    public var blockSize: Int {
        switch self {
        case .f32, .f16, .bf16, .i8, .i16, .i32, .i64, .f64: return 1
        case .q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .q8_1, .iq4_NL, .mxfp4: return 32
        default: return 256
        }
    }

    /// Bytes per block.
    public var blockByteCount: Int {
        switch self {
        case .f32, .i32: return 4
        case .f16, .bf16, .i16: return 2
        case .i8: return 1
        case .i64, .f64: return 8
        case .q4_0, .iq4_NL: return 18
        case .q4_1: return 20
        case .q5_0: return 22
        case .q5_1: return 24
        case .q8_0: return 34
        case .q8_1: return 40
        case .q2_K: return 84
        case .q3_K, .iq3_S: return 110
        case .q4_K: return 144
        case .q5_K: return 176
        case .q6_K: return 210
        case .q8_K: return 292
        case .iq2_XXS, .tq2_0: return 66
        case .iq2_XS: return 74
        case .iq3_XXS: return 98
        case .iq1_S: return 50
        case .iq2_S: return 82
        case .iq4_XS: return 136
        case .iq1_M: return 56
        case .tq1_0: return 54
        case .mxfp4: return 17
        }
    }

    /// Bytes taken by `elements` elements; `elements` must be a multiple of ``blockSize``.
    public func byteCount(elements: Int) -> Int { elements / blockSize * blockByteCount }

    /// ggml's name for the type, e.g. `Q4_1`.
    public var description: String {
        switch self {
        case .f32: return "F32"
        case .f16: return "F16"
        case .bf16: return "BF16"
        case .f64: return "F64"
        case .q4_0: return "Q4_0"
        case .q4_1: return "Q4_1"
        case .q5_0: return "Q5_0"
        case .q5_1: return "Q5_1"
        case .q8_0: return "Q8_0"
        case .q8_1: return "Q8_1"
        case .q2_K: return "Q2_K"
        case .q3_K: return "Q3_K"
        case .q4_K: return "Q4_K"
        case .q5_K: return "Q5_K"
        case .q6_K: return "Q6_K"
        case .q8_K: return "Q8_K"
        case .iq2_XXS: return "IQ2_XXS"
        case .iq2_XS: return "IQ2_XS"
        case .iq3_XXS: return "IQ3_XXS"
        case .iq1_S: return "IQ1_S"
        case .iq4_NL: return "IQ4_NL"
        case .iq3_S: return "IQ3_S"
        case .iq2_S: return "IQ2_S"
        case .iq4_XS: return "IQ4_XS"
        case .i8: return "I8"
        case .i16: return "I16"
        case .i32: return "I32"
        case .i64: return "I64"
        case .iq1_M: return "IQ1_M"
        case .tq1_0: return "TQ1_0"
        case .tq2_0: return "TQ2_0"
        case .mxfp4: return "MXFP4"
        }
    }
}

/// Conversion of ggml tensor rows to `Float`.
///
/// Block layouts (little-endian, `d` and `m` are IEEE fp16):
/// - `Q8_0`: 32 weights in 34 bytes, `d` then 32 `int8` `q`; `w = d·q`.
/// - `Q4_0`: 32 weights in 18 bytes, `d` then 16 bytes of nibbles; `w = d·(q − 8)`.
/// - `Q4_1`: 32 weights in 20 bytes, `d`, `m`, then 16 bytes of nibbles; `w = d·q + m`.
///
/// In both 4-bit formats byte `j` holds weight `j` in its low nibble and weight `j + 16` in its high nibble.
///
/// Reference: ggml `ggml-quants.c` (`dequantize_row_q4_0`, `dequantize_row_q4_1`, `dequantize_row_q8_0`).
public enum GGUFQuantization {
    /// Whether ``dequantizeRow(type:bytes:count:into:)`` and ``dot(type:bytes:vector:count:)`` handle `type`.
    public static func canDequantize(_ type: GGMLType) -> Bool {
        switch type {
        case .f32, .f16, .bf16, .q8_0, .q4_0, .q4_1: return true
        default: return false
        }
    }

    /// Converts `count` consecutive elements stored as `type` at `bytes` into `output[0..<count]`.
    ///
    /// - Parameters:
    ///   - type: one of the types ``canDequantize(_:)`` accepts.
    ///   - bytes: `type.byteCount(elements: count)` readable bytes; no alignment needed.
    ///   - count: a multiple of `type.blockSize`.
    ///   - output: room for `count` floats.
    /// - Complexity: O(count).
    public static func dequantizeRow(type: GGMLType, bytes: UnsafeRawPointer, count: Int,
                                     into output: UnsafeMutablePointer<Float>) {
        precondition(count % type.blockSize == 0, "dequantizeRow: \(count) elements is not whole \(type) blocks")
        switch type {
        case .f32:
            for i in 0..<count { output[i] = Float(bitPattern: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))) }
        case .f16:
            for i in 0..<count { output[i] = halfToFloat(load16(bytes, 2 * i)) }
        case .bf16:
            for i in 0..<count { output[i] = HalfPrecision.float(fromBFloat16: load16(bytes, 2 * i)) }
        case .q8_0:
            for block in 0..<(count / 32) {
                let base = bytes + block * 34
                let d = halfToFloat(load16(base, 0))
                let q = (base + 2).assumingMemoryBound(to: Int8.self)
                let out = output + block * 32
                for j in 0..<32 { out[j] = d * Float(q[j]) }
            }
        case .q4_0:
            for block in 0..<(count / 32) {
                let base = bytes + block * 18
                let d = halfToFloat(load16(base, 0))
                let q = (base + 2).assumingMemoryBound(to: UInt8.self)
                let out = output + block * 32
                for j in 0..<16 {
                    out[j] = d * Float(Int(q[j] & 0x0F) - 8)
                    out[j + 16] = d * Float(Int(q[j] >> 4) - 8)
                }
            }
        case .q4_1:
            for block in 0..<(count / 32) {
                let base = bytes + block * 20
                let d = halfToFloat(load16(base, 0))
                let m = halfToFloat(load16(base, 2))
                let q = (base + 4).assumingMemoryBound(to: UInt8.self)
                let out = output + block * 32
                for j in 0..<16 {
                    out[j] = d * Float(q[j] & 0x0F) + m
                    out[j + 16] = d * Float(q[j] >> 4) + m
                }
            }
        default:
            preconditionFailure("dequantizeRow: \(type) is not supported")
        }
    }

    /// The dot product of a stored row with a `Float` vector, without materializing the row.
    ///
    /// `Σ_i w_i·x_i`; for the block formats this is computed per block as `d·Σ q_j x_j` (plus `m·Σ x_j` for Q4_1),
    /// so the sum order differs from dequantize-then-dot by rounding only.
    /// - Parameters:
    ///   - type: one of the types ``canDequantize(_:)`` accepts.
    ///   - bytes: `type.byteCount(elements: count)` readable bytes.
    ///   - vector: `count` floats.
    ///   - count: a multiple of `type.blockSize`.
    /// - Complexity: O(count).
    public static func dot(type: GGMLType, bytes: UnsafeRawPointer, vector x: UnsafePointer<Float>, count: Int) -> Float {
        precondition(count % type.blockSize == 0, "dot: \(count) elements is not whole \(type) blocks")
        var total: Float = 0
        switch type {
        case .f32:
            for i in 0..<count {
                total += Float(bitPattern: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))) * x[i]
            }
        case .q8_0:
            for block in 0..<(count / 32) {
                let base = bytes + block * 34
                let q = (base + 2).assumingMemoryBound(to: Int8.self)
                let xb = x + block * 32
                var sum: Float = 0
                for j in 0..<32 { sum += Float(q[j]) * xb[j] }
                total += halfToFloat(load16(base, 0)) * sum
            }
        case .q4_0:
            for block in 0..<(count / 32) {
                let base = bytes + block * 18
                let q = (base + 2).assumingMemoryBound(to: UInt8.self)
                let xb = x + block * 32
                var sum: Float = 0
                for j in 0..<16 {
                    sum += Float(Int(q[j] & 0x0F) - 8) * xb[j] + Float(Int(q[j] >> 4) - 8) * xb[j + 16]
                }
                total += halfToFloat(load16(base, 0)) * sum
            }
        case .q4_1:
            for block in 0..<(count / 32) {
                let base = bytes + block * 20
                let q = (base + 4).assumingMemoryBound(to: UInt8.self)
                let xb = x + block * 32
                var sum: Float = 0
                var xSum: Float = 0
                for j in 0..<16 {
                    sum += Float(q[j] & 0x0F) * xb[j] + Float(q[j] >> 4) * xb[j + 16]
                    xSum += xb[j] + xb[j + 16]
                }
                total += halfToFloat(load16(base, 0)) * sum + halfToFloat(load16(base, 2)) * xSum
            }
        default:
            var buffer = [Float](repeating: 0, count: 256)
            var start = 0
            while start < count {
                let n = Swift.min(256, count - start)
                buffer.withUnsafeMutableBufferPointer { row in
                    dequantizeRow(type: type, bytes: bytes + type.byteCount(elements: start), count: n, into: row.baseAddress!)
                    for j in 0..<n { total += row[j] * x[start + j] }
                }
                start += n
            }
        }
        return total
    }

    /// Converts IEEE 754 binary16 bits to `Float` exactly, through a table of ``HalfPrecision`` results.
    @inline(__always)
    public static func halfToFloat(_ bits: UInt16) -> Float {
        halfTable.withUnsafeBufferPointer { $0[Int(bits)] }
    }

    @inline(__always)
    private static func load16(_ pointer: UnsafeRawPointer, _ offset: Int) -> UInt16 {
        UInt16(littleEndian: pointer.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
    }

    /// Every binary16 value as `Float`, built once (256 KB).
    private static let halfTable: [Float] = (0..<65_536).map { HalfPrecision.float(fromFloat16: UInt16($0)) }
}
