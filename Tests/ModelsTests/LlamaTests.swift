import Foundation
import Testing
@testable import Models
import TensorCore
import _TestSupport

/// Golden values written by `tools/make_llama_golden.py` (numpy float64 forward pass over the `gguf` package's
/// dequantized tensors, ids from the `tokenizers` BPE built from the same metadata).
struct LlamaGolden: Decodable {
    struct Case: Decodable {
        let text: String
        let ids: [Int]
        let logits_first: [Float]
        let logits_file: String?
        let argmax: Int
        let top2_margin: Float
        let greedy_ids: [Int]
        let greedy_text: String
        let greedy_margins: [Float]
    }
    let cases: [Case]

    static let directory = GoldenFiles.directory("llama", in: .module)
    static let loaded: Result<LlamaGolden, any Error> = Result {
        try JSONDecoder().decode(LlamaGolden.self, from: Data(contentsOf: directory.appendingPathComponent("llama_golden.json")))
    }
}

/// The SmolLM2 model and tokenizer, loaded once for every test that needs them.
enum SmolLM2 {
    private static let loaded: Result<(LlamaModel, ByteLevelBPETokenizer), any Error> = Result {
        let gguf = try GGUFFile(contentsOf: SmolLM2GGUF.url)
        return (try LlamaModel(gguf: gguf), try ByteLevelBPETokenizer(gguf: gguf))
    }

    /// The model; a missing file fails the calling test with instructions.
    static func model() throws -> (LlamaModel, ByteLevelBPETokenizer) {
        _ = try SmolLM2GGUF.file()
        return try loaded.get()
    }
}

@Suite("Llama forward pass on SmolLM2-135M-Instruct", .serialized)
struct LlamaTests {
    static let logitTolerance: Float = 1e-3

    /// Ids exact, last-position logits within 1e-3 of the float64 reference (the whole vocabulary where the script
    /// saved it), greedy continuation of 12 tokens identical.
    @Test func goldenPrompts() throws {
        let (model, tokenizer) = try SmolLM2.model()
        let golden = try LlamaGolden.loaded.get()
        #expect(golden.cases.count >= 5)
        for c in golden.cases {
            let ids = tokenizer.encode(c.text)
            #expect(ids == c.ids, "ids of \(c.text.debugDescription)")
            let session = LlamaSession(model: model)
            let result = try session.generate(c.ids, options: GenerationOptions(maxTokens: c.greedy_ids.count))
            let logits = model(c.ids, cache: model.makeCache()).scalars
            let reference = try c.logits_file.map {
                try Npy.readTensor(contentsOf: LlamaGolden.directory.appendingPathComponent($0)).scalars
            } ?? c.logits_first
            let worst = zip(logits, reference).map { abs($0 - $1) }.max() ?? .infinity
            #expect(worst <= Self.logitTolerance, "\(c.text.debugDescription): max |Δlogit| = \(worst) over \(reference.count)")
            #expect(Sampler.argmax(logits) == c.argmax)
            #expect(result.ids == c.greedy_ids, "greedy continuation of \(c.text.debugDescription) (smallest margin \(c.greedy_margins.min()!))")
            #expect(tokenizer.decode(result.ids) == c.greedy_text)
        }
        let attention = try #require(golden.cases.first)
        #expect(attention.greedy_text == "\n\nThe answer is: 1.\n\nThe")
        #expect(zip(attention.logits_first, [12.00988, 9.79806, 16.66311] as [Float]).allSatisfy { abs($0 - $1) < 2e-4 })
    }

    /// Prefill of a prefix, then one token at a time against the cache, gives the logits of recomputing the whole
    /// sequence from scratch at every step (and of one pass returning every position).
    @Test func cachedDecodingMatchesRecomputation() throws {
        let (model, _) = try SmolLM2.model()
        let golden = try LlamaGolden.loaded.get()
        let c = golden.cases[1]
        let sequence = c.ids + c.greedy_ids.prefix(5)
        let cache = model.makeCache()
        var stepwise = [model(c.ids, cache: cache)]
        for id in sequence[c.ids.count...].dropLast() { stepwise.append(model([id], cache: cache)) }
        #expect(cache.offset == sequence.count - 1)

        let everyPosition = model(Array(sequence.dropLast()), cache: model.makeCache(), allPositions: true)
        let v = model.configuration.vocabularySize
        for (step, logits) in stepwise.enumerated() {
            let length = c.ids.count + step
            let recomputed = model(Array(sequence[..<length]), cache: model.makeCache())
            let worst = zip(logits.scalars, recomputed.scalars).map { abs($0 - $1) }.max()!
            #expect(worst <= 1e-4, "step \(step): cached vs recomputed max |Δ| = \(worst)")
            let row = Array(everyPosition.scalars[((length - 1) * v)..<(length * v)])
            let worstRow = zip(logits.scalars, row).map { abs($0 - $1) }.max()!
            #expect(worstRow <= 1e-4, "step \(step): cached vs all-positions max |Δ| = \(worstRow)")
        }
    }

    /// The same seed gives the same tokens; the chat template renders the golden chat prompt.
    @Test func samplingIsDeterministicAndChatPromptMatches() throws {
        let (model, tokenizer) = try SmolLM2.model()
        let sampling = SamplingOptions(temperature: 0.9, topK: 40, topP: 0.95, repetitionPenalty: 1.1, seed: 7)
        let prompt = tokenizer.encode("Once upon a time")
        func run(_ options: SamplingOptions) throws -> [Int] {
            try LlamaSession(model: model).generate(prompt, options: GenerationOptions(maxTokens: 8, sampling: options)).ids
        }
        let first = try run(sampling)
        #expect(first.count == 8)
        #expect(try run(sampling) == first)

        let gguf = try SmolLM2GGUF.file()
        let template = try ChatTemplate(gguf: gguf)
        #expect(template.defaultSystemPrompt == "You are a helpful AI assistant named SmolLM, trained by Hugging Face")
        let golden = try LlamaGolden.loaded.get()
        let chat = try #require(golden.cases.first { $0.text.hasPrefix(ChatTemplate.turnStart) })
        #expect(template.render([.user("What is 2 + 2?")]) == chat.text)
        #expect(tokenizer.encode(template.render([.user("What is 2 + 2?")])) == chat.ids)
    }
}
