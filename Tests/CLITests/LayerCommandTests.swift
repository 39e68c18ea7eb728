import Foundation
import Testing
import TensorCore
import _TestSupport

/// `attention layer` and `attention positional-encoding` run as a user would, on the PyTorch golden files that
/// `tools/make_layer_golden.py` wrote for the NN tests (read from the source tree).
@Suite("attention CLI: layer parity and positional encodings")
struct LayerCommandTests {
    static let layers = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../NNTests/Resources/layers").standardizedFileURL

    struct Manifest: Decodable {
        struct Case: Decodable, Sendable, CustomTestStringConvertible {
            let name: String, kind: String, heads: Int
            let causal: Bool?, activation: String?, norm_first: Bool?
            let memory: Bool?, key_padding_mask: Bool?, memory_key_padding_mask: Bool?
            var testDescription: String { name }
        }
        let cases: [Case]
    }

    static let cases: [Manifest.Case] = {
        guard let data = try? Data(contentsOf: layers.appendingPathComponent("manifest.json")),
              let manifest = try? JSONDecoder().decode(Manifest.self, from: data) else { return [] }
        return manifest.cases.filter { ["multihead", "encoder", "decoder"].contains($0.kind) }
    }()

    let directory: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("attention-layer-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }()

    @Test func manifestHasEveryKind() {
        #expect(Self.cases.count >= 10)
        #expect(Set(Self.cases.map(\.kind)) == ["multihead", "encoder", "decoder"])
    }

    /// The command's output equals PyTorch's eval-mode output within 1e-4 (checked here, independently of --compare).
    @Test(arguments: cases)
    func layerMatchesPyTorch(_ c: Manifest.Case) throws {
        let folder = Self.layers.appendingPathComponent(c.name)
        let output = directory.appendingPathComponent("\(c.name).npy")
        var arguments = ["layer", "--kind", c.kind, "--weights", folder.appendingPathComponent("weights.safetensors").path,
                         "--input", folder.appendingPathComponent("x.npy").path, "--heads", "\(c.heads)", "--output", output.path]
        if c.causal == true { arguments.append("--causal") }
        if c.norm_first == true { arguments.append("--norm-first") }
        if let activation = c.activation { arguments += ["--activation", activation] }
        if c.memory == true { arguments += ["--memory", folder.appendingPathComponent("memory.npy").path] }
        if c.key_padding_mask == true { arguments += ["--key-padding-mask", folder.appendingPathComponent("key_padding_mask.npy").path] }
        if c.memory_key_padding_mask == true {
            arguments += ["--memory-key-padding-mask", folder.appendingPathComponent("memory_key_padding_mask.npy").path]
        }
        let result = try CommandRunner.run(arguments)
        #expect(result.status == 0, "\(result.standardError)")
        let ours = try Npy.readTensor(contentsOf: output)
        let expected = try Npy.readTensor(contentsOf: folder.appendingPathComponent("y.npy"))
        #expect(ours.shape == expected.shape)
        #expect(ours.maxAbsoluteDifference(expected) <= 1e-4, "\(c.name): max |Δ| = \(ours.maxAbsoluteDifference(expected))")
    }

    @Test func compareFailsWhenTheOutputDiffers() throws {
        let folder = Self.layers.appendingPathComponent("mha_self")
        let wrong = directory.appendingPathComponent("wrong.npy")
        let expected = try Npy.readTensor(contentsOf: folder.appendingPathComponent("y.npy"))
        try Npy.write(expected + 0.01, to: wrong)
        let base = ["layer", "--kind", "multihead", "--weights", folder.appendingPathComponent("weights.safetensors").path,
                    "--input", folder.appendingPathComponent("x.npy").path, "--heads", "4",
                    "--output", directory.appendingPathComponent("o.npy").path]
        #expect(try CommandRunner.run(base + ["--compare", folder.appendingPathComponent("y.npy").path]).status == 0)
        let failed = try CommandRunner.run(base + ["--compare", wrong.path])
        #expect(failed.status != 0)
    }

    @Test func layerErrorsNameTheProblem() throws {
        let folder = Self.layers.appendingPathComponent("encoder_relu_post")
        // An encoder state dict read as a decoder lacks multihead_attn.* and norm3.*.
        let wrongKind = try CommandRunner.run(["layer", "--kind", "decoder", "--weights", folder.appendingPathComponent("weights.safetensors").path,
                                               "--input", folder.appendingPathComponent("x.npy").path,
                                               "--memory", folder.appendingPathComponent("x.npy").path, "--heads", "4",
                                               "--output", directory.appendingPathComponent("o.npy").path])
        #expect(wrongKind.status != 0 && !wrongKind.standardError.isEmpty)
        let missing = try CommandRunner.run(["layer", "--kind", "encoder", "--weights", "/nonexistent/w.safetensors",
                                             "--input", folder.appendingPathComponent("x.npy").path, "--output", directory.appendingPathComponent("o.npy").path])
        #expect(missing.status != 0 && missing.standardError.contains("/nonexistent/w.safetensors"))
    }

    /// The sinusoidal table is the seed's formula; rope and alibi write their documented shapes; the PNG is a PNG.
    @Test func positionalEncodingWritesTablesAndPictures() throws {
        let table = directory.appendingPathComponent("pe.npy"), picture = directory.appendingPathComponent("pe.png")
        let result = try CommandRunner.run(["positional-encoding", "--length", "20", "--dim", "16", "--output", table.path, "--png", picture.path])
        #expect(result.status == 0, "\(result.standardError)")
        let pe = try Npy.readTensor(contentsOf: table)
        #expect(pe.shape == [20, 16])
        for p in [0, 3, 19] {
            for i in 0..<16 {
                let angle = Double(p) / pow(10000, Double(2 * (i / 2)) / 16)
                let expected = i % 2 == 0 ? sin(angle) : cos(angle)
                #expect(abs(Double(pe[p, i]) - expected) < 1e-5, "PE[\(p), \(i)]")
            }
        }
        #expect(try Data(contentsOf: picture).prefix(4) == Data([0x89, 0x50, 0x4E, 0x47]))

        let alibi = directory.appendingPathComponent("alibi.npy")
        #expect(try CommandRunner.run(["positional-encoding", "--kind", "alibi", "--length", "5", "--dim", "8", "--heads", "4", "--output", alibi.path]).status == 0)
        let bias = try Npy.readTensor(contentsOf: alibi)
        #expect(bias.shape == [4, 5, 5])
        // Head 0 of 4 has slope 2^(-8/4) = 1/4: query 4, key 0 is 4 positions apart.
        #expect(abs(bias[0, 4, 0] + 1) < 1e-6 && bias[0, 2, 2] == 0)

        let rope = directory.appendingPathComponent("rope.npy")
        #expect(try CommandRunner.run(["positional-encoding", "--kind", "rope", "--length", "6", "--dim", "8", "--output", rope.path]).status == 0)
        #expect(try Npy.readTensor(contentsOf: rope).shape.first == 6)

        let neither = try CommandRunner.run(["positional-encoding", "--length", "4", "--dim", "4"])
        #expect(neither.status != 0 && neither.standardError.contains("--output"))
        let badKind = try CommandRunner.run(["positional-encoding", "--kind", "learned2", "--length", "4", "--dim", "4", "--output", table.path])
        #expect(badKind.status != 0)
    }
}
