import TensorCore

/// Register-blocked micro-kernels and packed operands shared by the fused attention kernel and the
/// weights-on-demand recomputation.
///
/// Legend: D = head dim, E = value dim, K = keys, Kp = K rounded up to 16, Ep = E rounded up to 16.
/// Packed key: `[B·G, Kp/16, D, 16]` (Kᵀ in panels of 16 keys, so a micro-kernel reads 64 contiguous bytes per
/// step instead of striding by Kp, which aliases in L1), packed value: `[B·G, Kp, Ep]` (zero-padded).
/// The 6×16 blocks keep twelve `SIMD8<Float>` accumulators in registers (of AVX2's sixteen).
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
        var kt = [Float](repeating: 0, count: heads * p.headDim * kp)
        var vp = [Float](repeating: 0, count: includeValues ? heads * kp * ep : 0)
        let (d, k, e) = (p.headDim, p.keys, p.valueDim)
        p.key.withUnsafeBufferPointer { src in
            kt.withUnsafeMutableBufferPointer { dst in
                let s = UncheckedSendable((src.baseAddress!, dst.baseAddress!))
                Parallelism.parallelFor(heads) { g in
                    let (src, dst) = s.value
                    for j in 0..<k {
                        let panel = dst + ((g * kp + j / 16 * 16) * d) + j % 16
                        for t in 0..<d { panel[t * 16] = src[(g * k + j) * d + t] }
                    }
                }
            }
        }
        if includeValues {
            p.value.withUnsafeBufferPointer { src in
                vp.withUnsafeMutableBufferPointer { dst in
                    for g in 0..<heads {
                        for j in 0..<k {
                            (dst.baseAddress! + (g * kp + j) * ep).update(from: src.baseAddress! + (g * k + j) * e, count: e)
                        }
                    }
                }
            }
        }
        keyT = kt
        value = vp
        scaledQuery = (p.query * p.scale).scalars
        paddedKeys = kp
        paddedValueDim = ep
    }
}

enum TileKernels {
    typealias V8 = SIMD8<Float>

    /// `s[r, c] = Σ_t q[r, t] · kt[t, c]` for `rows` (1…6) rows and 16 columns.
    @inline(__always)
    static func scores(rows: Int, q: UnsafePointer<Float>, ldq: Int, kt: UnsafePointer<Float>, ldk: Int, depth: Int,
                       s: UnsafeMutablePointer<Float>, lds: Int) {
        var a0 = V8(), a1 = V8(), b0 = V8(), b1 = V8(), c0 = V8(), c1 = V8(), d0 = V8(), d1 = V8()
        var k = kt
        if rows == 6 {
            var e0 = V8(), e1 = V8(), f0 = V8(), f1 = V8()
            let (q1, q2, q3, q4, q5) = (q + ldq, q + 2 &* ldq, q + 3 &* ldq, q + 4 &* ldq, q + 5 &* ldq)
            for t in 0..<depth {
                let k0 = VectorMath.load(k), k1 = VectorMath.load(k + 8)
                k += ldk
                var x = V8(repeating: q[t])
                a0 = VectorMath.multiplyAdd(x, k0, a0); a1 = VectorMath.multiplyAdd(x, k1, a1)
                x = V8(repeating: q1[t])
                b0 = VectorMath.multiplyAdd(x, k0, b0); b1 = VectorMath.multiplyAdd(x, k1, b1)
                x = V8(repeating: q2[t])
                c0 = VectorMath.multiplyAdd(x, k0, c0); c1 = VectorMath.multiplyAdd(x, k1, c1)
                x = V8(repeating: q3[t])
                d0 = VectorMath.multiplyAdd(x, k0, d0); d1 = VectorMath.multiplyAdd(x, k1, d1)
                x = V8(repeating: q4[t])
                e0 = VectorMath.multiplyAdd(x, k0, e0); e1 = VectorMath.multiplyAdd(x, k1, e1)
                x = V8(repeating: q5[t])
                f0 = VectorMath.multiplyAdd(x, k0, f0); f1 = VectorMath.multiplyAdd(x, k1, f1)
            }
            VectorMath.store(a0, s); VectorMath.store(a1, s + 8)
            VectorMath.store(b0, s + lds); VectorMath.store(b1, s + lds + 8)
            VectorMath.store(c0, s + 2 &* lds); VectorMath.store(c1, s + 2 &* lds + 8)
            VectorMath.store(d0, s + 3 &* lds); VectorMath.store(d1, s + 3 &* lds + 8)
            VectorMath.store(e0, s + 4 &* lds); VectorMath.store(e1, s + 4 &* lds + 8)
            VectorMath.store(f0, s + 5 &* lds); VectorMath.store(f1, s + 5 &* lds + 8)
        } else {
            for r in 0..<rows {
                a0 = V8(); a1 = V8()
                k = kt
                let qr = q + r &* ldq
                for t in 0..<depth {
                    let x = V8(repeating: qr[t])
                    a0 = VectorMath.multiplyAdd(x, VectorMath.load(k), a0)
                    a1 = VectorMath.multiplyAdd(x, VectorMath.load(k + 8), a1)
                    k += ldk
                }
                VectorMath.store(a0, s + r &* lds); VectorMath.store(a1, s + r &* lds + 8)
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
            var a0 = VectorMath.load(o), a1 = VectorMath.load(o + 8)
            var b0 = VectorMath.load(o1), b1 = VectorMath.load(o1 + 8)
            var c0 = VectorMath.load(o2), c1 = VectorMath.load(o2 + 8)
            var d0 = VectorMath.load(o3), d1 = VectorMath.load(o3 + 8)
            var e0 = VectorMath.load(o4), e1 = VectorMath.load(o4 + 8)
            var f0 = VectorMath.load(o5), f1 = VectorMath.load(o5 + 8)
            for j in 0..<count {
                let v0 = VectorMath.load(vr), v1 = VectorMath.load(vr + 8)
                vr += ldv
                var x = V8(repeating: p[j])
                a0 = VectorMath.multiplyAdd(x, v0, a0); a1 = VectorMath.multiplyAdd(x, v1, a1)
                x = V8(repeating: p1[j])
                b0 = VectorMath.multiplyAdd(x, v0, b0); b1 = VectorMath.multiplyAdd(x, v1, b1)
                x = V8(repeating: p2[j])
                c0 = VectorMath.multiplyAdd(x, v0, c0); c1 = VectorMath.multiplyAdd(x, v1, c1)
                x = V8(repeating: p3[j])
                d0 = VectorMath.multiplyAdd(x, v0, d0); d1 = VectorMath.multiplyAdd(x, v1, d1)
                x = V8(repeating: p4[j])
                e0 = VectorMath.multiplyAdd(x, v0, e0); e1 = VectorMath.multiplyAdd(x, v1, e1)
                x = V8(repeating: p5[j])
                f0 = VectorMath.multiplyAdd(x, v0, f0); f1 = VectorMath.multiplyAdd(x, v1, f1)
            }
            VectorMath.store(a0, o); VectorMath.store(a1, o + 8)
            VectorMath.store(b0, o1); VectorMath.store(b1, o1 + 8)
            VectorMath.store(c0, o2); VectorMath.store(c1, o2 + 8)
            VectorMath.store(d0, o3); VectorMath.store(d1, o3 + 8)
            VectorMath.store(e0, o4); VectorMath.store(e1, o4 + 8)
            VectorMath.store(f0, o5); VectorMath.store(f1, o5 + 8)
        } else {
            for r in 0..<rows {
                let orow = o + r &* ldo
                let prow = p + r &* ldp
                var a0 = VectorMath.load(orow), a1 = VectorMath.load(orow + 8)
                vr = v
                for j in 0..<count {
                    let x = V8(repeating: prow[j])
                    a0 = VectorMath.multiplyAdd(x, VectorMath.load(vr), a0)
                    a1 = VectorMath.multiplyAdd(x, VectorMath.load(vr + 8), a1)
                    vr += ldv
                }
                VectorMath.store(a0, orow); VectorMath.store(a1, orow + 8)
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
