import Foundation
import Testing
import TensorCore
import _TestSupport
import Models

/// One case of `Resources/tokenizer/wordpiece_golden.json`, written by `tools/make_tokenizer_golden.py` with
/// Hugging Face `tokenizers` on all-MiniLM-L6-v2's tokenizer.json.
struct WordPieceGoldenCase: Decodable, Sendable, CustomTestStringConvertible {
    var name: String
    var text: String
    var maxLength: Int?
    var ids: [Int]
    var tokens: [String]
    var offsets: [[Int]?]
    var decoded: String

    enum CodingKeys: String, CodingKey {
        case name, text, ids, tokens, offsets, decoded
        case maxLength = "max_length"
    }

    var testDescription: String { name }
    var expectedOffsets: [Range<Int>?] { offsets.map { $0.map { $0[0]..<$0[1] } } }
}

enum WordPieceFixtures {
    static let document = Result {
        struct Document: Decodable { var cases: [WordPieceGoldenCase] }
        var folder = GoldenFiles.directory("tokenizer", in: Bundle.module)
        if !FileManager.default.fileExists(atPath: folder.path) {
            // swift-corelibs-foundation already reports `<bundle>/Resources` as the resource URL when it exists.
            folder = Bundle.module.resourceURL!.appendingPathComponent("tokenizer")
        }
        let url = folder.appendingPathComponent("wordpiece_golden.json")
        return try JSONDecoder().decode(Document.self, from: Data(contentsOf: url)).cases
    }
    /// Empty when the file is unreadable; `goldenFileIsPresent` then fails with the reason.
    static let cases: [WordPieceGoldenCase] = (try? document.get()) ?? []

    static let modelDirectory = TestModels.cacheDirectory.appendingPathComponent("minilm")

    /// Fails the calling test (not skips it) when the model is absent.
    static func requireModel(_ file: String) throws -> URL {
        let url = modelDirectory.appendingPathComponent(file)
        try #require(FileManager.default.fileExists(atPath: url.path),
                     "all-MiniLM-L6-v2 is missing (\(url.path)); run `python3 tools/fetch_models.py minilm`")
        return url
    }

    static let fromJSON = Result { try BERTTokenizer(tokenizerJSON: requireModel("tokenizer.json")) }
    static let fromVocabulary = Result { try BERTTokenizer(vocabularyFile: requireModel("vocab.txt")) }
    static let loaded = Result { _ = try requireModel("tokenizer.json"); return try BERTTokenizer.load(modelDirectory: modelDirectory) }

    static func temporaryFile(_ name: String, contents: String) throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("wordpiece-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let url = folder.appendingPathComponent(name)
        try Data(contents.utf8).write(to: url)
        return url
    }
}

@Suite("WordPiece tokenizer against Hugging Face tokenizers")
struct WordPieceTests {
    @Test func goldenFileIsPresent() throws {
        #expect(try WordPieceFixtures.document.get().count >= 40, "run python3 tools/make_tokenizer_golden.py")
    }

    @Test("tokenizer.json: ids, tokens, offsets, decode", arguments: WordPieceFixtures.cases)
    func goldenFromTokenizerJSON(_ golden: WordPieceGoldenCase) throws {
        let tokenizer = try WordPieceFixtures.fromJSON.get()
        let encoding = tokenizer.encode(golden.text, maxLength: golden.maxLength ?? Int.max)
        #expect(encoding.ids == golden.ids)
        #expect(encoding.tokens == golden.tokens)
        #expect(encoding.offsets == golden.expectedOffsets)
        #expect(encoding.attentionMask == Array(repeating: 1, count: golden.ids.count))
        #expect(encoding.typeIds == Array(repeating: 0, count: golden.ids.count))
        #expect(tokenizer.decode(golden.ids) == golden.decoded)
    }

    @Test("vocab.txt: ids, tokens, offsets", arguments: WordPieceFixtures.cases)
    func goldenFromVocabularyFile(_ golden: WordPieceGoldenCase) throws {
        let tokenizer = try WordPieceFixtures.fromVocabulary.get()
        let encoding = tokenizer.encode(golden.text, maxLength: golden.maxLength ?? Int.max)
        #expect(encoding.ids == golden.ids)
        #expect(encoding.tokens == golden.tokens)
        #expect(encoding.offsets == golden.expectedOffsets)
    }

    @Test func referenceSentence() throws {
        let tokenizer = try WordPieceFixtures.loaded.get()
        #expect(tokenizer.encode("Attention is all you need.").ids == [101, 3086, 2003, 2035, 2017, 2342, 1012, 102])
        #expect(tokenizer.vocabularySize == 30522)
        #expect(tokenizer.classificationTokenID == 101)
        #expect(tokenizer.separatorTokenID == 102)
        #expect(tokenizer.paddingTokenID == 0)
        #expect(tokenizer.unknownTokenID == 100)
    }

    @Test func offsetsMapBackToTheOriginalText() throws {
        let tokenizer = try WordPieceFixtures.fromJSON.get()
        let text = "Héllo, WORLD! Straße naïve 東京 tokenization"
        let encoding = tokenizer.encode(text)
        let pieces = encoding.tokens.indices.map { encoding.substring(ofToken: $0, in: text).map(String.init) }
        #expect(pieces == [nil, "Héllo", ",", "WORLD", "!", "St", "raße", "naïve", "東", "京", "token",
                           "ization", nil])
        #expect(encoding.tokens[5...6] == ["st", "##raße"])
        // Every other token's text is found in the normalization of the substring it points to.
        for golden in WordPieceFixtures.cases {
            let encoding = tokenizer.encode(golden.text, maxLength: Int.max)
            for (index, token) in encoding.tokens.enumerated() where token != "[UNK]" {
                guard let original = encoding.substring(ofToken: index, in: golden.text), original != token else {
                    continue  // added tokens ([CLS] written in the text) map to themselves
                }
                let normalized = tokenizer.basicTokenizer.preTokenize(String(original)).flatMap(\.scalars)
                var piece = Array(token.unicodeScalars)
                if piece.count > 2 && piece[0] == "#" && piece[1] == "#" { piece.removeFirst(2) }
                let found = normalized.count >= piece.count && (0...(normalized.count - piece.count)).contains {
                    normalized[$0..<($0 + piece.count)].elementsEqual(piece)
                }
                #expect(found, "\(golden.name): token \(index) '\(token)' vs '\(original)'")
            }
        }
    }

    @Test func truncationKeepsClassifierFirstAndSeparatorLast() throws {
        let tokenizer = try WordPieceFixtures.loaded.get()
        #expect(tokenizer.maxLength == 256)
        let long = try #require(WordPieceFixtures.cases.first { $0.name == "long_text_256" })
        let full = try #require(WordPieceFixtures.cases.first { $0.name == "long_text" })
        let encoding = tokenizer.encode(long.text)
        #expect(full.ids.count > 256)
        #expect(encoding.ids == long.ids)
        #expect(encoding.ids.count == 256)
        #expect(encoding.ids.first == 101 && encoding.ids.last == 102)
        #expect(Array(encoding.ids[1..<255]) == Array(full.ids[1..<255]))
        let short = tokenizer.encode(long.text, maxLength: 2)
        #expect(short.ids == [101, 102])
        #expect(short.offsets == [nil, nil])
        let unlimited = tokenizer.encode(long.text, maxLength: .max)
        #expect(unlimited.ids == full.ids)
    }

    @Test func batchEqualsSingles() throws {
        let tokenizer = try WordPieceFixtures.fromJSON.get()
        let texts = Array(repeating: WordPieceFixtures.cases.map(\.text), count: 3).flatMap { $0 }
        #expect(texts.count >= 64, "large enough for the parallel path")
        for maxLength in [nil, 16] {
            let batch = tokenizer.encode(batch: texts, maxLength: maxLength)
            #expect(batch == texts.map { tokenizer.encode($0, maxLength: maxLength) })
        }
        #expect(tokenizer.encode(batch: Array(texts.prefix(3)), maxLength: nil)
                == texts.prefix(3).map { tokenizer.encode($0) })
    }

    @Test func paddingExtendsWithMaskZero() throws {
        let tokenizer = try WordPieceFixtures.fromJSON.get()
        let padded = tokenizer.encode("hello world").padded(to: 6, paddingID: tokenizer.paddingTokenID)
        #expect(padded.ids == [101, 7592, 2088, 102, 0, 0])
        #expect(padded.attentionMask == [1, 1, 1, 1, 0, 0])
        #expect(padded.offsets[4] == nil)
    }

    @Test(arguments: ["attention is all you need.", "hello, world! how are you?", "tokenization is unaffable.",
                      "the price is $ 100 & rising"])
    func decodeRoundTrip(_ text: String) throws {
        let tokenizer = try WordPieceFixtures.fromJSON.get()
        #expect(tokenizer.decode(tokenizer.encode(text).ids) == text)
        #expect(tokenizer.decode(tokenizer.encode(text.uppercased()).ids) == text)
    }

    @Test func decodeKeepsSpecialTokensWhenAsked() throws {
        let tokenizer = try WordPieceFixtures.fromJSON.get()
        #expect(tokenizer.decode([101, 7592, 102], skipSpecialTokens: false) == "[CLS] hello [SEP]")
        #expect(tokenizer.decode([101, 7592, 99_999, -1, 102]) == "hello")
    }
}

@Suite("WordPiece building blocks and errors")
struct WordPiecePartsTests {
    @Test func greedyLongestMatchFirst() {
        let wordPiece = WordPiece(vocabulary: ["[UNK]", "un", "una", "##ff", "##ffa", "##ble", "##a", "a"])
        func cut(_ word: String) -> [String] {
            wordPiece.tokenize(Array(word.unicodeScalars)).map { wordPiece.vocabulary[$0.id] }
        }
        #expect(cut("unaffable") == ["una", "##ffa", "##ble"])
        #expect(cut("unx") == ["[UNK]"])
        #expect(cut("aa") == ["a", "##a"])
        #expect(cut(String(repeating: "a", count: 101)) == ["[UNK]"])
        #expect(wordPiece.tokenize(Array("unaffable".unicodeScalars)).map(\.range) == [0..<3, 3..<6, 6..<9])
    }

    @Test func lookupsCompareBytesNotCanonicalEquivalence() {
        let wordPiece = WordPiece(vocabulary: ["[UNK]", "\u{D55C}", "\u{1112}"])
        let jamo = Array("\u{1112}\u{1161}\u{11AB}".unicodeScalars)
        #expect(wordPiece.tokenize(jamo).map(\.id) == [0])
        #expect(wordPiece.id(of: "\u{D55C}") == 1)
    }

    @Test func basicTokenizerOffsetsPointIntoTheOriginal() {
        let words = BasicTokenizer().preTokenize("\u{200D}İstanbul, Cafe\u{301}\t中x")
        #expect(words.map(\.text) == ["istanbul", ",", "cafe", "中", "x"])
        #expect(words.map(\.offsets) == [1..<9, 9..<10, 11..<15, 17..<18, 18..<19])
        let cased = BasicTokenizer(lowercase: false).preTokenize("Café ÀB")
        #expect(cased.map(\.text) == ["Café", "ÀB"])
    }

    @Test func missingVocabularyFileNamesTheFile() throws {
        let url = URL(fileURLWithPath: "/nonexistent/vocab.txt")
        let error = try #require(throws: FileFormatError.self) { try BERTTokenizer(vocabularyFile: url) }
        #expect(error.kind == .unreadable)
        #expect(error.description.contains("/nonexistent/vocab.txt"))
        let folder = try #require(throws: FileFormatError.self) {
            try BERTTokenizer.load(modelDirectory: URL(fileURLWithPath: "/nonexistent"))
        }
        #expect(folder.kind == .unreadable)
    }

    @Test func corruptVocabularyFiles() throws {
        let empty = try WordPieceFixtures.temporaryFile("vocab.txt", contents: "")
        #expect(throws: FileFormatError.self) { try BERTTokenizer(vocabularyFile: empty) }
        let noUnknown = try WordPieceFixtures.temporaryFile("vocab.txt", contents: "[CLS]\n[SEP]\nhello\n")
        let error = try #require(throws: FileFormatError.self) { try BERTTokenizer(vocabularyFile: noUnknown) }
        #expect(error.kind == .missingEntry && error.description.contains("[UNK]"))
        let noSeparator = try WordPieceFixtures.temporaryFile("vocab.txt", contents: "[UNK]\r\n[CLS]\r\nhello\r\n")
        let separator = try #require(throws: FileFormatError.self) { try BERTTokenizer(vocabularyFile: noSeparator) }
        #expect(separator.kind == .missingEntry && separator.description.contains("[SEP]"))
        let crlf = try WordPieceFixtures.temporaryFile("vocab.txt", contents: "[PAD]\r\n[UNK]\r\n[CLS]\r\n[SEP]\r\nhi\r\n")
        #expect(try BERTTokenizer(vocabularyFile: crlf).encode("Hi ho").ids == [2, 4, 1, 3])
    }

    @Test(arguments: [
        ("not json {", FileFormatError.Kind.badHeader),
        ("[1, 2]", .badHeader),
        (#"{"model": {"type": "BPE", "vocab": {}}}"#, .badHeader),
        (#"{"model": {"type": "WordPiece", "vocab": {"[UNK]": 0, "a": 2}}}"#, .badHeader),
        (#"{"model": {"type": "WordPiece", "vocab": {"[UNK]": 0, "a": "one"}}}"#, .typeMismatch),
        (#"{"model": {"type": "WordPiece", "vocab": {"a": 0}}, "pre_tokenizer": {"type": "BertPreTokenizer"}}"#,
         .missingEntry),
        (#"{"model": {"type": "WordPiece", "vocab": {"[UNK]": 0}}, "pre_tokenizer": {"type": "BertPreTokenizer"}}"#,
         .missingEntry),
        (#"{"model": {"type": "WordPiece", "vocab": {"[UNK]": 0}}, "pre_tokenizer": {"type": "Whitespace"}}"#,
         .badHeader),
    ])
    func corruptTokenizerJSON(_ contents: String, _ kind: FileFormatError.Kind) throws {
        let url = try WordPieceFixtures.temporaryFile("tokenizer.json", contents: contents)
        let error = try #require(throws: FileFormatError.self) { try BERTTokenizer(tokenizerJSON: url) }
        #expect(error.kind == kind, "\(error)")
        #expect(error.file == url.path)
    }
}
