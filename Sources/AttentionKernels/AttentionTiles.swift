import TensorCore

/// Register-blocked micro-kernels and packed operands shared by the fused attention kernel and the
/// weights-on-demand recomputation.
///
/// Legend: D = head dim, E = value dim, K = keys, Kp = K rounded up to 16, Ep = E rounded up to 16.
/// Packed key: `[B·G, Kp/16, D, 16]` (Kᵀ in panels of 16 keys, so a micro-kernel reads 64 contiguous bytes per
/// step instead of striding by Kp, which aliases in L1), packed value: `[B·G, Kp, Ep]` (zero-padded).
/// The 6×16 blocks keep six `SIMD16<Float>` accumulators in registers (six AVX-512 or twelve AVX2 registers).
struct PackedKeyValue {
    let scaledQuery: [Float]  // [B, H, Q, D], multiplied by the scale once so tiles need no extra pass
    let keyT: [Float]     // [B·G, Kp/16, D, 16]
    let value: [Float]    // [B·G, Kp, Ep]
    let paddedKeys: Int
    let paddedValueDim: Int

    init(_ p: AttentionProblem, includeValues: Bool = true) {
        let kp = (p.keys + 15) / 16 * 16
        let ep = (p.valueDim + 15) / 16 * 16
        let heads = p.batch * p.kvHeads
        let (d, k, e) = (p.headDim, p.keys, p.valueDim)
        // Every element is written below except the padding columns of each head's last panel, zeroed here:
        // no pass of memset over the whole buffer.
        let kt = [Float](unsafeUninitializedCapacity: heads * d * kp) { buffer, count in
            let dst = UncheckedSendable(buffer.baseAddress!)
            p.key.withUnsafeBufferPointer { src in
                let src = UncheckedSendable(src.baseAddress!)
                Parallelism.parallelFor(heads) { g in
                    let (src, dst) = (src.value, dst.value)
                    for j0 in stride(from: 0, to: k, by: 16) {
                        let panel = dst + (g * kp + j0) * d
                        let width = Swift.min(16, k - j0)
                        for t in 0..<d {
                            for c in width..<16 { panel[t * 16 + c] = 0 }
                        }
                        for c in 0..<width {
                            let row = src + (g * k + j0 + c) * d
                            for t in 0..<d { panel[t * 16 + c] = row[t] }
                        }
                    }
                }
            }
            count = heads * d * kp
        }
        if !includeValues {
            value = []
        } else if kp == k && ep == e {
            value = p.value.scalars  // already [B·G, Kp, Ep]: shared, not copied
        } else {
            var vp = [Float](repeating: 0, count: heads * kp * ep)
            p.value.withUnsafeBufferPointer { src in
                vp.withUnsafeMutableBufferPointer { dst in
                    for g in 0..<heads {
                        for j in 0..<k {
                            (dst.baseAddress! + (g * kp + j) * ep).update(from: src.baseAddress! + (g * k + j) * e, count: e)
                        }
                    }
                }
            }
            value = vp
        }
        keyT = kt
        let scale = p.scale
        scaledQuery = [Float](unsafeUninitializedCapacity: p.query.count) { buffer, count in
            p.query.withUnsafeBufferPointer { src in
                for i in 0..<src.count { buffer[i] = src[i] * scale }
            }
            count = p.query.count
        }
        paddedKeys = kp
        paddedValueDim = ep
    }
}

enum TileKernels {
    typealias V8 = SIMD8<Float>

    typealias V16 = SIMD16<Float>

    /// `s[r, c] = Σ_t q[r, t] · kt[t, c]` for `rows` (1…6) rows and 16 columns. One `SIMD16` accumulator per row:
    /// six AVX-512 registers, or twelve of AVX2's sixteen.
    @inline(__always)
    static func scores(rows: Int, q: UnsafePointer<Float>, ldq: Int, kt: UnsafePointer<Float>, ldk: Int, depth: Int,
                       s: UnsafeMutablePointer<Float>, lds: Int) {
        var k = kt
        if rows == 6 {
            var a = V16(), b = V16(), c = V16(), d = V16(), e = V16(), f = V16()
            let (q1, q2, q3, q4, q5) = (q + ldq, q + 2 &* ldq, q + 3 &* ldq, q + 4 &* ldq, q + 5 &* ldq)
            for t in 0..<depth {
                let kv = VectorMath.loadWide(k)
                k += ldk
                a = VectorMath.multiplyAdd(V16(repeating: q[t]), kv, a)
                b = VectorMath.multiplyAdd(V16(repeating: q1[t]), kv, b)
                c = VectorMath.multiplyAdd(V16(repeating: q2[t]), kv, c)
                d = VectorMath.multiplyAdd(V16(repeating: q3[t]), kv, d)
                e = VectorMath.multiplyAdd(V16(repeating: q4[t]), kv, e)
                f = VectorMath.multiplyAdd(V16(repeating: q5[t]), kv, f)
            }
            VectorMath.storeWide(a, s); VectorMath.storeWide(b, s + lds); VectorMath.storeWide(c, s + 2 &* lds)
            VectorMath.storeWide(d, s + 3 &* lds); VectorMath.storeWide(e, s + 4 &* lds); VectorMath.storeWide(f, s + 5 &* lds)
        } else {
            for r in 0..<rows {
                var a = V16()
                k = kt
                let qr = q + r &* ldq
                for t in 0..<depth {
                    a = VectorMath.multiplyAdd(V16(repeating: qr[t]), VectorMath.loadWide(k), a)
                    k += ldk
                }
                VectorMath.storeWide(a, s + r &* lds)
            }
        }
    }

    /// `o[r, c] += Σ_j p[r, j] · v[j, c]` for `rows` (1…6) rows, 16 columns and `count` keys.
    @inline(__always)
    static func accumulate(rows: Int, p: UnsafePointer<Float>, ldp: Int, v: UnsafePointer<Float>, ldv: Int, count: Int,
                           o: UnsafeMutablePointer<Float>, ldo: Int) {
        var vr = v
        if rows == 6 {
            let (o1, o2, o3, o4, o5) = (o + ldo, o + 2 &* ldo, o + 3 &* ldo, o + 4 &* ldo, o + 5 &* ldo)
            let (p1, p2, p3, p4, p5) = (p + ldp, p + 2 &* ldp, p + 3 &* ldp, p + 4 &* ldp, p + 5 &* ldp)
            var a = VectorMath.loadWide(o), b = VectorMath.loadWide(o1), c = VectorMath.loadWide(o2), d = VectorMath.loadWide(o3), e = VectorMath.loadWide(o4), f = VectorMath.loadWide(o5)
            for j in 0..<count {
                let vv = VectorMath.loadWide(vr)
                vr += ldv
                a = VectorMath.multiplyAdd(V16(repeating: p[j]), vv, a)
                b = VectorMath.multiplyAdd(V16(repeating: p1[j]), vv, b)
                c = VectorMath.multiplyAdd(V16(repeating: p2[j]), vv, c)
                d = VectorMath.multiplyAdd(V16(repeating: p3[j]), vv, d)
                e = VectorMath.multiplyAdd(V16(repeating: p4[j]), vv, e)
                f = VectorMath.multiplyAdd(V16(repeating: p5[j]), vv, f)
            }
            VectorMath.storeWide(a, o); VectorMath.storeWide(b, o1); VectorMath.storeWide(c, o2); VectorMath.storeWide(d, o3); VectorMath.storeWide(e, o4); VectorMath.storeWide(f, o5)
        } else {
            for r in 0..<rows {
                let orow = o + r &* ldo
                let prow = p + r &* ldp
                var a = VectorMath.loadWide(orow)
                vr = v
                for j in 0..<count {
                    a = VectorMath.multiplyAdd(V16(repeating: prow[j]), VectorMath.loadWide(vr), a)
                    vr += ldv
                }
                VectorMath.storeWide(a, orow)
            }
        }
    }

    /// Scaled, masked scores of query rows `rows` against keys `keys` (a tile; `keys.count ≤ width`, width a
    /// multiple of 16) into `s` (row stride `lds`). `q` is the packed, pre-scaled query. Pairs the mask, causal rule or window forbid become `-infinity`.
    static func scoreTile(_ p: AttentionProblem, packed: PackedKeyValue, packedKeyT kt: UnsafePointer<Float>,
                          query q: UnsafePointer<Float>, batch b: Int, head h: Int, rows: Range<Int>, keys: Range<Int>,
                          s: UnsafeMutablePointer<Float>, lds: Int) {
        let width = (keys.count + 15) / 16 * 16
        let d = p.headDim
        let kp = packed.paddedKeys
        let g = h / p.groupSize
        let ktHead = kt + (b * p.kvHeads + g) * kp * d
        let qHead = q + (b * p.heads + h) * p.queries * d
        var r = rows.lowerBound
        while r < rows.upperBound {
            let n = Swift.min(6, rows.upperBound - r)
            var c = 0
            while c < width {
                scores(rows: n, q: qHead + r * d, ldq: d, kt: ktHead + (keys.lowerBound + c) * d, ldk: 16, depth: d,
                       s: s + (r - rows.lowerBound) * lds + c, lds: lds)
                c += 16
            }
            r += n
        }
        for i in rows {
            let row = s + (i - rows.lowerBound) * lds
            if p.hasElementTransforms {
                AttentionRow.applyMask(row, keyRange: keys, problem: p, batch: b, head: h, query: i)
            } else {
                let visible = p.visibleKeys(query: i)
                if visible.lowerBound > keys.lowerBound || visible.upperBound < keys.upperBound {
                    for j in keys where !visible.contains(j) { row[j - keys.lowerBound] = -.infinity }
                }
            }
            for c in keys.count..<width { row[c] = -.infinity }
        }
    }

    /// The key range any of `rows` can see, so tiles outside it are skipped.
    static func visibleKeys(_ p: AttentionProblem, rows: Range<Int>) -> Range<Int> {
        var lower = p.keys, upper = 0
        for i in rows {
            let visible = p.visibleKeys(query: i)
            if !visible.isEmpty { lower = Swift.min(lower, visible.lowerBound); upper = Swift.max(upper, visible.upperBound) }
        }
        return lower < upper ? lower..<upper : 0..<0
    }
}
