import Foundation
import Testing
import _TestSupport

/// `attention generate`, `chat`, `tokenize --model smollm2` and `bench generate` run as a user would, on the real
/// SmolLM2-135M-Instruct GGUF. A missing model fails these tests with the fetch command (it is not skipped).
@Suite("attention CLI: generate, chat, bench generate", .serialized)
struct GenerateCLITests {
    static let modelPath = TestModels.cacheDirectory.appendingPathComponent("smollm2/SmolLM2-135M-Instruct.Q4_1.gguf").path
    /// The greedy continuation in ../shared/MODELS.md (and tools/make_llama_golden.py's golden file).
    static let greedyText = "\n\nThe answer is: 1.\n\nThe"

    func model() throws -> String {
        try #require(FileManager.default.fileExists(atPath: Self.modelPath),
                     "SmolLM2 model not found at \(Self.modelPath); run `python3 tools/fetch_models.py smollm2`")
        return Self.modelPath
    }

    func run(_ arguments: [String], standardInput: String? = nil) throws -> CommandRunner.Result {
        try CommandRunner.run(arguments + ["--threads", "1"], standardInput: standardInput)
    }

    func json(_ result: CommandRunner.Result) throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8))
        return try #require(object as? [String: Any], "not a JSON object: \(result.standardOutput)")
    }

    @Test func greedyContinuationIsStreamedToStandardOutput() throws {
        let result = try run(["generate", "--model", model(), "--max-tokens", "12", "Attention is all you need."])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput == Self.greedyText + "\n")
        #expect(result.standardError.contains("6 prompt tokens, 12 generated"), "\(result.standardError)")
    }

    @Test func promptFromStandardInput() throws {
        let result = try run(["generate", "--model", model(), "--max-tokens", "12"], standardInput: "Attention is all you need.")
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput == Self.greedyText + "\n")
    }

    @Test func jsonReportsIdsTextAndRates() throws {
        let result = try run(["generate", "--model", model(), "--max-tokens", "12", "--json", "Attention is all you need."])
        #expect(result.status == 0, "\(result.standardError)")
        let report = try json(result)
        #expect(report["text"] as? String == Self.greedyText)
        #expect((report["ids"] as? [Int])?.count == 12)
        #expect((report["ids"] as? [Int])?.prefix(3) == [198, 198, 504])
        #expect(report["prompt_tokens"] as? Int == 6)
        #expect(report["stop_reason"] as? String == "maxTokens")
        #expect(((report["prefill_tokens_per_second"] as? Double) ?? 0) > 0)
        #expect(((report["decode_tokens_per_second"] as? Double) ?? 0) > 0)
    }

    @Test func sameSeedGivesSameTextAndAnotherSeedAnother() throws {
        let sampling = ["generate", "--model", try model(), "--max-tokens", "16", "--temperature", "1.2", "--top-k", "50",
                        "--top-p", "0.95", "--repetition-penalty", "1.1", "--json", "Once upon a time"]
        let first = try json(run(sampling + ["--seed", "7"]))
        let second = try json(run(sampling + ["--seed", "7"]))
        let other = try json(run(sampling + ["--seed", "8"]))
        let greedy = try json(run(["generate", "--model", try model(), "--max-tokens", "16", "--json", "Once upon a time"]))
        #expect((first["ids"] as? [Int])?.count == 16)
        #expect(first["ids"] as? [Int] == second["ids"] as? [Int])
        #expect(first["text"] as? String == second["text"] as? String)
        #expect(first["ids"] as? [Int] != other["ids"] as? [Int])
        #expect(first["ids"] as? [Int] != greedy["ids"] as? [Int])
    }

    @Test func chatTemplateStopsAtEndOfTurn() throws {
        let result = try run(["generate", "--model", model(), "--chat", "--max-tokens", "64", "--json", "Say hello."])
        #expect(result.status == 0, "\(result.standardError)")
        let report = try json(result)
        // The instruct model answers a short request in a few tokens and closes its turn with <|im_end|> (id 2).
        #expect(report["stop_reason"] as? String == "stopToken")
        #expect((report["ids"] as? [Int])?.last == 2)
        #expect(!((report["text"] as? String) ?? "<|im_end|>").contains("<|im_end|>"))
        #expect(((report["prompt_tokens"] as? Int) ?? 0) > 20, "the default system turn is part of the prompt")
    }

    /// Two turns over a pipe: the second answer depends on the first turn (kept in the cache), and `/reset` makes
    /// the second answer what a fresh conversation would say.
    @Test func chatOverAPipeKeepsTheConversationAndResets() throws {
        let chat = ["chat", "--model", try model(), "--max-tokens", "16"]
        let first = try run(chat, standardInput: "My name is Ada.\n")
        let alone = try run(chat, standardInput: "What is my name?\n")
        let both = try run(chat, standardInput: "My name is Ada.\nWhat is my name?\n")
        let reset = try run(chat, standardInput: "My name is Ada.\n/reset\nWhat is my name?\n/quit\nignored\n")
        for result in [first, alone, both, reset] { #expect(result.status == 0, "\(result.standardError)") }
        #expect(!first.standardOutput.isEmpty && first.standardOutput.hasSuffix("\n"))
        #expect(both.standardOutput.hasPrefix(first.standardOutput))
        #expect(both.standardOutput != first.standardOutput + alone.standardOutput)
        #expect(reset.standardOutput == first.standardOutput + alone.standardOutput)
        #expect(reset.standardError.contains("reset"))
    }

    @Test func chatSaysWhenTheContextIsFull() throws {
        let result = try run(["chat", "--model", model(), "--context", "40", "--max-tokens", "8"],
                             standardInput: "Hello there, how are you doing today?\n/reset\nHi\n")
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardError.contains("context is full"), "\(result.standardError)")
        #expect(result.standardError.contains("/reset"))
    }

    @Test func tokenizeSmolLM2() throws {
        _ = try model()
        let result = try run(["tokenize", "--model", "smollm2", "--json", "Attention is all you need."])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput.contains("\"ids\":[[41319,314,511,346,737,30]]"), "\(result.standardOutput)")
    }

    @Test func benchGenerateReportsRatesAndMemory() throws {
        let result = try run(["bench", "generate", "--model", model(), "--repeat", "1", "--json"])
        #expect(result.status == 0, "\(result.standardError)")
        let report = try json(result)
        #expect(report["threads"] as? Int == 1)
        #expect(report["prompt_tokens"] as? Int == 128 && (report["prompt_ids"] as? [Int])?.count == 128)
        #expect(report["decode_tokens"] as? Int == 64 && (report["generated_ids"] as? [Int])?.count == 65)
        #expect(((report["prefill_tokens_per_second"] as? Double) ?? 0) > 0)
        #expect(((report["decode_tokens_per_second"] as? Double) ?? 0) > 0)
        let memory = (report["peak_memory_megabytes"] as? Double) ?? 0
        #expect(memory > 10 && memory < 1000, "peak memory \(memory) MB")
    }

    @Test func userMistakesGiveClearErrors() throws {
        let missing = try run(["generate", "--model", "/nonexistent/model.gguf", "Hello"])
        #expect(missing.status != 0 && missing.standardError.contains("/nonexistent/model.gguf"), "\(missing.standardError)")
        let junk = FileManager.default.temporaryDirectory.appendingPathComponent("not-a-model-\(UUID().uuidString).gguf")
        try Data("this is not a GGUF file".utf8).write(to: junk)
        defer { try? FileManager.default.removeItem(at: junk) }
        let notGGUF = try run(["generate", "--model", junk.path, "Hello"])
        #expect(notGGUF.status == 1 && notGGUF.standardError.contains(junk.lastPathComponent), "\(notGGUF.standardError)")
        let topP = try run(["generate", "--top-p", "1.5", "Hello"])
        #expect(topP.status == 2 && topP.standardError.contains("--top-p"), "\(topP.standardError)")
        let temperature = try run(["generate", "--temperature", "-1", "Hello"])
        #expect(temperature.status == 2 && temperature.standardError.contains("--temperature"))
        let seed = try run(["generate", "--seed", "abc", "Hello"])
        #expect(seed.status == 2 && seed.standardError.contains("--seed"))
        let unknown = try run(["generate", "--temprature", "0.5", "Hello"])
        #expect(unknown.status == 2 && unknown.standardError.contains("--temprature"))
        let system = try run(["generate", "--system", "Be brief.", "Hello"])
        #expect(system.status == 2 && system.standardError.contains("--chat"))
        let chatArgument = try run(["chat", "Hello"])
        #expect(chatArgument.status == 2 && chatArgument.standardError.contains("standard input"))
        let empty = try run(["generate"], standardInput: "")
        #expect(empty.status == 2 && empty.standardError.contains("PROMPT"))
    }

    @Test func helpShowsDefaultsAndExamples() throws {
        for command in ["generate", "chat"] {
            let help = try run([command, "--help"])
            #expect(help.status == 0)
            #expect(help.standardOutput.contains("Example"))
            #expect(help.standardOutput.contains("greedy"))
        }
        let overview = try run(["--help"])
        #expect(overview.standardOutput.contains("generate") && overview.standardOutput.contains("chat"))
    }
}
