import Foundation
import Testing
import _TestSupport
@testable import TensorCore

@Suite("Tensor layout, arithmetic, reductions and matmul")
struct TensorOpsTests {
    /// 0, 1, 2, … reshaped to `shape`.
    func iota(_ shape: [Int]) -> Tensor { Tensor(shape: shape) { Float($0) } }

    @Test func reshapeSharesElementsAndInfersAnExtent() {
        let t = iota([2, 3, 4])
        let r = t.reshaped([6, -1])
        #expect(r.shape == [6, 4])
        #expect(r.scalars == t.scalars)
    }

    @Test func permuteMatchesIndexArithmetic() {
        let t = iota([2, 3, 4, 5])
        let p = t.permuted([0, 2, 1, 3])
        #expect(p.shape == [2, 4, 3, 5])
        for a in 0..<2 { for b in 0..<3 { for c in 0..<4 { for d in 0..<5 {
            #expect(p[a, c, b, d] == t[a, b, c, d])
        }}}}
        let back = p.permuted([0, 2, 1, 3])
        #expect(back == t)
        let tr = iota([3, 7]).transposed()
        #expect(tr.shape == [7, 3] && tr[6, 2] == Float(2 * 7 + 6))
    }

    @Test func sliceAndConcatenateAreInverse() {
        let t = iota([2, 9, 3])
        let parts = [t.sliced(axis: 1, 0..<2), t.sliced(axis: 1, 2..<7), t.sliced(axis: 1, 7..<9)]
        #expect(parts[1].shape == [2, 5, 3])
        #expect(parts[1][1, 0, 2] == t[1, 2, 2])
        #expect(Tensor.concatenate(parts, axis: 1) == t)
        #expect(Tensor.concatenate([t, t], axis: 0).shape == [4, 9, 3])
    }

    @Test func broadcastingArithmetic() {
        let x = iota([2, 3, 4])
        let bias = Tensor(shape: [4], scalars: [10, 20, 30, 40])
        let y = x + bias
        #expect(y[1, 2, 3] == x[1, 2, 3] + 40)
        let column = Tensor(shape: [2, 1, 1], scalars: [1, -1])
        let z = x * column
        #expect(z[1, 1, 1] == -x[1, 1, 1] && z[0, 1, 1] == x[0, 1, 1])
        let general = Tensor(shape: [3, 1], scalars: [1, 2, 3]) + Tensor(shape: [1, 4], scalars: [0, 10, 20, 30])
        #expect(general.shape == [3, 4] && general[2, 3] == 33)
        #expect((x - x).scalars.allSatisfy { $0 == 0 })
    }

    @Test func reductions() {
        let t = iota([2, 3, 4])
        #expect(t.sum(axis: -1)[1, 2] == (20 + 21 + 22 + 23))
        #expect(t.mean(axis: 1)[0, 1] == 5)
        #expect(t.max(axis: 0)[2, 3] == 23)
        #expect(t.sum(axis: 1, keepingAxis: true).shape == [2, 1, 4])
        #expect(t.sum() == Float((0..<24).reduce(0, +)))
        let ties = Tensor(shape: [2, 4], scalars: [1, 5, 5, 0, -1, -1, -1, -1])
        #expect(ties.argmaxLastAxis() == [1, 0])
    }

    @Test("batched matmul with transposes equals the naive triple loop",
          arguments: [(false, false), (true, false), (false, true), (true, true)])
    func matmul(transposeA: Bool, transposeB: Bool) {
        var g = SeededGenerator(seed: 3)
        let (m, k, n) = (5, 7, 3)
        let a = Tensor.normal(shape: transposeA ? [2, k, m] : [2, m, k], generator: &g)
        let b = Tensor.normal(shape: transposeB ? [2, n, k] : [2, k, n], generator: &g)
        let c = Tensor.matmul(a, b, transposeA: transposeA, transposeB: transposeB)
        #expect(c.shape == [2, m, n])
        for batch in 0..<2 { for i in 0..<m { for j in 0..<n {
            var expected: Double = 0
            for t in 0..<k {
                let x = transposeA ? a[batch, t, i] : a[batch, i, t]
                let y = transposeB ? b[batch, j, t] : b[batch, t, j]
                expected += Double(x) * Double(y)
            }
            #expect(abs(Double(c[batch, i, j]) - expected) < 1e-5)
        }}}
    }

    @Test func matmulWithSharedRightMatrix() {
        var g = SeededGenerator(seed: 4)
        let x = Tensor.normal(shape: [2, 3, 4], generator: &g)
        let w = Tensor.normal(shape: [5, 4], generator: &g)
        let y = Tensor.matmul(x, w, transposeB: true)
        #expect(y.shape == [2, 3, 5])
        var expected: Float = 0
        for t in 0..<4 { expected += x[1, 2, t] * w[4, t] }
        #expect(abs(y[1, 2, 4] - expected) < 1e-5)
    }

    @Test func embeddingLookupGathersRows() {
        let table = iota([5, 3])
        let e = table.embeddingLookup([4, 0, 4], shape: [1, 3])
        #expect(e.shape == [1, 3, 3])
        #expect(e.scalars == [12, 13, 14, 0, 1, 2, 12, 13, 14])
    }
}

@Suite("Seeded random generators")
struct RandomTests {
    struct Golden: Decodable {
        struct Seed: Decodable { let raw: [String]; let uniform: [Float]; let normal: [Double]; let counter: [Float] }
        let seeds: [String: Seed]
    }

    @Test("same numbers as tools/reference_rng.py on every platform")
    func matchesPythonTwin() throws {
        let url = GoldenFiles.directory("", in: Bundle.module).appendingPathComponent("rng_golden.json")
        let golden = try JSONDecoder().decode(Golden.self, from: Data(contentsOf: url))
        #expect(golden.seeds.count == 3)
        for (seedText, expected) in golden.seeds {
            let seed = try #require(UInt64(seedText))
            var g = SeededGenerator(seed: seed)
            #expect((0..<8).map { _ in String(g.next()) } == expected.raw)
            g = SeededGenerator(seed: seed)
            #expect((0..<8).map { _ in g.nextUniform() } == expected.uniform)
            g = SeededGenerator(seed: seed)
            for value in expected.normal {
                #expect(abs(Double(g.nextNormal()) - value) < 1e-6)
            }
            let counters: [UInt64] = [0, 1, 2, 1000, 1 << 40]
            #expect(counters.map { CounterRandom.uniform(seed: seed, counter: $0) } == expected.counter)
        }
    }

    @Test func uniformAndNormalMoments() {
        var g = SeededGenerator(seed: 11)
        let u = Tensor.uniform(shape: [20000], generator: &g)
        #expect(u.scalars.allSatisfy { $0 >= 0 && $0 < 1 })
        #expect(abs(u.mean() - 0.5) < 0.01)
        let n = Tensor.normal(shape: [20000], generator: &g)
        let mean = n.mean()
        let variance = (n - mean).map { $0 * $0 }.mean()
        #expect(abs(mean) < 0.03 && abs(variance - 1) < 0.05)
    }
}
