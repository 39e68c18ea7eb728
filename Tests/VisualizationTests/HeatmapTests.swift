import Foundation
import TensorCore
import Testing
@testable import Visualization

@Suite("Heatmap")
struct HeatmapTests {
    static let tokens = ["The", "cat", "sat", "on", "mat"]

    @Test(arguments: [(0, 0), (2, 4), (3, 1)])
    func hottestCellIsDrawnWhereItBelongs(hotRow: Int, hotColumn: Int) {
        var values = Tensor(shape: [4, 6], generator: { Float($0 % 5) * 0.1 })
        values[hotRow, hotColumn] = 9
        let map = Heatmap(values, title: "hot", annotations: .never)
        let (canvas, layout) = map.renderWithLayout()
        let hottest = ColorMap.viridis.color(atFraction: 1)
        for row in 0..<4 {
            for column in 0..<6 {
                let x = layout.matrix.x + Int(layout.cellWidth * (Double(column) + 0.5))
                let y = layout.matrix.y + Int(layout.cellHeight * (Double(row) + 0.5))
                let expected = ColorMap.viridis.color(for: values[row, column], in: 0...9)
                #expect(canvas[x, y] == expected, "cell (\(row), \(column))")
                #expect((canvas[x, y] == hottest) == (row == hotRow && column == hotColumn))
            }
        }
    }

    @Test func colourBarRunsFromMaximumAtTheTopToMinimumAtTheBottom() {
        let values = Tensor(shape: [3, 3], scalars: [0, 1, 2, 3, 4, 5, 6, 7, 8])
        let (canvas, layout) = Heatmap(values, colorMap: .blueWhiteRed).renderWithLayout()
        let bar = layout.colorBar
        let top = canvas[bar.x + bar.width / 2, bar.y]
        let bottom = canvas[bar.x + bar.width / 2, bar.y + bar.height - 1]
        #expect(top.red > 90 && top.red > 2 * top.blue, "top of the bar should be red, got \(top)")
        #expect(bottom.blue > 80 && bottom.red < 40, "bottom of the bar should be blue, got \(bottom)")
        // A diverging map with non-negative data still centres white on zero: value 0 is white-ish, not blue.
        let zeroCell = canvas[layout.matrix.x + 2, layout.matrix.y + 2]
        #expect(zeroCell == RGBA(0xF7, 0xF7, 0xF7))
    }

    @Test func thinMatricesGetStretchedCells() {
        let (_, layout) = Heatmap(Tensor(zeros: [300, 7])).renderWithLayout()
        #expect(layout.cellHeight == 2)
        #expect(layout.matrix.width >= 200 && layout.matrix.width <= 260)
        #expect(layout.matrix.height == 600)
    }

    @Test func automaticCellSizes() {
        #expect(Heatmap.automaticCellSize(rows: 5, columns: 5) == 72)
        #expect(Heatmap.automaticCellSize(rows: 64, columns: 128) == 6)
        #expect(Heatmap.automaticCellSize(rows: 2000, columns: 10) == 0.4)
    }

    @Test(arguments: [(5, 5), (1, 1), (12, 12), (64, 128), (300, 7), (1500, 1500)])
    func picturesStayAReadableSize(rows: Int, columns: Int) {
        let values = Tensor(shape: [rows, columns], generator: { Float($0 % 17) })
        let canvas = Heatmap(values, title: "size check").render()
        #expect(canvas.width >= 300 && canvas.width <= 1600, "width \(canvas.width)")
        #expect(canvas.height >= 150 && canvas.height <= 1600, "height \(canvas.height)")
    }

    @Test func labelsAndAnnotationsAreDrawnAndDoNotOverlapTheCells() {
        let values = Tensor(shape: [5, 5], generator: { Float($0) / 24 })
        var map = Heatmap(values, title: "Attention", rowLabels: Self.tokens, columnLabels: Self.tokens)
        map.annotations = .never
        let (plain, layout) = map.renderWithLayout()
        // Ink left of the matrix (row labels) and above it (column labels).
        let leftInk = (layout.matrix.y..<(layout.matrix.y + layout.matrix.height)).contains { y in
            (0..<(layout.matrix.x - 4)).contains { plain[$0, y] != .white }
        }
        let topInk = (layout.matrix.x..<(layout.matrix.x + layout.matrix.width)).contains { x in
            (0..<(layout.matrix.y - 4)).contains { plain[x, $0] != .white }
        }
        #expect(leftInk && topInk)
        map.annotations = .automatic
        let (annotated, _) = map.renderWithLayout()
        #expect(annotated != plain, "a 5x5 matrix should carry its values")
        // Annotation pixels are only inside the matrix.
        for y in 0..<plain.height {
            for x in 0..<plain.width where annotated[x, y] != plain[x, y] {
                #expect(x >= layout.matrix.x && x < layout.matrix.x + layout.matrix.width)
                #expect(y >= layout.matrix.y && y < layout.matrix.y + layout.matrix.height)
            }
        }
    }

    @Test func longAndNonASCIILabelsDoNotCrash() {
        let values = Tensor(shape: [3, 2], scalars: [1, 2, 3, 4, 5, 6])
        let labels = ["naïve", "日本語のトークン", String(repeating: "supercalifragilistic", count: 5)]
        let canvas = Heatmap(values, rowLabels: labels, columnLabels: ["é", "🐱🐱🐱🐱🐱🐱🐱🐱🐱"]).render()
        #expect(canvas.width <= 1600)
    }

    @Test func gridSharesOneRangeAcrossPanels() {
        let low = Tensor(repeating: 0, shape: [4, 4])
        let high = Tensor(repeating: 2, shape: [4, 4])
        let middle = Tensor(repeating: 1, shape: [4, 4])
        let grid = HeatmapGrid(panels: [low, high, middle], captions: ["low", "high", "middle"], columnCount: 2)
        let (canvas, areas) = grid.renderWithLayout()
        #expect(areas.count == 3)
        let centre = { (index: Int) in canvas[areas[index].x + areas[index].width / 2, areas[index].y + areas[index].height / 2] }
        #expect(centre(0) == ColorMap.viridis.color(atFraction: 0))
        #expect(centre(1) == ColorMap.viridis.color(atFraction: 1))
        #expect(centre(2) == ColorMap.viridis.color(atFraction: 0.5))
        #expect(areas[2].y > areas[0].y && areas[2].x == areas[0].x, "the third panel starts the second grid row")
    }
}
