import Foundation
import TensorCore

/// One attention call with its inputs canonicalized to rank 4, shared by every kernel.
///
/// Legend: B = batch, H = query heads, G = key/value heads (H is a multiple of G; query head h reads key/value
/// head h / (H/G)), Q = queries, K = keys, D = query/key head dimension, E = value head dimension.
struct AttentionProblem {
    let batch: Int, heads: Int, kvHeads: Int, queries: Int, keys: Int, headDim: Int, valueDim: Int
    let query: Tensor   // [B, H, Q, D]
    let key: Tensor     // [B, G, K, D]
    let value: Tensor   // [B, G, K, E]
    let scale: Float
    let mask: ResolvedMask?
    let isCausal: Bool
    let mode: AttentionMode
    let dropoutProbability: Float
    let dropoutSeed: UInt64
    let slidingWindow: Int?
    let alibiSlopes: [Float]?
    let softCap: Float?
    /// Leading axes of the caller's query: `[]` for rank 2, `[B]` for rank 3, `[B, H]` for rank 4.
    let userLeading: [Int]

    init(query: Tensor, key: Tensor, value: Tensor, options: AttentionOptions) {
        let rank = query.rank
        precondition((2...4).contains(rank) && key.rank == rank && value.rank == rank,
                     "attention: query, key and value must all be rank 2, 3 or 4; got \(query.shape), \(key.shape), \(value.shape)")
        func four(_ t: Tensor) -> Tensor {
            switch rank {
            case 2: return t.reshaped([1, 1] + t.shape)
            case 3: return t.reshaped([t.shape[0], 1, t.shape[1], t.shape[2]])
            default: return t
            }
        }
        let q = four(query), k = four(key), v = four(value)
        precondition(k.shape[0] == q.shape[0] && v.shape[0] == q.shape[0],
                     "attention: batch sizes differ: query \(query.shape), key \(key.shape), value \(value.shape)")
        precondition(k.shape[1] == v.shape[1] && k.shape[2] == v.shape[2],
                     "attention: key \(key.shape) and value \(value.shape) must agree on heads and keys")
        precondition(k.shape[1] > 0 && q.shape[1] % k.shape[1] == 0,
                     "attention: key/value heads (\(k.shape[1])) must divide query heads (\(q.shape[1])): query \(query.shape), key \(key.shape)")
        precondition(k.shape[3] == q.shape[3],
                     "attention: query and key head dimensions differ: \(query.shape) vs \(key.shape)")
        batch = q.shape[0]; heads = q.shape[1]; kvHeads = k.shape[1]
        queries = q.shape[2]; keys = k.shape[2]; headDim = q.shape[3]; valueDim = v.shape[3]
        self.query = q; self.key = k; self.value = v
        scale = options.scale ?? (headDim > 0 ? 1 / Float(headDim).squareRoot() : 1)
        let leading = Array(query.shape.dropLast(2))
        userLeading = leading
        mask = options.mask.map {
            ResolvedMask($0, userWeightsShape: leading + [q.shape[2], k.shape[2]], batch: q.shape[0], keys: k.shape[2])
        }
        isCausal = options.isCausal
        mode = options.mode
        if case .topK(let k) = options.mode { precondition(k > 0, "attention: top-k needs k ≥ 1, got \(k)") }
        dropoutProbability = options.dropoutProbability
        dropoutSeed = options.dropoutSeed
        slidingWindow = options.slidingWindow
        softCap = options.softCap
        if let slopes = options.alibiSlopes {
            precondition(slopes.count == q.shape[1], "attention: \(slopes.count) ALiBi slopes for \(q.shape[1]) query heads")
        }
        alibiSlopes = options.alibiSlopes
    }

    /// True when scores need more than the visibility bounds: a mask tensor, ALiBi or soft-capping.
    var hasElementTransforms: Bool { mask != nil || alibiSlopes != nil || softCap != nil }

    var outputShape: [Int] { userLeading + [queries, valueDim] }
    var weightsShape: [Int] { userLeading + [queries, keys] }
    /// Query heads that share one key/value head.
    var groupSize: Int { heads / kvHeads }
    /// The keys query i may see under the causal rule and the sliding window (may be empty).
    @inline(__always) func visibleKeys(query i: Int) -> Range<Int> {
        let diagonal = i + keys - queries
        var lower = 0
        var upper = keys
        if isCausal { upper = Swift.min(upper, diagonal + 1) }
        if let window = slidingWindow {
            lower = Swift.max(lower, diagonal - window + 1)
            if !isCausal { upper = Swift.min(upper, diagonal + window) }
        }
        return lower < upper ? lower..<upper : 0..<0
    }
}

/// Turning one row of scaled scores into weights: masking, the attention mode, dropout. Shared by every kernel
/// so that they agree exactly on the rules.
enum AttentionRow {
    /// Applies soft-capping, ALiBi, the mask, the causal rule and the window to a row of scaled scores in place
    /// (forbidden pairs become `-infinity`). `row[0]` is key `keyRange.lowerBound`.
    @inline(__always)
    static func applyMask(_ row: UnsafeMutablePointer<Float>, keyRange: Range<Int>, problem: AttentionProblem,
                          batch b: Int, head h: Int, query i: Int) {
        let visible = problem.visibleKeys(query: i)
        let offset = keyRange.lowerBound
        if let cap = problem.softCap {
            for j in keyRange { row[j - offset] = cap * tanh(row[j - offset] / cap) }
        }
        if let slopes = problem.alibiSlopes {
            let diagonal = i + problem.keys - problem.queries
            for j in keyRange { row[j - offset] -= slopes[h] * Float(abs(diagonal - j)) }
        }
        for j in keyRange where !visible.contains(j) { row[j - offset] = -.infinity }
        guard let mask = problem.mask else { return }
        let base = mask.rowOffset(batch: b, head: h, query: i)
        let stride = mask.strides.key
        mask.values.withUnsafeBufferPointer { m in
            if mask.isAdditive {
                for j in keyRange { row[j - keyRange.lowerBound] += m[base + j * stride] }
            } else {
                for j in keyRange where m[base + j * stride] == 0 { row[j - keyRange.lowerBound] = -.infinity }
            }
        }
    }

    /// Turns a full row of masked scores into weights according to `mode`. An all-masked row becomes zeros.
    static func weights(_ row: UnsafeMutablePointer<Float>, count: Int, mode: AttentionMode, rowIndex: Int) {
        switch mode {
        case .soft:
            Softmax.softmaxRow(row, count: count)
        case .argmax:
            var best = -1
            var bestScore = -Float.infinity
            for j in 0..<count where row[j] > bestScore { best = j; bestScore = row[j] }
            for j in 0..<count { row[j] = j == best ? 1 : 0 }
        case .sampled(let seed):
            Softmax.softmaxRow(row, count: count)
            let u = CounterRandom.uniform(seed: seed, counter: UInt64(rowIndex))
            var chosen = -1
            var cumulative: Float = 0
            for j in 0..<count where row[j] > 0 {
                chosen = j
                cumulative += row[j]
                if cumulative > u { break }
            }
            for j in 0..<count { row[j] = j == chosen ? 1 : 0 }
        case .topK(let k):
            // Keep the k best allowed scores (ties to the lower index), then softmax over them.
            let order = (0..<count).filter { row[$0] > -.infinity }
                .sorted { row[$0] > row[$1] || (row[$0] == row[$1] && $0 < $1) }
            if order.count > k {
                for j in order[k...] { row[j] = -.infinity }
            }
            Softmax.softmaxRow(row, count: count)
        }
    }

    /// Zeroes each weight with probability p and scales survivors by `1/(1−p)`; decisions depend only on the
    /// seed and the weight's flat index in `[B, H, Q, K]`.
    @inline(__always)
    static func dropout(_ row: UnsafeMutablePointer<Float>, keyRange: Range<Int>, probability: Float, seed: UInt64, rowIndex: Int, keys: Int) {
        guard probability > 0 else { return }
        let keep = 1 / (1 - probability)
        for j in keyRange {
            let u = CounterRandom.uniform(seed: seed, counter: UInt64(rowIndex * keys + j))
            row[j - keyRange.lowerBound] = u < probability ? 0 : row[j - keyRange.lowerBound] * keep
        }
    }
}
