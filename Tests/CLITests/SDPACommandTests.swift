import Foundation
import Testing
import TensorCore
import AttentionKernels
import _TestSupport

/// `attention` run as a subprocess, as a user would run it.
@Suite("attention CLI: help, sdpa, errors")
struct SDPACommandTests {
    let directory: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("attention-cli-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }()

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    func run(_ arguments: [String]) throws -> CommandRunner.Result {
        try CommandRunner.run(arguments)
    }

    func write(_ tensor: Tensor, _ name: String) throws -> String {
        try Npy.write(tensor, to: URL(fileURLWithPath: path(name)))
        return path(name)
    }

    @Test func helpListsEveryCommandAndEachCommandHasHelp() throws {
        let overview = try run(["--help"])
        #expect(overview.status == 0)
        #expect(overview.standardOutput.contains("sdpa") && overview.standardOutput.contains("bench"))
        // Every command the overview lists, not a fixed list, so a new command without help fails here.
        let commands = overview.standardOutput.split(separator: "\n")
            .filter { $0.hasPrefix("  ") && $0.dropFirst(2).first?.isLetter == true }
            .map { String($0.dropFirst(2).prefix { $0 != " " }) }
        #expect(commands.count >= 10 && commands.contains("lesson") && commands.contains("embed"))
        for command in commands {
            let help = try run([command, "--help"])
            #expect(help.status == 0, "\(command) --help")
            #expect(help.standardOutput.contains("Example"), "\(command) --help shows an example")
        }
    }

    @Test func sdpaMatchesTheLibraryWithMaskCausalAndWeights() throws {
        var g = SeededGenerator(seed: 1)
        let q = Tensor.normal(shape: [2, 4, 5, 8], generator: &g)
        let k = Tensor.normal(shape: [2, 2, 7, 8], generator: &g)
        let v = Tensor.normal(shape: [2, 2, 7, 3], generator: &g)
        let mask = NumpyArray(shape: [2, 1, 1, 7], booleans: (0..<14).map { $0 % 7 != 3 })
        try Npy.write(mask, to: URL(fileURLWithPath: path("mask.npy")))
        let result = try run(["sdpa", "--query", write(q, "q.npy"), "--key", write(k, "k.npy"), "--value", write(v, "v.npy"),
                              "--mask", path("mask.npy"), "--causal", "--output", path("o.npy"),
                              "--weights-out", path("w.npy"), "--threads", "1"])
        #expect(result.status == 0, "\(result.standardError)")
        let expected = ReferenceAttention.attention(
            query: q, key: k, value: v,
            options: AttentionOptions(mask: .allowed(mask.floatTensor()), isCausal: true, returnsWeights: true))
        let output = try Npy.readTensor(contentsOf: URL(fileURLWithPath: path("o.npy")))
        let weights = try Npy.readTensor(contentsOf: URL(fileURLWithPath: path("w.npy")))
        #expect(output.maxAbsoluteDifference(expected.output) <= 1e-5)
        #expect(weights.maxAbsoluteDifference(expected.weights!) <= 1e-5)
    }

    @Test("every attention mode and the reference kernel run from the CLI",
          arguments: ["soft", "argmax", "sample", "topk:2"])
    func modes(mode: String) throws {
        var g = SeededGenerator(seed: 2)
        let q = Tensor.normal(shape: [3, 4], generator: &g)
        let qPath = try write(q, "q-\(mode).npy")
        for kernel in ["fused", "reference"] {
            let result = try run(["sdpa", "--query", qPath, "--key", qPath, "--value", qPath, "--attention", mode,
                                  "--seed", "3", "--kernel", kernel, "--output", path("o-\(mode)-\(kernel).npy")])
            #expect(result.status == 0, "\(result.standardError)")
        }
        let fused = try Npy.readTensor(contentsOf: URL(fileURLWithPath: path("o-\(mode)-fused.npy")))
        let reference = try Npy.readTensor(contentsOf: URL(fileURLWithPath: path("o-\(mode)-reference.npy")))
        #expect(fused.maxAbsoluteDifference(reference) <= 1e-5)
    }

    @Test func float64InputsAreAccepted() throws {
        let q = NumpyArray(shape: [2, 3], dtype: .float64,
                           bytes: Data([1.0, 0, 0, 0, 1.0, 0].flatMap { withUnsafeBytes(of: Double($0).bitPattern.littleEndian, Array.init) }))
        try Npy.write(q, to: URL(fileURLWithPath: path("q64.npy")))
        let result = try run(["sdpa", "--query", path("q64.npy"), "--key", path("q64.npy"), "--value", path("q64.npy"),
                              "--output", path("o64.npy")])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(try Npy.read(contentsOf: URL(fileURLWithPath: path("o64.npy"))).dtype == .float32)
    }

    @Test func userMistakesGiveClearErrorsAndNonZeroExit() throws {
        let q = try write(Tensor(zeros: [2, 4]), "z.npy")
        let missing = try run(["sdpa", "--query", path("nope.npy"), "--key", q, "--value", q, "--output", path("x.npy")])
        #expect(missing.status != 0)
        #expect(missing.standardError.contains("nope.npy"))
        #expect(!FileManager.default.fileExists(atPath: path("x.npy")))

        try Data("\u{93}NUMPY garbage".utf8).write(to: URL(fileURLWithPath: path("bad.npy")))
        let corrupt = try run(["sdpa", "--query", path("bad.npy"), "--key", q, "--value", q, "--output", path("x.npy")])
        #expect(corrupt.status != 0 && corrupt.standardError.contains("bad.npy"))

        let unknown = try run(["sdpa", "--querry", q])
        #expect(unknown.status == 2 && unknown.standardError.contains("--querry"))

        let badMode = try run(["sdpa", "--query", q, "--key", q, "--value", q, "--attention", "topk:0", "--output", path("x.npy")])
        #expect(badMode.status == 2 && badMode.standardError.contains("topk"))

        let k = try write(Tensor(zeros: [3, 5]), "k5.npy")
        let shapes = try run(["sdpa", "--query", q, "--key", k, "--value", k, "--output", path("x.npy")])
        #expect(shapes.status == 2 && shapes.standardError.contains("[2, 4]") && shapes.standardError.contains("[3, 5]"))

        let ints = NumpyArray(shape: [2, 4], integers: Array(0..<8))
        try Npy.write(ints, to: URL(fileURLWithPath: path("ints.npy")))
        let wrongType = try run(["sdpa", "--query", path("ints.npy"), "--key", q, "--value", q, "--output", path("x.npy")])
        #expect(wrongType.status == 2 && wrongType.standardError.contains("int64"))

        let command = try run(["sdpaa"])
        #expect(command.status == 2 && command.standardError.contains("sdpaa"))
    }

    @Test func demoExplainsTheSeedExample() throws {
        let result = try run(["demo"])
        #expect(result.status == 0)
        #expect(result.standardOutput.contains("[1, 5, 64]"))
        #expect(result.standardOutput.contains("attends most to"))
    }
}
