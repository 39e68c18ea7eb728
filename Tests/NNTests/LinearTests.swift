import Testing
import TensorCore
@testable import NN

@Suite struct LinearTests {
    @Test func matchesHandComputation() {
        let layer = Linear(weight: Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6]), bias: Tensor(shape: [2], scalars: [0.5, -1]))
        let y = layer(Tensor(shape: [2, 3], scalars: [1, 0, -1, 2, 1, 0]))
        // Row 0: 1−3+0.5, 4−6−1; row 1: 2+2+0.5, 8+5−1.
        #expect(y.shape == [2, 2])
        #expect(y.scalars == [-1.5, -3, 4.5, 12])
    }

    @Test func keepsLeadingAxesAndMatchesLoops() {
        var generator = SeededGenerator(seed: 7)
        let layer = Linear(inputCount: 5, outputCount: 3, generator: &generator)
        let x = Tensor.normal(shape: [2, 4, 5], generator: &generator)
        let y = layer(x)
        #expect(y.shape == [2, 4, 3])
        #expect(Naive.maxDifference(Naive.linear(Naive.rows(x), layer), y) < 1e-5)
        #expect(layer.parameterCount == 18)
    }

    @Test func withoutBias() {
        let layer = Linear(weight: Tensor(shape: [1, 2], scalars: [2, -1]), bias: nil)
        #expect(layer(Tensor(shape: [2], scalars: [3, 4])).scalars == [2])
    }
}

@Suite struct EmbeddingTests {
    @Test func gathersRows() {
        let embedding = Embedding(table: Tensor(shape: [3, 2], scalars: [0, 1, 10, 11, 20, 21]))
        let y = embedding([2, 0, 2])
        #expect(y.shape == [3, 2])
        #expect(y.scalars == [20, 21, 0, 1, 20, 21])
        #expect(embedding([[1, 2], [0, 0]]).shape == [2, 2, 2])
        #expect(embedding([[1, 2], [0, 0]]).scalars == [10, 11, 20, 21, 0, 1, 0, 1])
    }
}
