import Foundation
import TensorCore

/// Scaled dot-product attention that never materializes the `[queries, keys]` score matrix: the
/// FlashAttention-2 forward algorithm (Dao, 2023) on the CPU.
///
/// Queries are split into blocks of `queryBlock` rows, keys into tiles of `keyBlock`. For each query block the
/// kernel walks the key tiles once, keeping per row a running maximum `m`, a running sum `l` and an unnormalized
/// output accumulator that is rescaled by `exp(m_old − m_new)` whenever the maximum grows. Tiles that the causal
/// rule or the sliding window hide entirely are skipped, so causal attention costs about half. Query blocks of all
/// batches and heads run in parallel (`Parallelism.threadCount`); grouped key/value heads are read in place.
///
/// The soft mode saves each row's log-sum-exp so that the weights can be recomputed on demand
/// (`FusedAttention.weights`). Hard modes (argmax, sampled, top-k) need a whole row of scores at once: they
/// compute one query block's rows (`queryBlock × keys` floats per thread), never the whole matrix.
///
/// Legend: B = batch, H = query heads, G = key/value heads, Q = queries, K = keys, D = head dim, E = value dim.
/// - Complexity: O(B·H·Q·K·(D+E)) time (half with `isCausal`); O(B·H·Q) extra memory beyond the packed K, V.
public enum FusedAttention {
    /// Rows per query block.
    public static let queryBlock = 48
    /// Keys per tile (a multiple of 16).
    public static let keyBlock = 128

    /// Output (and weights, recomputed from the saved statistics, when asked) with the same semantics as
    /// `ReferenceAttention.attention`.
    public static func attention(query: Tensor, key: Tensor, value: Tensor, options: AttentionOptions = .init()) -> AttentionResult {
        let result = run(query: query, key: key, value: value, options: options)
        let weights = options.returnsWeights ? result.weights().reshaped(result.problem.weightsShape) : nil
        return AttentionResult(output: result.output, weights: weights)
    }

    /// Output `[.., Q, E]` in the caller's rank and per-row softmax statistics `[B, H, Q, 2]`: the row maximum m
    /// and the sum l of `exp(s − m)` (soft mode only). They are kept apart rather than as `m + log l` because
    /// with huge scores (1e30) that sum is lost to rounding in Float. Rows with no visible key have m = −∞, l = 0.
    static func forward(_ p: AttentionProblem, packed: PackedKeyValue) -> (Tensor, [Float]) {
        let bq = queryBlock
        let blocksPerHead = (p.queries + bq - 1) / bq
        // Every row is written by its query block below, so the output starts uninitialized (zeros only when there
        // is nothing to attend to).
        let outputCount = p.batch * p.heads * p.queries * p.valueDim
        var output = [Float](unsafeUninitializedCapacity: outputCount) { buffer, count in
            if p.queries == 0 || p.keys == 0 { buffer.initialize(repeating: 0) }
            count = outputCount
        }
        var statistics = [Float](repeating: 0, count: p.batch * p.heads * p.queries * 2)
        let ep = packed.paddedValueDim
        let isSoft = p.mode == .soft
        packed.scaledQuery.withUnsafeBufferPointer { qp in
        packed.keyT.withUnsafeBufferPointer { ktp in
        packed.value.withUnsafeBufferPointer { vp in
        output.withUnsafeMutableBufferPointer { op in
        statistics.withUnsafeMutableBufferPointer { lp in
            let shared = UncheckedSendable((qp.baseAddress!, ktp.baseAddress!, vp.baseAddress!, op.baseAddress!, lp.baseAddress!))
            guard p.queries > 0, p.keys > 0 else { return }
            // Largest blocks first (the last query blocks under the causal rule) for better balance.
            Parallelism.parallelForDynamic(p.batch * p.heads * blocksPerHead) { item in
                let (q, kt, v, o, lse) = shared.value
                let block = blocksPerHead - 1 - item % blocksPerHead
                let bh = item / blocksPerHead
                let (b, h) = (bh / p.heads, bh % p.heads)
                let rows = (block * bq)..<Swift.min(p.queries, (block + 1) * bq)
                let vHead = v + (b * p.kvHeads + h / p.groupSize) * packed.paddedKeys * ep
                let accumulator = UnsafeMutablePointer<Float>.allocate(capacity: bq * ep)
                defer { accumulator.deallocate() }
                accumulator.initialize(repeating: 0, count: bq * ep)
                if isSoft {
                    softBlock(p, packed: packed, q: q, kt: kt, vHead: vHead, b: b, h: h, rows: rows,
                              accumulator: accumulator, statistics: lse + bh * p.queries * 2)
                } else {
                    hardBlock(p, packed: packed, q: q, kt: kt, vHead: vHead, b: b, h: h, rows: rows,
                              accumulator: accumulator)
                }
                for i in rows {
                    (o + (bh * p.queries + i) * p.valueDim).update(from: accumulator + (i - rows.lowerBound) * ep, count: p.valueDim)
                }
            }
        }}}}}
        return (Tensor(shape: p.outputShape, scalars: output), statistics)
    }

    /// Online-softmax pass over the visible key tiles for one query block.
    private static func softBlock(_ p: AttentionProblem, packed: PackedKeyValue, q: UnsafePointer<Float>,
                                  kt: UnsafePointer<Float>, vHead: UnsafePointer<Float>, b: Int, h: Int, rows: Range<Int>,
                                  accumulator acc: UnsafeMutablePointer<Float>, statistics: UnsafeMutablePointer<Float>) {
        typealias V8 = SIMD8<Float>
        let bk = keyBlock
        let ep = packed.paddedValueDim
        let s = UnsafeMutablePointer<Float>.allocate(capacity: rows.count * bk)
        defer { s.deallocate() }
        var runningMax = [Float](repeating: -.infinity, count: rows.count)
        var runningSum = [Float](repeating: 0, count: rows.count)
        let visible = TileKernels.visibleKeys(p, rows: rows)
        var j0 = visible.lowerBound / 16 * 16
        while j0 < visible.upperBound {
            let keys = j0..<Swift.min(j0 + bk, visible.upperBound)
            let width = (keys.count + 15) / 16 * 16
            TileKernels.scoreTile(p, packed: packed, packedKeyT: kt, query: q, batch: b, head: h, rows: rows, keys: keys, s: s, lds: bk)
            for r in 0..<rows.count {
                let row = s + r * bk
                let newMax = Swift.max(runningMax[r], VectorMath.maximum(row, count: width))
                if newMax == -.infinity {
                    for c in 0..<width { row[c] = 0 }
                    continue
                }
                let rowSum = VectorMath.exponentiate(row, count: width, shift: newMax)
                let alpha = runningMax[r] == -.infinity ? 0 : Foundation.exp(runningMax[r] - newMax)
                runningSum[r] = runningSum[r] * alpha + rowSum
                runningMax[r] = newMax
                if alpha != 1 {
                    let a8 = V8(repeating: alpha)
                    let orow = acc + r * ep
                    var e = 0
                    while e < ep { VectorMath.store(VectorMath.load(orow + e) * a8, orow + e); e += 8 }
                }
                if p.dropoutProbability > 0 {
                    let i = rows.lowerBound + r
                    AttentionRow.dropout(row, keyRange: keys, probability: p.dropoutProbability, seed: p.dropoutSeed,
                                         rowIndex: (b * p.heads + h) * p.queries + i, keys: p.keys)
                }
            }
            accumulateValues(rows: rows.count, weights: s, ldw: bk, values: vHead + keys.lowerBound * ep, count: width,
                             packed: packed, accumulator: acc)
            j0 += bk
        }
        for r in 0..<rows.count {
            let i = rows.lowerBound + r
            let orow = acc + r * ep
            if runningSum[r] > 0 {
                let inverse = V8(repeating: 1 / runningSum[r])
                var e = 0
                while e < ep { VectorMath.store(VectorMath.load(orow + e) * inverse, orow + e); e += 8 }
                statistics[2 * i] = runningMax[r]
                statistics[2 * i + 1] = runningSum[r]
            } else {
                for e in 0..<ep { orow[e] = 0 }
                statistics[2 * i] = -.infinity
                statistics[2 * i + 1] = 0
            }
        }
    }

    /// Hard modes: whole score rows of one query block (`rows × keys`), the shared row rule, then `W·V`.
    private static func hardBlock(_ p: AttentionProblem, packed: PackedKeyValue, q: UnsafePointer<Float>,
                                  kt: UnsafePointer<Float>, vHead: UnsafePointer<Float>, b: Int, h: Int, rows: Range<Int>,
                                  accumulator acc: UnsafeMutablePointer<Float>) {
        let kp = packed.paddedKeys
        let s = UnsafeMutablePointer<Float>.allocate(capacity: rows.count * kp)
        defer { s.deallocate() }
        scoreRows(p, packed: packed, q: q, kt: kt, b: b, h: h, rows: rows, s: s, lds: kp)
        for r in 0..<rows.count {
            let i = rows.lowerBound + r
            let rowIndex = (b * p.heads + h) * p.queries + i
            AttentionRow.weights(s + r * kp, count: p.keys, mode: p.mode, rowIndex: rowIndex)
            AttentionRow.dropout(s + r * kp, keyRange: 0..<p.keys, probability: p.dropoutProbability, seed: p.dropoutSeed,
                                 rowIndex: rowIndex, keys: p.keys)
            for j in p.keys..<kp { s[r * kp + j] = 0 }
        }
        accumulateValues(rows: rows.count, weights: s, ldw: kp, values: vHead, count: kp, packed: packed, accumulator: acc)
    }

    /// Masked, scaled scores of `rows` against every key, tile by tile, into `s` (row stride `lds ≥ paddedKeys`).
    static func scoreRows(_ p: AttentionProblem, packed: PackedKeyValue, q: UnsafePointer<Float>, kt: UnsafePointer<Float>,
                          b: Int, h: Int, rows: Range<Int>, s: UnsafeMutablePointer<Float>, lds: Int) {
        let visible = TileKernels.visibleKeys(p, rows: rows)
        for r in 0..<rows.count { (s + r * lds).update(repeating: -.infinity, count: packed.paddedKeys) }
        var j0 = visible.lowerBound / 16 * 16
        while j0 < visible.upperBound {
            let keys = j0..<Swift.min(j0 + keyBlock, visible.upperBound)
            TileKernels.scoreTile(p, packed: packed, packedKeyT: kt, query: q, batch: b, head: h, rows: rows, keys: keys,
                                  s: s + j0, lds: lds)
            j0 += keyBlock
        }
    }

    /// `acc[r, :] += Σ_j w[r, j] · v[j, :]` over 16-column strips of the packed value.
    @inline(__always)
    private static func accumulateValues(rows: Int, weights w: UnsafePointer<Float>, ldw: Int, values v: UnsafePointer<Float>,
                                         count: Int, packed: PackedKeyValue, accumulator acc: UnsafeMutablePointer<Float>) {
        let ep = packed.paddedValueDim
        var r = 0
        while r < rows {
            let n = Swift.min(6, rows - r)
            var c = 0
            while c < ep {
                TileKernels.accumulate(rows: n, p: w + r * ldw, ldp: ldw, v: v + c, ldv: ep, count: count, o: acc + r * ep + c, ldo: ep)
                c += 16
            }
            r += n
        }
    }
}
