import TensorCore

/// The inner loops of ``QuantizedMatMul``: block dot products, row dequantization and the 6×16 panel kernel.
///
/// Legend: C = depth (input features), x = one input row, `d`/`m` = a block's binary16 scale and minimum.
/// Integers become floats without a conversion instruction: for `0 ≤ q < 2²³`, the bits `0x4B00_0000 | q` are
/// the float `2²³ + q`, so one OR and one subtraction turn eight widened bytes into eight floats (signed values
/// use `0x4B40_0000 + q`, which is `1.5·2²³ + q`).
enum QuantizedKernels {
    typealias V8 = SIMD8<Float>

    /// Every binary16 value as `Float` (256 KB, built once).
    static let halfTable: [Float] = (0..<65_536).map { HalfPrecision.float(fromFloat16: UInt16($0)) }

    @inline(__always)
    static func half(_ table: UnsafePointer<Float>, _ p: UnsafeRawPointer, _ offset: Int) -> Float {
        table[Int(UInt16(littleEndian: p.loadUnaligned(fromByteOffset: offset, as: UInt16.self)))]
    }

    /// Eight unsigned bytes (< 2²³ once widened) as floats.
    @inline(__always)
    static func float(_ v: SIMD8<UInt8>) -> V8 {
        let wide = SIMD8<UInt32>(truncatingIfNeeded: v)
        return unsafeBitCast(wide | 0x4B00_0000, to: V8.self) - 8_388_608
    }

    /// Eight signed bytes as floats.
    @inline(__always)
    static func float(_ v: SIMD8<Int8>) -> V8 {
        let wide = SIMD8<Int32>(truncatingIfNeeded: v)
        return unsafeBitCast(wide &+ 0x4B40_0000, to: V8.self) - 12_582_912
    }

    @inline(__always)
    static func load(_ p: UnsafePointer<Float>) -> V8 { UnsafeRawPointer(p).loadUnaligned(as: V8.self) }

    /// `Σ_c w[c]·x[c]` over one stored row of `count` weights.
    /// - Parameter blockSums: for `q4_1`, `Σ x` over each block of 32 (the `m` term); unused otherwise.
    @inline(__always)
    static func dot(_ format: QuantizedFormat, _ row: UnsafeRawPointer, _ x: UnsafePointer<Float>, count: Int,
                    blockSums: UnsafePointer<Float>?) -> Float {
        halfTable.withUnsafeBufferPointer { table in
            let table = table.baseAddress!
            var acc = V8()
            var offsetTotal: Float = 0
            switch format {
            case .q4_1:
                let sums = blockSums!
                for b in 0..<(count / 32) {
                    let block = row + b &* 20
                    let q = (block + 4).loadUnaligned(as: SIMD16<UInt8>.self)
                    let (low, high) = (q & 0x0F, q &>> 4)
                    let xb = x + b &* 32
                    var s = float(low.lowHalf) * load(xb)
                    s += float(low.highHalf) * load(xb + 8)
                    s += float(high.lowHalf) * load(xb + 16)
                    s += float(high.highHalf) * load(xb + 24)
                    acc += V8(repeating: half(table, block, 0)) * s
                    offsetTotal += half(table, block, 2) * sums[b]
                }
            case .q4_0:
                for b in 0..<(count / 32) {
                    let block = row + b &* 18
                    let q = (block + 2).loadUnaligned(as: SIMD16<UInt8>.self)
                    let (low, high) = (q & 0x0F, q &>> 4)
                    let xb = x + b &* 32
                    var s = (float(low.lowHalf) - 8) * load(xb)
                    s += (float(low.highHalf) - 8) * load(xb + 8)
                    s += (float(high.lowHalf) - 8) * load(xb + 16)
                    s += (float(high.highHalf) - 8) * load(xb + 24)
                    acc += V8(repeating: half(table, block, 0)) * s
                }
            case .q8_0:
                for b in 0..<(count / 32) {
                    let block = row + b &* 34
                    let q = (block + 2).loadUnaligned(as: SIMD32<Int8>.self)
                    let xb = x + b &* 32
                    var s = float(q.lowHalf.lowHalf) * load(xb)
                    s += float(q.lowHalf.highHalf) * load(xb + 8)
                    s += float(q.highHalf.lowHalf) * load(xb + 16)
                    s += float(q.highHalf.highHalf) * load(xb + 24)
                    acc += V8(repeating: half(table, block, 0)) * s
                }
            case .f32:
                var c = 0
                while c + 8 <= count {
                    acc += row.loadUnaligned(fromByteOffset: 4 &* c, as: V8.self) * load(x + c)
                    c += 8
                }
                while c < count {
                    offsetTotal += row.loadUnaligned(fromByteOffset: 4 &* c, as: Float.self) * x[c]
                    c += 1
                }
            }
            return acc.sum() + offsetTotal
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
                    let d = V8(repeating: half(table, block, 0))
                    let m = V8(repeating: isQ41 ? half(table, block, 2) : -8 * half(table, block, 0))
                    let q = (block + (isQ41 ? 4 : 2)).loadUnaligned(as: SIMD16<UInt8>.self)
                    let (low, high) = (q & 0x0F, q &>> 4)
                    let o = raw + b &* 128
                    o.storeBytes(of: float(low.lowHalf) * d + m, as: V8.self)
                    (o + 32).storeBytes(of: float(low.highHalf) * d + m, as: V8.self)
                    (o + 64).storeBytes(of: float(high.lowHalf) * d + m, as: V8.self)
                    (o + 96).storeBytes(of: float(high.highHalf) * d + m, as: V8.self)
                }
            case .q8_0:
                for b in 0..<(count / 32) {
                    let block = row + b &* 34
                    let d = V8(repeating: half(table, block, 0))
                    let q = (block + 2).loadUnaligned(as: SIMD32<Int8>.self)
                    let o = raw + b &* 128
                    o.storeBytes(of: float(q.lowHalf.lowHalf) * d, as: V8.self)
                    (o + 32).storeBytes(of: float(q.lowHalf.highHalf) * d, as: V8.self)
                    (o + 64).storeBytes(of: float(q.highHalf.lowHalf) * d, as: V8.self)
                    (o + 96).storeBytes(of: float(q.highHalf.highHalf) * d, as: V8.self)
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
                let (p0, p1) = (load(p), load(p + 8))
                p += 16
                var v = V8(repeating: x[k]); out.0 += v * p0; out.1 += v * p1
                v = V8(repeating: x1[k]); out.2 += v * p0; out.3 += v * p1
                v = V8(repeating: x2[k]); out.4 += v * p0; out.5 += v * p1
                v = V8(repeating: x3[k]); out.6 += v * p0; out.7 += v * p1
                v = V8(repeating: x4[k]); out.8 += v * p0; out.9 += v * p1
                v = V8(repeating: x5[k]); out.10 += v * p0; out.11 += v * p1
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
                a0 += v * load(p); a1 += v * load(p + 8)
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
