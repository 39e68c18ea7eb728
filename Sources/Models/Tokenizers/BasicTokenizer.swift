import Foundation

/// One word out of ``BasicTokenizer``: normalized text plus, for every normalized scalar, where it came from.
///
/// Offsets are **Unicode scalar indices into the original text** (`text.unicodeScalars`), the same numbers Python's
/// `tokenizers` reports as character offsets. Normalization can change lengths (`ß` stays one scalar, `İ` becomes
/// `i`, a Hangul syllable becomes three jamo, a removed control character becomes nothing), so each normalized scalar
/// keeps the index of the original scalar that produced it.
public struct PreToken: Sendable, Equatable {
    /// The normalized scalars of the word (lowercased, accents stripped, as configured).
    public var scalars: [Unicode.Scalar]
    /// `origins[k]` is the index in the original text's unicode scalars of the scalar that produced `scalars[k]`.
    public var origins: [Int]

    /// The normalized word as a `String`.
    public var text: String { String(String.UnicodeScalarView(scalars)) }

    /// The original scalars `[first origin, last origin + 1)` that the normalized scalars `range` came from.
    public func originalRange(of range: Range<Int>) -> Range<Int> {
        origins[range.lowerBound]..<(origins[range.upperBound - 1] + 1)
    }

    /// The original scalars the whole word came from.
    public var offsets: Range<Int> { originalRange(of: 0..<scalars.count) }
}

/// BERT's normalizer and pre-tokenizer, matching Hugging Face `tokenizers`' `BertNormalizer` + `BertPreTokenizer`.
///
/// In order, on the text between added tokens:
/// 1. clean text: drop NUL, U+FFFD and control characters (categories Cc, Cf, Co except tab, newline, carriage
///    return); every other whitespace character (White_Space property: tab, newline, CR, Zs, U+2028, ...) becomes
///    a space;
/// 2. surround CJK ideographs (the ranges in ``isCJKIdeograph(_:)``; kana and Hangul are not included) with spaces;
/// 3. strip accents: canonical decomposition (NFD), then drop nonspacing marks (category Mn);
/// 4. lowercase each scalar with its full lowercase mapping (no context: a final `Σ` becomes `σ`);
/// 5. split on whitespace and isolate every punctuation character (ASCII 33–47, 58–64, 91–96, 123–126 and any
///    Unicode P* category) as its own word.
///
/// `tokenizers` classifies characters with Unicode 8.0 tables (9.0 for NFD) while Swift ships current data; the
/// predicates below use Swift's data restricted by `properties.age`, plus the handful of characters whose category
/// changed since, so every code point behaves as in `tokenizers` (the golden sweep checks samples of all planes).
///
/// - Complexity: O(n) in the number of scalars; ASCII takes a fast path.
public struct BasicTokenizer: Sendable, Equatable {
    /// Remove control characters and turn whitespace into spaces (`clean_text`).
    public var cleanText: Bool
    /// Put spaces around CJK ideographs (`handle_chinese_chars`).
    public var handleChineseCharacters: Bool
    /// Lowercase every scalar (`lowercase`, `do_lower_case`).
    public var lowercase: Bool
    /// Decompose and drop nonspacing marks (`strip_accents`).
    public var stripAccents: Bool

    /// - Parameters:
    ///   - lowercase: lowercase the text; default `true` (uncased BERT models).
    ///   - stripAccents: strip accents; `nil` (the default) follows `lowercase`, as in BERT.
    ///   - cleanText: remove control characters and normalize whitespace; default `true`.
    ///   - handleChineseCharacters: split CJK ideographs into single words; default `true`.
    public init(lowercase: Bool = true, stripAccents: Bool? = nil, cleanText: Bool = true,
                handleChineseCharacters: Bool = true) {
        self.lowercase = lowercase
        self.stripAccents = stripAccents ?? lowercase
        self.cleanText = cleanText
        self.handleChineseCharacters = handleChineseCharacters
    }

    /// Normalizes `text` and splits it into words.
    ///
    /// - Returns: the words in order; their origins index `text.unicodeScalars`.
    public func preTokenize(_ text: String) -> [PreToken] {
        let scalars = Array(text.unicodeScalars)
        var words: [PreToken] = []
        preTokenize(scalars[...], into: &words)
        return words
    }

    /// Appends the words of `input` to `words`; origins are `input`'s indices (so a slice keeps original positions).
    func preTokenize(_ input: ArraySlice<Unicode.Scalar>, into words: inout [PreToken]) {
        var buffer: [Unicode.Scalar] = []
        var origins: [Int] = []
        buffer.reserveCapacity(input.count + 8)
        origins.reserveCapacity(input.count + 8)
        var needsReordering = false
        for index in input.indices {
            let scalar = input[index]
            if scalar.value < 0x80 {
                if cleanText && (scalar.value < 0x20 || scalar.value == 0x7F) {
                    let isWhitespace = scalar == "\t" || scalar == "\n" || scalar == "\r"
                    if isWhitespace { buffer.append(" "); origins.append(index) }
                    continue
                }
                buffer.append(scalar)
                origins.append(index)
                continue
            }
            if cleanText {
                if scalar.value == 0xFFFD || Self.isControl(scalar) { continue }
                if scalar.properties.isWhitespace { buffer.append(" "); origins.append(index); continue }
            }
            let isCJK = handleChineseCharacters && Self.isCJKIdeograph(scalar)
            if isCJK { buffer.append(" "); origins.append(index) }
            defer { if isCJK { buffer.append(" "); origins.append(index) } }
            // Compatibility ideographs (U+F900...) decompose too: 福 U+F92B becomes 福 U+798F.
            if stripAccents {
                for (k, part) in Self.canonicalDecomposition(scalar).enumerated() {
                    if Self.combiningClass(part) != 0 { needsReordering = true }
                    buffer.append(part)
                    origins.append(k == 0 ? index : -1)
                }
            } else {
                buffer.append(scalar)
                origins.append(index)
            }
        }
        if needsReordering { Self.canonicallyOrder(&buffer, &origins) }
        for k in origins.indices where origins[k] < 0 { origins[k] = k > 0 ? origins[k - 1] : input.startIndex }

        var word: [Unicode.Scalar] = []
        var wordOrigins: [Int] = []
        func finishWord() {
            guard !word.isEmpty else { return }
            words.append(PreToken(scalars: word, origins: wordOrigins))
            word.removeAll(keepingCapacity: true)
            wordOrigins.removeAll(keepingCapacity: true)
        }
        func split(_ scalar: Unicode.Scalar, origin: Int) {
            if scalar.value < 0x80 {
                if Self.asciiWhitespace(scalar) { finishWord(); return }
                if Self.isASCIIPunctuation(scalar) {
                    finishWord()
                    words.append(PreToken(scalars: [scalar], origins: [origin]))
                    return
                }
            } else if scalar.properties.isWhitespace {
                finishWord(); return
            } else if Self.isPunctuation(scalar) {
                finishWord()
                words.append(PreToken(scalars: [scalar], origins: [origin]))
                return
            }
            word.append(scalar)
            wordOrigins.append(origin)
        }
        for k in buffer.indices {
            let scalar = buffer[k]
            let origin = origins[k]
            if scalar.value < 0x80 {
                let isUpper = scalar.value >= 0x41 && scalar.value <= 0x5A
                split(lowercase && isUpper ? Unicode.Scalar(scalar.value + 32)! : scalar, origin: origin)
                continue
            }
            if stripAccents && Self.isStrippedMark(scalar) { continue }
            if lowercase && scalar.properties.changesWhenLowercased {
                for lowered in scalar.properties.lowercaseMapping.unicodeScalars { split(lowered, origin: origin) }
            } else {
                split(scalar, origin: origin)
            }
        }
        finishWord()
    }
}

// MARK: - Character classes

extension BasicTokenizer {
    /// The Unicode version of `tokenizers`' category tables (`unicode_categories`).
    private static let categoryVersion = (major: 8, minor: 0)
    /// The Unicode version of `tokenizers`' normalization tables (`unicode-normalization-alignments`).
    private static let normalizationVersion = (major: 9, minor: 0)

    private static func assigned(_ scalar: Unicode.Scalar, byVersion version: (major: Int, minor: Int)) -> Bool {
        guard let age = scalar.properties.age else { return false }
        return age.major < version.major || (age.major == version.major && age.minor <= version.minor)
    }

    /// BERT's CJK ideograph blocks (as in `tokenizers`, whose Extension E range starts at U+2B920, not U+2B820).
    public static func isCJKIdeograph(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F, 0x2B740...0x2B81F,
             0x2B920...0x2CEAF, 0xF900...0xFAFF, 0x2F800...0x2FA1F:
            return true
        default:
            return false
        }
    }

    /// Removed by clean-text: categories Cc, Cf, Co (Unicode 8.0), except tab, newline and carriage return.
    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        if scalar == "\t" || scalar == "\n" || scalar == "\r" { return false }
        switch scalar.properties.generalCategory {
        case .control, .format, .privateUse: return assigned(scalar, byVersion: categoryVersion)
        default: return false
        }
    }

    /// ASCII 33–47, 58–64, 91–96, 123–126: includes symbols such as `$`, `+`, `<`, `^`, `|` that are not category P.
    static func isASCIIPunctuation(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 33...47, 58...64, 91...96, 123...126: return true
        default: return false
        }
    }

    private static func asciiWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value == 0x20 || (scalar.value >= 0x09 && scalar.value <= 0x0D)
    }

    /// Split off as its own word: ASCII punctuation or a P* category (Unicode 8.0 tables).
    static func isPunctuation(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.value < 0x80 { return isASCIIPunctuation(scalar) }
        switch scalar.value {
        case 0x166D, 0x111C9: return true  // were Po in Unicode 8.0
        default: break
        }
        switch scalar.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation, .initialPunctuation,
             .finalPunctuation, .otherPunctuation:
            return assigned(scalar, byVersion: categoryVersion)
        default:
            return false
        }
    }

    /// Dropped by strip-accents: category Mn in Unicode 8.0.
    static func isStrippedMark(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x1734, 0x1171E: return true  // Mn in 8.0, Mc now
        case 0x1885, 0x1886, 0xA9BD, 0x111C9: return false  // not Mn in 8.0
        default: break
        }
        return scalar.properties.generalCategory == .nonspacingMark && assigned(scalar, byVersion: categoryVersion)
    }

    /// Canonical combining class as `tokenizers`' NFD sees it (0 for characters newer than its tables).
    static func combiningClass(_ scalar: Unicode.Scalar) -> UInt8 {
        guard scalar.value >= 0x300 else { return 0 }
        let value = scalar.properties.canonicalCombiningClass.rawValue
        return value == 0 || !assigned(scalar, byVersion: normalizationVersion) ? 0 : value
    }

    /// The full canonical decomposition of one scalar (Hangul syllables algorithmically, the rest via Foundation).
    static func canonicalDecomposition(_ scalar: Unicode.Scalar) -> [Unicode.Scalar] {
        let value = scalar.value
        if value < 0xC0 { return [scalar] }
        if value >= 0xAC00 && value <= 0xD7A3 {
            let index = value - 0xAC00
            let leading = Unicode.Scalar(0x1100 + index / 588)!
            let vowel = Unicode.Scalar(0x1161 + (index % 588) / 28)!
            let trailing = index % 28
            return trailing == 0 ? [leading, vowel] : [leading, vowel, Unicode.Scalar(0x11A7 + trailing)!]
        }
        guard assigned(scalar, byVersion: normalizationVersion) else { return [scalar] }
        return Array(String(scalar).decomposedStringWithCanonicalMapping.unicodeScalars)
    }

    /// Stable-sorts every run of nonzero combining classes by class (the canonical ordering step of NFD).
    ///
    /// Offsets follow `tokenizers`: a scalar that began its decomposition (origin ≥ 0) takes the next original
    /// position in order, wherever sorting moved it; a scalar added by a decomposition (origin -1) stays -1 and
    /// later inherits the origin before it.
    static func canonicallyOrder(_ scalars: inout [Unicode.Scalar], _ origins: inout [Int]) {
        let positions = origins.filter { $0 >= 0 }
        var start = 0
        while start < scalars.count {
            guard combiningClass(scalars[start]) != 0 else { start += 1; continue }
            var end = start
            while end < scalars.count && combiningClass(scalars[end]) != 0 { end += 1 }
            if end - start > 1 {
                let run = (start..<end).map { (scalars[$0], origins[$0] >= 0, combiningClass(scalars[$0])) }
                let sorted = run.enumerated().sorted { ($0.element.2, $0.offset) < ($1.element.2, $1.offset) }
                for (k, item) in sorted.enumerated() {
                    scalars[start + k] = item.element.0
                    origins[start + k] = item.element.1 ? 0 : -1
                }
            }
            start = end
        }
        var next = 0
        for k in origins.indices where origins[k] >= 0 {
            origins[k] = positions[next]
            next += 1
        }
    }
}
