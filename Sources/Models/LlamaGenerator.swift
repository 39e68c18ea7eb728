import Foundation
import TensorCore

/// When to stop and how to choose tokens.
public struct GenerationOptions: Sendable, Equatable {
    /// The most tokens to generate (the stop token counts).
    public var maxTokens = 256
    public var sampling = SamplingOptions()
    /// Ids that end generation (the tokenizer's EOS, `<|im_end|>` in a chat); the stop token is returned but not
    /// fed to the model.
    public var stopIDs: Set<Int> = []

    public init(maxTokens: Int = 256, sampling: SamplingOptions = .init(), stopIDs: Set<Int> = []) {
        precondition(maxTokens >= 0, "GenerationOptions: maxTokens must be ≥ 0, got \(maxTokens)")
        self.maxTokens = maxTokens
        self.sampling = sampling
        self.stopIDs = stopIDs
    }
}

/// What one ``LlamaSession/generate(_:options:onToken:)`` call produced, with its timings.
public struct GenerationResult: Sendable, Equatable {
    /// Why generation ended.
    public enum StopReason: String, Sendable { case stopToken, maxTokens, contextFull, cancelled }

    /// The generated ids, including a final stop token.
    public var ids: [Int]
    /// Tokens fed in the prefill pass (the prompt, plus a token left over from the previous turn).
    public var promptTokens: Int
    public var stopReason: StopReason
    /// Wall time of the prefill pass and of the one-token decode passes.
    public var prefillSeconds: Double
    public var decodeSeconds: Double
    /// One-token model calls made after the prefill.
    public var decodeSteps: Int

    public var prefillTokensPerSecond: Double { prefillSeconds > 0 ? Double(promptTokens) / prefillSeconds : 0 }
    public var decodeTokensPerSecond: Double { decodeSeconds > 0 ? Double(decodeSteps) / decodeSeconds : 0 }
}

/// A user-facing mistake in a generation request.
public enum GenerationError: Error, CustomStringConvertible, Equatable {
    case contextOverflow(tokens: Int, limit: Int)

    public var description: String {
        switch self {
        case .contextOverflow(let tokens, let limit):
            return "the conversation needs \(tokens) tokens but the model's context holds \(limit); start a new one."
        }
    }
}

/// A sequence being generated: the model, its KV cache, and the ids seen so far.
///
/// Each ``generate(_:options:onToken:)`` call continues the same sequence: it prefills the new prompt ids in one
/// batched pass after everything cached, then decodes one token at a time against the cache. The last generated
/// token is not fed until the next call (it may be a stop token the caller wants to replace), so a chat keeps its
/// cache across turns and never recomputes earlier ones.
public final class LlamaSession {
    public let model: LlamaModel
    public let cache: LlamaCache
    /// Every id of the sequence: fed ones, then at most one generated id not yet fed.
    public private(set) var ids: [Int] = []
    private var sampler: Sampler?

    public init(model: LlamaModel) {
        self.model = model
        cache = model.makeCache()
    }

    /// Forgets the sequence.
    public func reset() {
        cache.reset()
        ids = []
        sampler = nil
    }

    /// The id generated last and not yet fed to the model, if any.
    public var pendingID: Int? { ids.count > cache.offset ? ids.last : nil }

    /// Extends the sequence with `prompt` and generates until a stop id, `maxTokens`, the context limit, or
    /// `onToken` returns false.
    /// - Parameters:
    ///   - prompt: ids to append (may be empty when a token is pending).
    ///   - onToken: called with each generated id as soon as it is chosen; return false to stop.
    /// - Throws: ``GenerationError/contextOverflow(tokens:limit:)`` when the prompt does not fit the context.
    @discardableResult
    public func generate(_ prompt: [Int], options: GenerationOptions = .init(),
                         onToken: (Int) -> Bool = { _ in true }) throws -> GenerationResult {
        let limit = model.configuration.contextLength
        let feed = Array(ids[cache.offset...]) + prompt
        guard cache.offset + feed.count <= limit else {
            throw GenerationError.contextOverflow(tokens: cache.offset + feed.count, limit: limit)
        }
        precondition(!feed.isEmpty, "LlamaSession: nothing to feed: give prompt ids")
        ids += prompt
        if sampler == nil || sampler!.options != options.sampling { sampler = Sampler(options.sampling) }
        var result = GenerationResult(ids: [], promptTokens: feed.count, stopReason: .maxTokens,
                                      prefillSeconds: 0, decodeSeconds: 0, decodeSteps: 0)
        var start = Date()
        var logits = model(feed, cache: cache)
        result.prefillSeconds = Date().timeIntervalSince(start)
        while result.ids.count < options.maxTokens {
            let token = sampler!.sample(logits, previous: ids)
            ids.append(token)
            result.ids.append(token)
            if options.stopIDs.contains(token) { result.stopReason = .stopToken; break }
            if !onToken(token) { result.stopReason = .cancelled; break }
            if result.ids.count == options.maxTokens { break }
            if cache.offset + 1 >= limit { result.stopReason = .contextFull; break }
            start = Date()
            logits = model([token], cache: cache)
            result.decodeSeconds += Date().timeIntervalSince(start)
            result.decodeSteps += 1
        }
        return result
    }
}
