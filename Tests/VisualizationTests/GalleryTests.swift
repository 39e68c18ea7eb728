import Foundation
import TensorCore
import Testing
@testable import Visualization

/// Renders the pictures the project shows newcomers and checks they stay a readable size.
///
/// Set `SWIFT_ATTENTION_PICTURES=/some/folder` to keep the PNG and SVG files and look at them; otherwise they go to a
/// temporary folder that is removed afterwards.
@Suite("Gallery")
struct GalleryTests {
    static let tokens = ["The", "cat", "sat", "on", "mat"]

    /// Row-wise softmax of `scores` ([rows, columns]).
    static func softmaxRows(_ scores: [[Float]]) -> Tensor {
        let rows = scores.map { row -> [Float] in
            let top = row.max()!
            let exps = row.map { $0 == -.infinity ? 0 : Float(Foundation.exp(Double($0 - top))) }
            let sum = exps.reduce(0, +)
            return exps.map { $0 / sum }
        }
        return Tensor(shape: [scores.count, scores[0].count], scalars: rows.flatMap { $0 })
    }

    /// A 5×5 attention pattern: mostly local, with "sat" and "mat" looking back at "cat".
    static func attentionWeights() -> Tensor {
        var scores = (0..<5).map { i in (0..<5).map { j in -0.9 * Float(abs(i - j)) } }
        scores[2][1] += 2
        scores[4][1] += 1.5
        scores[3][2] += 1
        return softmaxRows(scores)
    }

    /// PE[pos, 2i] = sin(pos / 10000^(2i/d)), PE[pos, 2i+1] = cos(pos / 10000^(2i/d)), shape [positions, d].
    static func sinusoidalEncoding(positions: Int, dimensions: Int) -> Tensor {
        Tensor(shape: [positions, dimensions]) { flat in
            let position = Double(flat / dimensions), dimension = flat % dimensions
            let angle = position / Foundation.pow(10_000, Double(dimension - dimension % 2) / Double(dimensions))
            return Float(dimension % 2 == 0 ? Foundation.sin(angle) : Foundation.cos(angle))
        }
    }

    /// Twelve 8×8 heads with the classic patterns: diagonal, previous token, first token, uniform, causal.
    static func headPatterns() -> [Tensor] {
        let n = 8
        func pattern(_ score: (Int, Int) -> Float) -> Tensor {
            softmaxRows((0..<n).map { i in (0..<n).map { j in score(i, j) } })
        }
        return [
            pattern { i, j in i == j ? 4 : 0 },
            pattern { i, j in j == max(i - 1, 0) ? 4 : 0 },
            pattern { _, j in j == 0 ? 3 : 0 },
            pattern { _, _ in 0 },
            pattern { i, j in j <= i ? 0 : -.infinity },
            pattern { i, j in j == min(i + 1, n - 1) ? 3 : 0 },
            pattern { i, j in j <= i ? Float(j - i) * 0.7 : -.infinity },
            pattern { i, j in Float((i * 7 + j * 3) % 5) },
            pattern { i, j in (i + j) % 2 == 0 ? 2 : 0 },
            pattern { i, j in j == n - 1 - i ? 3.5 : 0 },
            pattern { i, j in j <= i ? (j == 0 ? 2 : 0) : -.infinity },
            pattern { i, j in -Float(abs(i - j)) * 1.5 },
        ]
    }

    static func outputFolder() throws -> (url: URL, keep: Bool) {
        if let path = ProcessInfo.processInfo.environment["SWIFT_ATTENTION_PICTURES"], !path.isEmpty {
            let url = URL(fileURLWithPath: path)
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
            return (url, true)
        }
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("vis-gallery-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return (url, false)
    }

    static func save(_ canvas: Canvas, _ name: String) throws {
        let folder = try outputFolder()
        let url = folder.url.appendingPathComponent(name)
        try canvas.writePNG(to: url)
        let decoded = try DecodedPNG(Array(try Data(contentsOf: url)))
        #expect(decoded.pixels == canvas.pixels)
        if !folder.keep { try? FileManager.default.removeItem(at: folder.url) }
    }

    @Test func attentionWeightsWithTokens() throws {
        var map = Heatmap(Self.attentionWeights(), title: "Attention weights, layer 0 head 0",
                          rowLabels: Self.tokens, columnLabels: Self.tokens)
        map.rowAxisTitle = "query"
        map.columnAxisTitle = "key"
        map.colorBarLabel = "weight"
        let canvas = map.render()
        #expect((300...1600).contains(canvas.width) && (300...1600).contains(canvas.height))
        try Self.save(canvas, "attention-5x5.png")
    }

    @Test func sinusoidalPositionalEncoding() throws {
        var map = Heatmap(Self.sinusoidalEncoding(positions: 64, dimensions: 128),
                          title: "Sinusoidal positional encoding", colorMap: .blueWhiteRed)
        map.rowAxisTitle = "position"
        map.columnAxisTitle = "dimension"
        map.colorBarLabel = "value"
        let canvas = map.render()
        #expect((300...1600).contains(canvas.width) && (300...1600).contains(canvas.height))
        try Self.save(canvas, "positional-encoding-64x128.png")
    }

    @Test func longRotatedAndNonASCIILabels() throws {
        let tokens = ["<|endoftext|>", "Un", "believ", "##able", "naïve", "café", "🐱", "tokenization", "of", "the",
                      "internationalisation", "."]
        let values = Tensor(shape: [12, 12]) { Float(($0 * 7919) % 101) / 100 }
        var map = Heatmap(values, title: "Long, rotated and non-ASCII labels", rowLabels: tokens, columnLabels: tokens)
        map.rowAxisTitle = "query"
        map.columnAxisTitle = "key"
        let canvas = map.render()
        #expect((300...1600).contains(canvas.width) && (300...1600).contains(canvas.height))
        try Self.save(canvas, "labels-12x12.png")
    }

    @Test func thinMatrix() throws {
        let values = Tensor(shape: [300, 7]) { Float(($0 / 7) % 50) - Float($0 % 7) * 4 }
        let canvas = Heatmap(values, title: "300 x 7", colorMap: .blueWhiteRed).render()
        #expect((300...1600).contains(canvas.width) && (300...1600).contains(canvas.height))
        try Self.save(canvas, "thin-300x7.png")
    }

    @Test func headsGrid() throws {
        let captions = (0..<2).flatMap { layer in (0..<6).map { head in "layer \(layer) head \(head)" } }
        var grid = HeatmapGrid(panels: Self.headPatterns(), captions: captions, columnCount: 6,
                               title: "Attention by head (8 tokens)")
        grid.colorBarLabel = "weight"
        let canvas = grid.render()
        #expect((300...1600).contains(canvas.width) && (300...1600).contains(canvas.height))
        try Self.save(canvas, "heads-2x6.png")
    }
}
