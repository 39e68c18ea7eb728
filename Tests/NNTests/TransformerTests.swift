import Foundation
import Testing
import TensorCore
import AttentionKernels
import _TestSupport
@testable import NN

/// One case of `Resources/layers/manifest.json`, made by `tools/make_layer_golden.py` (PyTorch, eval mode).
struct LayerCase: Decodable, CustomTestStringConvertible, Sendable {
    let name: String
    let kind: String
    let heads: Int
    let activation: String?
    let norm_first: Bool?
    let causal: Bool?
    let memory: Bool?
    let key_padding_mask: Bool?
    let memory_key_padding_mask: Bool?
    let encoder_layers: Int?
    let decoder_layers: Int?

    var testDescription: String { name }

    static let all: [LayerCase] = {
        struct Manifest: Decodable { let cases: [LayerCase] }
        let url = GoldenFiles.directory("layers", in: Bundle.module).appendingPathComponent("manifest.json")
        guard let data = try? Data(contentsOf: url), let manifest = try? JSONDecoder().decode(Manifest.self, from: data) else {
            return []
        }
        return manifest.cases
    }()

    func url(_ file: String) -> URL { GoldenFiles.directory("layers/\(name)", in: Bundle.module).appendingPathComponent(file) }
    func tensor(_ file: String) throws -> Tensor { try Npy.read(contentsOf: url(file + ".npy")).floatTensor() }
    func padding(_ file: String) throws -> AttentionMask { .fromPyTorchKeyPadding(try tensor(file)) }
}

/// Tolerance for float32 layers against PyTorch's float32 (the issue's bound).
let layerTolerance: Float = 1e-4

@Suite struct PyTorchParityTests {
    @Test func manifestIsPresent() { #expect(LayerCase.all.count == 11) }

    @Test(arguments: LayerCase.all)
    func matchesPyTorch(_ c: LayerCase) throws {
        let state = try PyTorchStateDict(contentsOf: c.url("weights.safetensors"))
        let x = try c.tensor("x")
        let activation = Activation(rawValue: c.activation ?? "relu")!
        let placement: NormPlacement = c.norm_first == true ? .pre : .post
        let causal = c.causal ?? false
        let y: Tensor
        switch c.kind {
        case "multihead":
            let layer = try MultiHeadAttention(pyTorch: state, headCount: c.heads)
            let memory = c.memory == true ? try c.tensor("memory") : nil
            let mask = c.key_padding_mask == true ? try c.padding("key_padding_mask") : nil
            y = layer(x, context: memory, mask: mask, isCausal: causal).output
        case "encoder":
            let layer = try TransformerEncoderLayer(pyTorch: state, headCount: c.heads, activation: activation, normPlacement: placement)
            let mask = c.key_padding_mask == true ? try c.padding("key_padding_mask") : nil
            y = layer(x, mask: mask, isCausal: causal)
        case "decoder":
            let layer = try TransformerDecoderLayer(pyTorch: state, headCount: c.heads, activation: activation, normPlacement: placement)
            let memoryMask = c.memory_key_padding_mask == true ? try c.padding("memory_key_padding_mask") : nil
            y = layer(x, memory: try c.tensor("memory"), isCausal: causal, memoryMask: memoryMask)
        default:
            let configuration = TransformerConfiguration(modelDimension: x.shape[2], headCount: c.heads,
                                                         encoderLayerCount: c.encoder_layers!, decoderLayerCount: c.decoder_layers!,
                                                         feedForwardDimension: 64, activation: activation, normPlacement: placement)
            let model = try Transformer(pyTorch: state, configuration: configuration)
            y = model(source: try c.tensor("memory"), target: x, isCausal: causal)
        }
        let expected = try c.tensor("y")
        #expect(y.shape == expected.shape)
        #expect(y.maxAbsoluteDifference(expected) < layerTolerance, "\(c.name): max |Δ| = \(y.maxAbsoluteDifference(expected))")
    }

    @Test func missingTensorErrorNamesItAndTheModule() throws {
        // An encoder layer's state dict read as a decoder layer lacks multihead_attn.* and norm3.*.
        let c = LayerCase.all.first { $0.kind == "encoder" }!
        let state = try PyTorchStateDict(contentsOf: c.url("weights.safetensors"))
        do {
            _ = try TransformerDecoderLayer(pyTorch: state, headCount: 4)
            Issue.record("loading an encoder layer as a decoder layer should fail")
        } catch {
            #expect(error.kind == .missingEntry)
            #expect(error.problem.contains("'multihead_attn.out_proj.weight'"), "\(error.problem)")
            #expect(error.problem.contains("torch.nn.Linear"))
        }
        do {
            _ = try MultiHeadAttention(pyTorch: state.scoped("self_attn"), headCount: 5)
            Issue.record("5 heads do not divide 32")
        } catch {
            #expect(error.kind == .sizeMismatch)
        }
    }
}

@Suite struct TransformerTests {
    @Test func summaryCountsEveryParameter() {
        let c = TransformerConfiguration(modelDimension: 32, headCount: 4, encoderLayerCount: 2, decoderLayerCount: 2,
                                         feedForwardDimension: 64)
        let model = Transformer(configuration: c, seed: 1)
        // PyTorch: nn.Transformer(32, 4, 2, 2, 64) has 4·32·32+4·32 = 4224 per attention, 2·32·64+64+32 = 4192 per
        // feed-forward, 64 per LayerNorm: encoder layer 8544, decoder layer 12832, final norms 64 each.
        let encoderLayer = 4224 + 4192 + 2 * 64, decoderLayer = 2 * 4224 + 4192 + 3 * 64
        #expect(encoderLayer == 8544 && decoderLayer == 12832)
        #expect(model.parameterCount == 2 * encoderLayer + 2 * decoderLayer + 2 * 64)
        let table = model.summary().table(maximumDepth: 2)
        #expect(table.contains("TransformerEncoderLayer(post-norm, relu)"))
        #expect(table.contains("total parameters: 42,880"))
    }

    @Test func preNormDiffersFromPostNorm() {
        var c = TransformerConfiguration(modelDimension: 16, headCount: 2, encoderLayerCount: 1, decoderLayerCount: 1,
                                         feedForwardDimension: 32)
        var generator = SeededGenerator(seed: 2)
        let x = Tensor.normal(shape: [1, 4, 16], generator: &generator)
        let post = Transformer(configuration: c, seed: 3)
        c.normPlacement = .pre
        var pre = Transformer(configuration: c, seed: 3)
        #expect(post.encoder(x).maxAbsoluteDifference(pre.encoder(x)) > 1e-3)
        // With the norms removed from the picture (identity LayerNorms), pre-norm is x + sublayers of x.
        pre.encoder.norm = nil
        let layer = pre.encoder.layers[0]
        let h = x + layer.selfAttention(layer.norm1(x)).output
        #expect(pre.encoder(x).maxAbsoluteDifference(h + layer.feedForward(layer.norm2(h))) < 1e-6)
    }

    @Test func decoderCacheMatchesFullCausalPass() {
        let c = TransformerConfiguration(modelDimension: 16, headCount: 4, encoderLayerCount: 1, decoderLayerCount: 2,
                                         feedForwardDimension: 32, normPlacement: .pre)
        let model = Transformer(configuration: c, seed: 4)
        var generator = SeededGenerator(seed: 5)
        let source = Tensor.normal(shape: [2, 6, 16], generator: &generator)
        let target = Tensor.normal(shape: [2, 4, 16], generator: &generator)
        let memory = model.encoder(source)
        let full = model.decoder(target, memory: memory)
        let caches = [KVCache(), KVCache()]
        let steps = (0..<4).map { model.decoder(target.sliced(axis: 1, $0..<($0 + 1)), memory: memory, caches: caches) }
        #expect(Tensor.concatenate(steps, axis: 1).maxAbsoluteDifference(full) < 1e-5)
    }

    @Test func configurationUsesPyTorchNames() throws {
        let json = try JSONEncoder().encode(TransformerConfiguration())
        let text = String(decoding: json, as: UTF8.self)
        #expect(text.contains("\"d_model\":512") && text.contains("\"nhead\":8") && text.contains("\"dim_feedforward\":2048"))
        #expect(try JSONDecoder().decode(TransformerConfiguration.self, from: json) == TransformerConfiguration())
    }
}
