import Foundation

/// The merge rules of a byte-level BPE vocabulary and the algorithm that applies them to one word.
///
/// A word starts as one symbol per byte; repeatedly, the adjacent pair with the lowest merge rank (the leftmost
/// on ties) is replaced by the merged token, until no adjacent pair has a rule. Pending pairs live in a min-heap
/// keyed by `(rank, position)` over a doubly linked list of symbols, so a word of `n` bytes costs O(n log n)
/// instead of the O(n²) of rescanning; stale heap entries are skipped by re-checking the pair when popped.
///
/// Reference: Sennrich et al., "Neural Machine Translation of Rare Words with Subword Units" (2016); Hugging Face
/// `tokenizers` `Word::merge_all`.
struct BPEMerger: Sendable {
    /// `left << 32 | right` → `rank << 32 | merged`.
    private let rules: [UInt64: UInt64]
    /// The token of each single byte, or -1 when the vocabulary lacks it.
    private let byteTokens: [Int32]
    /// Replaces a byte that has no token; `nil` drops it, as Hugging Face's BPE does without an unknown token.
    private let unknownToken: Int32?
    private let cache = BPEWordCache()

    init(rules: [UInt64: UInt64], byteTokens: [Int32], unknownToken: Int32?) {
        self.rules = rules
        self.byteTokens = byteTokens
        self.unknownToken = unknownToken
    }

    static func ruleKey(_ left: Int32, _ right: Int32) -> UInt64 {
        UInt64(UInt32(bitPattern: left)) << 32 | UInt64(UInt32(bitPattern: right))
    }

    private func rule(_ left: Int32, _ right: Int32) -> (rank: UInt32, merged: Int32)? {
        guard let packed = rules[BPEMerger.ruleKey(left, right)] else { return nil }
        return (UInt32(packed >> 32), Int32(bitPattern: UInt32(truncatingIfNeeded: packed)))
    }

    /// Appends the tokens of the word `bytes` to `output`.
    func encode(_ bytes: UnsafeBufferPointer<UInt8>, into output: inout [Int]) {
        if bytes.count == 1 {
            let token = byteTokens[Int(bytes[0])]
            if token >= 0 { output.append(Int(token)) } else if let unknownToken { output.append(Int(unknownToken)) }
            return
        }
        let cacheable = bytes.count <= BPEWordCache.longestWord
        if cacheable, let cached = cache.tokens(for: bytes) {
            output.append(contentsOf: cached.lazy.map(Int.init))
            return
        }
        let tokens = merge(bytes)
        if cacheable { cache.store(tokens, for: bytes) }
        output.append(contentsOf: tokens.lazy.map(Int.init))
    }

    private func merge(_ bytes: UnsafeBufferPointer<UInt8>) -> [Int32] {
        var symbols: [Int32] = []
        symbols.reserveCapacity(bytes.count)
        for byte in bytes {
            let token = byteTokens[Int(byte)]
            if token >= 0 { symbols.append(token) } else if let unknownToken { symbols.append(unknownToken) }
        }
        let n = symbols.count
        guard n > 1 else { return symbols }
        var next = (0..<n).map { $0 + 1 }   // n marks the end
        var previous = (0..<n).map { $0 - 1 }
        var alive = [Bool](repeating: true, count: n)
        var heap = MinHeap()
        for i in 0..<(n - 1) {
            if let r = rule(symbols[i], symbols[i + 1]) { heap.push(UInt64(r.rank) << 32 | UInt64(i)) }
        }
        while let top = heap.pop() {
            let rank = UInt32(top >> 32)
            let i = Int(UInt32(truncatingIfNeeded: top))
            let j = next[i]
            // Skip entries whose pair has changed since they were pushed.
            guard alive[i], j < n, let r = rule(symbols[i], symbols[j]), r.rank == rank else { continue }
            symbols[i] = r.merged
            alive[j] = false
            next[i] = next[j]
            if next[j] < n { previous[next[j]] = i }
            if previous[i] >= 0, let left = rule(symbols[previous[i]], symbols[i]) {
                heap.push(UInt64(left.rank) << 32 | UInt64(previous[i]))
            }
            if next[i] < n, let right = rule(symbols[i], symbols[next[i]]) {
                heap.push(UInt64(right.rank) << 32 | UInt64(i))
            }
        }
        var result: [Int32] = []
        var i = 0
        while i < n {
            result.append(symbols[i])
            i = next[i]
        }
        return result
    }
}

/// A binary min-heap of packed `(rank, position)` keys.
private struct MinHeap {
    private var items: [UInt64] = []

    mutating func push(_ item: UInt64) {
        items.append(item)
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard items[child] < items[parent] else { break }
            items.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> UInt64? {
        guard let first = items.first else { return nil }
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            var parent = 0
            while true {
                let left = 2 * parent + 1
                guard left < items.count else { break }
                let right = left + 1
                let smaller = right < items.count && items[right] < items[left] ? right : left
                guard items[smaller] < items[parent] else { break }
                items.swapAt(smaller, parent)
                parent = smaller
            }
        }
        return first
    }
}

/// Tokens of recently seen words, shared by copies of a tokenizer and safe across threads.
///
/// Text repeats its words, so most words are merged once. The cache forgets everything when it fills, which
/// bounds its memory without bookkeeping per entry.
final class BPEWordCache: @unchecked Sendable {
    static let longestWord = 64
    static let capacity = 20_000

    private let lock = NSLock()
    private var entries: [[UInt8]: [Int32]] = [:]

    func tokens(for word: UnsafeBufferPointer<UInt8>) -> [Int32]? {
        let key = Array(word)
        lock.lock(); defer { lock.unlock() }
        return entries[key]
    }

    func store(_ tokens: [Int32], for word: UnsafeBufferPointer<UInt8>) {
        let key = Array(word)
        lock.lock(); defer { lock.unlock() }
        if entries.count >= BPEWordCache.capacity { entries.removeAll(keepingCapacity: true) }
        entries[key] = tokens
    }
}
