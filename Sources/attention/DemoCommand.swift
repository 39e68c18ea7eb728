import Foundation
import TensorCore
import AttentionKernels

/// `attention demo`: the seed's first example, explained.
enum DemoCommand: Command {
    static let name = "demo"
    static let summary = "the course's first example: self-attention on Q, K, V of shape [1, 5, 64], explained"
    static let usage = """
    Usage: attention demo [--seed N]

    Runs scaled dot-product attention on random Q, K, V of shape [1, 5, 64] (one sentence of 5 tokens, 64 features
    each), as the course's first code sample does, and explains each step. Same seed, same numbers, on every machine.

    Example:
      attention demo --seed 40
    """
    static let options: Set<String> = ["seed"]

    static func run(_ arguments: Arguments) throws {
        let seed = UInt64(try arguments.int("seed") ?? 40)
        var generator = SeededGenerator(seed: seed)
        let q = Tensor.normal(shape: [1, 5, 64], generator: &generator)
        let k = Tensor.normal(shape: [1, 5, 64], generator: &generator)
        let v = Tensor.normal(shape: [1, 5, 64], generator: &generator)
        let options = AttentionOptions(returnsWeights: true)
        let fused = scaledDotProductAttention(query: q, key: k, value: v, options: options, kernel: .fused)
        let reference = scaledDotProductAttention(query: q, key: k, value: v, options: options, kernel: .reference)
        let weights = fused.weights!
        func fmt(_ x: Float) -> String { String(format: "%.3f", x) }
        var lines = [
            "Self-attention, step by step (seed \(seed)).",
            "",
            "1. Five tokens, each a vector of 64 numbers, give three matrices: queries Q, keys K and values V, each [1, 5, 64].",
            "2. Scores: every query is compared with every key by a dot product, Q·Kᵀ, then divided by √64 = 8 so the",
            "   numbers stay in a range where softmax is not saturated. That is a [5, 5] table: row i = query i, column j = key j.",
            "3. Softmax turns each row into weights that are positive and sum to 1: how much token i attends to token j.",
            "",
            "   attention weights [query × key]:",
            "            " + (0..<5).map { "key \($0)".padding(toLength: 8, withPad: " ", startingAt: 0) }.joined(),
        ]
        for i in 0..<5 {
            let row = (0..<5).map { fmt(weights[0, i, $0]).padding(toLength: 8, withPad: " ", startingAt: 0) }.joined()
            lines.append("   query \(i)  " + row)
        }
        lines.append("")
        for i in 0..<5 {
            let row = (0..<5).map { weights[0, i, $0] }
            let best = row.indices.max { row[$0] < row[$1] }!
            lines.append("   token \(i) attends most to token \(best) (weight \(fmt(row[best]))); its row sums to \(fmt(row.reduce(0, +))).")
        }
        lines += [
            "",
            "4. Output: each token's new vector is the weighted average of the value vectors, weights · V → [1, 5, 64].",
            "   Output row 0 begins: " + (0..<4).map { fmt(fused.output[0, 0, $0]) }.joined(separator: ", ") + ", …",
            "",
            "The fused kernel (tiled, online softmax, never stores the full score table) and the reference kernel",
            "(stores it) agree to \(String(format: "%.1e", Double(fused.output.maxAbsoluteDifference(reference.output)))) on the output.",
            "Try: attention sdpa --help, attention bench sdpa --seq 1024 --heads 12 --dim 64.",
        ]
        print(lines.joined(separator: "\n"))
    }
}
