import Foundation
import Testing
@testable import Visualization

@Suite("SVG")
struct SVGTests {
    @Test func escapesMarkupCharacters() {
        #expect(SVGDocument.escape(#"a < b & c > "d" 'e'"#) == "a &lt; b &amp; c &gt; &quot;d&quot; &apos;e&apos;")
        #expect(SVGDocument.escape("already &amp;") == "already &amp;amp;")
        #expect(SVGDocument.escape("tab\tok\u{1}bad") == "tab\tok\u{FFFD}bad")
        #expect(SVGDocument.escape("Q·Kᵀ") == "Q·Kᵀ")
    }

    @Test func textAndAttributesAreEscapedInTheDocument() {
        var svg = SVGDocument(width: 100, height: 50)
        svg.text("softmax(QKᵀ) < 1 & \"scaled\"", x: 10, y: 20, fill: "a\"b")
        let output = svg.render()
        #expect(output.contains(">softmax(QKᵀ) &lt; 1 &amp; &quot;scaled&quot;</text>"))
        #expect(output.contains(#"fill="a&quot;b""#))
        #expect(!output.contains("< 1"))
    }

    @Test func documentStructure() {
        var svg = SVGDocument(width: 320.5, height: 120, background: nil)
        svg.group(id: "block", transform: "translate(10, 0)") { group in
            group.rect(x: 0, y: 0, width: 50, height: 20, fill: "#ffffff", stroke: "#000000", cornerRadius: 3)
            group.group { inner in inner.line(fromX: 0, y: 0, toX: 1.25, y: 2, dashed: true) }
        }
        let output = svg.render()
        #expect(output.hasPrefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\""))
        #expect(output.contains(#"viewBox="0 0 320.5 120""#))
        #expect(output.components(separatedBy: "<g").count - 1 == 2)
        #expect(output.components(separatedBy: "</g>").count - 1 == 2)
        #expect(output.contains(##"<rect x="0" y="0" width="50" height="20" rx="3" ry="3" fill="#ffffff" stroke="#000000" stroke-width="1"/>"##))
        #expect(output.contains(#"x2="1.25""#) && output.contains("stroke-dasharray"))
        #expect(output.hasSuffix("</svg>\n"))
    }

    @Test func arrowHeadTipIsAtTheTarget() {
        var svg = SVGDocument(width: 100, height: 100, background: nil)
        svg.arrow(fromX: 10, y: 50, toX: 90, y: 50, headLength: 8)
        let output = svg.render()
        #expect(output.contains(#"x2="82""#), "the shaft stops at the head's base")
        #expect(output.contains(#"points="90,50 82,54 82,46""#))
    }

    @Test func numbersAreCompact() {
        #expect(SVGDocument.number(12) == "12")
        #expect(SVGDocument.number(3.5) == "3.5")
        #expect(SVGDocument.number(1.0 / 3) == "0.33")
        #expect(SVGDocument.number(-0.004) == "0")
    }

    @Test func writeRoundTripsAndFailsWithThePath() throws {
        var svg = SVGDocument(width: 10, height: 10)
        svg.text("x", x: 1, y: 9)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("vis-\(UUID().uuidString).svg")
        defer { try? FileManager.default.removeItem(at: url) }
        try svg.write(to: url)
        #expect(try String(contentsOf: url, encoding: .utf8) == svg.render())
        let bad = URL(fileURLWithPath: "/nonexistent-\(UUID().uuidString)/d.svg")
        #expect(throws: ImageWriteError.self) { try svg.write(to: bad) }
    }
}
