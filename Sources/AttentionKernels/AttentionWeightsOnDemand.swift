import Foundation
import TensorCore

/// Which heads' attention weights to recompute.
public enum AttentionHeadSelection: Sendable, Equatable {
    /// Every query head: `[B, H, R, K]`.
    case all
    /// One query head: `[B, 1, R, K]`.
    case head(Int)
    /// The mean over query heads: `[B, 1, R, K]`.
    case average
}

/// The output of the fused kernel together with what it saved to recompute the weights later: each row's
/// maximum score m and sum l of `exp(s − m)` (8 bytes per query row), and the packed inputs.
///
/// Asking for weights recomputes the scores tile by tile and normalizes them with the saved statistics:
/// `w_ij = exp(s_ij − m_i) / l_i`. Memory is that of the weights asked for — one head, a few query rows — never
/// the full `[B, H, Q, K]` unless that is what was asked.
public struct FusedAttentionResult: @unchecked Sendable {
    /// `[B, H, Q, E]` in the query's rank.
    public let output: Tensor
    let problem: AttentionProblem
    let packed: PackedKeyValue
    /// `[B·H·Q, 2]`: (m, l) per row; m = −∞ and l = 0 for rows with no visible key.
    let statistics: [Float]

    /// Per-row log-sum-exp of the scores `[B, H, Q]` (`m + log l`; `-infinity` for rows with no visible key).
    public var logSumExp: Tensor {
        Tensor(shape: [problem.batch, problem.heads, problem.queries]) { i in
            statistics[2 * i + 1] > 0 ? statistics[2 * i] + log(statistics[2 * i + 1]) : -.infinity
        }
    }

    /// Recomputes attention weights.
    /// - Parameters:
    ///   - heads: all heads, one head, or the head average.
    ///   - rows: query rows to return (default all).
    /// - Returns: `[B, H or 1, rows, K]`; rows sum to 1 (0 for a row with no visible key), or follow the hard mode.
    public func weights(heads: AttentionHeadSelection = .all, rows: Range<Int>? = nil) -> Tensor {
        let rows = rows ?? 0..<problem.queries
        precondition(rows.lowerBound >= 0 && rows.upperBound <= problem.queries,
                     "weights: rows \(rows) outside 0..<\(problem.queries)")
        if case .head(let h) = heads {
            precondition(h >= 0 && h < problem.heads, "weights: head \(h) outside 0..<\(problem.heads)")
        }
        return FusedAttention.recomputeWeights(problem, packed: packed, statistics: statistics, heads: heads, rows: rows)
    }
}

extension FusedAttention {
    /// Runs the fused kernel and keeps what is needed to recompute weights on demand.
    public static func run(query: Tensor, key: Tensor, value: Tensor, options: AttentionOptions = .init()) -> FusedAttentionResult {
        let problem = AttentionProblem(query: query, key: key, value: value, options: options)
        let packed = PackedKeyValue(problem)
        let (output, statistics) = forward(problem, packed: packed)
        return FusedAttentionResult(output: output, problem: problem, packed: packed, statistics: statistics)
    }

    static func recomputeWeights(_ p: AttentionProblem, packed: PackedKeyValue, statistics: [Float],
                                 heads: AttentionHeadSelection, rows: Range<Int>) -> Tensor {
        let headList: [Int]
        switch heads {
        case .all, .average: headList = Array(0..<p.heads)
        case .head(let h): headList = [h]
        }
        let outHeads = heads == .all ? p.heads : 1
        let (k, kp) = (p.keys, packed.paddedKeys)
        var out = [Float](repeating: 0, count: p.batch * outHeads * rows.count * k)
        guard !rows.isEmpty, k > 0 else { return Tensor(shape: [p.batch, outHeads, rows.count, k], scalars: out) }
        let average: Float = heads == .average ? 1 / Float(p.heads) : 1
        let blocks = (rows.count + queryBlock - 1) / queryBlock
        packed.scaledQuery.withUnsafeBufferPointer { qp in
        packed.keyT.withUnsafeBufferPointer { ktp in
        statistics.withUnsafeBufferPointer { lp in
        out.withUnsafeMutableBufferPointer { op in
            let shared = UncheckedSendable((qp.baseAddress!, ktp.baseAddress!, lp.baseAddress!, op.baseAddress!))
            // One task per (batch, output head, row block): tasks write disjoint rows of `out`.
            Parallelism.parallelForDynamic(p.batch * outHeads * blocks) { item in
                let (q, kt, stats, o) = shared.value
                let block = item % blocks
                let outHead = (item / blocks) % outHeads
                let b = item / blocks / outHeads
                let blockRows = (rows.lowerBound + block * queryBlock)..<Swift.min(rows.upperBound, rows.lowerBound + (block + 1) * queryBlock)
                let s = UnsafeMutablePointer<Float>.allocate(capacity: blockRows.count * kp)
                defer { s.deallocate() }
                let sources = heads == .all ? [headList[outHead]] : headList
                for h in sources {
                    FusedAttention.scoreRows(p, packed: packed, q: q, kt: kt, b: b, h: h, rows: blockRows, s: s, lds: kp)
                    for (r, i) in blockRows.enumerated() {
                        let row = s + r * kp
                        let rowIndex = (b * p.heads + h) * p.queries + i
                        if p.mode == .soft {
                            let (shift, total) = (stats[2 * rowIndex], stats[2 * rowIndex + 1])
                            if total == 0 {
                                for j in 0..<k { row[j] = 0 }
                            } else {
                                VectorMath.exponentiate(row, count: kp, shift: shift, factor: 1 / total)
                            }
                        } else {
                            AttentionRow.weights(row, count: k, mode: p.mode, rowIndex: rowIndex)
                        }
                        AttentionRow.dropout(row, keyRange: 0..<k, probability: p.dropoutProbability, seed: p.dropoutSeed,
                                             rowIndex: rowIndex, keys: k)
                        let target = o + ((b * outHeads + outHead) * rows.count + (i - rows.lowerBound)) * k
                        for j in 0..<k { target[j] += row[j] * average }
                    }
                }
            }
        }}}}
        return Tensor(shape: [p.batch, outHeads, rows.count, k], scalars: out)
    }
}
