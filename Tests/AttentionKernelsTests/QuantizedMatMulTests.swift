import Foundation
import Testing
import TensorCore
@testable import AttentionKernels

/// The quantized kernels against their naive twin (dequantize the whole matrix, then BLAS) on sizes that hit the
/// edges: one block of depth, output counts that are not multiples of the 16-wide panels or the 16-row chunks,
/// input row counts around the 6-row register block.
@Suite("Quantized matmul")
struct QuantizedMatMulTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let format: QuantizedFormat, tokens: Int, outputs: Int, depth: Int
        var testDescription: String { "\(format) T\(tokens) N\(outputs) C\(depth)" }
    }

    static let cases: [Case] = QuantizedFormat.allCases.flatMap { format in
        [Case(format: format, tokens: 1, outputs: 1, depth: 32),
         Case(format: format, tokens: 1, outputs: 37, depth: 96),
         Case(format: format, tokens: 5, outputs: 17, depth: 64),
         Case(format: format, tokens: 6, outputs: 16, depth: 32),
         Case(format: format, tokens: 13, outputs: 50, depth: 160),
         Case(format: format, tokens: 2, outputs: 33, depth: 576)]
    }

    @Test(arguments: cases)
    func fastMatchesNaive(_ c: Case) {
        var generator = SeededGenerator(seed: UInt64(c.tokens * 1000 + c.outputs))
        let weight = QuantizedMatrix(quantizing: Tensor.normal(shape: [c.outputs, c.depth], generator: &generator),
                                     format: c.format)
        let x = Tensor.normal(shape: [c.tokens, c.depth], generator: &generator)
        let fast = QuantizedMatMul.multiply(x, weight)
        let naive = QuantizedMatMul.naiveMultiply(x, weight)
        #expect(fast.shape == [c.tokens, c.outputs])
        let scale = Float(c.depth).squareRoot()
        let worst = zip(fast.scalars, naive.scalars).map { abs($0 - $1) }.max() ?? 0
        #expect(worst <= 1e-5 * scale * 4, "max |fast − naive| = \(worst)")
    }

    @Test(arguments: [1, 7])
    func threadsDoNotChangeResults(_ tokens: Int) {
        var generator = SeededGenerator(seed: 9)
        let weight = QuantizedMatrix(quantizing: Tensor.normal(shape: [70, 128], generator: &generator), format: .q4_1)
        let x = Tensor.normal(shape: [tokens, 128], generator: &generator)
        let saved = Parallelism.threadCount
        defer { Parallelism.threadCount = saved }
        Parallelism.threadCount = 1
        let one = QuantizedMatMul.multiply(x, weight)
        Parallelism.threadCount = 3
        let three = QuantizedMatMul.multiply(x, weight)
        #expect(one == three)
    }

    /// A matrix above `parallelMatrixVectorBytes` is split over the threads for one token; smaller ones are not.
    /// Both paths give the naive twin's result and the same bits at any thread count.
    @Test(arguments: [QuantizedFormat.q4_1, .q8_0])
    func largeMatrixVectorSplitsOverThreads(_ format: QuantizedFormat) {
        var generator = SeededGenerator(seed: 11)
        let weight = QuantizedMatrix(quantizing: Tensor.normal(shape: [2000, 256], generator: &generator), format: format)
        #expect(weight.rows * weight.rowByteCount >= QuantizedMatMul.parallelMatrixVectorBytes)
        let x = Tensor.normal(shape: [1, 256], generator: &generator)
        let saved = Parallelism.threadCount
        defer { Parallelism.threadCount = saved }
        Parallelism.threadCount = 1
        let one = QuantizedMatMul.multiply(x, weight)
        Parallelism.threadCount = 3
        let three = QuantizedMatMul.multiply(x, weight)
        #expect(one == three)
        let worst = zip(three.scalars, QuantizedMatMul.naiveMultiply(x, weight).scalars).map { abs($0 - $1) }.max() ?? 0
        #expect(worst <= 1e-5 * 16 * 4, "max |fast − naive| = \(worst)")
    }

    /// Quantization error stays within each format's step, and the round trip of a representable block is exact.
    @Test(arguments: QuantizedFormat.allCases)
    func quantizeDequantize(_ format: QuantizedFormat) {
        var generator = SeededGenerator(seed: 4)
        let original = Tensor.uniform(shape: [3, 64], low: -2, high: 2, generator: &generator)
        let restored = QuantizedMatrix(quantizing: original, format: format).dequantized()
        let step: Float = switch format {
        case .f32: 0
        case .q8_0: 2.0 / 127
        case .q4_0: 2.0 / 8
        case .q4_1: 4.0 / 15
        }
        let worst = zip(original.scalars, restored.scalars).map { abs($0 - $1) }.max()!
        // Q4_0 maps the extreme to −8 and clamps its mirror image at +7, which may cost a whole step there.
        let allowed = step * (format == .q4_0 ? 1 : 0.5) + 2e-3
        #expect(worst <= allowed, "\(format): worst error \(worst) for step \(step)")

        // Integers 0…15 plus an offset are exact in Q4_1: d = 1, m = −3.
        let exact = Tensor(shape: [1, 32]) { Float(Int($0) % 16) - 3 }
        #expect(QuantizedMatrix(quantizing: exact, format: .q4_1).dequantized() == exact)
    }

    /// The packed-byte layout is ggml's: Q4_1 block = d, m (binary16), then byte j = w_j | w_{j+16} << 4.
    @Test func q4_1ByteLayout() {
        var bytes: [UInt8] = [0x00, 0x3C, 0x00, 0xBC]   // d = 1.0, m = −1.0
        bytes += (0..<16).map { UInt8($0) | UInt8(15 - $0) << 4 }
        let matrix = QuantizedMatrix(format: .q4_1, rows: 1, columns: 32, bytes: Data(bytes))
        let expected = (0..<16).map { Float($0) - 1 } + (0..<16).map { Float(15 - $0) - 1 }
        #expect(matrix.dequantized().scalars == expected)
        let x = Tensor(shape: [1, 32]) { Float($0 % 3) }
        let dot = zip(expected, x.scalars).map(*).reduce(0, +)
        #expect(QuantizedMatMul.multiply(x, matrix).scalars == [dot])
    }
}
