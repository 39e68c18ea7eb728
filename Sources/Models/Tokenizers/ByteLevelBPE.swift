import Foundation
import TensorCore

/// GPT-2-style byte-level BPE: text → UTF-8 bytes → words → merged tokens, and back.
///
/// Encoding runs three stages:
/// 1. control and user-defined tokens (`<|im_start|>`, `<|im_end|>`, `<|endoftext|>`, …) written in the text are
///    matched first, leftmost-longest, and become their own ids;
/// 2. the text between them is cut into words by ``BPEPreTokenization`` (for SmolLM2: every digit alone, then
///    GPT-2's pattern);
/// 3. each word's bytes are merged by rank (``BPEMerger``).
///
/// No BOS or EOS token is added; prepend ``bosID`` yourself when a model wants one. Decoding concatenates each
/// token's bytes and reads them as UTF-8 (invalid sequences become U+FFFD), so `decode(encode(text)) == text`.
///
/// ```swift
/// let tokenizer = try ByteLevelBPETokenizer(gguf: GGUFFile(contentsOf: url))
/// tokenizer.encode("Attention is all you need.")   // [41319, 314, 511, 346, 737, 30]
/// ```
///
/// Reference: Radford et al., "Language Models are Unsupervised Multitask Learners" (2019), §2.2; Hugging Face
/// `tokenizers` (`models.BPE`, `pre_tokenizers.ByteLevel`, `pre_tokenizers.Digits`).
public struct ByteLevelBPETokenizer: Sendable {
    /// llama.cpp's token types (`tokenizer.ggml.token_type`).
    public enum TokenType: Int, Sendable {
        case undefined = 0, normal = 1, unknown = 2, control = 3, userDefined = 4, unused = 5, byte = 6
    }

    /// The number of tokens in the vocabulary.
    public var vocabularySize: Int { tokens.count }
    /// Beginning-of-sequence token (`tokenizer.ggml.bos_token_id`), if any.
    public let bosID: Int?
    /// End-of-sequence token (`tokenizer.ggml.eos_token_id`), if any.
    public let eosID: Int?
    /// Padding token (`tokenizer.ggml.padding_token_id`), if any.
    public let paddingID: Int?
    /// Unknown token (`tokenizer.ggml.unknown_token_id`), if any; used only for bytes the vocabulary lacks.
    public let unknownID: Int?
    /// How text is cut into words.
    public let preTokenization: BPEPreTokenization

    private let tokens: [String]
    private let tokenTypes: [TokenType]
    private let tokenBytes: [[UInt8]]
    private let tokenIDs: [String: Int]
    private let specialTokens: SpecialTokenMatcher
    private let preTokenizer: BPEPreTokenizer
    private let merger: BPEMerger

    /// Builds the tokenizer from a GGUF file's `tokenizer.ggml.*` metadata.
    ///
    /// Reads `tokens`, `merges` (`"left right"`, rank = index), `token_type`, `pre`, and the
    /// `bos/eos/padding/unknown_token_id` keys; `model` must be `gpt2`.
    /// - Throws: `FileFormatError` when a key is missing or malformed, a merge names a token that is not in the
    ///   vocabulary, or `tokenizer.ggml.pre` names a pre-tokenizer this type does not implement.
    public init(gguf: GGUFFile) throws {
        func fail(_ kind: FileFormatError.Kind, _ problem: String) -> FileFormatError {
            FileFormatError(kind, file: gguf.path, problem: problem)
        }
        let metadata = gguf.metadata
        if let model = metadata["tokenizer.ggml.model"]?.string, model != "gpt2" {
            throw fail(.typeMismatch, "has tokenizer model '\(model)'; a byte-level BPE tokenizer needs 'gpt2'.")
        }
        guard let tokens = metadata["tokenizer.ggml.tokens"]?.stringArray else {
            throw fail(.missingEntry, "has no string array 'tokenizer.ggml.tokens'.")
        }
        guard let merges = metadata["tokenizer.ggml.merges"]?.stringArray else {
            throw fail(.missingEntry, "has no string array 'tokenizer.ggml.merges'.")
        }
        let pre = metadata["tokenizer.ggml.pre"]?.string ?? "gpt2"
        guard let preTokenization = BPEPreTokenization(ggufName: pre) else {
            throw fail(.typeMismatch, "uses pre-tokenizer '\(pre)'; supported: gpt2, smollm, starcoder, refact.")
        }
        func id(_ key: String) throws -> Int? {
            guard let value = metadata[key] else { return nil }
            guard let id = value.int, id >= 0, id < tokens.count else {
                throw fail(.badHeader, "has \(key) = \(value), not a token id below \(tokens.count).")
            }
            return id
        }
        try self.init(tokens: tokens, merges: merges, tokenTypes: metadata["tokenizer.ggml.token_type"]?.intArray,
                      preTokenization: preTokenization,
                      bosID: id("tokenizer.ggml.bos_token_id"), eosID: id("tokenizer.ggml.eos_token_id"),
                      paddingID: id("tokenizer.ggml.padding_token_id"),
                      unknownID: id("tokenizer.ggml.unknown_token_id"), source: gguf.path)
    }

    /// Builds the tokenizer from a vocabulary written in the byte-level alphabet and its merge rules.
    ///
    /// - Parameters:
    ///   - tokens: the vocabulary; index = id.
    ///   - merges: `"left right"` rules, best first (rank = index).
    ///   - tokenTypes: llama.cpp token types per id (default: all normal); control (3) and user-defined (4) tokens
    ///     are matched whole in the text.
    ///   - source: names the vocabulary in errors.
    /// - Throws: `FileFormatError` when a merge names a token not in `tokens`.
    public init(tokens: [String], merges: [String], tokenTypes: [Int]? = nil,
                preTokenization: BPEPreTokenization = .gpt2IndividualDigits,
                bosID: Int? = nil, eosID: Int? = nil, paddingID: Int? = nil, unknownID: Int? = nil,
                source: String = "<vocabulary>") throws {
        var ids: [String: Int] = [:]
        ids.reserveCapacity(tokens.count)
        for (i, token) in tokens.enumerated() { ids[token] = i }   // a repeated spelling keeps its last id
        let types = (0..<tokens.count).map { i -> TokenType in
            guard let tokenTypes, i < tokenTypes.count else { return .normal }
            return TokenType(rawValue: tokenTypes[i]) ?? .normal
        }

        var rules: [UInt64: UInt64] = [:]
        rules.reserveCapacity(merges.count)
        for (rank, merge) in merges.enumerated() {
            let parts = merge.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, let left = ids[String(parts[0])], let right = ids[String(parts[1])],
                  let merged = ids[String(parts[0]) + String(parts[1])] else {
                throw FileFormatError(.badHeader, file: source, problem:
                    "merge #\(rank) '\(merge)' is not two vocabulary tokens whose concatenation is also one.")
            }
            // A repeated rule keeps its last rank, as Hugging Face's map does.
            rules[BPEMerger.ruleKey(Int32(left), Int32(right))] = UInt64(rank) << 32 | UInt64(merged)
        }
        let byteTokens = (0..<256).map { byte -> Int32 in
            Int32(ids[String(ByteLevelAlphabet.scalarForByte[byte])] ?? -1)
        }

        self.tokens = tokens
        self.tokenTypes = types
        self.tokenIDs = ids
        self.tokenBytes = tokens.map(ByteLevelAlphabet.bytes(ofToken:))
        self.specialTokens = SpecialTokenMatcher(tokens.enumerated().compactMap { i, token in
            types[i] == .control || types[i] == .userDefined ? (Array(token.utf8), i) : nil
        })
        self.preTokenization = preTokenization
        self.preTokenizer = BPEPreTokenizer(mode: preTokenization)
        self.merger = BPEMerger(rules: rules, byteTokens: byteTokens, unknownToken: unknownID.map(Int32.init))
        self.bosID = bosID
        self.eosID = eosID
        self.paddingID = paddingID
        self.unknownID = unknownID
    }

    /// The token ids of `text`, without BOS or EOS.
    /// - Complexity: O(n log w) for n bytes in words of at most w bytes.
    public func encode(_ text: String) -> [Int] {
        var ids: [Int] = []
        var text = text
        text.withUTF8 { bytes in
            var segmentStart = 0
            var i = 0
            while i < bytes.count {
                if let (length, id) = specialTokens.match(bytes, at: i) {
                    encodeOrdinary(bytes, segmentStart..<i, into: &ids)
                    ids.append(id)
                    i += length
                    segmentStart = i
                } else {
                    i += 1
                }
            }
            encodeOrdinary(bytes, segmentStart..<bytes.count, into: &ids)
        }
        return ids
    }

    private func encodeOrdinary(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, into ids: inout [Int]) {
        preTokenizer.split(bytes, range) { word in
            merger.encode(UnsafeBufferPointer(rebasing: bytes[word]), into: &ids)
        }
    }

    /// The text of `ids`; ids outside the vocabulary are skipped.
    /// - Parameter skippingSpecialTokens: leave out control tokens such as `<|im_end|>`.
    public func decode(_ ids: [Int], skippingSpecialTokens: Bool = false) -> String {
        var bytes: [UInt8] = []
        for id in ids where id >= 0 && id < tokens.count {
            if skippingSpecialTokens && tokenTypes[id] == .control { continue }
            bytes.append(contentsOf: tokenBytes[id])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The vocabulary spelling of each id (`"Ġis"` for `" is"`); ids outside the vocabulary give `""`.
    public func tokens(for ids: [Int]) -> [String] {
        ids.map { $0 >= 0 && $0 < tokens.count ? tokens[$0] : "" }
    }

    /// The id of a vocabulary spelling, or `nil`.
    public func id(of token: String) -> Int? { tokenIDs[token] }

    /// The raw bytes token `id` stands for (empty outside the vocabulary).
    public func bytes(of id: Int) -> [UInt8] { id >= 0 && id < tokens.count ? tokenBytes[id] : [] }

    /// The llama.cpp type of token `id`, or `nil` outside the vocabulary.
    public func tokenType(of id: Int) -> TokenType? { id >= 0 && id < tokens.count ? tokenTypes[id] : nil }

    /// Whether `id` is a control token (`<|im_start|>`, `<|endoftext|>`, …).
    public func isControl(_ id: Int) -> Bool { tokenType(of: id) == .control }
}

/// Finds control and user-defined tokens in UTF-8 text, longest first at each position.
struct SpecialTokenMatcher: Sendable {
    /// Candidates by first byte, longest first.
    private let candidates: [[(bytes: [UInt8], id: Int)]]

    init(_ tokens: [([UInt8], Int)]) {
        var table = [[(bytes: [UInt8], id: Int)]](repeating: [], count: 256)
        for (bytes, id) in tokens where !bytes.isEmpty { table[Int(bytes[0])].append((bytes, id)) }
        candidates = table.map { $0.sorted { $0.bytes.count > $1.bytes.count } }
    }

    /// The length and id of the longest token that starts at `bytes[i]`, if any.
    @inline(__always)
    func match(_ bytes: UnsafeBufferPointer<UInt8>, at i: Int) -> (Int, Int)? {
        let list = candidates[Int(bytes[i])]
        if list.isEmpty { return nil }
        for candidate in list where candidate.bytes.count <= bytes.count - i {
            var equal = true
            for k in 1..<candidate.bytes.count where bytes[i + k] != candidate.bytes[k] {
                equal = false
                break
            }
            if equal { return (candidate.bytes.count, candidate.id) }
        }
        return nil
    }
}
