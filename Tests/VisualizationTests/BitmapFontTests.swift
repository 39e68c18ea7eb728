import Testing
@testable import Visualization

@Suite("BitmapFont")
struct BitmapFontTests {
    static func glyphBits(_ code: UInt8) -> [Bool] {
        (0..<BitmapFont.glyphHeight).flatMap { row in
            (0..<BitmapFont.glyphWidth).map { BitmapFont.isSet(code: code, column: $0, row: row) }
        }
    }

    @Test func everyPrintableCharacterButSpaceHasADistinctGlyph() {
        var seen: [[Bool]: UInt8] = [:]
        for code in UInt8(33)...126 {
            let bits = Self.glyphBits(code)
            #expect(bits.contains(true), "glyph \(code) is empty")
            #expect(seen[bits] == nil, "glyph \(code) repeats glyph \(seen[bits] ?? 0)")
            seen[bits] = code
        }
        #expect(!Self.glyphBits(32).contains(true))
    }

    @Test func descendersUseTheLastRowAndCapitalsDoNot() {
        for letter in "gjpqy," {
            let usesLastRow = (0..<5).contains { BitmapFont.isSet(code: letter.asciiValue!, column: $0, row: 7) }
            #expect(usesLastRow, "\(letter)")
        }
        for letter in "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789" {
            for column in 0..<5 { #expect(!BitmapFont.isSet(code: letter.asciiValue!, column: column, row: 7), "\(letter)") }
        }
    }

    @Test func widthAndHeight() {
        #expect(BitmapFont.width(of: "") == 0)
        #expect(BitmapFont.width(of: "a") == 5)
        #expect(BitmapFont.width(of: "cat") == 17)
        #expect(BitmapFont.width(of: "cat", scale: 2) == 34)
        #expect(BitmapFont.width(of: "é日") == 11)   // one placeholder per Character
        #expect(BitmapFont.height(scale: 3) == 24)
    }

    @Test func nonASCIIBecomesThePlaceholder() {
        #expect(BitmapFont.code(for: "é") == UInt8(ascii: "?"))
        #expect(BitmapFont.code(for: "🐱") == UInt8(ascii: "?"))
        #expect(BitmapFont.code(for: "\n") == UInt8(ascii: "?"))
        #expect(BitmapFont.code(for: "A") == UInt8(ascii: "A"))
        #expect(!BitmapFont.canDraw("é") && BitmapFont.canDraw("~"))
    }

    @Test(arguments: [0, 4, 11, 17, 29, 30, 100])
    func truncationFitsAndSaysSo(maxWidth: Int) {
        let text = "attention"
        let result = BitmapFont.truncated(text, toWidth: maxWidth)
        #expect(BitmapFont.width(of: result) <= maxWidth)
        if BitmapFont.width(of: text) <= maxWidth {
            #expect(result == text)
        } else {
            #expect(result.hasSuffix(".") || result.isEmpty)
        }
    }

    @Test func truncationKeepsAsMuchAsFits() {
        #expect(BitmapFont.truncated("attention", toWidth: 29) == "att..")   // 5 characters = 29 px
        #expect(BitmapFont.truncated("attention", toWidth: 58, scale: 2) == "att..")
        #expect(BitmapFont.truncated("attention", toWidth: 53) == "attention")
    }
}
