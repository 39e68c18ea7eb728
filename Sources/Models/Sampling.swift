import Foundation
import TensorCore

/// How the next token is chosen from the logits.
///
/// Applied in this order (Hugging Face's logits processors and warpers):
/// 1. repetition penalty (Keskar et al., 2019): for every id already in the sequence, `z ← z/r` if `z > 0` else
///    `z ← z·r`;
/// 2. `temperature == 0`: greedy — the largest logit (ties to the lowest id); nothing below applies;
/// 3. temperature: `z ← z/τ`;
/// 4. top-k: keep the k largest (ties to the lower id);
/// 5. softmax, then top-p (nucleus, Holtzman et al., 2020): keep the smallest prefix of the sorted tokens whose
///    probability reaches p;
/// 6. one draw from the renormalized distribution with a ``SeededGenerator``: the same seed gives the same tokens.
public struct SamplingOptions: Codable, Sendable, Equatable {
    /// τ; 0 (the default) means greedy decoding.
    public var temperature: Float = 0
    /// Keep only the k most likely tokens; 0 (the default) keeps all.
    public var topK = 0
    /// Keep the smallest set of tokens with total probability ≥ p; 1 (the default) keeps all.
    public var topP: Float = 1
    /// r ≥ 1 discourages repeats; 1 (the default) is off.
    public var repetitionPenalty: Float = 1
    /// Seed of the draw.
    public var seed: UInt64 = 0

    public init(temperature: Float = 0, topK: Int = 0, topP: Float = 1, repetitionPenalty: Float = 1, seed: UInt64 = 0) {
        precondition(temperature >= 0, "SamplingOptions: temperature must be ≥ 0, got \(temperature)")
        precondition(topK >= 0, "SamplingOptions: top-k must be ≥ 0, got \(topK)")
        precondition(topP > 0 && topP <= 1, "SamplingOptions: top-p must be in (0, 1], got \(topP)")
        precondition(repetitionPenalty > 0, "SamplingOptions: repetition penalty must be > 0, got \(repetitionPenalty)")
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
        self.repetitionPenalty = repetitionPenalty
        self.seed = seed
    }

    /// Whether the choice is deterministic argmax.
    public var isGreedy: Bool { temperature == 0 }
}

/// Chooses tokens one after another according to ``SamplingOptions``; holds the random state.
public struct Sampler: Sendable {
    public let options: SamplingOptions
    private var generator: SeededGenerator

    public init(_ options: SamplingOptions = .init()) {
        self.options = options
        generator = SeededGenerator(seed: options.seed)
    }

    /// The next token.
    /// - Parameters:
    ///   - logits: V scores (any shape whose elements are the V scores).
    ///   - previous: the ids in the sequence so far (prompt and generated), for the repetition penalty.
    /// - Returns: an id in `0 ..< V`.
    /// - Complexity: O(V) for greedy; O(V + n log n) otherwise, where n is the number of tokens within 30·τ of the
    ///   best (lower ones have probability below e⁻³⁰ relative to it and are left out of the draw).
    public mutating func sample(_ logits: Tensor, previous: [Int] = []) -> Int {
        var z = logits.scalars
        precondition(!z.isEmpty, "Sampler: empty logits")
        if options.repetitionPenalty != 1 {
            let r = options.repetitionPenalty
            for id in Set(previous) where id >= 0 && id < z.count { z[id] = z[id] > 0 ? z[id] / r : z[id] * r }
        }
        let best = Self.argmax(z)
        if options.isGreedy { return best }

        let inverseTemperature = 1 / options.temperature
        let cutoff = z[best] - 30 * options.temperature
        var candidates = z.indices.filter { z[$0] >= cutoff }
        candidates.sort { z[$0] > z[$1] || (z[$0] == z[$1] && $0 < $1) }
        if options.topK > 0 && candidates.count > options.topK { candidates.removeLast(candidates.count - options.topK) }

        var probabilities = candidates.map { Double(Foundation.exp((z[$0] - z[best]) * inverseTemperature)) }
        let total = probabilities.reduce(0, +)
        for i in probabilities.indices { probabilities[i] /= total }
        var kept = probabilities.count
        if options.topP < 1 {
            var cumulative = 0.0
            for (i, p) in probabilities.enumerated() {
                cumulative += p
                if cumulative >= Double(options.topP) { kept = i + 1; break }
            }
        }
        let mass = probabilities[..<kept].reduce(0, +)
        let u = Double(generator.nextUniform()) * mass
        var cumulative = 0.0
        for i in 0..<kept {
            cumulative += probabilities[i]
            if u < cumulative { return candidates[i] }
        }
        return candidates[kept - 1]
    }

    /// The index of the largest value (the lowest such index on ties).
    public static func argmax(_ values: [Float]) -> Int {
        var best = 0
        for i in values.indices where values[i] > values[best] { best = i }
        return best
    }
}
