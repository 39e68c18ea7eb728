import Foundation
import Models

/// `attention generate`: text from a Llama-architecture GGUF model (SmolLM2-135M-Instruct), streamed as produced.
enum GenerateCommand: Command {
    static let name = "generate"
    static let summary = "generate text with SmolLM2 (GGUF, KV cache), streamed; --chat, sampling, --json"
    static let usage = """
    Usage: attention generate [--model smollm2|PATH.gguf] [--chat] [--system TEXT] [--max-tokens N]
                              [--temperature T] [--top-k K] [--top-p P] [--repetition-penalty R] [--seed S]
                              [--threads N] [--json] PROMPT...

    Continues PROMPT (the words joined by spaces, or all of standard input when no PROMPT is given) and writes the
    generated text to standard output as it is produced, then a newline; the prompt is not echoed. A character
    split across tokens is held until complete. A summary (tokens, tokens per second, why it stopped) goes to
    standard error. Generation stops at the model's end-of-sequence token or after --max-tokens.

      --model          smollm2 (default; the cached SmolLM2-135M-Instruct Q4_1) or a .gguf file or a folder with one
      --chat           wrap PROMPT in the model's chat template as one user turn (a default system turn is added
                       unless --system); stops at <|im_end|> too
      --system TEXT    the system turn for --chat
      --max-tokens N   most tokens to generate (default 256)
      --temperature T  0 (default) is greedy: always the most likely token; T > 0 samples
      --top-k K        sample among the K most likely tokens (default 0: all)
      --top-p P        sample among the most likely tokens whose probability adds up to P, 0 < P ≤ 1 (default 1)
      --repetition-penalty R   divide the logits of tokens already seen by R (R > 0; default 1: off)
      --seed S         seed of the draw (default 0); the same seed and options give the same text
      --json           print nothing while generating; at the end print {"ids": [...], "text": "...",
                       "prompt_tokens": n, "generated_tokens": n, "stop_reason": "...",
                       "prefill_tokens_per_second": x, "decode_tokens_per_second": y}
                       ("ids" are the generated ids, a final stop token included; "text" leaves the stop token out)

    Examples:
      attention generate --max-tokens 12 "Attention is all you need."
      attention generate --chat --temperature 0.7 --top-p 0.9 --seed 42 "Write a haiku about the sea."
    """
    static let options: Set<String> = ["model", "system", "max-tokens", "temperature", "top-k", "top-p",
                                       "repetition-penalty", "seed"]
    static let switches: Set<String> = ["chat", "json"]

    static func run(_ arguments: Arguments) throws {
        let sampling = try samplingOptions(arguments)
        let maxTokens = try arguments.positiveInt("max-tokens") ?? 256
        let chat = arguments.has("chat")
        if arguments.string("system") != nil && !chat { throw UsageError("--system needs --chat") }
        var prompt = arguments.positionals.joined(separator: " ")
        if arguments.positionals.isEmpty {
            prompt = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
        }
        guard !prompt.isEmpty else { throw UsageError("give a PROMPT, or text on standard input") }

        let llama = try LoadedLlama(arguments.string("model") ?? "smollm2")
        var messages: [ChatMessage] = []
        if let system = arguments.string("system") { messages.append(.system(system)) }
        messages.append(.user(prompt))
        let ids = llama.tokenizer.encode(chat ? llama.template.render(messages) : prompt)
        let options = GenerationOptions(maxTokens: maxTokens, sampling: sampling, stopIDs: llama.stopIDs(chat: chat))

        let session = LlamaSession(model: llama.model)
        let json = arguments.has("json")
        var stream = llama.tokenizer.makeStreamingDecoder()
        let result = try session.generate(ids, options: options) { id in
            if !json { writeOutput(stream.append(id)) }
            return true
        }
        let produced = result.ids.filter { !options.stopIDs.contains($0) }
        if json {
            let report: [String: Any] = [
                "ids": result.ids, "text": llama.tokenizer.decode(produced), "prompt_tokens": ids.count,
                "generated_tokens": result.ids.count, "stop_reason": result.stopReason.rawValue,
                "prefill_tokens_per_second": result.prefillTokensPerSecond,
                "decode_tokens_per_second": result.decodeTokensPerSecond,
            ]
            let data = try JSONSerialization.data(withJSONObject: report, options: [.sortedKeys, .withoutEscapingSlashes])
            print(String(decoding: data, as: UTF8.self))
        } else {
            writeOutput(stream.finish() + "\n")
            printError(String(format: "[%d prompt tokens, %d generated, stopped: %@; prefill %.1f tokens/s, decode %.1f tokens/s]",
                              ids.count, result.ids.count, describe(result.stopReason), result.prefillTokensPerSecond,
                              result.decodeTokensPerSecond))
        }
    }

    /// `--temperature`, `--top-k`, `--top-p`, `--repetition-penalty`, `--seed`, checked (shared with `chat`).
    static func samplingOptions(_ arguments: Arguments) throws -> SamplingOptions {
        let temperature = try arguments.float("temperature") ?? 0
        guard temperature >= 0 else { throw UsageError("--temperature must be ≥ 0 (0 is greedy), got \(temperature)") }
        let topK = try arguments.int("top-k") ?? 0
        guard topK >= 0 else { throw UsageError("--top-k must be ≥ 0 (0 keeps every token), got \(topK)") }
        let topP = try arguments.float("top-p") ?? 1
        guard topP > 0 && topP <= 1 else { throw UsageError("--top-p must be in (0, 1], got \(topP)") }
        let penalty = try arguments.float("repetition-penalty") ?? 1
        guard penalty > 0 else { throw UsageError("--repetition-penalty must be > 0 (1 is off), got \(penalty)") }
        var seed: UInt64 = 0
        if let text = arguments.string("seed") {
            guard let value = UInt64(text) else { throw UsageError("--seed expects a non-negative integer, got '\(text)'") }
            seed = value
        }
        return SamplingOptions(temperature: temperature, topK: topK, topP: topP, repetitionPenalty: penalty, seed: seed)
    }
}

/// A Llama GGUF model with its tokenizer and chat template, for `generate`, `chat` and `bench generate`.
struct LoadedLlama {
    let file: URL
    let model: LlamaModel
    let tokenizer: ByteLevelBPETokenizer
    let template: ChatTemplate

    /// - Parameter specifier: `smollm2`, a `.gguf` file, or a folder holding exactly one `.gguf` file.
    init(_ specifier: String) throws {
        var location = try ModelStore().resolve(specifier)
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: location.path, isDirectory: &isDirectory), isDirectory.boolValue {
            let files = (try? FileManager.default.contentsOfDirectory(atPath: location.path)) ?? []
            let ggufs = files.filter { $0.hasSuffix(".gguf") }.sorted()
            guard ggufs.count == 1 else {
                throw UsageError("'\(location.path)' is a folder with \(ggufs.count) .gguf files; pass --model PATH.gguf")
            }
            location = location.appendingPathComponent(ggufs[0])
        }
        let gguf = try GGUFFile(contentsOf: location)
        file = location
        model = try LlamaModel(gguf: gguf)
        tokenizer = try ByteLevelBPETokenizer(gguf: gguf)
        template = try ChatTemplate(gguf: gguf)
    }

    /// The end-of-sequence token, and in a chat also the end-of-turn token `<|im_end|>`.
    func stopIDs(chat: Bool) -> Set<Int> {
        var ids: Set<Int> = []
        if let eos = tokenizer.eosID { ids.insert(eos) }
        if chat, let turnEnd = tokenizer.id(of: ChatTemplate.turnEnd) { ids.insert(turnEnd) }
        return ids
    }
}

/// Why generation ended, in words.
func describe(_ reason: GenerationResult.StopReason) -> String {
    switch reason {
    case .stopToken: return "end of sequence"
    case .maxTokens: return "--max-tokens reached"
    case .contextFull: return "context full"
    case .cancelled: return "cancelled"
    }
}

/// Writes `text` to standard output now (unbuffered), so streamed tokens appear as they are produced.
func writeOutput(_ text: String) {
    guard !text.isEmpty else { return }
    FileHandle.standardOutput.write(Data(text.utf8))
}
