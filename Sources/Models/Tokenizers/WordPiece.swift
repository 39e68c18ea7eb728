import Foundation
import TensorCore

/// Greedy longest-match-first WordPiece (Schuster & Nakajima 2012; BERT, Devlin et al. 2018), as in Hugging Face
/// `tokenizers`' `WordPiece` model.
///
/// A word is cut from the left: take the longest prefix in the vocabulary, then the longest continuation that is in
/// the vocabulary with the `##` prefix, and so on. If some position has no match, or the word has more than
/// ``maxCharactersPerWord`` scalars, the whole word becomes the unknown token.
///
/// ```
/// "unaffable" → ["una", "##ffa", "##ble"]
/// ```
public struct WordPiece: Sendable {
    /// One piece of a word: its vocabulary id and the range of the word's scalars it covers.
    public struct Piece: Sendable, Equatable {
        public var id: Int
        public var range: Range<Int>
    }

    /// Token text by id (`vocabulary[id]`).
    public let vocabulary: [String]
    /// Ids of all tokens, including those that start with the continuation prefix.
    let tokenIDs: VocabularyTable
    /// Ids of continuation tokens, keyed by their text without the prefix.
    let continuationIDs: VocabularyTable
    /// The longest token, in scalars: no longer candidate can match.
    let longestToken: Int
    /// The token that replaces words that cannot be cut (`[UNK]`).
    public let unknownToken: String
    /// The id of ``unknownToken``.
    public let unknownID: Int
    /// The prefix that marks a piece continuing a word (`##`).
    public let continuationPrefix: String
    /// Words longer than this many scalars become ``unknownToken`` (100 in BERT).
    public let maxCharactersPerWord: Int

    /// - Parameters:
    ///   - vocabulary: token text by id; when a text appears twice the later id wins, as in `tokenizers`.
    ///   - unknownToken: must be in `vocabulary`.
    ///   - continuationPrefix: default `##`.
    ///   - maxCharactersPerWord: default 100.
    public init(vocabulary: [String], unknownToken: String = "[UNK]", continuationPrefix: String = "##",
                maxCharactersPerWord: Int = 100) {
        let ids = VocabularyTable(vocabulary.enumerated().map { (Array($0.element.utf8), $0.offset) })
        precondition(ids.id(of: unknownToken) != nil,
                     "WordPiece: unknown token '\(unknownToken)' is not in the vocabulary")
        let prefix = Array(continuationPrefix.utf8)
        var continuations: [([UInt8], Int)] = []
        var longest = 0
        for (id, token) in vocabulary.enumerated() {
            longest = max(longest, token.unicodeScalars.count)
            if !prefix.isEmpty && token.utf8.starts(with: prefix) {
                continuations.append((Array(token.utf8.dropFirst(prefix.count)), id))
            }
        }
        self.vocabulary = vocabulary
        self.tokenIDs = ids
        self.continuationIDs = VocabularyTable(continuations)
        self.longestToken = longest
        self.unknownToken = unknownToken
        self.unknownID = ids.id(of: unknownToken)!
        self.continuationPrefix = continuationPrefix
        self.maxCharactersPerWord = maxCharactersPerWord
    }

    /// The id of `token`, or `nil` when it is not in the vocabulary.
    public func id(of token: String) -> Int? { tokenIDs.id(of: token) }

    /// Cuts one normalized word into pieces.
    ///
    /// - Parameter word: the word's scalars (no whitespace; see ``BasicTokenizer``).
    /// - Returns: the pieces in order, covering `0..<word.count`; a single unknown piece over the whole word when
    ///   the word cannot be cut.
    /// - Complexity: O(n · L) lookups for a word of n scalars and a longest token of L scalars; no allocation
    ///   per lookup.
    public func tokenize(_ word: [Unicode.Scalar]) -> [Piece] {
        var pieces: [Piece] = []
        tokenize(word, into: &pieces)
        return pieces
    }

    /// Appends the pieces of `word` to `pieces` (see ``tokenize(_:)``).
    public func tokenize(_ word: [Unicode.Scalar], into pieces: inout [Piece]) {
        guard !word.isEmpty else { return }
        let unknown = Piece(id: unknownID, range: 0..<word.count)
        if word.count > maxCharactersPerWord { pieces.append(unknown); return }
        var bytes: [UInt8] = []
        var boundaries = [0]  // boundaries[k]: the byte offset where scalar k starts
        bytes.reserveCapacity(word.count)
        boundaries.reserveCapacity(word.count + 1)
        for scalar in word {
            UTF8.encode(scalar) { bytes.append($0) }
            boundaries.append(bytes.count)
        }
        let firstPiece = pieces.count
        bytes.withUnsafeBufferPointer { bytes in
            var start = 0
            while start < word.count {
                var end = min(word.count, start + longestToken)
                var match: Int?
                while start < end {
                    let candidate = UnsafeBufferPointer(rebasing: bytes[boundaries[start]..<boundaries[end]])
                    match = start == 0 ? tokenIDs.id(of: candidate) : continuationIDs.id(of: candidate)
                    if match != nil { break }
                    end -= 1
                }
                guard let id = match else {
                    pieces.removeSubrange(firstPiece...)
                    pieces.append(unknown)
                    return
                }
                pieces.append(Piece(id: id, range: start..<end))
                start = end
            }
        }
    }
}

/// An open-addressing hash table from token bytes (UTF-8) to ids, with no allocation per lookup.
///
/// Keys compare byte for byte, as in `tokenizers`. (`String`'s `==` is canonical equivalence, under which the three
/// jamo `"\u{1112}\u{1161}\u{11AB}"` would find the vocabulary entry `"한"`.)
struct VocabularyTable: Sendable {
    private var bytes: [UInt8] = []
    /// Entry `i` is `bytes[starts[i]..<starts[i + 1]]`.
    private var starts: [Int] = [0]
    private var ids: [Int] = []
    /// Entry index per slot, -1 when empty; the slot count is a power of two at least twice the entry count.
    private var slots: [Int32]

    /// Builds the table; when a key repeats, the later id wins.
    init(_ entries: [([UInt8], Int)]) {
        var capacity = 2
        while capacity < 2 * entries.count { capacity *= 2 }
        slots = [Int32](repeating: -1, count: capacity)
        for (key, id) in entries {
            let slot = key.withUnsafeBufferPointer { find($0) }
            if slots[slot] >= 0 {
                ids[Int(slots[slot])] = id
            } else {
                slots[slot] = Int32(ids.count)
                bytes += key
                starts.append(bytes.count)
                ids.append(id)
            }
        }
    }

    /// The slot holding `key`, or the empty slot where it would go.
    private func find(_ key: UnsafeBufferPointer<UInt8>) -> Int {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a
        for byte in key { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: hash ^ (hash >> 32)) & mask
        return bytes.withUnsafeBufferPointer { stored in
            while true {
                let entry = Int(slots[slot])
                if entry < 0 { return slot }
                let start = starts[entry]
                if starts[entry + 1] - start == key.count
                    && (key.isEmpty || memcmp(stored.baseAddress! + start, key.baseAddress!, key.count) == 0) {
                    return slot
                }
                slot = (slot + 1) & mask
            }
        }
    }

    /// The id stored for `key`, or `nil`.
    func id(of key: UnsafeBufferPointer<UInt8>) -> Int? {
        let entry = slots[find(key)]
        return entry < 0 ? nil : ids[Int(entry)]
    }

    /// The id stored for the UTF-8 bytes of `token`, or `nil`.
    func id(of token: String) -> Int? {
        var token = token
        return token.withUTF8 { id(of: $0) }
    }
}

// MARK: - Loading

extension WordPiece {
    /// Reads a BERT `vocab.txt`: one token per line, the id is the line index (from 0).
    ///
    /// Trailing whitespace (including `\r`) is trimmed from each line, as in `tokenizers`.
    /// - Throws: ``FileFormatError`` when the file cannot be read, is not UTF-8 or is empty.
    public static func readVocabularyFile(_ url: URL) throws -> [String] {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw FileFormatError(.unreadable, url: url,
                                  problem: "cannot read the vocabulary file (\(error.localizedDescription)).")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw FileFormatError(.badHeader, url: url, problem: "the vocabulary file is not valid UTF-8 text.")
        }
        // Split on scalars: as Characters, "\r\n" is one element and would not split on "\n".
        var lines = text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false)
        if lines.last?.isEmpty == true { lines.removeLast() }
        guard !lines.isEmpty else {
            throw FileFormatError(.truncated, url: url,
                                  problem: "the vocabulary file is empty; expected one token per line.")
        }
        return lines.map { line in
            var end = line.endIndex
            while end > line.startIndex, line[line.index(before: end)].properties.isWhitespace {
                end = line.index(before: end)
            }
            return String(String.UnicodeScalarView(line[..<end]))
        }
    }

    /// Reads the `model.vocab` object of a Hugging Face `tokenizer.json` (token → id) into token text by id.
    ///
    /// - Parameters:
    ///   - object: the parsed `vocab` value.
    ///   - url: the file, for error messages.
    /// - Throws: ``FileFormatError`` when the object is not a token → id map, or ids repeat or leave gaps.
    static func vocabulary(fromJSON object: Any?, url: URL) throws -> [String] {
        guard let map = object as? [String: Any] else {
            throw FileFormatError(.badHeader, url: url,
                                  problem: "'model.vocab' is missing or is not an object mapping tokens to ids.")
        }
        guard !map.isEmpty else {
            throw FileFormatError(.badHeader, url: url, problem: "'model.vocab' is empty.")
        }
        var tokens = [String?](repeating: nil, count: map.count)
        for (token, value) in map {
            guard let number = value as? NSNumber, let id = Int(exactly: number.doubleValue) else {
                throw FileFormatError(.typeMismatch, url: url,
                                      problem: "'model.vocab' maps '\(token)' to \(value), which is not an integer id.")
            }
            guard tokens.indices.contains(id) else {
                throw FileFormatError(.badHeader, url: url, problem: "'model.vocab' gives '\(token)' id \(id), "
                                      + "outside 0..<\(map.count); ids must be 0, 1, 2, ... without gaps.")
            }
            if let other = tokens[id] {
                throw FileFormatError(.badHeader, url: url,
                                      problem: "'model.vocab' gives both '\(other)' and '\(token)' id \(id).")
            }
            tokens[id] = token
        }
        return tokens.map { $0! }
    }
}
