import Testing
@testable import Visualization

@Suite("Canvas")
struct CanvasTests {
    /// Bounding box of pixels that differ from `background`, or nil if none do.
    static func inkBox(_ canvas: Canvas, background: RGBA = .white) -> (minX: Int, minY: Int, maxX: Int, maxY: Int)? {
        var box: (Int, Int, Int, Int)?
        for y in 0..<canvas.height {
            for x in 0..<canvas.width where canvas[x, y] != background {
                box = box.map { (min($0.0, x), min($0.1, y), max($0.2, x), max($0.3, y)) } ?? (x, y, x, y)
            }
        }
        return box.map { (minX: $0.0, minY: $0.1, maxX: $0.2, maxY: $0.3) }
    }

    @Test func fillRectClipsToTheCanvas() {
        var canvas = Canvas(width: 10, height: 8)
        canvas.fillRect(x: -3, y: 6, width: 5, height: 10, color: .black)
        #expect(Self.inkBox(canvas)! == (0, 6, 1, 7))
        #expect(canvas[1, 7] == .black && canvas[2, 7] == .white)
    }

    @Test func halfTransparentBlackOverWhiteIsMidGrey() {
        var canvas = Canvas(width: 1, height: 1)
        canvas.blend(x: 0, y: 0, color: RGBA(0, 0, 0, 128))
        #expect(canvas[0, 0] == RGBA(127, 127, 127, 255))
        var clear = Canvas(width: 1, height: 1, background: .transparent)
        clear.blend(x: 0, y: 0, color: RGBA(200, 10, 0, 255), coverage: 0.5)
        #expect(clear[0, 0] == RGBA(200, 10, 0, 128))
    }

    @Test func horizontalLineCoversItsRowOnly() {
        var canvas = Canvas(width: 20, height: 9)
        canvas.drawLine(fromX: 2, y: 4.5, toX: 17, y: 4.5, color: .black)
        for x in 3...16 {
            #expect(canvas[x, 4] == .black, "x \(x)")
            #expect(canvas[x, 3] == .white && canvas[x, 5] == .white, "x \(x)")
        }
    }

    @Test func thickDiagonalLineIsAntialiasedAndStaysNearTheSegment() {
        var canvas = Canvas(width: 40, height: 40)
        canvas.drawLine(fromX: 5, y: 5, toX: 35, y: 35, color: .black, thickness: 4)
        #expect(canvas[20, 20] == .black)
        #expect(canvas[20, 30] == .white && canvas[30, 20] == .white)
        let greys = (0..<40).flatMap { y in (0..<40).map { x in canvas[x, y] } }.filter { $0 != .black && $0 != .white }
        #expect(!greys.isEmpty, "edges should be anti-aliased")
        for y in 0..<40 {
            for x in 0..<40 where canvas[x, y] != .white {
                let distance = abs(Double(x) - Double(y)) / 2.0.squareRoot()
                #expect(distance <= 3.5, "pixel (\(x), \(y)) is \(distance) from the line")
            }
        }
    }

    @Test(arguments: ["Hello, world", "Wy", "|W", "j,gqp", "mat", "The cat sat"], [1, 2, 3])
    func textStaysInsideItsMeasuredBox(text: String, scale: Int) {
        var canvas = Canvas(width: 300, height: 60)
        let width = canvas.drawText(text, x: 10, y: 20, color: .black, scale: scale)
        #expect(width == BitmapFont.width(of: text, scale: scale))
        let box = Self.inkBox(canvas)!
        #expect(box.minX >= 10 && box.maxX < 10 + width)
        #expect(box.minY >= 20 && box.maxY < 20 + BitmapFont.height(scale: scale))
        #expect(box.maxX >= 10 + width - 2 * scale, "the last glyph (a wide one) should reach the measured right edge")
    }

    @Test func upwardTextOccupiesTheRotatedBox() {
        var canvas = Canvas(width: 40, height: 80)
        let width = canvas.drawText("Ly", x: 10, y: 70, color: .black, scale: 2, orientation: .upward)
        let box = Self.inkBox(canvas)!
        #expect(box.minY >= 70 - width && box.maxY < 70)
        #expect(box.minX >= 10 && box.maxX < 10 + BitmapFont.height(scale: 2))
        // 'L' comes first, so it sits at the bottom: its stem is the glyph's left column, rotated to the bottom row.
        #expect(canvas[12, 69] == .black)
    }

    @Test func nonASCIITextDrawsPlaceholders() {
        var accented = Canvas(width: 30, height: 10)
        accented.drawText("é🐱", x: 1, y: 1)
        var question = Canvas(width: 30, height: 10)
        question.drawText("??", x: 1, y: 1)
        #expect(accented == question)
    }

    @Test func drawingACanvasHonoursAlpha() {
        var base = Canvas(width: 4, height: 4)
        var overlay = Canvas(width: 2, height: 2, background: .transparent)
        overlay[0, 0] = .black
        base.draw(overlay, atX: 1, y: 1)
        #expect(base[1, 1] == .black && base[2, 1] == .white && base[2, 2] == .white)
    }
}
