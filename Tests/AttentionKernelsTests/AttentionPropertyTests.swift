import Testing
import TensorCore
@testable import AttentionKernels

/// Shapes and options chosen to hit block edges of the fused kernel (64-row query blocks, 128-key tiles,
/// 16-wide panels) and every option, compared against the reference kernel.
struct AwkwardCase: CustomTestStringConvertible, Sendable {
    let batch, heads, kvHeads, queries, keys, dim, valueDim: Int
    let causal: Bool
    var window: Int? = nil
    var alibi = false
    var softCap: Float? = nil
    var maskKind: String? = nil
    var mode: AttentionMode = .soft
    var dropout: Float = 0

    var testDescription: String {
        "B\(batch) H\(heads)/\(kvHeads) Q\(queries) K\(keys) D\(dim) E\(valueDim)\(causal ? " causal" : "")"
            + (window.map { " window\($0)" } ?? "") + (alibi ? " alibi" : "") + (softCap.map { " cap\($0)" } ?? "")
            + (maskKind.map { " \($0)" } ?? "") + " \(mode)" + (dropout > 0 ? " dropout" : "")
    }

    static let all: [AwkwardCase] = [
        AwkwardCase(batch: 1, heads: 1, kvHeads: 1, queries: 1, keys: 1, dim: 1, valueDim: 1, causal: false),
        AwkwardCase(batch: 2, heads: 3, kvHeads: 3, queries: 65, keys: 129, dim: 7, valueDim: 5, causal: false),
        AwkwardCase(batch: 1, heads: 4, kvHeads: 2, queries: 130, keys: 130, dim: 64, valueDim: 64, causal: true),
        AwkwardCase(batch: 1, heads: 2, kvHeads: 1, queries: 17, keys: 300, dim: 33, valueDim: 17, causal: true),
        AwkwardCase(batch: 1, heads: 1, kvHeads: 1, queries: 200, keys: 150, dim: 16, valueDim: 16, causal: true),
        AwkwardCase(batch: 2, heads: 2, kvHeads: 2, queries: 70, keys: 260, dim: 8, valueDim: 8, causal: true, window: 40),
        AwkwardCase(batch: 1, heads: 3, kvHeads: 3, queries: 50, keys: 70, dim: 8, valueDim: 8, causal: false, window: 9),
        AwkwardCase(batch: 1, heads: 4, kvHeads: 4, queries: 66, keys: 140, dim: 16, valueDim: 16, causal: true, alibi: true),
        AwkwardCase(batch: 1, heads: 2, kvHeads: 2, queries: 20, keys: 140, dim: 16, valueDim: 16, causal: false, softCap: 3),
        AwkwardCase(batch: 2, heads: 2, kvHeads: 1, queries: 67, keys: 133, dim: 16, valueDim: 8, causal: false, maskKind: "allowed"),
        AwkwardCase(batch: 2, heads: 2, kvHeads: 2, queries: 40, keys: 133, dim: 16, valueDim: 8, causal: true, maskKind: "additive"),
        AwkwardCase(batch: 3, heads: 2, kvHeads: 2, queries: 9, keys: 140, dim: 16, valueDim: 8, causal: false, maskKind: "padding"),
        AwkwardCase(batch: 1, heads: 2, kvHeads: 2, queries: 70, keys: 140, dim: 16, valueDim: 8, causal: true, mode: .argmax),
        AwkwardCase(batch: 1, heads: 2, kvHeads: 2, queries: 70, keys: 140, dim: 16, valueDim: 8, causal: false, mode: .topK(5)),
        AwkwardCase(batch: 1, heads: 2, kvHeads: 2, queries: 70, keys: 140, dim: 16, valueDim: 8, causal: true, mode: .sampled(seed: 3)),
        AwkwardCase(batch: 1, heads: 2, kvHeads: 2, queries: 70, keys: 140, dim: 16, valueDim: 8, causal: true, dropout: 0.25),
    ]

    func inputs(seed: UInt64 = 5) -> (Tensor, Tensor, Tensor, AttentionOptions) {
        var g = SeededGenerator(seed: seed)
        let q = Tensor.normal(shape: [batch, heads, queries, dim], generator: &g)
        let k = Tensor.normal(shape: [batch, kvHeads, keys, dim], generator: &g)
        let v = Tensor.normal(shape: [batch, kvHeads, keys, valueDim], generator: &g)
        var options = AttentionOptions(isCausal: causal, mode: mode, dropoutProbability: dropout, dropoutSeed: 9,
                                       returnsWeights: true, slidingWindow: window, softCap: softCap)
        if alibi { options.alibiSlopes = (0..<heads).map { Float(1 << $0) / 16 } }
        switch maskKind {
        case "allowed":
            options.mask = .allowed(Tensor(shape: [batch, 1, queries, keys]) { _ in g.nextUniform() < 0.8 ? 1 : 0 })
        case "additive":
            options.mask = .additive(Tensor(shape: [1, heads, 1, keys]) { _ in g.nextNormal() })
        case "padding":
            options.mask = .keyLengths((0..<batch).map { [keys, 1, 77][$0 % 3] }, keys: keys)
        default: break
        }
        return (q, k, v, options)
    }
}

@Suite("Attention properties")
struct AttentionPropertyTests {
    @Test("fused kernel equals the reference kernel", arguments: AwkwardCase.all)
    func fusedMatchesReference(_ c: AwkwardCase) throws {
        let (q, k, v, options) = c.inputs()
        let reference = ReferenceAttention.attention(query: q, key: k, value: v, options: options)
        let fused = FusedAttention.attention(query: q, key: k, value: v, options: options)
        #expect(fused.output.maxAbsoluteDifference(reference.output) <= 1e-5)
        let fw = try #require(fused.weights), rw = try #require(reference.weights)
        #expect(fw.maxAbsoluteDifference(rw) <= 1e-5)
    }

    @Test("weight rows sum to 1, or 0 when every key is masked", arguments: AttentionKernel.allCases)
    func rowsSumToOneOrZero(kernel: AttentionKernel) throws {
        var g = SeededGenerator(seed: 1)
        let q = Tensor.normal(shape: [2, 3, 9, 8], generator: &g)
        let k = Tensor.normal(shape: [2, 3, 11, 8], generator: &g)
        var allowed = Tensor(shape: [2, 3, 9, 11]) { _ in g.nextUniform() < 0.5 ? 1 : 0 }
        for j in 0..<11 { allowed[0, 1, 4, j] = 0; allowed[1, 2, 0, j] = 0 }
        let options = AttentionOptions(mask: .allowed(allowed), returnsWeights: true)
        let result = scaledDotProductAttention(query: q, key: k, value: k, options: options, kernel: kernel)
        let sums = try #require(result.weights).sum(axis: -1)
        for (index, total) in sums.scalars.enumerated() {
            let fullyMasked = index == (0 * 3 + 1) * 9 + 4 || index == (1 * 3 + 2) * 9 + 0
            #expect(abs(total - (fullyMasked ? 0 : 1)) < 1e-5, "row \(index) sums to \(total)")
        }
        #expect(result.output.sliced(axis: 1, 1..<2).sliced(axis: 2, 4..<5).sliced(axis: 0, 0..<1).scalars.allSatisfy { $0 == 0 })
    }

    @Test("argmax output is exactly a row of V", arguments: AttentionKernel.allCases)
    func argmaxSelectsValueRow(kernel: AttentionKernel) {
        var g = SeededGenerator(seed: 2)
        let q = Tensor.normal(shape: [6, 8], generator: &g)
        let k = Tensor.normal(shape: [10, 8], generator: &g)
        let v = Tensor.normal(shape: [10, 4], generator: &g)
        let out = scaledDotProductAttention(query: q, key: k, value: v, options: AttentionOptions(mode: .argmax), kernel: kernel).output
        let scores = Tensor.matmul(q, k, transposeB: true)
        for (i, best) in scores.argmaxLastAxis().enumerated() {
            #expect(out.sliced(axis: 0, i..<(i + 1)).scalars == v.sliced(axis: 0, best..<(best + 1)).scalars)
        }
    }

    @Test("sampled attention: same seed gives the same keys, another seed differs", arguments: AttentionKernel.allCases)
    func samplingIsSeeded(kernel: AttentionKernel) {
        var g = SeededGenerator(seed: 3)
        let q = Tensor.normal(shape: [1, 2, 32, 4], generator: &g) * 0.1
        let k = Tensor.normal(shape: [1, 2, 32, 4], generator: &g)
        let v = Tensor.normal(shape: [1, 2, 32, 4], generator: &g)
        func run(_ seed: UInt64) -> Tensor {
            scaledDotProductAttention(query: q, key: k, value: v, options: AttentionOptions(mode: .sampled(seed: seed)), kernel: kernel).output
        }
        #expect(run(42) == run(42))
        #expect(run(42) != run(43))
    }

    @Test("a batch of two equals two single calls", arguments: AttentionKernel.allCases)
    func batchEqualsSingles(kernel: AttentionKernel) {
        var g = SeededGenerator(seed: 4)
        let q = Tensor.normal(shape: [2, 3, 5, 8], generator: &g)
        let k = Tensor.normal(shape: [2, 3, 7, 8], generator: &g)
        let v = Tensor.normal(shape: [2, 3, 7, 8], generator: &g)
        let options = AttentionOptions(isCausal: true)
        let both = scaledDotProductAttention(query: q, key: k, value: v, options: options, kernel: kernel).output
        for b in 0..<2 {
            let one = scaledDotProductAttention(query: q.sliced(axis: 0, b..<(b + 1)), key: k.sliced(axis: 0, b..<(b + 1)),
                                                value: v.sliced(axis: 0, b..<(b + 1)), options: options, kernel: kernel).output
            #expect(both.sliced(axis: 0, b..<(b + 1)).maxAbsoluteDifference(one) <= 1e-6)
        }
    }

    @Test("huge scores stay finite", arguments: AttentionKernel.allCases, [Float(1e4), 1e30])
    func hugeScores(kernel: AttentionKernel, magnitude: Float) {
        var g = SeededGenerator(seed: 6)
        let q = Tensor.normal(shape: [1, 1, 4, 8], generator: &g)
        let bias = Tensor(shape: [4, 6]) { $0 % 2 == 0 ? magnitude : -magnitude }
        let out = scaledDotProductAttention(query: q, key: q.sliced(axis: 2, 0..<4), value: q,
                                            options: AttentionOptions(mask: .additive(bias.sliced(axis: 1, 0..<4)), returnsWeights: true),
                                            kernel: kernel)
        #expect(out.output.scalars.allSatisfy { $0.isFinite })
        #expect(out.weights!.scalars.allSatisfy { $0.isFinite && $0 >= 0 && $0 <= 1 })
    }

    @Test("weights on demand: one head, head average and row ranges equal slices of the full weights")
    func weightsOnDemand() {
        var g = SeededGenerator(seed: 7)
        let q = Tensor.normal(shape: [2, 4, 70, 16], generator: &g)
        let k = Tensor.normal(shape: [2, 2, 90, 16], generator: &g)
        let v = Tensor.normal(shape: [2, 2, 90, 16], generator: &g)
        let options = AttentionOptions(isCausal: true)
        let reference = ReferenceAttention.attention(query: q, key: k, value: v,
                                                     options: AttentionOptions(isCausal: true, returnsWeights: true)).weights!
        let result = FusedAttention.run(query: q, key: k, value: v, options: options)
        #expect(result.weights().maxAbsoluteDifference(reference) <= 1e-5)
        let head2 = result.weights(heads: .head(2), rows: 10..<69)
        #expect(head2.shape == [2, 1, 59, 90])
        #expect(head2.maxAbsoluteDifference(reference.sliced(axis: 1, 2..<3).sliced(axis: 2, 10..<69)) <= 1e-5)
        let average = result.weights(heads: .average)
        #expect(average.maxAbsoluteDifference(reference.mean(axis: 1, keepingAxis: true)) <= 1e-5)
        let lse = result.logSumExp
        #expect(lse.shape == [2, 4, 70])
        #expect(lse.scalars.allSatisfy { $0.isFinite })
    }

    @Test("dropout: p = 0 changes nothing, a fixed seed is reproducible, about p of the weights are dropped")
    func dropout() throws {
        var g = SeededGenerator(seed: 8)
        let q = Tensor.normal(shape: [1, 2, 64, 8], generator: &g)
        let plain = ReferenceAttention.attention(query: q, key: q, value: q, options: AttentionOptions(returnsWeights: true))
        let zero = ReferenceAttention.attention(query: q, key: q, value: q, options: AttentionOptions(dropoutProbability: 0, dropoutSeed: 1, returnsWeights: true))
        #expect(plain.output == zero.output)
        let options = AttentionOptions(dropoutProbability: 0.5, dropoutSeed: 1, returnsWeights: true)
        let a = ReferenceAttention.attention(query: q, key: q, value: q, options: options)
        let b = ReferenceAttention.attention(query: q, key: q, value: q, options: options)
        #expect(a.output == b.output)
        let dropped = try #require(a.weights).scalars.filter { $0 == 0 }.count
        let fraction = Double(dropped) / Double(2 * 64 * 64)
        #expect(abs(fraction - 0.5) < 0.03, "dropped fraction \(fraction)")
    }

    @Test("rank 2 and rank 3 inputs are one head of rank 4")
    func lowerRanks() {
        var g = SeededGenerator(seed: 9)
        let q = Tensor.normal(shape: [2, 5, 8], generator: &g)
        let k = Tensor.normal(shape: [2, 6, 8], generator: &g)
        let v = Tensor.normal(shape: [2, 6, 3], generator: &g)
        let three = scaledDotProductAttention(query: q, key: k, value: v, options: AttentionOptions(returnsWeights: true))
        let four = scaledDotProductAttention(query: q.reshaped([2, 1, 5, 8]), key: k.reshaped([2, 1, 6, 8]),
                                             value: v.reshaped([2, 1, 6, 3]), options: AttentionOptions(returnsWeights: true))
        #expect(three.output.shape == [2, 5, 3])
        #expect(three.weights!.shape == [2, 5, 6])
        #expect(three.output.scalars == four.output.scalars)
    }
}
