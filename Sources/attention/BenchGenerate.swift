import Foundation
import Models
import TensorCore

/// `attention bench generate`: prefill and decode speed of the Llama model, and the process's peak memory.
///
/// Options: `--model smollm2|PATH.gguf` (default smollm2), `--repeat R` (default 3), `--json`, and the shared
/// `--threads T`. Each repetition starts a fresh KV cache, prefills the first 128 ids of ``promptText`` in one
/// batched pass, then greedily decodes 64 tokens one at a time (end-of-sequence ignored); the medians over the
/// repetitions, after one warm-up, are reported. `tools/bench_generate_peer.py` runs llama.cpp on the same ids.
enum BenchGenerate {
    /// Tokens in the prefill pass, and one-token decode steps after it.
    static let promptTokens = 128
    static let decodeTokens = 64
    /// Tokenizes to more than 128 SmolLM2 ids; `tools/bench_generate_peer.py` holds the same text.
    static let promptText = """
    The history of computing is a story of ideas that took decades to become practical. Charles Babbage designed \
    a mechanical engine in the nineteenth century, and Ada Lovelace wrote what many consider the first program for \
    it. A hundred years later, Alan Turing described a universal machine that could simulate any other, and \
    engineers built the first electronic computers from vacuum tubes during the Second World War. Transistors \
    replaced the tubes, integrated circuits replaced the transistors, and each generation of machines became \
    smaller, faster and cheaper than the one before. Today a phone in your pocket holds more computing power than \
    the machines that guided astronauts to the Moon, and researchers train neural networks with billions of \
    parameters to translate languages, write programs and answer questions.
    """

    static func run(_ arguments: Arguments) throws {
        let modelName = arguments.string("model") ?? "smollm2"
        let repeats = try arguments.positiveInt("repeat") ?? 3
        let llama = try LoadedLlama(modelName)
        let prompt = Array(llama.tokenizer.encode(promptText).prefix(promptTokens))
        precondition(prompt.count == promptTokens, "BenchGenerate: the prompt text is shorter than \(promptTokens) tokens")
        let options = GenerationOptions(maxTokens: decodeTokens + 1)
        var prefill: [Double] = [], decode: [Double] = []
        var generated: [Int] = []
        for run in 0...repeats {
            let session = LlamaSession(model: llama.model)
            let result = try session.generate(prompt, options: options)
            precondition(result.decodeSteps == decodeTokens, "BenchGenerate: \(result.decodeSteps) decode steps")
            generated = result.ids
            if run > 0 {
                prefill.append(result.prefillSeconds)
                decode.append(result.decodeSeconds)
            }
        }
        let prefillSeconds = prefill.sorted()[prefill.count / 2]
        let decodeSeconds = decode.sorted()[decode.count / 2]
        let prefillRate = Double(promptTokens) / prefillSeconds
        let decodeRate = Double(decodeTokens) / decodeSeconds
        let peakMegabytes = peakResidentMegabytes()
        let report: [String: Any] = [
            "benchmark": "generate", "model": llama.file.lastPathComponent, "threads": Parallelism.threadCount,
            "prompt_tokens": promptTokens, "decode_tokens": decodeTokens, "repeats": repeats,
            "prefill_tokens_per_second": prefillRate, "decode_tokens_per_second": decodeRate,
            "prefill_milliseconds": prefillSeconds * 1000, "decode_milliseconds_per_token": decodeSeconds * 1000 / Double(decodeTokens),
            "peak_memory_megabytes": peakMegabytes, "prompt_ids": prompt, "generated_ids": generated,
        ]
        if arguments.has("json") {
            let data = try JSONSerialization.data(withJSONObject: report, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            print(String(format: "generate %@ threads %d: prefill %d tokens %.1f tokens/s (%.1f ms), decode %d tokens %.1f tokens/s (%.2f ms/token), peak memory %.1f MB",
                         llama.file.lastPathComponent, Parallelism.threadCount, promptTokens, prefillRate, prefillSeconds * 1000,
                         decodeTokens, decodeRate, decodeSeconds * 1000 / Double(decodeTokens), peakMegabytes))
        }
    }

    /// The most resident memory this process has used so far, in MB of 10⁶ bytes: `VmHWM` from
    /// `/proc/self/status` on Linux, else `getrusage`'s `ru_maxrss`. (On Linux `ru_maxrss` also counts the
    /// parent's resident set at `fork`, so a benchmark started from a large process, such as the peer script
    /// after it has loaded llama.cpp, would report the parent's size.)
    static func peakResidentMegabytes() -> Double {
        #if os(Linux)
        if let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
           let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
           let kilobytes = Double(line.split(separator: " ").dropFirst().first ?? "") {
            return kilobytes * 1024 / 1e6
        }
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_maxrss) * 1024 / 1e6   // kilobytes on Linux
        #else
        var usage = rusage()
        getrusage(RUSAGE_SELF, &usage)
        return Double(usage.ru_maxrss) / 1e6          // bytes on Darwin
        #endif
    }
}
