/// GPT-2's reversible map from bytes to printable Unicode scalars, which byte-level BPE vocabularies are written in.
///
/// Bytes that are printable Latin-1 (`!`…`~`, `¡`…`¬`, `®`…`ÿ`) map to themselves; the other 68 bytes map, in
/// increasing order, to U+0100, U+0101, …, so a space (0x20) is `Ġ` (U+0120) and a newline (0x0A) is `Ċ` (U+010A).
///
/// Reference: OpenAI GPT-2 `encoder.py`, `bytes_to_unicode`.
enum ByteLevelAlphabet {
    /// The scalar for each byte.
    static let scalarForByte: [Unicode.Scalar] = {
        var result = [Unicode.Scalar](repeating: "\0", count: 256)
        var next: UInt32 = 256
        for byte in 0..<256 {
            let printable = (0x21...0x7E).contains(byte) || (0xA1...0xAC).contains(byte) || (0xAE...0xFF).contains(byte)
            if printable {
                result[byte] = Unicode.Scalar(UInt8(byte))
            } else {
                result[byte] = Unicode.Scalar(next)!
                next += 1
            }
        }
        return result
    }()

    /// The byte for each scalar value below 0x144, or -1 for scalars outside the alphabet.
    static let byteForScalar: [Int16] = {
        var result = [Int16](repeating: -1, count: 0x144)
        for (byte, scalar) in scalarForByte.enumerated() { result[Int(scalar.value)] = Int16(byte) }
        return result
    }()

    /// A vocabulary entry's bytes: its scalars mapped back through the alphabet, or, when any scalar lies outside
    /// the alphabet (added tokens written in plain text), the entry's own UTF-8. Hugging Face's ByteLevel decoder
    /// makes the same choice per token.
    static func bytes(ofToken token: String) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(token.unicodeScalars.count)
        for scalar in token.unicodeScalars {
            let value = Int(scalar.value)
            guard value < byteForScalar.count, byteForScalar[value] >= 0 else { return Array(token.utf8) }
            bytes.append(UInt8(byteForScalar[value]))
        }
        return bytes
    }

    /// The vocabulary spelling of raw bytes.
    static func token(ofBytes bytes: some Sequence<UInt8>) -> String {
        var text = String.UnicodeScalarView()
        for byte in bytes { text.append(scalarForByte[Int(byte)]) }
        return String(text)
    }
}

/// How a byte-level BPE vocabulary cuts text into words before merging.
///
/// - `gpt2`: GPT-2's pattern
///   `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`.
/// - `gpt2IndividualDigits`: first every number character (`\p{N}`) becomes a word of its own, then GPT-2's pattern
///   runs on the text between them (Hugging Face `Sequence[Digits(individual_digits=True), ByteLevel]`; llama.cpp
///   pre-tokenizer types `smollm`, `starcoder`, `refact`). A space before a digit is therefore a word by itself.
///
/// `\s` is the Unicode `White_Space` property, `\p{L}` the letter categories (Lu Ll Lt Lm Lo) and `\p{N}` the
/// number categories (Nd Nl No), as in Oniguruma, which Hugging Face `tokenizers` uses. Combining marks fall in
/// the third class, so `é` written as `e` + U+0301 splits into `e` and the mark.
public enum BPEPreTokenization: String, Sendable, CaseIterable {
    case gpt2
    case gpt2IndividualDigits

    /// The pre-tokenization llama.cpp's `tokenizer.ggml.pre` names, or `nil` for one this tokenizer does not implement.
    public init?(ggufName: String) {
        switch ggufName {
        case "gpt2", "gpt-2": self = .gpt2
        case "smollm", "starcoder", "refact": self = .gpt2IndividualDigits
        default: return nil
        }
    }
}

/// Splits UTF-8 text into the words that BPE merges within, without regular expressions.
struct BPEPreTokenizer: Sendable {
    let mode: BPEPreTokenization

    private static let other: UInt8 = 0, letter: UInt8 = 1, number: UInt8 = 2, whitespace: UInt8 = 3

    private static let asciiKinds: [UInt8] = (0..<128).map { kind(ofNonASCII: UInt32($0)) }

    private static func kind(ofNonASCII value: UInt32) -> UInt8 {
        guard let scalar = Unicode.Scalar(value) else { return other }
        let properties = scalar.properties
        if properties.isWhitespace { return whitespace }
        switch properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return letter
        case .decimalNumber, .letterNumber, .otherNumber: return number
        default: return other
        }
    }

    /// Calls `body` with the byte range of each word of `bytes[range]`, in order; the ranges tile `range`.
    ///
    /// - Precondition: `bytes[range]` is valid UTF-8 (it comes from a `String`).
    /// - Complexity: O(range.count).
    func split(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, _ body: (Range<Int>) -> Void) {
        guard !range.isEmpty else { return }
        // Decode once: each scalar's value, class, and byte offset (offsets has one extra entry, the end).
        var scalars: [UInt32] = []
        var kinds: [UInt8] = []
        var offsets: [Int] = []
        scalars.reserveCapacity(range.count)
        kinds.reserveCapacity(range.count)
        offsets.reserveCapacity(range.count + 1)
        var i = range.lowerBound
        while i < range.upperBound {
            let lead = UInt32(bytes[i])
            var value: UInt32
            var width: Int
            if lead < 0x80 {
                value = lead; width = 1
            } else if lead < 0xE0 {
                value = lead & 0x1F; width = 2
            } else if lead < 0xF0 {
                value = lead & 0x0F; width = 3
            } else {
                value = lead & 0x07; width = 4
            }
            width = Swift.min(width, range.upperBound - i)
            for k in 1..<Swift.max(1, width) { value = value << 6 | (UInt32(bytes[i + k]) & 0x3F) }
            scalars.append(value)
            kinds.append(value < 0x80 ? BPEPreTokenizer.asciiKinds[Int(value)] : BPEPreTokenizer.kind(ofNonASCII: value))
            offsets.append(i)
            i += width
        }
        offsets.append(range.upperBound)

        let count = scalars.count
        var start = 0
        while start < count {
            if mode == .gpt2IndividualDigits && kinds[start] == BPEPreTokenizer.number {
                body(offsets[start]..<offsets[start + 1])
                start += 1
                continue
            }
            var end = start
            if mode == .gpt2IndividualDigits {
                while end < count && kinds[end] != BPEPreTokenizer.number { end += 1 }
            } else {
                end = count
            }
            var p = start
            while p < end {
                let q = BPEPreTokenizer.matchEnd(scalars: scalars, kinds: kinds, at: p, end: end)
                body(offsets[p]..<offsets[q])
                p = q
            }
            start = end
        }
    }

    /// Where GPT-2's pattern, matched at scalar `p` of a string ending at `end`, stops.
    private static func matchEnd(scalars: [UInt32], kinds: [UInt8], at p: Int, end: Int) -> Int {
        let value = scalars[p]
        // 's 't 're 've 'm 'll 'd (lower case only, as in the pattern).
        if value == 0x27, p + 1 < end {
            let a = scalars[p + 1]
            if a == 0x73 || a == 0x74 || a == 0x6D || a == 0x64 { return p + 2 }
            if p + 2 < end {
                let b = scalars[p + 2]
                if (a == 0x72 && b == 0x65) || (a == 0x76 && b == 0x65) || (a == 0x6C && b == 0x6C) { return p + 3 }
            }
        }
        // ` ?\p{L}+`, ` ?\p{N}+`, ` ?[^\s\p{L}\p{N}]+`: an optional space, then a run of one class.
        var first = p
        if value == 0x20, p + 1 < end, kinds[p + 1] != whitespace { first = p + 1 }
        let kind = kinds[first]
        if kind != whitespace {
            var q = first + 1
            while q < end && kinds[q] == kind { q += 1 }
            return q
        }
        // `\s+(?!\S)` keeps the last whitespace for the next word unless the run ends the text; else `\s+`.
        var q = p + 1
        while q < end && kinds[q] == whitespace { q += 1 }
        if q == end { return q }
        return q - p >= 2 ? q - 1 : q
    }
}
