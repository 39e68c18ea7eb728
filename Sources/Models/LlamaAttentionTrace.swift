import TensorCore

/// The attention of a decoder over a prompt and the tokens it then generated greedily, every layer and head.
///
/// Row `i` of each map is the attention of the query at position `i` over positions `0...i` (causal; zeros above
/// the diagonal). Prompt rows come from one batched prefill pass; each generated token's row comes from the
/// one-token decode step that fed it, attending to everything cached, so the maps show attention as generation
/// proceeds: the row at position `p` is what the model looked at when it chose the token at `p + 1`.
public struct LlamaAttentionTrace: Sendable {
    /// Prompt ids, then the generated ids.
    public let ids: [Int]
    /// How many of ``ids`` are the prompt.
    public let promptLength: Int
    /// `[L, H, S, S]` with `S = ids.count`.
    public let weights: Tensor
}

extension LlamaModel {
    /// Runs `prompt`, then generates up to `count` tokens by argmax, recording every layer's and head's attention.
    ///
    /// - Parameters:
    ///   - prompt: ≥ 1 ids.
    ///   - count: tokens to generate (0 for the prompt alone); generation stops early after an id in `stopIDs`.
    ///   - stopIDs: ids that end generation (kept in the trace).
    /// - Returns: the ids and weights `[L, H, S, S]`.
    /// - Complexity: one prefill and `count` decode steps, plus `L·H·S²` floats of weights.
    public func attentionTrace(prompt: [Int], generating count: Int = 0, stopIDs: Set<Int> = []) -> LlamaAttentionTrace {
        precondition(!prompt.isEmpty, "attentionTrace: empty prompt")
        precondition(count >= 0, "attentionTrace: count \(count) must be ≥ 0")
        let cache = makeCache()
        let recorder = AttentionRecorder()
        var ids = prompt
        var steps: [[Tensor]] = []                                   // per call, per layer: [1, H, T, K]
        var logits = self(prompt, cache: cache, recorder: recorder)
        steps.append(recorder.layers)
        for _ in 0..<count {
            let next = Sampler.argmax(logits.scalars)
            ids.append(next)
            // Feeding the new token records its own attention row over everything cached.
            logits = self([next], cache: cache, recorder: recorder)
            steps.append(recorder.layers)
            if stopIDs.contains(next) { break }
        }
        let (l, h, s) = (configuration.layerCount, configuration.headCount, ids.count)
        var out = [Float](repeating: 0, count: l * h * s * s)
        var start = 0                                                // first position of this call
        for step in steps {
            for (layer, weights) in step.enumerated() {
                let (t, k) = (weights.shape[2], weights.shape[3])    // k = start + t
                weights.withUnsafeBufferPointer { w in
                    for head in 0..<h {
                        for row in 0..<t {
                            let source = (head * t + row) * k
                            let target = ((layer * h + head) * s + start + row) * s
                            for key in 0..<k { out[target + key] = w[source + key] }
                        }
                    }
                }
            }
            start += step.first?.shape[2] ?? 0
        }
        return LlamaAttentionTrace(ids: ids, promptLength: prompt.count, weights: Tensor(shape: [l, h, s, s], scalars: out))
    }
}
