import Foundation
import Testing
import TensorCore
import AttentionKernels
@testable import NN

@Suite struct SinusoidalTests {
    @Test func matchesTheSeedFormula() {
        let (length, d) = (50, 16)
        let pe = PositionalEncoding.sinusoidal(length: length, dimension: d)
        #expect(pe.shape == [length, d])
        for p in 0..<length {
            for i in 0..<d {
                let angle = Double(p) / pow(10_000, Double(2 * (i / 2)) / Double(d))
                let expected = i % 2 == 0 ? sin(angle) : cos(angle)
                #expect(abs(Double(pe[p, i]) - expected) < 1e-6, "PE[\(p), \(i)]")
            }
        }
    }

    @Test func knownValues() {
        let pe = PositionalEncoding.sinusoidal(length: 3, dimension: 4)
        #expect(pe.sliced(axis: 0, 0..<1).scalars == [0, 1, 0, 1])
        // Row 2: sin 2, cos 2, sin(2/100), cos(2/100) (10000^(2/4) = 100).
        let expected: [Float] = [0.9092974, -0.41614684, 0.019998667, 0.99980003]
        for (a, b) in zip(pe.sliced(axis: 0, 2..<3).scalars, expected) { #expect(abs(a - b) < 1e-6) }
    }

    @Test func offsetShiftsRowsAndOddDimensionEndsWithSine() {
        let full = PositionalEncoding.sinusoidal(length: 10, dimension: 5)
        #expect(PositionalEncoding.sinusoidal(length: 4, dimension: 5, offset: 6) == full.sliced(axis: 0, 6..<10))
        #expect(abs(full[3, 4] - Float(sin(3 / pow(10_000.0, 4.0 / 5)))) < 1e-6)
    }
}

@Suite struct RotaryTests {
    @Test func knownRotationsInBothConventions() {
        // d = 4, base 10000: θ = [1, 0.01]. Position 1 rotates pair 0 by 1 radian.
        let x = Tensor(shape: [2, 4], scalars: [0, 0, 0, 0, 1, 0, 0, 0])
        let half = RotaryEmbedding(dimensions: 4, convention: .halfSplit)(x)
        let adjacent = RotaryEmbedding(dimensions: 4, convention: .adjacentPairs)(x)
        let (c, s) = (Float(cos(1.0)), Float(sin(1.0)))
        #expect(half.sliced(axis: 0, 1..<2).scalars.elementsEqual([c, 0, s, 0]) { abs($0 - $1) < 1e-7 })
        #expect(adjacent.sliced(axis: 0, 1..<2).scalars.elementsEqual([c, s, 0, 0]) { abs($0 - $1) < 1e-7 })
    }

    @Test(arguments: RotaryEmbedding.Convention.allCases)
    func matchesComplexRotationFormula(convention: RotaryEmbedding.Convention) {
        var generator = SeededGenerator(seed: 31)
        let (t, d, r) = (7, 10, 8)
        let x = Tensor.normal(shape: [2, t, d], generator: &generator)
        let rope = RotaryEmbedding(dimensions: r, base: 500, convention: convention)
        let y = rope(x, offset: 3)
        for b in 0..<2 {
            for p in 0..<t {
                for i in 0..<(r / 2) {
                    let (first, second) = convention == .adjacentPairs ? (2 * i, 2 * i + 1) : (i, i + r / 2)
                    let angle = Double(p + 3) * pow(500, -2 * Double(i) / Double(r))
                    let (a, bb) = (Double(x[b, p, first]), Double(x[b, p, second]))
                    #expect(abs(Double(y[b, p, first]) - (a * cos(angle) - bb * sin(angle))) < 1e-5)
                    #expect(abs(Double(y[b, p, second]) - (a * sin(angle) + bb * cos(angle))) < 1e-5)
                }
                for c in r..<d { #expect(y[b, p, c] == x[b, p, c], "partial rotary leaves channel \(c)") }
            }
        }
    }

    @Test func conventionsDifferByAChannelPermutation() {
        var generator = SeededGenerator(seed: 32)
        let d = 8
        let x = Tensor.normal(shape: [5, d], generator: &generator)
        // Adjacent pair i = (2i, 2i+1) ↔ half-split pair i = (i, i + d/2).
        let order = (0..<(d / 2)).map { 2 * $0 } + (0..<(d / 2)).map { 2 * $0 + 1 }
        func gather(_ t: Tensor, _ columns: [Int]) -> Tensor {
            Tensor(shape: t.shape) { flat in t.scalars[flat / d * d + columns[flat % d]] }
        }
        let viaHalf = RotaryEmbedding(dimensions: d, convention: .halfSplit)(gather(x, order))
        let direct = gather(RotaryEmbedding(dimensions: d, convention: .adjacentPairs)(x), order)
        #expect(viaHalf.maxAbsoluteDifference(direct) < 1e-6)
    }

    @Test func cosineSineTablePutsEachPairWhereItRotates() {
        let adjacent = RotaryEmbedding(dimensions: 4, base: 100, convention: .adjacentPairs).cosineSineTable(length: 3, offset: 1)
        let half = RotaryEmbedding(dimensions: 4, base: 100, convention: .halfSplit).cosineSineTable(length: 3, offset: 1)
        // Row 1 is position 2; θ = [1, 0.1].
        let (c0, s0, c1, s1) = (Float(cos(2.0)), Float(sin(2.0)), Float(cos(0.2)), Float(sin(0.2)))
        #expect(adjacent.sliced(axis: 0, 1..<2).scalars.elementsEqual([c0, s0, c1, s1]) { abs($0 - $1) < 1e-7 })
        #expect(half.sliced(axis: 0, 1..<2).scalars.elementsEqual([c0, c1, s0, s1]) { abs($0 - $1) < 1e-7 })
    }

    @Test func scoresDependOnlyOnRelativePosition() {
        var generator = SeededGenerator(seed: 33)
        let q = Tensor.normal(shape: [1, 8], generator: &generator)
        let k = Tensor.normal(shape: [1, 8], generator: &generator)
        let rope = RotaryEmbedding(dimensions: 8)
        func score(_ m: Int, _ n: Int) -> Float {
            zip(rope(q, offset: m).scalars, rope(k, offset: n).scalars).map(*).reduce(0, +)
        }
        #expect(abs(score(5, 2) - score(13, 10)) < 1e-4)
        #expect(abs(score(5, 2) - score(2, 5)) > 1e-3, "the sign of the distance matters")
    }

    @Test func cachedDecodingWithRotaryEqualsFullPass() {
        var generator = SeededGenerator(seed: 34)
        var layer = MultiHeadAttention.random(width: 16, heads: 4, kvHeads: 2, headDimension: 4, seed: 8, bias: false)
        layer.rotary = RotaryEmbedding(dimensions: 4, base: 100, convention: .adjacentPairs)
        let x = Tensor.normal(shape: [1, 5, 16], generator: &generator)
        let full = layer(x, isCausal: true).output
        let cache = KVCache(step: 2)
        let steps = (0..<5).map { layer(x.sliced(axis: 1, $0..<($0 + 1)), isCausal: true, cache: cache).output }
        #expect(Tensor.concatenate(steps, axis: 1).maxAbsoluteDifference(full) < 1e-5)
        layer.rotary = nil
        #expect(layer(x, isCausal: true).output.maxAbsoluteDifference(full) > 1e-3, "rotary changes the output")
    }
}

@Suite struct ALiBiAndLearnedTests {
    @Test func slopesForPowersOfTwoAndOthers() {
        #expect(PositionalEncoding.alibiSlopes(headCount: 8) == (1...8).map { Float(pow(2.0, -Double($0))) })
        // 12 heads: the 8-head slopes, then 2^-0.5, 2^-1.5, 2^-2.5, 2^-3.5 (every other slope of 16 heads).
        let twelve = PositionalEncoding.alibiSlopes(headCount: 12)
        let expected = (1...8).map { pow(2.0, -Double($0)) } + [0.5, 1.5, 2.5, 3.5].map { pow(2.0, -$0) }
        #expect(twelve.count == 12)
        for (a, b) in zip(twelve, expected) { #expect(abs(Double(a) - b) < 1e-7) }
    }

    @Test func biasIsWhatTheKernelAdds() {
        var generator = SeededGenerator(seed: 35)
        let (h, q, k, d) = (4, 3, 6, 8)
        let query = Tensor.normal(shape: [1, h, q, d], generator: &generator)
        let key = Tensor.normal(shape: [1, h, k, d], generator: &generator)
        let value = Tensor.normal(shape: [1, h, k, d], generator: &generator)
        let slopes = PositionalEncoding.alibiSlopes(headCount: h)
        let bias = PositionalEncoding.alibiBias(slopes: slopes, queries: q, keys: k)
        #expect(bias[1, 0, 0] == -slopes[1] * 3)  // query 0 sits at key position 3
        let viaSlopes = scaledDotProductAttention(query: query, key: key, value: value,
                                                  options: AttentionOptions(alibiSlopes: slopes), kernel: .reference)
        let viaMask = scaledDotProductAttention(query: query, key: key, value: value,
                                                options: AttentionOptions(mask: .additive(bias.reshaped([1, h, q, k]))),
                                                kernel: .reference)
        #expect(viaSlopes.output.maxAbsoluteDifference(viaMask.output) < 1e-6)
    }

    @Test func learnedPositionsAddRowsFromOffset() {
        let table = Tensor(shape: [4, 2]) { Float($0) }
        let learned = LearnedPositionalEmbedding(table: table)
        #expect(learned(length: 2, offset: 1).scalars == [2, 3, 4, 5])
        let x = Tensor(repeating: 10, shape: [1, 2, 2])
        #expect(learned(x, offset: 2).scalars == [14, 15, 16, 17])
    }
}
