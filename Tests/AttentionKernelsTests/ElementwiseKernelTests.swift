import Foundation
import Testing
import TensorCore
@testable import AttentionKernels

@Suite("Softmax, normalization and activations against their formulas")
struct ElementwiseKernelTests {
    @Test func softmaxIsStableAndNormalized() {
        let x = Tensor(shape: [3, 4], scalars: [1, 2, 3, 4, 1e30, -1e30, 0, 1e30, -.infinity, -.infinity, -.infinity, -.infinity])
        let p = Softmax.softmax(x)
        let e = (1...4).map { exp(Double($0)) }
        let total = e.reduce(0, +)
        for j in 0..<4 { #expect(abs(Double(p[0, j]) - e[j] / total) < 1e-6) }
        #expect(p[1, 0] == 0.5 && p[1, 3] == 0.5 && p[1, 1] == 0)
        #expect((0..<4).allSatisfy { p[2, $0] == 0 })
        let logp = Softmax.logSoftmax(x.sliced(axis: 0, 0..<1))
        for j in 0..<4 { #expect(abs(Double(logp[0, j]) - log(e[j] / total)) < 1e-5) }
    }

    @Test func layerNormMatchesFormula() {
        var g = SeededGenerator(seed: 1)
        let x = Tensor.normal(shape: [2, 3, 8], generator: &g)
        let w = Tensor.normal(shape: [8], generator: &g)
        let b = Tensor.normal(shape: [8], generator: &g)
        let y = Normalization.layerNorm(x, weight: w, bias: b, epsilon: 1e-5)
        let row = (0..<8).map { Double(x[1, 2, $0]) }
        let mean = row.reduce(0, +) / 8
        let variance = row.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 8
        for j in 0..<8 {
            let expected = (row[j] - mean) / (variance + 1e-5).squareRoot() * Double(w[j]) + Double(b[j])
            #expect(abs(Double(y[1, 2, j]) - expected) < 1e-5)
        }
    }

    @Test func rmsNormMatchesFormula() {
        var g = SeededGenerator(seed: 2)
        let x = Tensor.normal(shape: [4, 6], generator: &g)
        let w = Tensor.normal(shape: [6], generator: &g)
        let y = Normalization.rmsNorm(x, weight: w, epsilon: 1e-6)
        let row = (0..<6).map { Double(x[3, $0]) }
        let rms = (row.map { $0 * $0 }.reduce(0, +) / 6 + 1e-6).squareRoot()
        for j in 0..<6 { #expect(abs(Double(y[3, j]) - row[j] / rms * Double(w[j])) < 1e-5) }
    }

    @Test("activations", arguments: [Float(-3), -1, -0.5, 0, 0.5, 1, 3])
    func activations(x: Float) {
        let d = Double(x)
        #expect(Activation.relu(x) == max(0, x))
        #expect(abs(Double(Activation.gelu(x)) - 0.5 * d * (1 + erf(d / 2.0.squareRoot()))) < 1e-6)
        let inner = (2 / Double.pi).squareRoot() * (d + 0.044715 * d * d * d)
        #expect(abs(Double(Activation.geluTanh(x)) - 0.5 * d * (1 + tanh(inner))) < 1e-6)
        #expect(abs(Double(Activation.silu(x)) - d / (1 + exp(-d))) < 1e-6)
    }

    @Test("vectorized exp within 2e-7 relative of libm, exactly 0 below −87.3")
    func vectorExp() {
        var worst: Float = 0
        var x: Float = -87
        while x < 88 {
            let v = VectorMath.exp(SIMD8<Float>((0..<8).map { x + Float($0) * 0.01 }))
            for i in 0..<8 {
                let exact = Foundation.exp(Double(x + Float(i) * 0.01))
                worst = max(worst, Float(abs(Double(v[i]) - exact) / exact))
            }
            x += 0.37
        }
        #expect(worst < 2e-7, "worst relative error \(worst)")
        let masked = VectorMath.exp(SIMD8<Float>(repeating: -.infinity))
        #expect(masked == SIMD8<Float>(repeating: 0))
    }
}
