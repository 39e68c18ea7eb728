import Foundation
import Testing
@testable import Models
import TensorCore
import _TestSupport

/// Texts and the ids Hugging Face `tokenizers` gives them, written by `tools/make_gguf_golden.py`.
private struct BPEGolden: Decodable {
    struct Case: Decodable {
        let text: String
        let ids: [Int]
        let tokens: [String]
    }
    let cases: [Case]

    static func load() throws -> BPEGolden {
        let url = GoldenFiles.directory("gguf", in: Bundle.module).appendingPathComponent("bpe_golden.json")
        return try JSONDecoder().decode(BPEGolden.self, from: Data(contentsOf: url))
    }
}

private enum SmolLM2Tokenizer {
    private static let loaded: Result<ByteLevelBPETokenizer, any Error> = Result {
        try ByteLevelBPETokenizer(gguf: GGUFFile(contentsOf: SmolLM2GGUF.url))
    }

    static func tokenizer() throws -> ByteLevelBPETokenizer {
        _ = try SmolLM2GGUF.file()   // fails with instructions when the model is missing
        return try loaded.get()
    }
}

@Suite("Byte-level BPE on SmolLM2's vocabulary")
struct ByteLevelBPEModelTests {
    @Test func publishedIDs() throws {
        let tokenizer = try SmolLM2Tokenizer.tokenizer()
        #expect(tokenizer.encode("Attention is all you need.") == [41319, 314, 511, 346, 737, 30])
    }

    @Test func vocabularyFacts() throws {
        let tokenizer = try SmolLM2Tokenizer.tokenizer()
        #expect(tokenizer.vocabularySize == 49152)
        #expect(tokenizer.bosID == 1)
        #expect(tokenizer.eosID == 2)
        #expect(tokenizer.paddingID == 2)
        #expect(tokenizer.unknownID == 0)
        #expect(tokenizer.preTokenization == .gpt2IndividualDigits)
        #expect(tokenizer.id(of: "<|im_end|>") == 2)
        #expect(tokenizer.id(of: "Ġis") == 314)
        #expect(tokenizer.isControl(1))
        #expect(!tokenizer.isControl(314))
        #expect(tokenizer.tokens(for: [41319, 314, 198]) == ["Attention", "Ġis", "Ċ"])
        #expect(tokenizer.bytes(of: 198) == [0x0A])
    }

    @Test func goldenIDs() throws {
        let tokenizer = try SmolLM2Tokenizer.tokenizer()
        let golden = try BPEGolden.load()
        #expect(golden.cases.count > 40)
        for item in golden.cases {
            let ids = tokenizer.encode(item.text)
            #expect(ids == item.ids, "\(item.text.debugDescription)")
            #expect(tokenizer.tokens(for: ids) == item.tokens, "\(item.text.debugDescription)")
            #expect(tokenizer.decode(item.ids) == item.text, "\(item.text.debugDescription)")
        }
    }

    @Test func streamingMatchesDecode() throws {
        let tokenizer = try SmolLM2Tokenizer.tokenizer()
        for item in try BPEGolden.load().cases {
            var stream = tokenizer.makeStreamingDecoder()
            let text = item.ids.map { stream.append($0) }.joined() + stream.finish()
            #expect(text == item.text, "\(item.text.debugDescription)")
        }
    }

    @Test func streamingHoldsAnEmojiUntilComplete() throws {
        let tokenizer = try SmolLM2Tokenizer.tokenizer()
        let ids = tokenizer.encode("🤗")
        #expect(ids == [10813, 114, 241])   // "ðŁ" "¤" "Ĺ": F0 9F, A4, 97
        var stream = tokenizer.makeStreamingDecoder()
        #expect(stream.append(ids[0]) == "")
        #expect(stream.append(ids[1]) == "")
        #expect(stream.append(ids[2]) == "🤗")
        #expect(stream.append(tokenizer.id(of: "Ġis")!) == " is")
        #expect(stream.finish() == "")
        var cut = tokenizer.makeStreamingDecoder()
        #expect(cut.append(ids[0]) == "")
        #expect(cut.finish() == "\u{FFFD}")
    }

    @Test func specialTokens() throws {
        let tokenizer = try SmolLM2Tokenizer.tokenizer()
        let ids = tokenizer.encode("<|im_start|>user\nHi<|im_end|>")
        #expect(ids.first == 1)
        #expect(ids.last == 2)
        #expect(tokenizer.decode(ids, skippingSpecialTokens: true) == "user\nHi")
        #expect(tokenizer.encode("") == [])
    }

    @Test func longWordsRoundTrip() throws {
        let tokenizer = try SmolLM2Tokenizer.tokenizer()
        let text = String(repeating: "abracadabra", count: 500) + " " + String(repeating: "🤗", count: 300)
        #expect(tokenizer.decode(tokenizer.encode(text)) == text)
    }
}

@Suite("Byte-level BPE on a made-up vocabulary")
struct ByteLevelBPESyntheticTests {
    /// All 256 byte tokens, then the merged ones, plus two control tokens.
    private static func tokenizer(merges: [String], extra: [String] = [], control: [String] = [],
                                  mode: BPEPreTokenization = .gpt2IndividualDigits) throws -> ByteLevelBPETokenizer {
        let bytes = (0..<256).map { String(ByteLevelAlphabet.scalarForByte[$0]) }
        let tokens = control + bytes + extra
        let types = control.map { _ in 3 } + (bytes + extra).map { _ in 1 }
        return try ByteLevelBPETokenizer(tokens: tokens, merges: merges, tokenTypes: types, preTokenization: mode)
    }

    @Test func mergesByRankLeftmostFirst() throws {
        let pairs = try Self.tokenizer(merges: ["a a"], extra: ["aa"])
        #expect(pairs.tokens(for: pairs.encode("aaa")) == ["aa", "a"])                  // leftmost of equal ranks
        let tokenizer = try Self.tokenizer(merges: ["a a", "aa a", "b c", "a b"], extra: ["aa", "aaa", "bc", "ab"])
        #expect(tokenizer.tokens(for: tokenizer.encode("aaa")) == ["aaa"])
        #expect(tokenizer.tokens(for: tokenizer.encode("aaaa")) == ["aa", "aa"])       // "aa a" waits for "a a"
        #expect(tokenizer.tokens(for: tokenizer.encode("abc")) == ["a", "bc"])        // "b c" outranks "a b"
        #expect(tokenizer.tokens(for: tokenizer.encode("xab")) == ["x", "ab"])
    }

    @Test func rejectsMergesOutsideTheVocabulary() {
        #expect(throws: FileFormatError.self) { try Self.tokenizer(merges: ["a z"]) }   // "az" is not a token
        #expect(throws: FileFormatError.self) { try Self.tokenizer(merges: ["nospace"]) }
    }

    @Test func specialTokensMatchLeftmostLongest() throws {
        let tokenizer = try Self.tokenizer(merges: [], control: ["<s>", "<s>x", "</s>"])
        let ids = tokenizer.encode("a<s>x<s></s")
        #expect(tokenizer.tokens(for: ids) == ["a", "<s>x", "<s>", "<", "/", "s"])
        #expect(tokenizer.decode(ids) == "a<s>x<s></s")
        #expect(tokenizer.decode(ids, skippingSpecialTokens: true) == "a</s")
    }

    private func words(_ text: String, _ mode: BPEPreTokenization = .gpt2IndividualDigits) -> [String] {
        var text = text
        var result: [String] = []
        text.withUTF8 { bytes in
            BPEPreTokenizer(mode: mode).split(bytes, 0..<bytes.count) { range in
                result.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self))
            }
        }
        return result
    }

    @Test func preTokenizerFollowsGPT2Pattern() {
        #expect(words("Hello, world!") == ["Hello", ",", " world", "!"])
        #expect(words("a  b   c") == ["a", " ", " b", "  ", " c"])
        #expect(words("end   ") == ["end", "   "])
        #expect(words("x\n\n\ny") == ["x", "\n\n", "\n", "y"])
        #expect(words("don't IT'S we're 'll") == ["don", "'t", " IT", "'", "S", " we", "'re", " '", "ll"])
        #expect(words("e\u{301}!") == ["e", "\u{301}!"])
        #expect(words("a\u{A0}b") == ["a", "\u{A0}", "b"])
        #expect(words("") == [])
    }

    @Test func digitsAreIsolatedOnlyInDigitMode() {
        #expect(words("in 2026.") == ["in", " ", "2", "0", "2", "6", "."])
        #expect(words("in 2026.", .gpt2) == ["in", " 2026", "."])
        #expect(words("x½Ⅻ٣") == ["x", "½", "Ⅻ", "٣"])
    }

    @Test func streamingBoundaries() {
        typealias Decoder = ByteLevelBPETokenizer.StreamingDecoder
        #expect(Decoder.completePrefixLength([0x61, 0xF0, 0x9F]) == 1)
        #expect(Decoder.completePrefixLength([0xF0, 0x9F, 0xA4, 0x97]) == 4)
        #expect(Decoder.completePrefixLength([0xE4, 0xBD]) == 0)
        #expect(Decoder.completePrefixLength([0x80, 0x80]) == 2)
        #expect(Decoder.completePrefixLength([0x61, 0xC3]) == 1)
    }

    @Test func alphabetRoundTrips() {
        for byte in 0..<256 {
            let token = ByteLevelAlphabet.token(ofBytes: [UInt8(byte)])
            #expect(ByteLevelAlphabet.bytes(ofToken: token) == [UInt8(byte)])
        }
        #expect(ByteLevelAlphabet.token(ofBytes: Array(" \n".utf8)) == "ĠĊ")
        #expect(ByteLevelAlphabet.bytes(ofToken: "<|im_end|>") == Array("<|im_end|>".utf8))
        #expect(ByteLevelAlphabet.bytes(ofToken: "中") == Array("中".utf8))   // outside the alphabet: plain UTF-8
    }
}
