import Foundation
import Testing
import TensorCore
import _TestSupport

/// `attention tokenize`, `embed`, `similar`, `models` and `bench embed` with the real all-MiniLM-L6-v2, checked against
/// the golden files of `tools/make_bert_golden.py` (read from the source tree). The model must be fetched
/// (`make test` does it); without it these tests fail.
@Suite("attention CLI: BERT commands on all-MiniLM-L6-v2")
struct BERTCommandTests {
    static let golden = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../ModelsTests/Resources/bert").standardizedFileURL

    struct Cases: Decodable {
        struct Sentence: Decodable { let name: String, text: String, ids: [Int] }
        let sentences: [Sentence]
    }

    static func cases() throws -> [Cases.Sentence] {
        try JSONDecoder().decode(Cases.self, from: Data(contentsOf: golden.appendingPathComponent("cases.json"))).sentences
    }

    static func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "stdout is a JSON object: \(text.prefix(200))")
    }

    let directory: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("attention-bert-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }()

    @Test func modelIsFetched() {
        let folder = TestModels.cacheDirectory.appendingPathComponent("minilm")
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("model.safetensors").path),
                "all-MiniLM-L6-v2 is missing from \(folder.path): run `make test` or `python3 tools/fetch_models.py`")
    }

    @Test func tokenizeGivesTheReferenceIds() throws {
        let sentences = try Self.cases().filter { $0.name != "long" }.prefix(5)
        let result = try CommandRunner.run(["tokenize", "--model", "minilm", "--json"] + sentences.map(\.text))
        #expect(result.status == 0, "\(result.standardError)")
        let object = try Self.json(result.standardOutput)
        let ids = try #require(object["ids"] as? [[Int]])
        let tokens = try #require(object["tokens"] as? [[String]])
        #expect(ids == sentences.map(\.ids))
        #expect(tokens.first?.first == "[CLS]" && tokens.first?.last == "[SEP]")
        #expect(tokens.map(\.count) == ids.map(\.count))
    }

    @Test func embedMatchesTheReferenceEmbeddings() throws {
        let sentences = try Self.cases()
        let expected = try Npy.readTensor(contentsOf: Self.golden.appendingPathComponent("embeddings.npy"))
        let result = try CommandRunner.run(["embed", "--model", "minilm", "--json", "--batch-size", "3"] + sentences.map(\.text))
        #expect(result.status == 0, "\(result.standardError)")
        let object = try Self.json(result.standardOutput)
        #expect(object["dimension"] as? Int == 384)
        let embeddings = try #require(object["embeddings"] as? [[Double]])
        #expect(embeddings.count == sentences.count)
        for (row, embedding) in embeddings.enumerated() {
            let reference = (0..<384).map { Double(expected[row, $0]) }
            let worst = zip(embedding, reference).map { abs($0 - $1) }.max()!
            #expect(worst <= 1e-5, "\(sentences[row].name): max |Δ| = \(worst)")
        }
    }

    @Test func embedReadsStandardInputAndWritesAttentionMaps() throws {
        let stdin = try CommandRunner.run(["embed", "--json"], standardInput: "Attention is all you need.\nA cat sat on the mat.\n")
        #expect(stdin.status == 0, "\(stdin.standardError)")
        #expect((try Self.json(stdin.standardOutput)["embeddings"] as? [[Double]])?.count == 2)

        let maps = directory.appendingPathComponent("maps.npy")
        let result = try CommandRunner.run(["embed", "--attention-out", maps.path, "Attention is all you need."])
        #expect(result.status == 0, "\(result.standardError)")
        let weights = try Npy.readTensor(contentsOf: maps)
        #expect(weights.shape == [6, 12, 8, 8])
        for row in stride(from: 0, to: weights.count, by: 8) {
            let sum = weights.scalars[row..<(row + 8)].reduce(0, +)
            #expect(abs(sum - 1) < 1e-4)
        }
    }

    @Test func similarRanksTheRelevantLineFirst() throws {
        let file = directory.appendingPathComponent("lines.txt")
        try """
        The stock market fell sharply on Monday.
        A kitten is sleeping on the sofa.
        Heavy rain is expected this weekend.

        The recipe needs two eggs and a cup of flour.
        """.write(to: file, atomically: true, encoding: .utf8)
        let result = try CommandRunner.run(["similar", "--model", "minilm", "--query", "a cat taking a nap", file.path, "--top", "2"])
        #expect(result.status == 0, "\(result.standardError)")
        let lines = result.standardOutput.split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines.first?.contains("A kitten is sleeping on the sofa.") == true, "\(result.standardOutput)")
        let json = try CommandRunner.run(["similar", "--query", "weather forecast", file.path, "--json"])
        #expect(json.status == 0 && json.standardOutput.contains("Heavy rain"))
    }

    @Test func missingModelAndFileAreClearErrors() throws {
        let missingModel = try CommandRunner.run(["embed", "--model", directory.appendingPathComponent("nowhere").path, "text"])
        #expect(missingModel.status != 0)
        #expect(missingModel.standardError.contains("nowhere"))
        let unknownModel = try CommandRunner.run(["tokenize", "--model", "gpt5", "text"])
        #expect(unknownModel.status != 0 && unknownModel.standardError.contains("gpt5"))
        let missingFile = try CommandRunner.run(["similar", "--query", "x", "/nonexistent/lines.txt"])
        #expect(missingFile.status != 0 && missingFile.standardError.contains("/nonexistent/lines.txt"))
        let corrupt = directory.appendingPathComponent("corrupt")
        try FileManager.default.createDirectory(at: corrupt, withIntermediateDirectories: true)
        let source = TestModels.cacheDirectory.appendingPathComponent("minilm")
        for file in ["config.json", "vocab.txt", "tokenizer.json"] {
            try? FileManager.default.copyItem(at: source.appendingPathComponent(file), to: corrupt.appendingPathComponent(file))
        }
        try Data(repeating: 7, count: 100).write(to: corrupt.appendingPathComponent("model.safetensors"))
        let bad = try CommandRunner.run(["embed", "--model", corrupt.path, "text"])
        #expect(bad.status != 0 && bad.standardError.contains("model.safetensors"), "\(bad.standardError)")
    }

    @Test func modelsListShowsTheCache() throws {
        let result = try CommandRunner.run(["models", "list"])
        #expect(result.status == 0)
        #expect(result.standardOutput.contains("minilm") && result.standardOutput.contains("smollm2"))
    }

    @Test func benchEmbedReportsJSON() throws {
        let result = try CommandRunner.run(["bench", "embed", "--model", "minilm", "--batch-size", "8", "--repeat", "1", "--threads", "1", "--json"])
        #expect(result.status == 0, "\(result.standardError)")
        let object = try Self.json(result.standardOutput)
        #expect(object["sentences"] as? Int == 32)
        #expect(object["threads"] as? Int == 1)
        #expect((object["sentences_per_second"] as? Double ?? 0) > 0)
        #expect((object["single_latency_milliseconds"] as? Double ?? 0) > 0)
    }
}
