import TensorCore

/// Several small heatmaps side by side on one colour scale, each with a caption: all heads of a layer, or
/// layers × heads.
///
/// Panels fill the grid row by row, `columnCount` to a row. Every panel uses the same range (by default the range
/// of all panels together), so colours compare across panels, and a single colour bar on the right explains them.
///
/// ```
/// // weights: [layers, heads, queries, keys]
/// let panels = (0..<2).flatMap { layer in (0..<6).map { head in weightsOf(layer, head) } }   // each [T, T]
/// let captions = (0..<2).flatMap { layer in (0..<6).map { head in "L\(layer) H\(head)" } }
/// let grid = HeatmapGrid(panels: panels, captions: captions, columnCount: 6, title: "Attention by head")
/// try grid.render().writePNG(to: url)
/// ```
public struct HeatmapGrid: Sendable {
    /// The matrices, each of shape `[rows, columns]`; shapes may differ.
    public var panels: [Tensor]
    /// One caption per panel, written above it and truncated to its width.
    public var captions: [String]
    /// Panels per grid row.
    public var columnCount: Int
    /// Drawn above the grid at double size.
    public var title: String?
    /// The shared colour scale (default viridis).
    public var colorMap: ColorMap
    /// The shared range; `nil` uses ``ColorMap/defaultRange(for:)`` over every panel's values.
    public var range: ClosedRange<Float>?
    /// Caption of the colour bar ("weight").
    public var colorBarLabel: String?
    /// Pixels per cell for every panel; `nil` chooses one so a grid row spans about 1300 pixels.
    public var cellSize: Int?

    /// Creates a grid of `panels` (each `[rows, columns]`) with one caption each, `columnCount` panels per row.
    public init(panels: [Tensor], captions: [String], columnCount: Int, title: String? = nil,
                colorMap: ColorMap = .viridis, range: ClosedRange<Float>? = nil) {
        precondition(!panels.isEmpty, "HeatmapGrid: needs at least one panel")
        precondition(captions.count == panels.count, "HeatmapGrid: \(captions.count) captions for \(panels.count) panels")
        precondition(columnCount > 0, "HeatmapGrid: columnCount \(columnCount) must be positive")
        for (index, panel) in panels.enumerated() {
            precondition(panel.rank == 2 && panel.shape[0] > 0 && panel.shape[1] > 0,
                         "HeatmapGrid: panel \(index) must have shape [rows, columns] with both > 0, got \(panel.shape)")
        }
        self.panels = panels
        self.captions = captions
        self.columnCount = columnCount
        self.title = title
        self.colorMap = colorMap
        self.range = range
    }

    static let margin = 16
    static let horizontalGap = 14
    static let verticalGap = 12
    static let rowExtent = 1300

    /// Renders the grid.
    /// - Complexity: O(width · height of the picture).
    public func render() -> Canvas { renderWithLayout().canvas }

    /// The picture and each panel's matrix area (top-left corner and size in pixels), for tests.
    func renderWithLayout() -> (canvas: Canvas, panels: [(x: Int, y: Int, width: Int, height: Int)]) {
        let range = self.range ?? colorMap.defaultRange(for: panels.lazy.flatMap(\.scalars))
        let columns = min(columnCount, panels.count)
        let gridRows = (panels.count + columns - 1) / columns
        let largestExtent = panels.map { max($0.shape[0], $0.shape[1]) }.max()!
        let cell: Double
        if let cellSize {
            cell = Double(max(cellSize, 1))
        } else {
            let panelTarget = min(max(Self.rowExtent / columns - Self.horizontalGap, 48), 240)
            let fitting = panelTarget / largestExtent
            cell = fitting >= 1 ? Double(fitting) : Double(panelTarget) / Double(largestExtent)
        }
        let slotWidth = panels.map { Int((cell * Double($0.shape[1])).rounded()) }.max()!
        let slotMatrixHeight = panels.map { Int((cell * Double($0.shape[0])).rounded()) }.max()!
        let captionHeight = BitmapFont.height() + 4
        let slotHeight = captionHeight + slotMatrixHeight

        var top = Self.margin
        let titleText = title.map { BitmapFont.truncated($0, toWidth: 1500, scale: 2) }
        if titleText != nil { top += BitmapFont.height(scale: 2) + 12 }
        let gridWidth = columns * slotWidth + (columns - 1) * Self.horizontalGap
        let gridHeight = gridRows * slotHeight + (gridRows - 1) * Self.verticalGap
        let bar = ColorBar(colorMap: colorMap, range: range, label: colorBarLabel)
        let barHeight = max(gridHeight - captionHeight, 120)
        let barX = Self.margin + gridWidth + 20
        var width = barX + bar.width + Self.margin
        if let titleText { width = max(width, BitmapFont.width(of: titleText, scale: 2) + 2 * Self.margin) }
        let height = top + max(gridHeight, captionHeight + barHeight) + Self.margin + BitmapFont.height() / 2

        var canvas = Canvas(width: width, height: height)
        var areas: [(x: Int, y: Int, width: Int, height: Int)] = []
        if let titleText { canvas.drawText(titleText, x: Self.margin, y: Self.margin, scale: 2) }
        for (index, panel) in panels.enumerated() {
            let slotX = Self.margin + (index % columns) * (slotWidth + Self.horizontalGap)
            let slotY = top + (index / columns) * (slotHeight + Self.verticalGap)
            let matrixWidth = max(Int((cell * Double(panel.shape[1])).rounded()), 1)
            let matrixHeight = max(Int((cell * Double(panel.shape[0])).rounded()), 1)
            let caption = BitmapFont.truncated(captions[index], toWidth: max(slotWidth, 24))
            canvas.drawText(caption, x: slotX, y: slotY)
            let matrixY = slotY + captionHeight
            areas.append((slotX, matrixY, matrixWidth, matrixHeight))
            paintCells(panel.scalars, rows: panel.shape[0], columns: panel.shape[1], on: &canvas,
                       x: slotX, y: matrixY, width: matrixWidth, height: matrixHeight, colorMap: colorMap, range: range)
            canvas.strokeRect(x: slotX - 1, y: matrixY - 1, width: matrixWidth + 2, height: matrixHeight + 2,
                              color: RGBA(gray: 160))
        }
        bar.draw(on: &canvas, x: barX, y: top + captionHeight, height: barHeight)
        return (canvas, areas)
    }
}
