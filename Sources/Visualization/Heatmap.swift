import TensorCore

/// Whether a heatmap writes each cell's value inside it.
public enum CellAnnotations: Sendable {
    /// Only when the matrix is at most 12 × 12 and the numbers fit in the cells.
    case automatic
    /// Whenever the numbers fit in the cells.
    case always
    case never
}

/// A picture of a `[rows, columns]` matrix: one coloured cell per element, labels, a title and a colour bar.
///
/// ```
///  Title
///               The  cat  sat  on  mat      ← column labels (rotated upward when they do not fit a cell)
///         The  ▇▇▇▇ ▇▇▇▇ ...             ┃▇┃ 1.00
///         cat  ▇▇▇▇ ...                  ┃▇┃ 0.50   ← colour bar: max, middle, min
///         ...                            ┃▇┃ 0
/// ```
///
/// Row *r* is drawn as the *r*-th row from the top and column *c* as the *c*-th from the left, as the matrix is
/// printed; for attention weights `[queries, keys]` each row shows where one query looks.
///
/// Cells are square and sized so the matrix part spans about 800 pixels at most (72 pixels per cell at most); a
/// matrix wider than 800 elements gets cells narrower than a pixel, sampled to the nearest element. A very thin
/// matrix (say 300 × 7) gets cells stretched along its short side so that side still spans about 240 pixels.
///
/// ```
/// let weights = Tensor(shape: [5, 5], scalars: ...)        // [queries, keys], rows sum to 1
/// var map = Heatmap(weights, title: "Layer 0, head 3")
/// map.rowLabels = ["The", "cat", "sat", "on", "mat"]
/// map.columnLabels = map.rowLabels
/// try map.render().writePNG(to: URL(fileURLWithPath: "/tmp/attention.png"))
/// ```
public struct Heatmap: Sendable {
    /// The matrix, shape `[rows, columns]`.
    public var values: Tensor
    /// Drawn above everything at double size.
    public var title: String?
    /// One per row, drawn left of the rows; `nil` labels rows with their indices at a readable spacing.
    public var rowLabels: [String]?
    /// One per column, drawn above the columns; `nil` labels columns with their indices.
    public var columnLabels: [String]?
    /// What the rows stand for ("query"), written upward left of the row labels.
    public var rowAxisTitle: String?
    /// What the columns stand for ("key"), written above the column labels.
    public var columnAxisTitle: String?
    /// The colour scale (default viridis).
    public var colorMap: ColorMap
    /// Values mapped to the ends of the scale; `nil` uses ``ColorMap/defaultRange(for:)`` of the data.
    public var range: ClosedRange<Float>?
    /// Caption of the colour bar ("weight").
    public var colorBarLabel: String?
    /// Whether cells show their values.
    public var annotations: CellAnnotations
    /// Pixels per cell; `nil` chooses automatically (see the type's discussion).
    public var cellSize: Int?

    /// Creates a heatmap of `values`, shape `[rows, columns]`.
    public init(_ values: Tensor, title: String? = nil, rowLabels: [String]? = nil, columnLabels: [String]? = nil,
                colorMap: ColorMap = .viridis, range: ClosedRange<Float>? = nil,
                annotations: CellAnnotations = .automatic) {
        precondition(values.rank == 2 && values.shape[0] > 0 && values.shape[1] > 0,
                     "Heatmap: values must have shape [rows, columns] with both > 0, got \(values.shape)")
        self.values = values
        self.title = title
        self.rowLabels = rowLabels
        self.columnLabels = columnLabels
        self.colorMap = colorMap
        self.range = range
        self.annotations = annotations
    }

    /// Number of rows (`values.shape[0]`).
    public var rowCount: Int { values.shape[0] }
    /// Number of columns (`values.shape[1]`).
    public var columnCount: Int { values.shape[1] }

    static let margin = 16
    static let maximumMatrixExtent = 800
    static let maximumCellSize = 72
    static let maximumLabelCharacters = 14
    static let minimumWidth = 300

    /// Renders the picture.
    /// - Complexity: O(width · height of the picture).
    public func render() -> Canvas { renderWithLayout().canvas }

    /// Where the parts of a rendered heatmap lie, so tests can find cells and the colour bar.
    struct Layout {
        /// The matrix area: top-left corner and size in pixels.
        var matrix: (x: Int, y: Int, width: Int, height: Int)
        /// Cell size in pixels (below 1 for matrices larger than the picture).
        var cellWidth: Double
        var cellHeight: Double
        /// The colour bar's gradient area.
        var colorBar: (x: Int, y: Int, width: Int, height: Int)
    }

    func renderWithLayout() -> (canvas: Canvas, layout: Layout) {
        precondition(rowLabels.map { $0.count == rowCount } ?? true,
                     "Heatmap: \(rowLabels?.count ?? 0) row labels for \(rowCount) rows")
        precondition(columnLabels.map { $0.count == columnCount } ?? true,
                     "Heatmap: \(columnLabels?.count ?? 0) column labels for \(columnCount) columns")
        let range = self.range ?? colorMap.defaultRange(for: values.scalars)
        let cell = cellSize.map { Double(max($0, 1)) } ?? Self.automaticCellSize(rows: rowCount, columns: columnCount)
        let cellWidth = cellSize == nil ? Self.stretched(cell, count: columnCount) : cell
        let cellHeight = cellSize == nil ? Self.stretched(cell, count: rowCount) : cell
        let matrixWidth = max(Int((cellWidth * Double(columnCount)).rounded()), 1)
        let matrixHeight = max(Int((cellHeight * Double(rowCount)).rounded()), 1)
        let labelScale = min(cellWidth, cellHeight) >= 20 ? 2 : 1
        let textHeight = BitmapFont.height(scale: labelScale)
        let maxLabelWidth = Self.maximumLabelCharacters * BitmapFont.advance * labelScale

        // Index labels are ticks on a scale, so they get room to breathe; given labels name every row they can.
        let rows = AxisLabels(labels: rowLabels, count: rowCount, cell: cellHeight, scale: labelScale,
                              maxWidth: maxLabelWidth, minimumSpacing: rowLabels == nil ? 2 * textHeight : textHeight + 2)
        let columns: AxisLabels
        let horizontalColumns: Bool
        if columnLabels == nil {
            columns = AxisLabels(labels: nil, count: columnCount, cell: cellWidth, scale: labelScale, maxWidth: maxLabelWidth,
                                 minimumSpacing: BitmapFont.width(of: String(columnCount - 1), scale: labelScale) + 8)
            horizontalColumns = true
        } else {
            columns = AxisLabels(labels: columnLabels, count: columnCount, cell: cellWidth, scale: labelScale,
                                 maxWidth: maxLabelWidth, minimumSpacing: textHeight + 2)
            // Horizontal labels read best; rotate all of them when any is wider than the space it owns.
            horizontalColumns = columns.entries.allSatisfy {
                BitmapFont.width(of: $0.text, scale: labelScale) + 4 <= Int(cellWidth * Double(columns.step))
            }
        }
        let tick = 3, gap = 4
        let bar = ColorBar(colorMap: colorMap, range: range, label: colorBarLabel, scale: labelScale)

        // Vertical layout, top to bottom.
        var top = Self.margin
        let titleText = title.map { BitmapFont.truncated($0, toWidth: 1500, scale: 2) }
        let titleY = top
        if titleText != nil { top += BitmapFont.height(scale: 2) + 12 }
        let columnAxisY = top
        if columnAxisTitle != nil { top += textHeight + 6 }
        let columnBlock = horizontalColumns ? textHeight : columns.maxWidth
        top += columnBlock + gap + tick
        let matrixY = top
        let barHeight = max(matrixHeight, 120)

        // Horizontal layout, left to right.
        var left = Self.margin
        let rowAxisX = left
        if rowAxisTitle != nil { left += textHeight + 8 }
        left += rows.maxWidth + gap + tick
        let matrixX = left
        let barX = matrixX + matrixWidth + 20
        var width = max(barX + bar.width + Self.margin, Self.minimumWidth)
        if let titleText { width = max(width, BitmapFont.width(of: titleText, scale: 2) + 2 * Self.margin) }
        let height = matrixY + max(matrixHeight, barHeight) + Self.margin + textHeight / 2

        var canvas = Canvas(width: width, height: height)
        if let titleText { canvas.drawText(titleText, x: Self.margin, y: titleY, scale: 2) }
        if let columnAxisTitle {
            let text = BitmapFont.truncated(columnAxisTitle, toWidth: max(matrixWidth, 60), scale: labelScale)
            canvas.drawText(text, x: matrixX + (matrixWidth - BitmapFont.width(of: text, scale: labelScale)) / 2,
                            y: columnAxisY, scale: labelScale)
        }
        if let rowAxisTitle {
            let text = BitmapFont.truncated(rowAxisTitle, toWidth: max(matrixHeight, 60), scale: labelScale)
            canvas.drawText(text, x: rowAxisX,
                            y: matrixY + (matrixHeight + BitmapFont.width(of: text, scale: labelScale)) / 2,
                            scale: labelScale, orientation: .upward)
        }
        paintCells(values.scalars, rows: rowCount, columns: columnCount, on: &canvas,
                   x: matrixX, y: matrixY, width: matrixWidth, height: matrixHeight, colorMap: colorMap, range: range)

        let labelColor = RGBA.ink
        for entry in rows.entries {
            let centre = matrixY + Int(cellHeight * (Double(entry.index) + 0.5))
            let textWidth = BitmapFont.width(of: entry.text, scale: labelScale)
            canvas.fillRect(x: matrixX - tick, y: centre, width: tick, height: 1, color: labelColor)
            canvas.drawText(entry.text, x: matrixX - tick - gap - textWidth, y: centre - textHeight / 2 + labelScale,
                            color: labelColor, scale: labelScale)
        }
        for entry in columns.entries {
            let centre = matrixX + Int(cellWidth * (Double(entry.index) + 0.5))
            canvas.fillRect(x: centre, y: matrixY - tick, width: 1, height: tick, color: labelColor)
            if horizontalColumns {
                let textWidth = BitmapFont.width(of: entry.text, scale: labelScale)
                canvas.drawText(entry.text, x: centre - textWidth / 2, y: matrixY - tick - gap - textHeight + labelScale,
                                color: labelColor, scale: labelScale)
            } else {
                // Upward text: glyph rows 0–6 carry the letters, so centre those on the column.
                canvas.drawText(entry.text, x: centre - 7 * labelScale / 2, y: matrixY - tick - gap,
                                color: labelColor, scale: labelScale, orientation: .upward)
            }
        }
        if showsAnnotations(cell: min(cellWidth, cellHeight)) {
            annotate(on: &canvas, x: matrixX, y: matrixY, cellWidth: Int(cellWidth), cellHeight: Int(cellHeight),
                     range: range)
        }
        bar.draw(on: &canvas, x: barX, y: matrixY, height: barHeight)
        return (canvas, Layout(matrix: (matrixX, matrixY, matrixWidth, matrixHeight), cellWidth: cellWidth, cellHeight: cellHeight,
                               colorBar: (barX, matrixY, ColorBar.barWidth, barHeight)))
    }

    /// Cell edge in pixels: the largest size up to 72 that keeps the matrix within 800 pixels; below 1 for larger
    /// matrices.
    static func automaticCellSize(rows: Int, columns: Int) -> Double {
        let extent = max(rows, columns)
        let fitting = maximumMatrixExtent / extent
        if fitting >= 1 { return Double(min(fitting, maximumCellSize)) }
        return Double(maximumMatrixExtent) / Double(extent)
    }

    /// `cell`, widened when `count` cells of it would span less than 240 pixels (never beyond 72).
    static func stretched(_ cell: Double, count: Int) -> Double {
        let minimumExtent = 240.0
        guard cell * Double(count) < minimumExtent else { return cell }
        return max(cell, min(Double(maximumCellSize), (minimumExtent / Double(count)).rounded(.down)))
    }

    private func showsAnnotations(cell: Double) -> Bool {
        switch annotations {
        case .never: return false
        case .automatic: return rowCount <= 12 && columnCount <= 12 && cell >= 12
        case .always: return cell >= 12
        }
    }

    /// Writes each value centred in its cell, at double size when it fits, dark on light cells and white on dark.
    private func annotate(on canvas: inout Canvas, x: Int, y: Int, cellWidth: Int, cellHeight: Int,
                          range: ClosedRange<Float>) {
        for row in 0..<rowCount {
            for column in 0..<columnCount {
                let value = values.scalars[row * columnCount + column]
                let text = ValueFormat.cell(value)
                var scale = min(cellWidth, cellHeight) >= 40 ? 2 : 1
                if BitmapFont.width(of: text, scale: scale) > cellWidth - 4 { scale = 1 }
                let textWidth = BitmapFont.width(of: text, scale: scale)
                guard textWidth <= cellWidth - 2, BitmapFont.height(scale: scale) <= cellHeight - 2 else { continue }
                let background = colorMap.color(for: value, in: range)
                let ink: RGBA = background.luminance > 0.45 ? .ink : .white
                canvas.drawText(text, x: x + column * cellWidth + (cellWidth - textWidth) / 2,
                                y: y + row * cellHeight + (cellHeight - 7 * scale) / 2, color: ink, scale: scale)
            }
        }
    }
}

/// Which rows or columns of a heatmap get a label, and the (possibly truncated) text of each.
///
/// Given labels are all shown when the cells are tall enough for text; otherwise every *k*-th. Without labels,
/// indices are shown at a round step (1, 2, 5, 10, 20, 50, …) with at least `minimumSpacing` pixels between them.
struct AxisLabels {
    var entries: [(index: Int, text: String)] = []
    var step = 1
    var maxWidth = 0

    init(labels: [String]?, count: Int, cell: Double, scale: Int, maxWidth: Int, minimumSpacing: Int) {
        let needed = max(Double(minimumSpacing) / cell, 1)
        if labels != nil {
            step = Int(needed.rounded(.up))
        } else {
            let rounds = [1, 2, 5]
            var magnitude = 1
            search: while true {
                for base in rounds where Double(base * magnitude) >= needed {
                    step = base * magnitude
                    break search
                }
                magnitude *= 10
            }
        }
        for index in stride(from: 0, to: count, by: step) {
            let raw = labels?[index] ?? String(index)
            let text = BitmapFont.truncated(raw, toWidth: maxWidth, scale: scale)
            entries.append((index, text))
            self.maxWidth = max(self.maxWidth, BitmapFont.width(of: text, scale: scale))
        }
    }
}
