import Foundation
import Testing
@testable import Models
import TensorCore
import _TestSupport

/// The optional attention capture of ``LlamaModel`` (``AttentionRecorder``, ``LlamaModel/attentionTrace``) on the
/// real SmolLM2 weights.
@Suite("Llama attention capture on SmolLM2-135M-Instruct", .serialized)
struct LlamaAttentionCaptureTests {
    /// Every layer's weights are `[1, H, T, K]`, rows sum to 1, keys after the query get exactly 0, and recording
    /// leaves the logits unchanged.
    @Test func recordedRowsSumToOneAndAreCausal() throws {
        let (model, _) = try SmolLM2.model()
        let ids = try LlamaGolden.loaded.get().cases[0].ids                       // "Attention is all you need."
        let recorder = AttentionRecorder()
        let recorded = model(ids, cache: model.makeCache(), recorder: recorder)
        let plain = model(ids, cache: model.makeCache())
        #expect(recorded.scalars == plain.scalars, "recording must not change the forward pass")
        let (l, h, t) = (model.configuration.layerCount, model.configuration.headCount, ids.count)
        #expect(recorder.layers.count == l)
        for (layer, weights) in recorder.layers.enumerated() {
            #expect(weights.shape == [1, h, t, t])
            for head in 0..<h {
                for i in 0..<t {
                    let row = weights.scalars[((head * t + i) * t)..<((head * t + i + 1) * t)]
                    let sum = row.reduce(0, +)
                    #expect(abs(sum - 1) < 1e-5, "layer \(layer) head \(head) row \(i) sums to \(sum)")
                    #expect(row.dropFirst(i + 1).allSatisfy { $0 == 0 }, "layer \(layer) head \(head) row \(i) sees the future")
                    #expect(row.prefix(i + 1).allSatisfy { $0 >= 0 })
                }
            }
        }
        // A one-token call against the cache records one row over every cached position.
        let cache = model.makeCache()
        _ = model(Array(ids.dropLast()), cache: cache)
        _ = model([ids.last!], cache: cache, recorder: recorder)
        #expect(recorder.layers.count == l && recorder.layers[0].shape == [1, h, 1, t])
    }

    /// The trace generates the golden greedy tokens, and each generated token's row (recorded during decoding
    /// against the cache) equals the row of one batched pass over the whole sequence.
    @Test func traceRowsMatchOneBatchedPassOverTheWholeSequence() throws {
        let (model, _) = try SmolLM2.model()
        let golden = try LlamaGolden.loaded.get().cases[0]
        let trace = model.attentionTrace(prompt: golden.ids, generating: 4)
        #expect(trace.ids == golden.ids + golden.greedy_ids.prefix(4))
        #expect(trace.promptLength == golden.ids.count)
        let (l, h, s) = (model.configuration.layerCount, model.configuration.headCount, trace.ids.count)
        #expect(trace.weights.shape == [l, h, s, s])
        let recorder = AttentionRecorder()
        _ = model(trace.ids, cache: model.makeCache(), recorder: recorder)
        var worst: Float = 0
        for layer in 0..<l {
            let batched = recorder.layers[layer].scalars                         // [1, H, S, S]
            for head in 0..<h {
                for i in 0..<s {
                    let rowSum = (0..<s).reduce(Float(0)) { $0 + trace.weights.scalars[((layer * h + head) * s + i) * s + $1] }
                    #expect(abs(rowSum - 1) < 1e-5)
                    for j in 0..<s {
                        let traced = trace.weights.scalars[((layer * h + head) * s + i) * s + j]
                        if j > i { #expect(traced == 0) }
                        worst = max(worst, abs(traced - batched[(head * s + i) * s + j]))
                    }
                }
            }
        }
        #expect(worst < 1e-4, "trace vs batched pass: max |Δweight| = \(worst)")
    }
}
