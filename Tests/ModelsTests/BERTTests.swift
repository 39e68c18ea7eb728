import Foundation
import Testing
import AttentionKernels
@testable import Models
import TensorCore
import _TestSupport

/// The real all-MiniLM-L6-v2, loaded once for every test that needs it.
enum MiniLM {
    static let directory = TestModels.cacheDirectory.appendingPathComponent("minilm")
    private static let loaded: Result<SentenceEmbedder, ModelError> = Result { () throws(ModelError) in
        try SentenceEmbedder.load(directory: directory)
    }

    /// The loaded embedder; a missing model fails the calling test with instructions.
    static func embedder() throws -> SentenceEmbedder {
        try #require(FileManager.default.fileExists(atPath: directory.appendingPathComponent("model.safetensors").path),
                     "MiniLM model not found at \(directory.path); run `python3 tools/fetch_models.py minilm`")
        return try loaded.get()
    }
}

/// Golden values written by `tools/make_bert_golden.py` (float64 NumPy forward pass, ids from `tokenizers`).
struct BERTGolden: Decodable {
    struct Sentence: Decodable {
        let name: String
        let text: String
        let ids: [Int]
    }
    let sentences: [Sentence]
    let hiddenRows: [String: [Int]]
    let maxLength: Int

    enum CodingKeys: String, CodingKey {
        case sentences
        case hiddenRows = "hidden_rows"
        case maxLength = "max_length"
    }

    static let directory = GoldenFiles.directory("bert", in: .module)
    static let cases: BERTGolden = {
        let data = try! Data(contentsOf: directory.appendingPathComponent("cases.json"))
        return try! JSONDecoder().decode(BERTGolden.self, from: data)
    }()
    static func array(_ name: String) throws -> Tensor {
        try Npy.readTensor(contentsOf: directory.appendingPathComponent(name))
    }

    /// Swift's single-sentence forward passes of every golden sentence, computed once: hidden states `[T, C]`.
    static let singles: Result<[Tensor], any Error> = Result {
        let embedder = try MiniLM.embedder()
        return cases.sentences.map { sentence in
            let output = embedder.model([sentence.ids])
            return output.lastHiddenState.reshaped([sentence.ids.count, -1])
        }
    }
}

private func cosine(_ a: ArraySlice<Float>, _ b: ArraySlice<Float>) -> Float { SentenceEmbedder.cosineSimilarity(a, b) }

@Suite("BERT (all-MiniLM-L6-v2) against tools/make_bert_golden.py")
struct BERTModelTests {
    @Test func configuration() throws {
        let model = try MiniLM.embedder().model
        let c = model.configuration
        #expect(c.hiddenSize == 384 && c.layerCount == 6 && c.headCount == 12 && c.intermediateSize == 1536)
        #expect(c.layerNormEpsilon == Float(1e-12) && c.vocabularySize == 30522 && c.hiddenActivation == "gelu")
        #expect(model.layers.count == 6)
        let embedder = try MiniLM.embedder()
        #expect(embedder.dimension == 384 && embedder.tokenizer.maxLength == 256)
        #expect(embedder.pooling == SentencePooling(usesMean: true, normalizes: true))
    }

    @Test func idsMatchTokenizers() throws {
        let embedder = try MiniLM.embedder()
        for sentence in BERTGolden.cases.sentences {
            #expect(embedder.tokenize([sentence.text])[0] == sentence.ids, "\(sentence.name)")
        }
        #expect(BERTGolden.cases.sentences.contains { $0.ids.count == BERTGolden.cases.maxLength })
    }

    @Test func lastHiddenStateWithin1e4() throws {
        let singles = try BERTGolden.singles.get()
        let golden = try BERTGolden.array("hidden.npy")  // [kept rows, C]
        let c = golden.shape[1]
        var offset = 0
        for (sentence, state) in zip(BERTGolden.cases.sentences, singles) {
            let rows = try #require(BERTGolden.cases.hiddenRows[sentence.name])
            var worst: Float = 0
            for (k, row) in rows.enumerated() {
                for j in 0..<c {
                    worst = max(worst, abs(state.scalars[row * c + j] - golden.scalars[(offset + k) * c + j]))
                }
            }
            offset += rows.count
            #expect(worst < 1e-4, "\(sentence.name): max |Δ| = \(worst)")
        }
    }

    @Test func embeddingsWithin1e5AndBatchEqualsSingles() throws {
        let embedder = try MiniLM.embedder()
        let golden = try BERTGolden.array("embeddings.npy")  // [sentences, 384]
        let singles = try BERTGolden.singles.get()
        let sentences = BERTGolden.cases.sentences
        let d = golden.shape[1]
        // One padded batch of the short sentences (3 to 25 tokens; the 256-token one would make debug builds slow),
        // in one forward pass, against the float64 singles and Swift's own singles.
        let short = sentences.filter { $0.ids.count < BERTGolden.cases.maxLength }
        let batch = embedder.embed(short.map(\.text), batchSize: short.count)
        #expect(batch.shape == [short.count, d])
        for (i, sentence) in short.enumerated() {
            let single = embedder.pooling(singles[i].reshaped([1] + singles[i].shape), lengths: [sentence.ids.count])
            let expected = golden.scalars[(i * d)..<((i + 1) * d)]
            let batched = batch.scalars[(i * d)..<((i + 1) * d)]
            let singleDiff = zip(single.scalars, expected).map { abs($0 - $1) }.max()!
            let batchDiff = zip(batched, expected).map { abs($0 - $1) }.max()!
            let batchVersusSingle = zip(batched, single.scalars).map { abs($0 - $1) }.max()!
            #expect(singleDiff < 1e-5, "\(sentence.name): single vs golden \(singleDiff)")
            #expect(batchDiff < 1e-5, "\(sentence.name): batch vs golden \(batchDiff)")
            #expect(batchVersusSingle < 1e-5, "\(sentence.name): batch vs single \(batchVersusSingle)")
            #expect(cosine(batched, expected) >= 0.99999, "\(sentence.name)")
        }
        // The published reference values (shared/MODELS.md).
        let reference: [Float] = [0.071077, -0.014153, -0.013098, -0.03878, 0.047926, 0.067854, 0.016765, -0.043984]
        #expect(zip(batch.scalars.prefix(8), reference).allSatisfy { abs($0 - $1) < 2e-6 })
    }

    /// A batch split into parts (about 320 tokens each, at least one per thread with single-threaded BLAS) gives
    /// each text the embedding it has alone, in input order, and leaves the thread count as it was.
    @Test func splitBatchesOverThreadsEqualSingles() throws {
        let embedder = try MiniLM.embedder()
        let texts = BERTGolden.cases.sentences.map(\.text) + (0..<12).map { "Sentence number \($0) has a few words, some of them repeated \($0 % 3) times." }
        let saved = Parallelism.threadCount
        defer { Parallelism.threadCount = saved }
        Parallelism.threadCount = 2
        let batch = embedder.embed(texts, batchSize: texts.count)                   // > 320 tokens: several parts, 2 threads
        Parallelism.threadCount = 1
        let oneThread = embedder.embed(texts, batchSize: texts.count)
        let d = embedder.dimension
        for (i, text) in texts.enumerated() {
            let single = embedder.embed([text], batchSize: 1).scalars
            let row = Array(batch.scalars[(i * d)..<((i + 1) * d)])
            #expect(zip(row, single).map { abs($0 - $1) }.max()! < 1e-5, "text \(i)")
            #expect(zip(Array(oneThread.scalars[(i * d)..<((i + 1) * d)]), single).map { abs($0 - $1) }.max()! < 1e-5)
        }
    }

    @Test func attentionMapsMatchGolden() throws {
        let embedder = try MiniLM.embedder()
        let sentence = BERTGolden.cases.sentences[0]
        let (encoding, maps) = embedder.attentionMaps(for: sentence.text)
        let golden = try BERTGolden.array("attention0.npy")  // [L, H, T, T]
        #expect(encoding.ids == sentence.ids)
        #expect(maps.shape == golden.shape && maps.shape == [6, 12, 8, 8])
        #expect(maps.maxAbsoluteDifference(golden) < 1e-5)
    }

    @Test func fastPathEqualsReferencePathOnAPaddedBatch() throws {
        let model = try MiniLM.embedder().model
        let ids = Array(BERTGolden.cases.sentences.prefix(3).map(\.ids))
        let fast = model(ids, returnsAttention: true)
        let reference = model(ids, returnsAttention: true, path: .reference)
        for (row, length) in fast.lengths.enumerated() {
            let a = fast.lastHiddenState.sliced(axis: 0, row..<(row + 1)).sliced(axis: 1, 0..<length)
            let b = reference.lastHiddenState.sliced(axis: 0, row..<(row + 1)).sliced(axis: 1, 0..<length)
            #expect(a.maxAbsoluteDifference(b) < 1e-4)
        }
        // Real query rows only: the rows of padding queries are meaningless (zero inputs on the fast path).
        for (a, b) in zip(fast.attentionWeights!, reference.attentionWeights!) {
            for (row, length) in fast.lengths.enumerated() {
                let rowsOf = { (w: Tensor) in w.sliced(axis: 0, row..<(row + 1)).sliced(axis: 2, 0..<length) }
                #expect(rowsOf(a).maxAbsoluteDifference(rowsOf(b)) < 1e-5)
            }
        }
    }
}

@Suite("BERT kernels against their naive twins")
struct BERTKernelTests {
    @Test func fastGELUMatchesExactGELU() {
        let values = (-4000...4000).map { Float($0) / 400 } + [0, 30, -30, 1e-8, -1e-8, 1e4, -1e4]
        var fast = Tensor(shape: [values.count], scalars: values)
        BERTKernels.gelu(inPlace: &fast)
        for (x, y) in zip(values, fast.scalars) {
            let exact = Activation.gelu(x)
            #expect(abs(y - exact) <= 1e-6 * max(1, abs(exact)), "gelu(\(x)) = \(y), exact \(exact)")
        }
    }

    @Test(arguments: [(1, 384), (5, 384), (3, 13), (2, 7)])
    func addLayerNormMatchesLayerNorm(rows: Int, width: Int) {
        var generator = SeededGenerator(seed: UInt64(rows * 1000 + width))
        let x = Tensor.uniform(shape: [rows, width], low: -3, high: 3, generator: &generator)
        let residual = Tensor.uniform(shape: [rows, width], low: -3, high: 3, generator: &generator) + 40
        let weight = Tensor.uniform(shape: [width], low: 0.5, high: 1.5, generator: &generator)
        let bias = Tensor.uniform(shape: [width], low: -1, high: 1, generator: &generator)
        let fast = BERTKernels.addLayerNorm(x, residual: residual, weight: weight, bias: bias, epsilon: 1e-12)
        let naive = Normalization.layerNorm(x + residual, weight: weight, bias: bias, epsilon: 1e-12)
        #expect(fast.maxAbsoluteDifference(naive) < 2e-5)
    }

    /// Packed rows (no padding) go to padded heads and back: split puts each real row where the padded split
    /// would, zeros elsewhere; mergeHeads and pack/pad invert it.
    @Test func packedRowsRoundTripThroughPaddedHeads() {
        var generator = SeededGenerator(seed: 8)
        let (lengths, t, heads, d) = ([3, 5, 1], 5, 2, 4)
        let n = lengths.reduce(0, +)
        let qkv = Tensor.uniform(shape: [n, 3 * heads * d], low: -1, high: 1, generator: &generator)
        let padded = BERTKernels.pad(qkv, lengths: lengths, paddedLength: t)              // [B, T, 3HD]
        #expect(padded.shape == [3, t, 3 * heads * d])
        #expect(BERTKernels.pack(padded, lengths: lengths) == qkv)
        let (q, k, v) = BERTKernels.splitQueryKeyValue(qkv, lengths: lengths, paddedLength: t, heads: heads)
        let (pq, pk, pv) = BERTKernels.splitQueryKeyValue(padded, heads: heads)
        #expect(q == pq && k == pk && v == pv)
        #expect(q[0, 1, 3, 2] == 0 && q[2, 0, 1, 0] == 0)                                     // padding rows are zero
        let merged = BERTKernels.mergeHeads(v, lengths: lengths)                            // [N, HD]
        #expect(merged == qkv.sliced(axis: 1, (2 * heads * d)..<(3 * heads * d)))
    }

    @Test func splitQueryKeyValueMatchesSplitHeads() {
        var generator = SeededGenerator(seed: 7)
        let (b, t, heads, d) = (2, 5, 3, 4)
        let qkv = Tensor.uniform(shape: [b, t, 3 * heads * d], low: -1, high: 1, generator: &generator)
        let (q, k, v) = BERTKernels.splitQueryKeyValue(qkv, heads: heads)
        for (part, tensor) in [q, k, v].enumerated() {
            let slice = qkv.sliced(axis: 2, (part * heads * d)..<((part + 1) * heads * d))
            #expect(tensor == slice.reshaped([b, t, heads, d]).permuted([0, 2, 1, 3]))
        }
    }
}

@Suite("Model store, SHA-256 and clear errors")
struct BERTErrorTests {
    @Test func sha256KnownVectors() {
        #expect(SHA256.hash([UInt8]()).hexadecimal == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hash(Array("abc".utf8)).hexadecimal == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        let long = Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)
        #expect(SHA256.hash(long).hexadecimal == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        var chunked = SHA256()
        let million = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
        for start in stride(from: 0, to: million.count, by: 777) { chunked.update(Array(million[start..<min(million.count, start + 777)])) }
        #expect(chunked.finalize().hexadecimal == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func missingModelSaysHowToFetchIt() throws {
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("bert-tests-\(UUID().uuidString)")
        let store = ModelStore(cacheDirectory: empty)
        let error = try #require(throws: ModelError.self) { try store.resolve("minilm") }
        #expect(error.kind == .notFetched)
        #expect(error.message.contains("attention models fetch minilm"))
        #expect(error.message.contains("python3 tools/fetch_models.py minilm"))
        let path = try #require(throws: ModelError.self) { try store.resolve(empty.appendingPathComponent("nope").path) }
        #expect(path.kind == .notFound)
        let load = try #require(throws: ModelError.self) { try BERTModel.load(directory: empty) }
        #expect(load.kind == .notFound && load.message.contains("attention models fetch minilm"))
    }

    @Test func corruptModelIsAClearError() throws {
        let source = try #require(FileManager.default.fileExists(atPath: MiniLM.directory.path) ? MiniLM.directory : nil,
                                  "MiniLM model not found; run `python3 tools/fetch_models.py minilm`")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("bert-corrupt-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }

        let noConfig = try #require(throws: ModelError.self) { try BERTModel.load(directory: folder) }
        #expect(noConfig.kind == .invalid && noConfig.message.contains("config.json"))

        try FileManager.default.copyItem(at: source.appendingPathComponent("config.json"), to: folder.appendingPathComponent("config.json"))
        let noWeights = try #require(throws: ModelError.self) { try BERTModel.load(directory: folder) }
        #expect(noWeights.kind == .invalid && noWeights.message.contains("model.safetensors"))

        // The first megabyte of the real file: a valid header whose tensors run past the end.
        let handle = try FileHandle(forReadingFrom: source.appendingPathComponent("model.safetensors"))
        let prefix = try handle.read(upToCount: 1 << 20) ?? Data()
        try handle.close()
        try prefix.write(to: folder.appendingPathComponent("model.safetensors"))
        let truncated = try #require(throws: ModelError.self) { try BERTModel.load(directory: folder) }
        #expect(truncated.kind == .invalid && truncated.message.contains("attention models fetch minilm"), "\(truncated)")

        try Data("{ not json".utf8).write(to: folder.appendingPathComponent("config.json"))
        let badConfig = try #require(throws: ModelError.self) { try BERTModel.load(directory: folder) }
        #expect(badConfig.kind == .invalid && badConfig.message.contains("config.json"))
    }

    /// A tiny random checkpoint saved with and without the `bert.` prefix (and with TF-style gamma/beta) loads to
    /// the same model.
    @Test func weightNamesWithOrWithoutBERTPrefix() throws {
        let configuration = BERTConfiguration(vocabularySize: 11, hiddenSize: 8, layerCount: 2, headCount: 2,
                                              intermediateSize: 16, maxPositionEmbeddings: 12)
        var generator = SeededGenerator(seed: 3)
        var plain: [String: Tensor] = [:]
        for entry in BERTCheckpoint.embeddings.values {
            plain[entry.name] = Tensor.uniform(shape: entry.shape(configuration), low: -1, high: 1, generator: &generator)
        }
        for layer in 0..<configuration.layerCount {
            for entry in BERTCheckpoint.layer.values {
                let name = entry.name.replacingOccurrences(of: "{layer}", with: String(layer))
                plain[name] = Tensor.uniform(shape: entry.shape(configuration), low: -1, high: 1, generator: &generator)
            }
        }
        var prefixed: [String: Tensor] = [:]
        for (name, tensor) in plain {
            let renamed = name.replacingOccurrences(of: "LayerNorm.weight", with: "LayerNorm.gamma")
                .replacingOccurrences(of: "LayerNorm.bias", with: "LayerNorm.beta")
            prefixed["bert." + renamed] = tensor
        }
        let a = try BERTModel(configuration: configuration,
                              weights: SafetensorsFile(data: Safetensors.encode(plain), file: "plain.safetensors"))
        let b = try BERTModel(configuration: configuration,
                              weights: SafetensorsFile(data: Safetensors.encode(prefixed), file: "prefixed.safetensors"))
        let ids = [[1, 5, 7, 2], [1, 9, 2]]
        let outA = a(ids), outB = b(ids)
        #expect(outA.lastHiddenState == outB.lastHiddenState)
        #expect(outA.lastHiddenState.shape == [2, 4, 8])

        var missing = plain
        missing["encoder.layer.1.output.dense.weight"] = nil
        let error = try #require(throws: ModelError.self) {
            try BERTModel(configuration: configuration, weights: SafetensorsFile(data: Safetensors.encode(missing), file: "m.safetensors"))
        }
        #expect(error.message.contains("encoder.layer.1.output.dense.weight"))
    }
}
