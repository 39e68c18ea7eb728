import Foundation

/// An sRGB colour with 8-bit channels and straight (not premultiplied) alpha.
public struct RGBA: Sendable, Hashable {
    public var red: UInt8
    public var green: UInt8
    public var blue: UInt8
    /// 0 is fully transparent, 255 fully opaque.
    public var alpha: UInt8

    public init(_ red: UInt8, _ green: UInt8, _ blue: UInt8, _ alpha: UInt8 = 255) {
        self.red = red
        self.green = green
        self.blue = blue
        self.alpha = alpha
    }

    /// An opaque grey with all three channels equal to `level`.
    public init(gray level: UInt8) { self.init(level, level, level) }

    public static let white = RGBA(255, 255, 255)
    public static let black = RGBA(0, 0, 0)
    public static let transparent = RGBA(0, 0, 0, 0)
    /// Dark grey for text and axes: softer than black, still high contrast on white.
    public static let ink = RGBA(34, 34, 34)

    /// `#rrggbb` (alpha left out), for SVG and HTML.
    public var hexString: String {
        "#" + [red, green, blue].map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }

    /// Relative luminance in [0, 1] (Rec. 709 weights on sRGB values), used to pick readable text on a cell.
    public var luminance: Double {
        (0.2126 * Double(red) + 0.7152 * Double(green) + 0.0722 * Double(blue)) / 255
    }

    /// The same colour with `alpha` replaced.
    public func withAlpha(_ alpha: UInt8) -> RGBA { RGBA(red, green, blue, alpha) }
}

/// Direction in which text runs.
public enum TextOrientation: Sendable {
    /// Left to right; the anchor is the top-left corner of the text box.
    case horizontal
    /// Rotated 90° counter-clockwise, reading bottom to top; the anchor is the bottom-left corner of the rotated box,
    /// which is `height(scale:)` wide and `width(of:scale:)` tall.
    case upward
}

/// A raster picture: `width × height` pixels, each four bytes R, G, B, A, rows top to bottom.
///
/// All drawing clips to the canvas, so callers may draw partly outside it. Colours with alpha below 255 and
/// anti-aliased edges are composited with the source-over rule:
/// `out = src · a + dst · (1 − a)` for colour, `a_out = a + a_dst · (1 − a)` for alpha.
public struct Canvas: Sendable, Equatable {
    /// Size in pixels.
    public let width: Int
    public let height: Int
    /// `[height, width, 4]` bytes in row-major order: R, G, B, A of pixel (x, y) start at `4 · (y · width + x)`.
    public var pixels: [UInt8]

    /// A canvas filled with `background`.
    public init(width: Int, height: Int, background: RGBA = .white) {
        precondition(width > 0 && height > 0, "Canvas: size \(width)x\(height) must be positive")
        self.width = width
        self.height = height
        var pixels = [UInt8](repeating: 0, count: width * height * 4)
        for index in stride(from: 0, to: pixels.count, by: 4) {
            pixels[index] = background.red
            pixels[index + 1] = background.green
            pixels[index + 2] = background.blue
            pixels[index + 3] = background.alpha
        }
        self.pixels = pixels
    }

    /// The pixel at column `x`, row `y` (row 0 at the top). Setting replaces it without blending.
    public subscript(x: Int, y: Int) -> RGBA {
        get {
            precondition(contains(x: x, y: y), "Canvas: pixel (\(x), \(y)) outside \(width)x\(height)")
            let index = 4 * (y * width + x)
            return RGBA(pixels[index], pixels[index + 1], pixels[index + 2], pixels[index + 3])
        }
        set {
            precondition(contains(x: x, y: y), "Canvas: pixel (\(x), \(y)) outside \(width)x\(height)")
            let index = 4 * (y * width + x)
            pixels[index] = newValue.red
            pixels[index + 1] = newValue.green
            pixels[index + 2] = newValue.blue
            pixels[index + 3] = newValue.alpha
        }
    }

    /// Whether (x, y) lies on the canvas.
    public func contains(x: Int, y: Int) -> Bool { x >= 0 && y >= 0 && x < width && y < height }

    /// Composites `color` over the pixel at (x, y) with its alpha scaled by `coverage` in [0, 1]; off-canvas is a no-op.
    public mutating func blend(x: Int, y: Int, color: RGBA, coverage: Double = 1) {
        guard contains(x: x, y: y) else { return }
        let sourceAlpha = Double(color.alpha) / 255 * min(max(coverage, 0), 1)
        guard sourceAlpha > 0 else { return }
        let index = 4 * (y * width + x)
        if sourceAlpha >= 1 {
            pixels[index] = color.red
            pixels[index + 1] = color.green
            pixels[index + 2] = color.blue
            pixels[index + 3] = 255
            return
        }
        let destinationAlpha = Double(pixels[index + 3]) / 255
        let outAlpha = sourceAlpha + destinationAlpha * (1 - sourceAlpha)
        func mix(_ source: UInt8, _ destination: UInt8) -> UInt8 {
            let value = (Double(source) * sourceAlpha + Double(destination) * destinationAlpha * (1 - sourceAlpha)) / outAlpha
            return UInt8(min(max(value.rounded(), 0), 255))
        }
        pixels[index] = mix(color.red, pixels[index])
        pixels[index + 1] = mix(color.green, pixels[index + 1])
        pixels[index + 2] = mix(color.blue, pixels[index + 2])
        pixels[index + 3] = UInt8(min(max((outAlpha * 255).rounded(), 0), 255))
    }

    /// Fills the axis-aligned rectangle with top-left (x, y), blending when `color` is translucent.
    public mutating func fillRect(x: Int, y: Int, width rectWidth: Int, height rectHeight: Int, color: RGBA) {
        let x0 = max(x, 0), y0 = max(y, 0)
        let x1 = min(x + rectWidth, width), y1 = min(y + rectHeight, height)
        guard x0 < x1, y0 < y1 else { return }
        for row in y0..<y1 {
            for column in x0..<x1 { blend(x: column, y: row, color: color) }
        }
    }

    /// Draws the outline of a rectangle `thickness` pixels wide, inside the rectangle's bounds.
    public mutating func strokeRect(x: Int, y: Int, width rectWidth: Int, height rectHeight: Int,
                                    color: RGBA, thickness: Int = 1) {
        let t = min(thickness, rectWidth, rectHeight)
        guard t > 0 else { return }
        fillRect(x: x, y: y, width: rectWidth, height: t, color: color)
        fillRect(x: x, y: y + rectHeight - t, width: rectWidth, height: t, color: color)
        fillRect(x: x, y: y + t, width: t, height: rectHeight - 2 * t, color: color)
        fillRect(x: x + rectWidth - t, y: y + t, width: t, height: rectHeight - 2 * t, color: color)
    }

    /// Draws an anti-aliased line segment `thickness` pixels wide with round ends.
    ///
    /// Coordinates are in pixel units with pixel (x, y) covering [x, x+1) × [y, y+1), so a horizontal line through
    /// pixel centres runs at `y + 0.5`. Each pixel's coverage is `clamp(thickness/2 + 0.5 − d, 0, 1)`, where *d* is
    /// the distance from the pixel centre to the segment: a one-pixel box filter over the ideal stroke, which gives
    /// Wu-like smooth edges at any thickness and angle.
    ///
    /// - Complexity: O(area of the segment's bounding box).
    public mutating func drawLine(fromX x0: Double, y y0: Double, toX x1: Double, y y1: Double,
                                  color: RGBA, thickness: Double = 1) {
        let radius = max(thickness, 0) / 2
        let reach = radius + 1
        let minX = max(Int((min(x0, x1) - reach).rounded(.down)), 0)
        let maxX = min(Int((max(x0, x1) + reach).rounded(.up)), width - 1)
        let minY = max(Int((min(y0, y1) - reach).rounded(.down)), 0)
        let maxY = min(Int((max(y0, y1) + reach).rounded(.up)), height - 1)
        guard minX <= maxX, minY <= maxY else { return }
        let dx = x1 - x0, dy = y1 - y0
        let lengthSquared = dx * dx + dy * dy
        for py in minY...maxY {
            for px in minX...maxX {
                let cx = Double(px) + 0.5, cy = Double(py) + 0.5
                var t = lengthSquared > 0 ? ((cx - x0) * dx + (cy - y0) * dy) / lengthSquared : 0
                t = min(max(t, 0), 1)
                let ex = cx - (x0 + t * dx), ey = cy - (y0 + t * dy)
                let coverage = radius + 0.5 - (ex * ex + ey * ey).squareRoot()
                if coverage > 0 { blend(x: px, y: py, color: color, coverage: coverage) }
            }
        }
    }

    /// Draws `text` with the built-in ``BitmapFont``; characters it lacks appear as `?`.
    /// - Parameters:
    ///   - x, y: the anchor; the top-left corner for `.horizontal`, the bottom-left corner for `.upward`.
    ///   - scale: integer magnification, 1…8 (1 = 5×8-pixel glyphs).
    /// - Returns: the text's extent along its direction, `BitmapFont.width(of: text, scale: scale)`.
    @discardableResult
    public mutating func drawText(_ text: String, x: Int, y: Int, color: RGBA = .ink, scale: Int = 1,
                                  orientation: TextOrientation = .horizontal) -> Int {
        precondition((1...8).contains(scale), "Canvas: text scale \(scale) must be in 1...8")
        var offset = 0
        for character in text {
            let code = BitmapFont.code(for: character)
            for row in 0..<BitmapFont.glyphHeight {
                for column in 0..<BitmapFont.glyphWidth where BitmapFont.isSet(code: code, column: column, row: row) {
                    let along = offset + column * scale, across = row * scale
                    switch orientation {
                    case .horizontal:
                        fillRect(x: x + along, y: y + across, width: scale, height: scale, color: color)
                    case .upward:
                        fillRect(x: x + across, y: y - along - scale, width: scale, height: scale, color: color)
                    }
                }
            }
            offset += BitmapFont.advance * scale
        }
        return BitmapFont.width(of: text, scale: scale)
    }

    /// Composites `other` onto this canvas with its top-left corner at (x, y), honouring its alpha.
    public mutating func draw(_ other: Canvas, atX x: Int, y: Int) {
        for row in 0..<other.height where y + row >= 0 && y + row < height {
            for column in 0..<other.width where x + column >= 0 && x + column < width {
                blend(x: x + column, y: y + row, color: other[column, row])
            }
        }
    }
}
