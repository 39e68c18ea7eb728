import Foundation

/// A small SVG 1.1 document builder for diagrams: rectangles, lines, arrows, text and groups, rendered to a string.
///
/// Coordinates are in user units (pixels), y growing downward. Colours are any SVG paint string (`"#1f77b4"`,
/// `"none"`, `"white"`; ``RGBA/hexString`` gives one). All text and attribute values are XML-escaped, so labels
/// such as `Q·Kᵀ < 0 & "masked"` are safe.
///
/// ```
/// var svg = SVGDocument(width: 320, height: 120)
/// svg.rect(x: 10, y: 10, width: 120, height: 40, fill: "#dbe9f6", stroke: "#333", cornerRadius: 6)
/// svg.text("Attention", x: 70, y: 35, anchor: .middle)
/// svg.arrow(fromX: 130, y: 30, toX: 200, y: 30)
/// try svg.write(to: URL(fileURLWithPath: "/tmp/diagram.svg"))
/// ```
///
/// Reference: Scalable Vector Graphics (SVG) 1.1, W3C (https://www.w3.org/TR/SVG11/).
public struct SVGDocument: Sendable {
    /// Horizontal alignment of text relative to its x coordinate (SVG `text-anchor`).
    public enum TextAnchor: String, Sendable {
        case start, middle, end
    }

    /// The canvas size in user units.
    public var width: Double
    public var height: Double
    /// The elements so far, one per line, already indented.
    private var lines: [String] = []
    private var depth = 1

    /// An empty document; `background` (a paint string, or `nil` for transparent) fills the whole canvas.
    public init(width: Double, height: Double, background: String? = "white") {
        precondition(width > 0 && height > 0, "SVGDocument: size \(width)x\(height) must be positive")
        self.width = width
        self.height = height
        if let background { rect(x: 0, y: 0, width: width, height: height, fill: background) }
    }

    /// Adds a rectangle with top-left (x, y).
    public mutating func rect(x: Double, y: Double, width: Double, height: Double, fill: String = "none",
                              stroke: String? = nil, strokeWidth: Double = 1, cornerRadius: Double = 0) {
        var attributes: [(String, String)] = [("x", Self.number(x)), ("y", Self.number(y)),
                                              ("width", Self.number(width)), ("height", Self.number(height))]
        if cornerRadius > 0 { attributes += [("rx", Self.number(cornerRadius)), ("ry", Self.number(cornerRadius))] }
        attributes.append(("fill", fill))
        if let stroke { attributes += [("stroke", stroke), ("stroke-width", Self.number(strokeWidth))] }
        element("rect", attributes)
    }

    /// Adds a straight line; `dashed` draws it in 4-unit dashes.
    public mutating func line(fromX x1: Double, y y1: Double, toX x2: Double, y y2: Double, stroke: String = "#222222",
                              strokeWidth: Double = 1, dashed: Bool = false) {
        var attributes: [(String, String)] = [("x1", Self.number(x1)), ("y1", Self.number(y1)),
                                              ("x2", Self.number(x2)), ("y2", Self.number(y2)),
                                              ("stroke", stroke), ("stroke-width", Self.number(strokeWidth))]
        if dashed { attributes.append(("stroke-dasharray", "4 3")) }
        element("line", attributes)
    }

    /// Adds a line ending in a filled triangular head whose tip is exactly at (x2, y2).
    ///
    /// The head is a polygon rather than an SVG `marker`, so it renders identically everywhere and takes the line's
    /// colour without SVG 2 features.
    public mutating func arrow(fromX x1: Double, y y1: Double, toX x2: Double, y y2: Double,
                               stroke: String = "#222222", strokeWidth: Double = 1.5, headLength: Double = 8) {
        let dx = x2 - x1, dy = y2 - y1
        let length = (dx * dx + dy * dy).squareRoot()
        guard length > 0 else { return }
        let ux = dx / length, uy = dy / length
        let head = min(headLength, length)
        let baseX = x2 - ux * head, baseY = y2 - uy * head
        let halfWidth = head * 0.5
        line(fromX: x1, y: y1, toX: baseX, y: baseY, stroke: stroke, strokeWidth: strokeWidth)
        let points = [(x2, y2), (baseX - uy * halfWidth, baseY + ux * halfWidth), (baseX + uy * halfWidth, baseY - ux * halfWidth)]
        element("polygon", [("points", points.map { "\(Self.number($0.0)),\(Self.number($0.1))" }.joined(separator: " ")),
                            ("fill", stroke)])
    }

    /// Adds one line of text whose baseline starts (or is centred, or ends; see `anchor`) at (x, y).
    public mutating func text(_ content: String, x: Double, y: Double, fontSize: Double = 14,
                              anchor: TextAnchor = .start, fill: String = "#222222", bold: Bool = false,
                              fontFamily: String = "Helvetica, Arial, sans-serif") {
        var attributes: [(String, String)] = [("x", Self.number(x)), ("y", Self.number(y)),
                                              ("font-family", fontFamily), ("font-size", Self.number(fontSize)),
                                              ("fill", fill)]
        if anchor != .start { attributes.append(("text-anchor", anchor.rawValue)) }
        if bold { attributes.append(("font-weight", "bold")) }
        lines.append(indent + "<text\(Self.attributeString(attributes))>\(Self.escape(content))</text>")
    }

    /// Adds a `<g>` element holding whatever `build` adds; `transform` is an SVG transform such as
    /// `"translate(40, 0)"`, `id` names the group for styling or linking.
    public mutating func group(id: String? = nil, transform: String? = nil, _ build: (inout SVGDocument) -> Void) {
        var attributes: [(String, String)] = []
        if let id { attributes.append(("id", id)) }
        if let transform { attributes.append(("transform", transform)) }
        lines.append(indent + "<g\(Self.attributeString(attributes))>")
        depth += 1
        build(&self)
        depth -= 1
        lines.append(indent + "</g>")
    }

    /// The complete SVG file: XML declaration, `<svg>` root with `viewBox`, the elements in the order added.
    public func render() -> String {
        let size = "width=\"\(Self.number(width))\" height=\"\(Self.number(height))\""
        let header = """
        <?xml version="1.0" encoding="UTF-8"?>
        <svg xmlns="http://www.w3.org/2000/svg" \(size) viewBox="0 0 \(Self.number(width)) \(Self.number(height))">
        """
        return ([header] + lines + ["</svg>", ""]).joined(separator: "\n")
    }

    /// Writes ``render()`` as UTF-8 to `url`.
    /// - Throws: ``ImageWriteError`` naming the path when the file cannot be written.
    public func write(to url: URL) throws(ImageWriteError) {
        try writeFile(Data(render().utf8), to: url, kind: "SVG")
    }

    /// `text` made safe for XML character data and attribute values: `& < > " '` become entities and characters
    /// XML 1.0 forbids (control characters other than tab, newline and carriage return) become U+FFFD.
    public static func escape(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&apos;"
            case "\t", "\n", "\r": result.unicodeScalars.append(scalar)
            default:
                let forbidden = scalar.value < 0x20 || (0xFFFE...0xFFFF).contains(scalar.value)
                result.unicodeScalars.append(forbidden ? "\u{FFFD}" : scalar)
            }
        }
        return result
    }

    private var indent: String { String(repeating: "  ", count: depth) }

    private mutating func element(_ name: String, _ attributes: [(String, String)]) {
        lines.append(indent + "<\(name)\(Self.attributeString(attributes))/>")
    }

    private static func attributeString(_ attributes: [(String, String)]) -> String {
        attributes.map { " \($0.0)=\"\(escape($0.1))\"" }.joined()
    }

    /// Up to two decimals, without trailing zeros: `12`, `3.5`, `0.33`; never a locale's decimal comma.
    static func number(_ value: Double) -> String {
        guard value.isFinite else { return "0" }
        let rounded = (value * 100).rounded() / 100
        if rounded == rounded.rounded() && abs(rounded) < 1e15 { return String(Int(rounded)) }
        var text = String(format: "%.2f", rounded)
        while text.hasSuffix("0") { text.removeLast() }
        return text
    }
}
