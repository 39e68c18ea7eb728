import Foundation
import Testing
import TensorCore
import _TestSupport

/// `attention viz` run as a user would, on the real models (a missing model fails these tests: fetch it with
/// `python3 tools/fetch_models.py`).
@Suite("attention viz CLI", .serialized)
struct VizCLITests {
    let directory: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("attention-viz-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }()

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// The page's JSON payload with its weights dequantized to `[L·H·S·S]`.
    struct Page {
        let object: [String: Any]
        let tokens: [String]
        let layers: Int, heads: Int
        let weights: [Float]

        init(path: String) throws {
            let html = try String(contentsOfFile: path, encoding: .utf8)
            let open = "<script id=\"attention-data\" type=\"application/json\">"
            let start = try #require(html.range(of: open))
            let end = try #require(html.range(of: "</script>", range: start.upperBound..<html.endIndex))
            object = try #require(try JSONSerialization.jsonObject(with: Data(html[start.upperBound..<end.lowerBound].utf8)) as? [String: Any])
            tokens = try #require(object["tokens"] as? [String])
            layers = try #require(object["layers"] as? Int)
            heads = try #require(object["heads"] as? Int)
            let bits = try #require(object["bits"] as? Int)
            let lower = object["packing"] as? String == "lower"
            let base64 = try #require(object["weights"] as? String)
            let bytes = [UInt8](try #require(Data(base64Encoded: base64)))
            let s = tokens.count
            var out = [Float](repeating: 0, count: layers * heads * s * s)
            var k = 0
            for map in 0..<(layers * heads) {
                for i in 0..<s {
                    for j in 0..<(lower ? i + 1 : s) {
                        let q = bits == 16 ? Int(bytes[2 * k]) | Int(bytes[2 * k + 1]) << 8 : Int(bytes[k])
                        let fraction = Float(q) / Float((1 << bits) - 1)
                        out[(map * s + i) * s + j] = bits == 8 ? fraction * fraction : fraction   // 8 bits store √w
                        k += 1
                    }
                }
            }
            #expect(k * bits / 8 == bytes.count, "payload length")
            weights = out
        }
    }

    @Test func helpShowsAnExample() throws {
        let help = try CommandRunner.run(["viz", "--help"])
        #expect(help.status == 0)
        #expect(help.standardOutput.contains("Example") && help.standardOutput.contains("attention viz --model"))
        #expect(try CommandRunner.run(["--help"]).standardOutput.contains("viz"))
    }

    /// The BERT page holds the same maps as `attention embed --attention-out` (up to 16-bit rounding) and a PNG grid.
    @Test func minilmPageHoldsTheModelsAttentionMaps() throws {
        let text = "Attention is all you need."
        let run = try CommandRunner.run(["viz", "--model", "minilm", "-o", path("bert.html"), "--png", path("grid.png"),
                                         "--layer", "2", text])
        #expect(run.status == 0, "\(run.standardError)")
        let page = try Page(path: path("bert.html"))
        #expect(page.tokens == ["[CLS]", "attention", "is", "all", "you", "need", ".", "[SEP]"])
        #expect(page.layers == 6 && page.heads == 12 && page.object["layer"] as? Int == 2)
        #expect(page.object["causal"] as? Bool == false)
        let embed = try CommandRunner.run(["embed", "--attention-out", path("maps.npy"), text])
        #expect(embed.status == 0, "\(embed.standardError)")
        let maps = try Npy.readTensor(contentsOf: URL(fileURLWithPath: path("maps.npy")))
        #expect(maps.shape == [6, 12, 8, 8])
        let worst = zip(page.weights, maps.scalars).map { abs($0 - $1) }.max() ?? .infinity
        #expect(worst < 2e-5, "page vs embed --attention-out: max |Δ| = \(worst)")
        let png = try Data(contentsOf: URL(fileURLWithPath: path("grid.png")))
        #expect(png.prefix(8) == Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
    }

    @Test func minilmSentencePairMarksTheSecondSentence() throws {
        let run = try CommandRunner.run(["viz", "-o", path("pair.html"), "--pair", "It was cold.", "The dog slept."])
        #expect(run.status == 0, "\(run.standardError)")
        let page = try Page(path: path("pair.html"))
        #expect(page.tokens == ["[CLS]", "the", "dog", "slept", ".", "[SEP]", "it", "was", "cold", ".", "[SEP]"])
        #expect(page.object["segments"] as? [Int] == [0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1])
    }

    /// The decoder page is causal, records the generated tokens (golden greedy continuation starts with "\n\n"),
    /// and every row sums to 1 over the positions it can see.
    @Test func smollm2PageRecordsGenerationCausally() throws {
        let run = try CommandRunner.run(["viz", "--model", "smollm2", "--generate", "3", "-o", path("gpt.html"),
                                         "Attention is all you need."])
        #expect(run.status == 0, "\(run.standardError)")
        let page = try Page(path: path("gpt.html"))
        #expect(page.tokens == ["Attention", " is", " all", " you", " need", ".", "↵", "↵", "The"])
        #expect(page.layers == 30 && page.heads == 9)
        #expect(page.object["prompt"] as? Int == 6 && page.object["packing"] as? String == "lower")
        let s = page.tokens.count
        for map in 0..<(page.layers * page.heads) {
            for i in 0..<s {
                let row = page.weights[((map * s + i) * s)..<((map * s + i + 1) * s)]
                #expect(abs(row.reduce(0, +) - 1) < Float(s) * 1e-5, "map \(map) row \(i)")
                #expect(row.dropFirst(i + 1).allSatisfy { $0 == 0 })
            }
        }
    }

    @Test(arguments: [
        (["viz", "-o", "X", "--layer", "6", "hi"], "--layer 6 is out of range"),
        (["viz", "-o", "X", "--head", "-1", "hi"], "--head -1 is out of range"),
        (["viz", "-o", "X"], "give the TEXT"),
        (["viz", "hello"], "missing required option --output"),
        (["viz", "--model", "no-such-model", "-o", "X", "hi"], "neither a known model"),
        (["viz", "--generate", "2", "-o", "X", "hi"], "--generate needs a decoder"),
        (["viz", "--model", "smollm2", "--pair", "b", "-o", "X", "a"], "--pair is for a BERT encoder"),
        (["viz", "--colour", "red", "-o", "X", "hi"], "unknown option '--colour'"),
    ])
    func badInputFailsWithAClearMessage(arguments: [String], message: String) throws {
        let run = try CommandRunner.run(arguments.map { $0 == "X" ? path("never.html") : $0 })
        #expect(run.status != 0)
        #expect(run.standardError.contains(message), "stderr: \(run.standardError)")
        #expect(!FileManager.default.fileExists(atPath: path("never.html")))
    }
}
