import Foundation
import TensorCore
import AttentionKernels

/// `attention bench ...`: throughput measurements (benchmarks, not tests).
enum BenchCommand: Command {
    static let name = "bench"
    static let summary = "benchmarks: bench sdpa, bench embed, bench generate"
    static let usage = """
    Usage: attention bench sdpa --batch B --heads H --seq N [--kv-seq M] --dim D [--causal]
                                [--kernel fused|reference] [--threads T] [--repeat R] [--json]
           attention bench embed [--model minilm|PATH] [--batch-size N] [--threads T] [--repeat R] [--json]
           attention bench generate [--model smollm2|PATH.gguf] [--threads T] [--repeat R] [--json]

    Times attention on random inputs: median milliseconds over R runs (default: enough runs for ~1 s, at least 3),
    effective GFLOP/s counting 4·B·H·N·M·D FLOPs (half with --causal), and, in the same run, the rate of the
    BLAS sgemm calls that the unfused computation needs (Q·Kᵀ and P·V for every head, on at most 4096 query rows)
    as a yardstick; fraction_of_sgemm is the ratio of the two rates.

    Example:
      attention bench sdpa --batch 1 --heads 12 --seq 1024 --dim 64 --causal --threads 2 --json

    bench embed: sentence embeddings of 32 fixed sentences of 12-20 words (tokenization included) in batches of N
    (default 32): sentences per second, and single-sentence latency (median over the 32, each alone).
    tools/bench_embed_peer.py runs PyTorch (transformers, fp32) on the same sentences and prints the ratio.
      attention bench embed --model minilm --batch-size 32 --threads 2 --json

    bench generate: a fresh KV cache, one batched prefill pass over a fixed 128-token prompt, then 64 greedy
    one-token decode steps; median tokens/s of each over R runs (default 3) after a warm-up, and the peak resident
    memory of the process (VmHWM). tools/bench_generate_peer.py runs llama.cpp on the same ids and prints ratios.
      attention bench generate --model smollm2 --threads 1 --json
    """
    static let options: Set<String> = ["batch", "heads", "kv-heads", "seq", "kv-seq", "dim", "kernel", "repeat", "model", "batch-size"]
    static let switches: Set<String> = ["causal", "json"]

    static func run(_ arguments: Arguments) throws {
        guard let what = arguments.positionals.first else { throw UsageError("say what to benchmark: bench sdpa, bench embed or bench generate") }
        switch what {
        case "sdpa": try benchSDPA(arguments)
        case "embed": try BenchEmbed.run(arguments)
        case "generate": try BenchGenerate.run(arguments)
        default: throw UsageError("unknown benchmark '\(what)'; available: sdpa, embed, generate")
        }
    }

    static func benchSDPA(_ arguments: Arguments) throws {
        let batch = try arguments.positiveInt("batch") ?? 1
        let heads = try arguments.positiveInt("heads") ?? 12
        let kvHeads = try arguments.positiveInt("kv-heads") ?? heads
        guard heads % kvHeads == 0 else { throw UsageError("--kv-heads \(kvHeads) must divide --heads \(heads)") }
        let seq = try arguments.positiveInt("seq") ?? 1024
        let kvSeq = try arguments.positiveInt("kv-seq") ?? seq
        let dim = try arguments.positiveInt("dim") ?? 64
        let causal = arguments.has("causal")
        let kernelName = arguments.string("kernel") ?? "fused"
        guard let kernel = AttentionKernel(rawValue: kernelName) else { throw UsageError("--kernel must be fused or reference") }
        var generator = SeededGenerator(seed: 1)
        let q = Tensor.normal(shape: [batch, heads, seq, dim], generator: &generator)
        let k = Tensor.normal(shape: [batch, kvHeads, kvSeq, dim], generator: &generator)
        let v = Tensor.normal(shape: [batch, kvHeads, kvSeq, dim], generator: &generator)
        let options = AttentionOptions(isCausal: causal)
        let repeats = try arguments.positiveInt("repeat")
        let attentionSeconds = measure(repeats: repeats) {
            _ = scaledDotProductAttention(query: q, key: k, value: v, options: options, kernel: kernel)
        }
        // The GEMM work of unfused attention (what BLAS would do for it), timed in the same process on at most
        // 4096 query rows per head so the yardstick's score matrix stays small; its rate is what is compared.
        let gemmRows = Swift.min(seq, 4096)
        var scores = [Float](repeating: 0, count: gemmRows * kvSeq)
        var out = [Float](repeating: 0, count: gemmRows * dim)
        let gemmSeconds = measure(repeats: repeats) {
            q.withUnsafeBufferPointer { qp in k.withUnsafeBufferPointer { kp in v.withUnsafeBufferPointer { vp in
                scores.withUnsafeMutableBufferPointer { sp in out.withUnsafeMutableBufferPointer { op in
                    for bh in 0..<(batch * heads) {
                        let g = (bh / heads) * kvHeads + (bh % heads) / (heads / kvHeads)
                        BLAS.sgemm(transposeA: false, transposeB: true, m: gemmRows, n: kvSeq, k: dim,
                                   a: qp.baseAddress! + bh * seq * dim, lda: dim, b: kp.baseAddress! + g * kvSeq * dim, ldb: dim,
                                   c: sp.baseAddress!, ldc: kvSeq)
                        BLAS.sgemm(transposeA: false, transposeB: false, m: gemmRows, n: dim, k: kvSeq,
                                   a: sp.baseAddress!, lda: kvSeq, b: vp.baseAddress! + g * kvSeq * dim, ldb: dim,
                                   c: op.baseAddress!, ldc: dim)
                    }
                }}
            }}}
        }
        let fullFlops = 4.0 * Double(batch * heads) * Double(seq) * Double(kvSeq) * Double(dim)
        let flops = causal ? fullFlops / 2 : fullFlops
        let gflops = flops / attentionSeconds / 1e9
        let gemmGflops = fullFlops * Double(gemmRows) / Double(seq) / gemmSeconds / 1e9
        let report: [String: Any] = [
            "benchmark": "sdpa", "kernel": kernel.rawValue, "batch": batch, "heads": heads, "kv_heads": kvHeads,
            "seq": seq, "kv_seq": kvSeq, "dim": dim, "causal": causal, "threads": Parallelism.threadCount,
            "milliseconds": attentionSeconds * 1000, "gflops": gflops,
            "sgemm_gflops": gemmGflops, "fraction_of_sgemm": gflops / gemmGflops,
        ]
        if arguments.has("json") {
            let data = try JSONSerialization.data(withJSONObject: report, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            print(String(format: "sdpa %@ B=%d H=%d N=%d M=%d D=%d%@ threads=%d: %.2f ms, %.1f GFLOP/s (sgemm %.1f GFLOP/s, %.0f%%)",
                         kernel.rawValue, batch, heads, seq, kvSeq, dim, causal ? " causal" : "", Parallelism.threadCount,
                         attentionSeconds * 1000, gflops, gemmGflops, 100 * gflops / gemmGflops))
        }
    }

    /// Median wall time of `body` after one warm-up run; `repeats` runs, or enough for about a second (≥ 3).
    static func measure(repeats: Int?, _ body: () -> Void) -> Double {
        let warmStart = Date()
        body()
        let once = Date().timeIntervalSince(warmStart)
        let count = repeats ?? Swift.max(3, Swift.min(50, Int(1.0 / Swift.max(once, 1e-6))))
        var times: [Double] = []
        for _ in 0..<count {
            let start = Date()
            body()
            times.append(Date().timeIntervalSince(start))
        }
        return times.sorted()[times.count / 2]
    }
}
