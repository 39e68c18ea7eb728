import Foundation
import Testing
import TensorCore
@testable import NN

@Suite struct NormalizationLayerTests {
    @Test func layerNormMatchesFormula() {
        let x = Tensor(shape: [1, 4], scalars: [1, 2, 3, 6])
        let norm = LayerNorm(weight: Tensor(shape: [4], scalars: [1, 2, 1, 1]), bias: Tensor(shape: [4], scalars: [0, 0, 1, 0]), epsilon: 0)
        // mean 3, variance (4+1+0+9)/4 = 3.5.
        let s = Float(3.5).squareRoot()
        let expected: [Float] = [-2 / s, 2 * -1 / s, 0 + 1, 3 / s]
        let y = norm(x)
        for (a, b) in zip(y.scalars, expected) { #expect(abs(a - b) < 1e-6) }
    }

    @Test func rmsNormMatchesFormula() {
        let x = Tensor(shape: [2], scalars: [3, 4])
        let y = RMSNorm(weight: Tensor(shape: [2], scalars: [1, 0.5]), epsilon: 0)(x)
        let rms = Float(12.5).squareRoot()
        #expect(abs(y.scalars[0] - 3 / rms) < 1e-6)
        #expect(abs(y.scalars[1] - 0.5 * 4 / rms) < 1e-6)
    }
}
