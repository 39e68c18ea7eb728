import Foundation
import Testing
@testable import Models
import TensorCore

/// The sampler on small made-up distributions, where every rule can be checked by hand.
@Suite("Sampling")
struct LlamaSamplingTests {
    static let logits = Tensor(shape: [6], scalars: [1.0, 3.0, 2.5, -1.0, 3.0, 0.0])

    @Test func greedyTakesTheLowestBestID() {
        var sampler = Sampler()
        #expect(sampler.sample(Self.logits) == 1)
    }

    @Test func repetitionPenaltyDividesPositiveAndMultipliesNegative() {
        var sampler = Sampler(SamplingOptions(repetitionPenalty: 2))
        // 3.0 → 1.5 for ids 1 and 4, so 2.5 (id 2) wins.
        #expect(sampler.sample(Self.logits, previous: [1, 4, 4]) == 2)
    }

    @Test func topKOfOneAndTinyTopPAreGreedy() {
        for options in [SamplingOptions(temperature: 1.5, topK: 1, seed: 3), SamplingOptions(temperature: 1.5, topP: 0.01, seed: 3)] {
            var sampler = Sampler(options)
            for _ in 0..<20 { #expect(sampler.sample(Self.logits) == 1) }
        }
    }

    @Test func topKLimitsTheDraw() {
        var sampler = Sampler(SamplingOptions(temperature: 5, topK: 3, seed: 11))
        let drawn = Set((0..<300).map { _ in sampler.sample(Self.logits) })
        #expect(drawn == [1, 2, 4])
    }

    /// Frequencies follow softmax(z/τ): with τ = 1, P(1) = P(4) ≈ 0.35, P(2) ≈ 0.21, P(0) ≈ 0.047.
    @Test func frequenciesFollowTheSoftmax() {
        var sampler = Sampler(SamplingOptions(temperature: 1, seed: 5))
        var counts = [Int](repeating: 0, count: 6)
        let draws = 20_000
        for _ in 0..<draws { counts[sampler.sample(Self.logits)] += 1 }
        let z = Self.logits.scalars.map { Double($0) }
        let total = z.map { exp($0) }.reduce(0, +)
        for (id, count) in counts.enumerated() {
            let expected = exp(z[id]) / total
            #expect(abs(Double(count) / Double(draws) - expected) < 0.015, "id \(id): \(count) of \(draws), expected p = \(expected)")
        }
    }

    @Test func sameSeedSameSequence() {
        let options = SamplingOptions(temperature: 2, topP: 0.9, seed: 42)
        var a = Sampler(options), b = Sampler(options)
        let first = (0..<50).map { _ in a.sample(Self.logits) }
        #expect(first == (0..<50).map { _ in b.sample(Self.logits) })
        var c = Sampler(SamplingOptions(temperature: 2, topP: 0.9, seed: 43))
        #expect(first != (0..<50).map { _ in c.sample(Self.logits) })
    }

    @Test func chatTemplateRendersChatML() {
        let template = ChatTemplate(defaultSystemPrompt: "Be brief.")
        #expect(template.render([.user("Hi")]) ==
            "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n")
        #expect(template.render([.system("S"), .user("Hi")], addGenerationPrompt: false) ==
            "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n")
        #expect(template.render([.user("Hi")], includeDefaultSystemPrompt: false) ==
            "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n")
        let jinja = "{% if loop.first and messages[0]['role'] != 'system' %}{{ '<|im_start|>system\\nYou are X<|im_end|>\\n' }}"
            + "{% endif %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}"
        #expect(ChatTemplate.defaultSystemPrompt(inTemplate: jinja) == "You are X")
        #expect(ChatTemplate.defaultSystemPrompt(inTemplate: "{{'<|im_start|>' + message['role'] + '\\n'}}<|im_end|>") == nil)
    }
}
