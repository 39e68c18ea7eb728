import Foundation
import Testing
import TensorCore
import AttentionKernels
@testable import NN

@Suite struct FeedForwardTests {
    @Test(arguments: [Activation.relu, .gelu])
    func plainMatchesLoops(activation: Activation) {
        var generator = SeededGenerator(seed: 3)
        let up = Linear(inputCount: 4, outputCount: 6, generator: &generator)
        let down = Linear(inputCount: 6, outputCount: 4, generator: &generator)
        let x = Tensor.normal(shape: [2, 3, 4], generator: &generator)
        let hidden = Naive.linear(Naive.rows(x), up).map { $0.map { Double(activation(Float($0))) } }
        let expected = Naive.linear(hidden, down)
        let y = FeedForward(up: up, down: down, activation: activation)(x)
        #expect(y.shape == [2, 3, 4])
        #expect(Naive.maxDifference(expected, y) < 1e-5)
    }

    @Test func gatedIsSwiGLU() {
        var generator = SeededGenerator(seed: 4)
        let gate = Linear(inputCount: 4, outputCount: 8, hasBias: false, generator: &generator)
        let up = Linear(inputCount: 4, outputCount: 8, hasBias: false, generator: &generator)
        let down = Linear(inputCount: 8, outputCount: 4, hasBias: false, generator: &generator)
        let x = Tensor.normal(shape: [5, 4], generator: &generator)
        let g = Naive.linear(Naive.rows(x), gate), u = Naive.linear(Naive.rows(x), up)
        let hidden = zip(g, u).map { zip($0, $1).map { a, b in a / (1 + Foundation.exp(-a)) * b } }
        let y = FeedForward(gate: gate, up: up, down: down)(x)
        #expect(Naive.maxDifference(Naive.linear(hidden, down), y) < 1e-5)
    }

    @Test func dropoutIsSeededAndScaled() {
        let x = Tensor(repeating: 1, shape: [1000])
        #expect(Dropout(probability: 0.5)(x) == x, "identity outside training")
        let a = Dropout(probability: 0.25, seed: 9, isTraining: true)(x)
        #expect(a == Dropout(probability: 0.25, seed: 9, isTraining: true)(x))
        #expect(a != Dropout(probability: 0.25, seed: 10, isTraining: true)(x))
        #expect(Set(a.scalars).isSubset(of: [0, Float(1) / 0.75]))
        let dropped = a.scalars.filter { $0 == 0 }.count
        #expect(dropped > 200 && dropped < 300)
    }
}
