import Foundation
import Testing
import TensorCore
import AttentionKernels
@testable import NN

@Suite struct MultiHeadAttentionTests {
    /// Compares every batch row with the loop reference.
    func check(_ layer: MultiHeadAttention, x: Tensor, context: Tensor? = nil, mask: AttentionMask? = nil,
               isCausal: Bool = false, allowed: @escaping (Int, Int, Int) -> Bool) {
        let source = context ?? x
        let result = layer(x, context: context, mask: mask, isCausal: isCausal, returnsWeights: true)
        let (b, t, s) = (x.shape[0], x.shape[1], source.shape[1])
        #expect(result.output.shape == [b, t, layer.output.outputCount])
        #expect(result.weights?.shape == [b, layer.headCount, t, s])
        for row in 0..<b {
            let expected = Naive.attention(Naive.rows(x.sliced(axis: 0, row..<(row + 1))),
                                           context: Naive.rows(source.sliced(axis: 0, row..<(row + 1))),
                                           layer: layer) { allowed(row, $0, $1) }
            #expect(Naive.maxDifference(expected.output, result.output.sliced(axis: 0, row..<(row + 1))) < 1e-5)
            let weights = result.weights!.sliced(axis: 0, row..<(row + 1))
            #expect(Naive.maxDifference(expected.weights.flatMap { $0 }, weights) < 1e-5)
        }
    }

    @Test func selfAttentionMatchesLoops() {
        var generator = SeededGenerator(seed: 11)
        let layer = MultiHeadAttention.random(width: 8, heads: 2, headDimension: 4, seed: 1)
        check(layer, x: Tensor.normal(shape: [2, 5, 8], generator: &generator)) { _, _, _ in true }
    }

    @Test func causalAndKeyPadding() {
        var generator = SeededGenerator(seed: 12)
        let layer = MultiHeadAttention.random(width: 12, heads: 3, headDimension: 4, seed: 2)
        let x = Tensor.normal(shape: [2, 6, 12], generator: &generator)
        check(layer, x: x, isCausal: true) { _, i, j in j <= i }
        let lengths = [6, 4]
        check(layer, x: x, mask: .keyLengths(lengths, keys: 6)) { b, _, j in j < lengths[b] }
    }

    @Test func groupedQueryAttention() {
        var generator = SeededGenerator(seed: 13)
        let layer = MultiHeadAttention.random(width: 16, heads: 4, kvHeads: 2, headDimension: 4, seed: 3, bias: false)
        #expect(layer.key.outputCount == 8)
        check(layer, x: Tensor.normal(shape: [1, 7, 16], generator: &generator), isCausal: true) { _, i, j in j <= i }
    }

    @Test func crossAttentionWithContextOfOtherLength() {
        var generator = SeededGenerator(seed: 14)
        let layer = MultiHeadAttention.random(width: 8, heads: 2, headDimension: 3, seed: 4, contextWidth: 6)
        let x = Tensor.normal(shape: [2, 3, 8], generator: &generator)
        let memory = Tensor.normal(shape: [2, 9, 6], generator: &generator)
        check(layer, x: x, context: memory) { _, _, _ in true }
    }

    @Test func rankTwoInputIsOneBatchRow() {
        var generator = SeededGenerator(seed: 15)
        let layer = MultiHeadAttention.random(width: 8, heads: 4, headDimension: 2, seed: 5)
        let x = Tensor.normal(shape: [5, 8], generator: &generator)
        let single = layer(x).output
        #expect(single.shape == [5, 8])
        #expect(single == layer(x.reshaped([1, 5, 8])).output.reshaped([5, 8]))
    }

    @Test func fusedAndReferenceKernelsAgree() {
        var generator = SeededGenerator(seed: 16)
        var layer = MultiHeadAttention.random(width: 8, heads: 2, headDimension: 4, seed: 6)
        let x = Tensor.normal(shape: [2, 33, 8], generator: &generator)
        let fused = layer(x, isCausal: true).output
        layer.kernel = .reference
        #expect(fused.maxAbsoluteDifference(layer(x, isCausal: true).output) < 1e-5)
    }

    @Test func headsSplitAndMergeAreInverse() {
        let x = Tensor(shape: [2, 3, 6]) { Float($0) }
        let split = MultiHeadAttention.splitHeads(x, heads: 3)
        #expect(split.shape == [2, 3, 3, 2])
        #expect(split[0, 1, 2, 0] == x[0, 2, 2])  // head 1, position 2, channel 0 = input channel 1·2 + 0
        #expect(MultiHeadAttention.mergeHeads(split) == x)
    }
}

@Suite struct KVCacheTests {
    @Test func tokenByTokenEqualsFullCausal() {
        var generator = SeededGenerator(seed: 21)
        let layer = MultiHeadAttention.random(width: 8, heads: 4, kvHeads: 2, headDimension: 2, seed: 7)
        let x = Tensor.normal(shape: [2, 6, 8], generator: &generator)
        let full = layer(x, isCausal: true).output
        let cache = KVCache(step: 4)
        // A prompt of 2 tokens, then one token at a time.
        var pieces = [layer(x.sliced(axis: 1, 0..<2), isCausal: true, cache: cache).output]
        for t in 2..<6 {
            pieces.append(layer(x.sliced(axis: 1, t..<(t + 1)), isCausal: true, cache: cache).output)
        }
        #expect(cache.offset == 6)
        #expect(cache.capacity == 8)
        #expect(Tensor.concatenate(pieces, axis: 1).maxAbsoluteDifference(full) < 1e-5)
    }

    @Test func appendsAlongSequenceAndGrowsInSteps() {
        let cache = KVCache(step: 3)
        let a = Tensor(shape: [1, 2, 2, 1], scalars: [1, 2, 10, 20])
        _ = cache.update(keys: a, values: a * 2)
        #expect(cache.capacity == 3)
        let (keys, values) = cache.update(keys: Tensor(shape: [1, 2, 2, 1], scalars: [3, 4, 30, 40]),
                                          values: Tensor(zeros: [1, 2, 2, 1]))
        #expect(cache.capacity == 6)
        #expect(keys.shape == [1, 2, 4, 1])
        #expect(keys.scalars == [1, 2, 3, 4, 10, 20, 30, 40])
        #expect(values.scalars == [2, 4, 0, 0, 20, 40, 0, 0])
        cache.reset()
        #expect(cache.offset == 0)
    }
}
