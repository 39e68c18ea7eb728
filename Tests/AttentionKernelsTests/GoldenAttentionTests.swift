import Foundation
import Testing
import TensorCore
import _TestSupport
@testable import AttentionKernels

/// One case of `Resources/sdpa/manifest.json`, made by `tools/make_sdpa_golden.py` (float64 numpy reference).
struct GoldenCase: Decodable, CustomTestStringConvertible, Sendable {
    let name: String
    let causal: Bool
    let mode: String
    let scale: Float?
    let mask: String?
    let k: Int?
    let seed: UInt64?
    let dropout: Float?
    let dropout_seed: UInt64?
    let window: Int?
    let alibi: [Float]?
    let softcap: Float?

    var testDescription: String { name }

    static let all: [GoldenCase] = {
        struct Manifest: Decodable { let cases: [GoldenCase] }
        let url = GoldenFiles.directory("sdpa", in: Bundle.module).appendingPathComponent("manifest.json")
        guard let data = try? Data(contentsOf: url), let manifest = try? JSONDecoder().decode(Manifest.self, from: data) else {
            return []
        }
        return manifest.cases
    }()

    func load(_ file: String) throws -> NumpyArray {
        try Npy.read(contentsOf: GoldenFiles.directory("sdpa/\(name)", in: Bundle.module).appendingPathComponent("\(file).npy"))
    }

    func options() throws -> AttentionOptions {
        var options = AttentionOptions(isCausal: causal, returnsWeights: true)
        options.scale = scale
        switch mode {
        case "argmax": options.mode = .argmax
        case "sample": options.mode = .sampled(seed: seed ?? 0)
        case "topk": options.mode = .topK(k ?? 1)
        default: options.mode = .soft
        }
        if let kind = mask {
            let tensor = try load("mask").floatTensor()
            switch kind {
            case "allowed": options.mask = .allowed(tensor)
            case "additive": options.mask = .additive(tensor)
            default: options.mask = .keyPadding(tensor)
            }
        }
        if let dropout { options.dropoutProbability = dropout; options.dropoutSeed = dropout_seed ?? 0 }
        options.slidingWindow = window
        options.alibiSlopes = alibi
        options.softCap = softcap
        return options
    }
}

@Suite("Scaled dot-product attention against numpy golden files")
struct GoldenAttentionTests {
    @Test("manifest lists the golden cases")
    func manifestIsPresent() {
        #expect(GoldenCase.all.count >= 30, "run python3 tools/make_sdpa_golden.py")
    }

    @Test("output and weights within 1e-5", arguments: GoldenCase.all, AttentionKernel.allCases)
    func matchesGolden(_ golden: GoldenCase, kernel: AttentionKernel) throws {
        let q = try golden.load("query").floatTensor()
        let k = try golden.load("key").floatTensor()
        let v = try golden.load("value").floatTensor()
        let expectedOutput = try golden.load("output").floatTensor()
        let expectedWeights = try golden.load("weights").floatTensor()
        let result = scaledDotProductAttention(query: q, key: k, value: v, options: try golden.options(), kernel: kernel)
        #expect(result.output.shape == expectedOutput.shape)
        #expect(result.output.maxAbsoluteDifference(expectedOutput) <= Tolerance.kernel)
        let weights = try #require(result.weights)
        #expect(weights.shape == expectedWeights.shape)
        #expect(weights.maxAbsoluteDifference(expectedWeights) <= Tolerance.kernel)
        #expect(!result.output.scalars.contains { !$0.isFinite })
    }
}
