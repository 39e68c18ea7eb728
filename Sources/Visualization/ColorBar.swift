import Foundation

/// A vertical colour legend: the scale's colours from `range.upperBound` (top) to `range.lowerBound` (bottom), a
/// frame, and tick labels for the maximum, the middle and the minimum, plus an optional caption written upward.
///
/// Shared by ``Heatmap`` and ``HeatmapGrid`` so both read the same way.
struct ColorBar {
    var colorMap: ColorMap
    var range: ClosedRange<Float>
    var label: String?
    /// Text scale of the tick labels and caption.
    var scale = 1

    static let barWidth = 16
    static let tickLength = 4
    static let gap = 4

    /// The three labelled values, top to bottom: max, middle (0 for a diverging map's symmetric range), min.
    var tickValues: [Float] {
        [range.upperBound, (range.lowerBound + range.upperBound) / 2, range.lowerBound]
    }

    /// Horizontal space the bar, its ticks, labels and caption need.
    var width: Int {
        let labels = tickValues.map { BitmapFont.width(of: ValueFormat.tick($0), scale: scale) }.max() ?? 0
        let caption = label == nil ? 0 : Self.gap * 2 * scale + BitmapFont.height(scale: scale)
        return Self.barWidth + 1 + Self.tickLength + Self.gap * scale + labels + caption
    }

    /// Draws the legend with the bar's top-left corner at (x, y), `height` pixels tall.
    func draw(on canvas: inout Canvas, x: Int, y: Int, height: Int) {
        for row in 0..<height {
            let fraction = 1 - (Double(row) + 0.5) / Double(height)
            canvas.fillRect(x: x, y: y + row, width: Self.barWidth, height: 1, color: colorMap.color(atFraction: fraction))
        }
        canvas.strokeRect(x: x - 1, y: y - 1, width: Self.barWidth + 2, height: height + 2, color: .ink)
        let textHeight = BitmapFont.height(scale: scale)
        var labelsRight = x
        for (index, value) in tickValues.enumerated() {
            let tickY = y + (height - 1) * index / 2
            canvas.fillRect(x: x + Self.barWidth + 1, y: tickY, width: Self.tickLength, height: 1, color: .ink)
            let textX = x + Self.barWidth + 1 + Self.tickLength + Self.gap * scale
            let textY = min(max(tickY - textHeight / 2 + scale, y - 1), y + height - textHeight + scale)
            let drawn = canvas.drawText(ValueFormat.tick(value), x: textX, y: textY, scale: scale)
            labelsRight = max(labelsRight, textX + drawn)
        }
        if let label {
            let fitted = BitmapFont.truncated(label, toWidth: height, scale: scale)
            let textWidth = BitmapFont.width(of: fitted, scale: scale)
            canvas.drawText(fitted, x: labelsRight + Self.gap * 2 * scale, y: y + (height + textWidth) / 2, scale: scale,
                            orientation: .upward)
        }
    }
}

/// Short number formats for pictures, where every character costs six pixels.
enum ValueFormat {
    /// About three significant digits: `0.25`, `-1.50`, `12.3`, `512`, `1.2e4`, `3.0e-4`, `0`.
    static func tick(_ value: Float) -> String {
        if value.isNaN { return "nan" }
        if value.isInfinite { return value > 0 ? "inf" : "-inf" }
        let magnitude = abs(value)
        if magnitude == 0 { return "0" }
        if magnitude >= 10_000 || magnitude < 0.001 { return exponential(value) }
        if magnitude >= 100 { return String(format: "%.0f", value) }
        if magnitude >= 10 { return String(format: "%.1f", value) }
        return String(format: "%.2f", value)
    }

    /// Cell annotations: like `tick`, but values below 1 in magnitude drop the leading zero (`.25`, `-.07`) to fit
    /// narrow cells, and nonzero values that round to zero at two decimals read `.00` (an exact zero reads `0`), so a
    /// row of cells never mixes in tiny exponents like `7.3e-7`.
    static func cell(_ value: Float) -> String {
        if value != 0, abs(value) < 0.005 { return value < 0 ? "-.00" : ".00" }
        let text = tick(value)
        guard abs(value) < 1, abs(value) >= 0.001 else { return text }
        if text.hasPrefix("0.") { return String(text.dropFirst()) }
        if text.hasPrefix("-0.") { return "-" + text.dropFirst(2) }
        return text
    }

    /// `1.2e4`, `-3.0e-4`: C's `%.1e` without the `+` and the leading zero of the exponent.
    private static func exponential(_ value: Float) -> String {
        let text = String(format: "%.1e", value)
        guard let e = text.firstIndex(of: "e") else { return text }
        let mantissa = text[..<e]
        var exponent = String(text[text.index(after: e)...])
        var sign = ""
        if exponent.hasPrefix("+") || exponent.hasPrefix("-") {
            sign = exponent.hasPrefix("-") ? "-" : ""
            exponent.removeFirst()
        }
        while exponent.count > 1 && exponent.hasPrefix("0") { exponent.removeFirst() }
        return "\(mantissa)e\(sign)\(exponent)"
    }
}

/// Paints a `[rows, columns]` block of values as coloured cells filling the rectangle at (x, y).
///
/// Cell (r, c) covers pixels `⌊c · width / columns⌋ ..< ⌊(c+1) · width / columns⌋` horizontally, and likewise
/// vertically, so cells may be less than one pixel wide: then each pixel shows the nearest cell (a sample, not an
/// average, so isolated peaks can disappear in matrices wider than the picture).
func paintCells(_ values: [Float], rows: Int, columns: Int, on canvas: inout Canvas,
                x: Int, y: Int, width: Int, height: Int, colorMap: ColorMap, range: ClosedRange<Float>) {
    precondition(values.count == rows * columns, "paintCells: \(values.count) values for a \(rows)x\(columns) block")
    let colors = values.map { colorMap.color(for: $0, in: range) }
    for py in 0..<height {
        let row = min(py * rows / height, rows - 1)
        for px in 0..<width {
            let column = min(px * columns / width, columns - 1)
            let color = colors[row * columns + column]
            guard canvas.contains(x: x + px, y: y + py) else { continue }
            canvas[x + px, y + py] = color
        }
    }
}
