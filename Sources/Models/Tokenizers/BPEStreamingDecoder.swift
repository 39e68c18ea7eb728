extension ByteLevelBPETokenizer {
    /// Turns ids into text one at a time, as a model generates them, without splitting a character.
    ///
    /// A byte-level token may end in the middle of a multi-byte UTF-8 character (🤗 is `ðŁ`, `¤`, `Ĺ`: three
    /// tokens for four bytes). The decoder returns the text that is complete so far and holds back at most three
    /// bytes of an unfinished character until the tokens that complete it arrive. The concatenation of everything
    /// returned by ``append(_:)`` and ``finish()`` equals ``ByteLevelBPETokenizer/decode(_:skippingSpecialTokens:)``
    /// of all the ids whenever their bytes are valid UTF-8.
    ///
    /// ```swift
    /// var stream = tokenizer.makeStreamingDecoder()
    /// for id in generated { print(stream.append(id), terminator: "") }
    /// print(stream.finish())
    /// ```
    public struct StreamingDecoder: Sendable {
        private let tokenizer: ByteLevelBPETokenizer
        private var pending: [UInt8] = []

        init(tokenizer: ByteLevelBPETokenizer) { self.tokenizer = tokenizer }

        /// Adds one token and returns the text it completes (possibly empty).
        public mutating func append(_ id: Int) -> String {
            pending.append(contentsOf: tokenizer.bytes(of: id))
            let complete = ByteLevelBPETokenizer.StreamingDecoder.completePrefixLength(pending)
            guard complete > 0 else { return "" }
            let text = String(decoding: pending[..<complete], as: UTF8.self)
            pending.removeFirst(complete)
            return text
        }

        /// Returns whatever is held back (an unfinished character becomes U+FFFD) and empties the decoder.
        public mutating func finish() -> String {
            defer { pending.removeAll() }
            return String(decoding: pending, as: UTF8.self)
        }

        /// The length of `bytes` without a trailing, still-incomplete UTF-8 sequence.
        static func completePrefixLength(_ bytes: [UInt8]) -> Int {
            var start = bytes.count
            // Walk back over at most three continuation bytes to the lead byte of the last sequence.
            while start > 0 && bytes.count - start < 3 && bytes[start - 1] & 0xC0 == 0x80 { start -= 1 }
            guard start > 0 else { return bytes.count }
            let lead = bytes[start - 1]
            let expected: Int
            switch lead {
            case 0xC2...0xDF: expected = 2
            case 0xE0...0xEF: expected = 3
            case 0xF0...0xF4: expected = 4
            default: return bytes.count   // ASCII, or a byte that can never start a sequence: nothing to wait for
            }
            let available = bytes.count - (start - 1)
            return available < expected ? start - 1 : bytes.count
        }
    }

    /// A decoder for ids that arrive one at a time.
    public func makeStreamingDecoder() -> StreamingDecoder { StreamingDecoder(tokenizer: self) }
}
