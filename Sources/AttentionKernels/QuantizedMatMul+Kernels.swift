import TensorCore

/// The inner loops of ``QuantizedMatMul``: block dot products, row dequantization and the 6×16 panel kernel.
///
/// Legend: C = depth (input features), x = one input row, `d`/`m` = a block's binary16 scale and minimum.
/// A block's 32 weights become two `SIMD16<Float>` halves. Bytes are widened to floats lane by lane in an
/// `@inline(__always)` loop, which LLVM turns into one widen-and-convert per vector: the standard library's generic
/// `SIMD16<UInt32>(truncatingIfNeeded:)` is not inlined and costs a call with the vector spilled to memory, which
/// made the matrix-vector product 4–7× slower (measured on the Q4_1 and Q8_0 matrices of SmolLM2).
enum QuantizedKernels {
    typealias V8 = SIMD8<Float>
    typealias V16 = SIMD16<Float>

    /// Every binary16 value as `Float` (256 KB, built once).
    static let halfTable: [Float] = (0..<65_536).map { HalfPrecision.float(fromFloat16: UInt16($0)) }

    @inline(__always)
    static func half(_ table: UnsafePointer<Float>, _ p: UnsafeRawPointer, _ offset: Int) -> Float {
        table[Int(UInt16(littleEndian: p.loadUnaligned(fromByteOffset: offset, as: UInt16.self)))]
    }

    /// Sixteen unsigned bytes as floats.
    @inline(__always)
    static func float(_ v: SIMD16<UInt8>) -> V16 {
        var f = V16()
        for i in 0..<16 { f[i] = Float(v[i]) }
        return f
    }

    /// Sixteen signed bytes as floats.
    @inline(__always)
    static func float(_ v: SIMD16<Int8>) -> V16 {
        var f = V16()
        for i in 0..<16 { f[i] = Float(v[i]) }
        return f
    }

    /// `Σ_c w[c]·x[c]` over one stored row of `count` weights.
    /// - Parameter blockSums: for `q4_1`, `Σ x` over each block of 32 (the `m` term); unused otherwise.
    @inline(__always)
    static func dot(_ format: QuantizedFormat, _ row: UnsafeRawPointer, _ x: UnsafePointer<Float>, count: Int,
                    blockSums: UnsafePointer<Float>?) -> Float {
        halfTable.withUnsafeBufferPointer { table in
            let table = table.baseAddress!
            var acc = V16()
            var offsetTotal: Float = 0
            switch format {
            case .q4_1:
                let sums = blockSums!
                for b in 0..<(count / 32) {
                    let block = row + b &* 20
                    let q = (block + 4).loadUnaligned(as: SIMD16<UInt8>.self)
                    let xb = x + b &* 32
                    let s = float(q & 0x0F) * VectorMath.loadWide(xb) + float(q &>> 4) * VectorMath.loadWide(xb + 16)
                    acc += V16(repeating: half(table, block, 0)) * s
                    offsetTotal += half(table, block, 2) * sums[b]
                }
            case .q4_0:
                for b in 0..<(count / 32) {
                    let block = row + b &* 18
                    let q = (block + 2).loadUnaligned(as: SIMD16<UInt8>.self)
                    let xb = x + b &* 32
                    let s = (float(q & 0x0F) - 8) * VectorMath.loadWide(xb) + (float(q &>> 4) - 8) * VectorMath.loadWide(xb + 16)
                    acc += V16(repeating: half(table, block, 0)) * s
                }
            case .q8_0:
                for b in 0..<(count / 32) {
                    let block = row + b &* 34
                    let xb = x + b &* 32
                    let s = float((block + 2).loadUnaligned(as: SIMD16<Int8>.self)) * VectorMath.loadWide(xb)
                        + float((block + 18).loadUnaligned(as: SIMD16<Int8>.self)) * VectorMath.loadWide(xb + 16)
                    acc += V16(repeating: half(table, block, 0)) * s
                }
            case .f32:
                var c = 0
                while c + 16 <= count {
                    acc += row.loadUnaligned(fromByteOffset: 4 &* c, as: V16.self) * VectorMath.loadWide(x + c)
                    c += 16
                }
                while c < count {
                    offsetTotal += row.loadUnaligned(fromByteOffset: 4 &* c, as: Float.self) * x[c]
                    c += 1
                }
            }
            // A tree of halves: `SIMD.sum()` adds the sixteen lanes one after another, a long dependent chain
            // that cost about a sixth of the time of a 576-wide row.
            let eight = acc.lowHalf + acc.highHalf
            let four = eight.lowHalf + eight.highHalf
            return (four[0] + four[2]) + (four[1] + four[3]) + offsetTotal
        }
    }

    /// `count` stored weights converted to floats.
    static func dequantize(_ format: QuantizedFormat, _ row: UnsafeRawPointer, count: Int,
                           into output: UnsafeMutablePointer<Float>) {
        halfTable.withUnsafeBufferPointer { table in
            let table = table.baseAddress!
            let raw = UnsafeMutableRawPointer(output)
            switch format {
            case .q4_1, .q4_0:
                let isQ41 = format == .q4_1
                let stride = isQ41 ? 20 : 18
                for b in 0..<(count / 32) {
                    let block = row + b &* stride
                    let d = V16(repeating: half(table, block, 0))
                    let m = V16(repeating: isQ41 ? half(table, block, 2) : -8 * half(table, block, 0))
                    let q = (block + (isQ41 ? 4 : 2)).loadUnaligned(as: SIMD16<UInt8>.self)
                    let o = raw + b &* 128
                    o.storeBytes(of: float(q & 0x0F) * d + m, as: V16.self)
                    (o + 64).storeBytes(of: float(q &>> 4) * d + m, as: V16.self)
                }
            case .q8_0:
                for b in 0..<(count / 32) {
                    let block = row + b &* 34
                    let d = V16(repeating: half(table, block, 0))
                    let o = raw + b &* 128
                    o.storeBytes(of: float((block + 2).loadUnaligned(as: SIMD16<Int8>.self)) * d, as: V16.self)
                    (o + 64).storeBytes(of: float((block + 18).loadUnaligned(as: SIMD16<Int8>.self)) * d, as: V16.self)
                }
            case .f32:
                for c in 0..<count { output[c] = row.loadUnaligned(fromByteOffset: 4 &* c, as: Float.self) }
            }
        }
    }

    /// `y[r, j] = Σ_k x[r, k]·panel[k, j]` for `rows` (1…6) input rows and the first `width` of 16 columns.
    ///
    /// Six rows keep twelve `SIMD8` accumulators in registers; each step loads one 16-float panel row and
    /// broadcasts one input value per row.
    @inline(__always)
    static func panelProduct(rows: Int, x: UnsafePointer<Float>, ldx: Int, panel: UnsafePointer<Float>, depth: Int,
                             y: UnsafeMutablePointer<Float>, ldy: Int, width: Int) {
        if rows == 6 {
            var out = (V8(), V8(), V8(), V8(), V8(), V8(), V8(), V8(), V8(), V8(), V8(), V8())
            let (x1, x2, x3, x4, x5) = (x + ldx, x + 2 &* ldx, x + 3 &* ldx, x + 4 &* ldx, x + 5 &* ldx)
            var p = panel
            for k in 0..<depth {
                let (p0, p1) = (VectorMath.load(p), VectorMath.load(p + 8))
                p += 16
                var v = V8(repeating: x[k]); out.0 = VectorMath.multiplyAdd(v, p0, out.0); out.1 = VectorMath.multiplyAdd(v, p1, out.1)
                v = V8(repeating: x1[k]); out.2 = VectorMath.multiplyAdd(v, p0, out.2); out.3 = VectorMath.multiplyAdd(v, p1, out.3)
                v = V8(repeating: x2[k]); out.4 = VectorMath.multiplyAdd(v, p0, out.4); out.5 = VectorMath.multiplyAdd(v, p1, out.5)
                v = V8(repeating: x3[k]); out.6 = VectorMath.multiplyAdd(v, p0, out.6); out.7 = VectorMath.multiplyAdd(v, p1, out.7)
                v = V8(repeating: x4[k]); out.8 = VectorMath.multiplyAdd(v, p0, out.8); out.9 = VectorMath.multiplyAdd(v, p1, out.9)
                v = V8(repeating: x5[k]); out.10 = VectorMath.multiplyAdd(v, p0, out.10); out.11 = VectorMath.multiplyAdd(v, p1, out.11)
            }
            store(out.0, out.1, y, width: width)
            store(out.2, out.3, y + ldy, width: width)
            store(out.4, out.5, y + 2 &* ldy, width: width)
            store(out.6, out.7, y + 3 &* ldy, width: width)
            store(out.8, out.9, y + 4 &* ldy, width: width)
            store(out.10, out.11, y + 5 &* ldy, width: width)
            return
        }
        for r in 0..<rows {
            var (a0, a1) = (V8(), V8())
            let xr = x + r &* ldx
            var p = panel
            for k in 0..<depth {
                let v = V8(repeating: xr[k])
                a0 = VectorMath.multiplyAdd(v, VectorMath.load(p), a0); a1 = VectorMath.multiplyAdd(v, VectorMath.load(p + 8), a1)
                p += 16
            }
            store(a0, a1, y + r &* ldy, width: width)
        }
    }

    @inline(__always)
    private static func store(_ a: V8, _ b: V8, _ y: UnsafeMutablePointer<Float>, width: Int) {
        if width == 16 {
            UnsafeMutableRawPointer(y).storeBytes(of: a, as: V8.self)
            UnsafeMutableRawPointer(y + 8).storeBytes(of: b, as: V8.self)
        } else {
            for j in 0..<width { y[j] = j < 8 ? a[j] : b[j - 8] }
        }
    }
}
