import Foundation
import TensorCore

/// The result of tokenizing one text: ids ready for a BERT model plus what maps them back to the text.
///
/// All arrays have one entry per token, `[CLS]` first and `[SEP]` last.
public struct Encoding: Sendable, Equatable {
    /// Vocabulary ids.
    public var ids: [Int]
    /// Token texts (`"[CLS]"`, `"attention"`, `"##ing"`, ...).
    public var tokens: [String]
    /// Each token's `[start, end)` in **Unicode scalars of the original text** (`text.unicodeScalars`), the same
    /// numbers as Python `tokenizers`' character offsets; `nil` for the `[CLS]`, `[SEP]` and padding this tokenizer
    /// adds. Use ``substring(ofToken:in:)`` to get the text.
    public var offsets: [Range<Int>?]
    /// 1 for real tokens, 0 for padding.
    public var attentionMask: [Int]
    /// Segment ids: 0 for a single sentence.
    public var typeIds: [Int]

    /// The number of tokens.
    public var count: Int { ids.count }

    /// The part of `text` (the string that was encoded) that token `index` came from, or `nil` for added tokens.
    public func substring(ofToken index: Int, in text: String) -> Substring? {
        guard let range = offsets[index] else { return nil }
        let scalars = text.unicodeScalars
        let start = scalars.index(scalars.startIndex, offsetBy: range.lowerBound)
        let end = scalars.index(start, offsetBy: range.count)
        return Substring(scalars[start..<end])
    }

    /// This encoding extended to `length` tokens with `paddingID` (mask 0, type 0, offset `nil`); unchanged when
    /// already that long or longer.
    public func padded(to length: Int, paddingID: Int, paddingToken: String = "[PAD]") -> Encoding {
        let extra = max(0, length - count)
        var result = self
        result.ids += repeatElement(paddingID, count: extra)
        result.tokens += repeatElement(paddingToken, count: extra)
        result.offsets += repeatElement(nil, count: extra)
        result.attentionMask += repeatElement(0, count: extra)
        result.typeIds += repeatElement(0, count: extra)
        return result
    }
}

/// BERT's WordPiece tokenizer, producing the same ids, tokens and offsets as Hugging Face `tokenizers` with a
/// BERT `tokenizer.json` (for single sentences, with padding off).
///
/// Pipeline: split out added tokens (`[CLS]`, `[SEP]`, `[MASK]`, ... written in the text), ``BasicTokenizer``
/// (clean, CJK, strip accents, lowercase, split on whitespace and punctuation), ``WordPiece`` per word, truncate to
/// `maxLength - 2`, then `[CLS] … [SEP]`.
///
/// ```swift
/// let tokenizer = try BERTTokenizer.load(modelDirectory: URL(fileURLWithPath: "minilm"))
/// tokenizer.encode("Attention is all you need.").ids  // [101, 3086, 2003, 2035, 2017, 2342, 1012, 102]
/// ```
public struct BERTTokenizer: Sendable {
    /// Normalizer and pre-tokenizer settings.
    public let basicTokenizer: BasicTokenizer
    /// The vocabulary and word cutter.
    public let wordPiece: WordPiece
    /// Default maximum number of tokens per encoding, `[CLS]` and `[SEP]` included (a model's `max_seq_length`).
    public var maxLength: Int
    /// Id of `[CLS]`, put first.
    public let classificationTokenID: Int
    /// Id of `[SEP]`, put last.
    public let separatorTokenID: Int
    /// Id of `[PAD]` (0 when the vocabulary has none).
    public let paddingTokenID: Int
    /// Id of `[UNK]`.
    public var unknownTokenID: Int { wordPiece.unknownID }
    /// Number of ids, `0..<vocabularySize`.
    public var vocabularySize: Int { wordPiece.vocabulary.count }

    /// Tokens matched verbatim in the raw text before normalization, longest first.
    let addedTokens: [(scalars: [Unicode.Scalar], id: Int)]
    /// Ids that ``decode(_:skipSpecialTokens:)`` leaves out.
    let specialTokenIDs: Set<Int>
    /// Whether decoding applies `tokenizers`' cleanup (`" ."` → `"."`, `" n't"` → `"n't"`, ...).
    let decoderCleanup: Bool

    /// Memberwise initializer; every loader ends here.
    init(basicTokenizer: BasicTokenizer, wordPiece: WordPiece, maxLength: Int, classificationToken: String,
         separatorToken: String, paddingToken: String, addedTokens: [(String, Int)], specialTokenIDs: Set<Int>,
         decoderCleanup: Bool, file: URL) throws {
        func require(_ token: String) throws -> Int {
            guard let id = wordPiece.id(of: token) else {
                throw FileFormatError(.missingEntry, url: file, problem: "the vocabulary has no '\(token)' token.")
            }
            return id
        }
        self.basicTokenizer = basicTokenizer
        self.wordPiece = wordPiece
        self.maxLength = maxLength
        self.classificationTokenID = try require(classificationToken)
        self.separatorTokenID = try require(separatorToken)
        self.paddingTokenID = wordPiece.id(of: paddingToken) ?? 0
        self.addedTokens = addedTokens.filter { !$0.0.isEmpty && $0.1 >= 0 && $0.1 < wordPiece.vocabulary.count }
            .map { (Array($0.0.unicodeScalars), $0.1) }
            .sorted { $0.scalars.count > $1.scalars.count }
        self.specialTokenIDs = specialTokenIDs
        self.decoderCleanup = decoderCleanup
    }

    /// Loads a BERT `vocab.txt`.
    ///
    /// - Parameters:
    ///   - vocabularyFile: one token per line, id = line index; must contain `[UNK]`, `[CLS]` and `[SEP]`.
    ///   - lowercase: lowercase the text (uncased models); default `true`.
    ///   - stripAccents: strip accents; `nil` follows `lowercase`.
    ///   - maxLength: default maximum tokens per encoding; default 512.
    /// - Throws: ``FileFormatError`` when the file is missing, not UTF-8, empty or lacks a special token.
    public init(vocabularyFile: URL, lowercase: Bool = true, stripAccents: Bool? = nil, maxLength: Int = 512) throws {
        let vocabulary = try WordPiece.readVocabularyFile(vocabularyFile)
        let special = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
        guard vocabulary.contains("[UNK]") else {
            throw FileFormatError(.missingEntry, url: vocabularyFile, problem: "the vocabulary has no '[UNK]' token.")
        }
        let wordPiece = WordPiece(vocabulary: vocabulary)
        let added = special.compactMap { token in wordPiece.id(of: token).map { (token, $0) } }
        try self.init(basicTokenizer: BasicTokenizer(lowercase: lowercase, stripAccents: stripAccents),
                      wordPiece: wordPiece, maxLength: maxLength, classificationToken: "[CLS]", separatorToken: "[SEP]",
                      paddingToken: "[PAD]", addedTokens: added, specialTokenIDs: Set(added.map(\.1)),
                      decoderCleanup: true, file: vocabularyFile)
    }

    /// Loads a Hugging Face `tokenizer.json` with a `WordPiece` model and a `BertNormalizer` (or none).
    ///
    /// The file's own `truncation` and `padding` settings are ignored: pass `maxLength` to ``encode(_:maxLength:)``
    /// or set ``maxLength`` (default 512).
    /// - Throws: ``FileFormatError`` when the file is missing, not JSON, or describes another kind of tokenizer.
    public init(tokenizerJSON: URL) throws {
        self = try TokenizerJSON.load(tokenizerJSON)
    }

    /// Loads the tokenizer of a model folder: `tokenizer.json` when present, else `vocab.txt` (with `do_lower_case`
    /// and `strip_accents` from `tokenizer_config.json` when present). ``maxLength`` comes from
    /// `sentence_bert_config.json`'s `max_seq_length` (256 for all-MiniLM-L6-v2), else 512.
    /// - Throws: ``FileFormatError`` when neither file exists or one is malformed.
    public static func load(modelDirectory: URL) throws -> BERTTokenizer {
        let manager = FileManager.default
        let json = modelDirectory.appendingPathComponent("tokenizer.json")
        let vocabulary = modelDirectory.appendingPathComponent("vocab.txt")
        var tokenizer: BERTTokenizer
        if manager.fileExists(atPath: json.path) {
            tokenizer = try BERTTokenizer(tokenizerJSON: json)
        } else if manager.fileExists(atPath: vocabulary.path) {
            let config = try TokenizerJSON.optionalObject(modelDirectory.appendingPathComponent("tokenizer_config.json"))
            tokenizer = try BERTTokenizer(vocabularyFile: vocabulary,
                                          lowercase: config?["do_lower_case"] as? Bool ?? true,
                                          stripAccents: config?["strip_accents"] as? Bool)
        } else {
            throw FileFormatError(.unreadable, url: modelDirectory,
                                  problem: "the folder has neither tokenizer.json nor vocab.txt.")
        }
        let sentenceConfig = modelDirectory.appendingPathComponent("sentence_bert_config.json")
        if let config = try TokenizerJSON.optionalObject(sentenceConfig), let value = config["max_seq_length"] {
            guard let length = value as? Int, length >= 2 else {
                throw FileFormatError(.typeMismatch, url: sentenceConfig,
                                      problem: "'max_seq_length' is \(value); expected an integer of at least 2.")
            }
            tokenizer.maxLength = length
        }
        return tokenizer
    }

    // MARK: Encoding

    /// Tokenizes one text.
    ///
    /// - Parameters:
    ///   - text: any string.
    ///   - maxLength: at most this many tokens, `[CLS]` and `[SEP]` included (≥ 2); `nil` uses ``maxLength``.
    ///     Longer texts lose tokens from the end, keeping `[SEP]` last (`tokenizers`' `longest_first`).
    /// - Returns: `[CLS] tokens… [SEP]`, unpadded.
    /// - Complexity: O(n) in the length of the text.
    public func encode(_ text: String, maxLength: Int? = nil) -> Encoding {
        let limit = maxLength ?? self.maxLength
        precondition(limit >= 2, "BERTTokenizer.encode: maxLength \(limit) leaves no room for [CLS] and [SEP]")
        let scalars = Array(text.unicodeScalars)
        var ids: [Int] = [classificationTokenID]
        var offsets: [Range<Int>?] = [nil]
        let budget = limit - 1
        var words: [PreToken] = []
        var pieces: [WordPiece.Piece] = []
        var segmentStart = 0
        func addSegment(upTo end: Int) {
            guard segmentStart < end, ids.count < budget else { return }
            words.removeAll(keepingCapacity: true)
            basicTokenizer.preTokenize(scalars[segmentStart..<end], into: &words)
            for word in words {
                pieces.removeAll(keepingCapacity: true)
                wordPiece.tokenize(word.scalars, into: &pieces)
                for piece in pieces where ids.count < budget {
                    ids.append(piece.id)
                    offsets.append(word.originalRange(of: piece.range))
                }
                if ids.count >= budget { return }
            }
        }
        var position = 0
        while position < scalars.count && ids.count < budget {
            if let (length, id) = addedToken(at: position, in: scalars) {
                addSegment(upTo: position)
                if ids.count < budget {
                    ids.append(id)
                    offsets.append(position..<(position + length))
                }
                position += length
                segmentStart = position
            } else {
                position += 1
            }
        }
        addSegment(upTo: scalars.count)
        ids.append(separatorTokenID)
        offsets.append(nil)
        let vocabulary = wordPiece.vocabulary
        return Encoding(ids: ids, tokens: ids.map { vocabulary[$0] }, offsets: offsets,
                        attentionMask: [Int](repeating: 1, count: ids.count),
                        typeIds: [Int](repeating: 0, count: ids.count))
    }

    /// Tokenizes many texts (in parallel for large batches); element `i` equals `encode(batch[i], maxLength:)`.
    /// Pad with ``Encoding/padded(to:paddingID:paddingToken:)`` to stack them.
    public func encode(batch: [String], maxLength: Int? = nil) -> [Encoding] {
        guard batch.count >= 64 else { return batch.map { encode($0, maxLength: maxLength) } }
        var results = [Encoding?](repeating: nil, count: batch.count)
        results.withUnsafeMutableBufferPointer { buffer in
            let base = buffer.baseAddress!
            Parallelism.parallelFor(batch.count) { i in base[i] = encode(batch[i], maxLength: maxLength) }
        }
        return results.map { $0! }
    }

    /// The longest added token that starts at `position`, as (length in scalars, id).
    private func addedToken(at position: Int, in scalars: [Unicode.Scalar]) -> (Int, Int)? {
        for token in addedTokens where token.scalars.count <= scalars.count - position {
            guard scalars[position] == token.scalars[0] else { continue }
            if scalars[position..<(position + token.scalars.count)].elementsEqual(token.scalars) {
                return (token.scalars.count, token.id)
            }
        }
        return nil
    }

    // MARK: Decoding

    /// Joins tokens back into text as `tokenizers`' WordPiece decoder does: `##` pieces attach to the previous
    /// token, others get a space, and a space before `.`, `?`, `!`, `,` and some contractions is removed.
    ///
    /// Lowercasing and accent stripping cannot be undone: `decode(encode("Café").ids) == "cafe"`.
    /// - Parameters:
    ///   - ids: vocabulary ids; ids outside the vocabulary are skipped.
    ///   - skipSpecialTokens: leave out `[CLS]`, `[SEP]`, `[PAD]`, `[UNK]`, `[MASK]`; default `true`.
    public func decode(_ ids: [Int], skipSpecialTokens: Bool = true) -> String {
        var text = ""
        var isFirst = true
        let prefix = wordPiece.continuationPrefix
        for id in ids where id >= 0 && id < vocabularySize {
            if skipSpecialTokens && specialTokenIDs.contains(id) { continue }
            var token = wordPiece.vocabulary[id]
            if !isFirst {
                if !prefix.isEmpty && token.utf8.starts(with: prefix.utf8) {
                    token = String(token.utf8.dropFirst(prefix.utf8.count))!
                } else {
                    token = " " + token
                }
            }
            text += decoderCleanup ? Self.cleanUp(token) : token
            isFirst = false
        }
        return text
    }

    private static let cleanupReplacements: [([UInt8], [UInt8])] = [
        (" .", "."), (" ?", "?"), (" !", "!"), (" ,", ","), (" ' ", "'"), (" n't", "n't"), (" 'm", "'m"),
        (" do not", " don't"), (" 's", "'s"), (" 've", "'ve"), (" 're", "'re"),
    ].map { (Array($0.0.utf8), Array($0.1.utf8)) }

    /// Applies the replacements in order, each byte for byte and left to right, like Rust's `str::replace`
    /// (Foundation's `replacingOccurrences` compares with canonical equivalence).
    private static func cleanUp(_ token: String) -> String {
        guard token.utf8.contains(UInt8(ascii: " ")) else { return token }
        var bytes = Array(token.utf8)
        for (pattern, replacement) in cleanupReplacements {
            var result: [UInt8] = []
            result.reserveCapacity(bytes.count)
            var i = 0
            while i < bytes.count {
                if bytes[i] == pattern[0] && bytes.count - i >= pattern.count
                    && bytes[i..<(i + pattern.count)].elementsEqual(pattern) {
                    result += replacement
                    i += pattern.count
                } else {
                    result.append(bytes[i])
                    i += 1
                }
            }
            bytes = result
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
