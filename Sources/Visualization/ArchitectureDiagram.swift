import Foundation

/// A block diagram of an encoder–decoder transformer ("Attention Is All You Need", Figure 1), drawn from the
/// model's actual sizes, as SVG text and as a raster `Canvas` (for PNG).
///
/// Data flows top to bottom: embeddings, the encoder layer (repeated N times) with its residual connections, the
/// memory arrow into the decoder's cross-attention, the decoder layer (repeated M times), the output head. With
/// `isPreNorm` each LayerNorm sits before its sublayer (GPT-2, Llama, `norm_first=True`); otherwise after the
/// residual addition (the paper, BERT). `decoderLayerCount = 0` draws an encoder-only model.
///
/// ```
/// let diagram = TransformerDiagram(modelDimension: 32, headCount: 4, feedForwardDimension: 64,
///                                  encoderLayerCount: 2, decoderLayerCount: 2, activation: "relu", isPreNorm: false)
/// try diagram.svg().write(to: URL(fileURLWithPath: "transformer.svg"))
/// try diagram.render().writePNG(to: URL(fileURLWithPath: "transformer.png"))
/// ```
public struct TransformerDiagram: Sendable {
    public var modelDimension: Int
    public var headCount: Int
    public var feedForwardDimension: Int
    public var encoderLayerCount: Int
    public var decoderLayerCount: Int
    /// The feed-forward activation's name ("relu", "gelu").
    public var activation: String
    public var isPreNorm: Bool
    /// Whether each stack ends in a LayerNorm (as `torch.nn.Transformer`).
    public var hasFinalNorms: Bool
    /// Drawn above the diagram.
    public var title: String
    /// Drawn below it (e.g. the parameter count).
    public var footer: String?

    public init(modelDimension: Int, headCount: Int, feedForwardDimension: Int, encoderLayerCount: Int,
                decoderLayerCount: Int, activation: String, isPreNorm: Bool, hasFinalNorms: Bool = true,
                title: String = "Transformer", footer: String? = nil) {
        self.modelDimension = modelDimension
        self.headCount = headCount
        self.feedForwardDimension = feedForwardDimension
        self.encoderLayerCount = encoderLayerCount
        self.decoderLayerCount = decoderLayerCount
        self.activation = activation
        self.isPreNorm = isPreNorm
        self.hasFinalNorms = hasFinalNorms
        self.title = title
        self.footer = footer
    }

    /// The diagram as SVG.
    public func svg() -> SVGDocument {
        let layout = self.layout()
        var svg = SVGDocument(width: Double(layout.width), height: Double(layout.height))
        for shape in layout.shapes {
            switch shape {
            case let .frame(x, y, w, h, label):
                svg.rect(x: Double(x), y: Double(y), width: Double(w), height: Double(h), fill: "#f7f7f7", stroke: "#999999",
                         strokeWidth: 1.5, cornerRadius: 10)
                svg.text(label, x: Double(x + 10), y: Double(y + 19), fontSize: 14, fill: "#555555", bold: true)
            case let .box(x, y, w, h, label, fill):
                svg.rect(x: Double(x), y: Double(y), width: Double(w), height: Double(h), fill: fill.hexString,
                         stroke: "#333333", strokeWidth: 1.5, cornerRadius: 6)
                svg.text(label, x: Double(x + w / 2), y: Double(y + h / 2 + 5), fontSize: 14, anchor: .middle)
            case let .arrow(points):
                for (a, b) in zip(points, points.dropFirst().dropLast()) {
                    svg.line(fromX: Double(a.0), y: Double(a.1), toX: Double(b.0), y: Double(b.1), strokeWidth: 1.5)
                }
                let (a, b) = (points[points.count - 2], points[points.count - 1])
                svg.arrow(fromX: Double(a.0), y: Double(a.1), toX: Double(b.0), y: Double(b.1))
            case let .text(x, y, label, scale, centered):
                svg.text(label, x: Double(x), y: Double(y + 6 * scale), fontSize: Double(7 * scale),
                         anchor: centered ? .middle : .start, bold: scale >= 3)
            }
        }
        return svg
    }

    /// The diagram as pixels (text in the built-in bitmap font).
    public func render() -> Canvas {
        let layout = self.layout()
        var canvas = Canvas(width: layout.width, height: layout.height)
        for shape in layout.shapes {
            switch shape {
            case let .frame(x, y, w, h, label):
                canvas.fillRect(x: x, y: y, width: w, height: h, color: RGBA(247, 247, 247))
                canvas.strokeRect(x: x, y: y, width: w, height: h, color: RGBA(gray: 153), thickness: 2)
                canvas.drawText(label, x: x + 10, y: y + 8, color: RGBA(gray: 85), scale: 2)
            case let .box(x, y, w, h, label, fill):
                canvas.fillRect(x: x, y: y, width: w, height: h, color: fill)
                canvas.strokeRect(x: x, y: y, width: w, height: h, color: RGBA(gray: 51), thickness: 2)
                let textWidth = BitmapFont.width(of: label, scale: 2)
                canvas.drawText(label, x: x + (w - textWidth) / 2, y: y + (h - BitmapFont.height(scale: 2)) / 2, scale: 2)
            case let .arrow(points):
                for (a, b) in zip(points, points.dropFirst()) {
                    canvas.drawLine(fromX: Double(a.0), y: Double(a.1), toX: Double(b.0), y: Double(b.1), color: .ink, thickness: 2)
                }
                let (a, b) = (points[points.count - 2], points[points.count - 1])
                let angle = atan2(Double(b.1 - a.1), Double(b.0 - a.0))
                for side in [-0.45, 0.45] {
                    canvas.drawLine(fromX: Double(b.0), y: Double(b.1), toX: Double(b.0) - 10 * cos(angle + side),
                                    y: Double(b.1) - 10 * sin(angle + side), color: .ink, thickness: 2)
                }
            case let .text(x, y, label, scale, centered):
                let textWidth = BitmapFont.width(of: label, scale: scale)
                canvas.drawText(label, x: centered ? x - textWidth / 2 : x, y: y, scale: scale)
            }
        }
        return canvas
    }

    // MARK: - Layout

    enum Shape {
        case frame(Int, Int, Int, Int, String)
        case box(Int, Int, Int, Int, String, RGBA)
        case arrow([(Int, Int)])
        /// x (left, or centre when `centered`), top y, label, font scale.
        case text(Int, Int, String, Int, Bool)
    }

    struct Layout {
        var shapes: [Shape] = []
        var width = 0
        var height = 0
    }

    private enum Role { case embedding, attention, feedForward, norm, output }

    private static func color(_ role: Role) -> RGBA {
        switch role {
        case .embedding: return RGBA(246, 213, 229)
        case .attention: return RGBA(253, 222, 190)
        case .feedForward: return RGBA(207, 226, 243)
        case .norm: return RGBA(242, 238, 180)
        case .output: return RGBA(210, 238, 210)
        }
    }

    static let columnWidth = 400, boxHeight = 34, gap = 20, margin = 40, columnGap = 110, residualOffset = 18

    /// Stacks boxes down one column and returns the y after the last one; records the box centres by name.
    private func layout() -> Layout {
        var layout = Layout()
        let w = Self.columnWidth, h = Self.boxHeight, gap = Self.gap
        let encoderX = Self.margin + Self.residualOffset
        let decoderX = encoderX + w + Self.columnGap
        let hasDecoder = decoderLayerCount > 0
        let d = modelDimension
        let attentionLabel = "self-attention, \(headCount) heads"
        let feedForwardLabel = "feed-forward \(d)-\(feedForwardDimension)-\(d), \(activation)"
        layout.shapes.append(.text(Self.margin, 16, title, 3, false))
        let top = 16 + BitmapFont.height(scale: 3) + 20

        /// Draws one column; `sublayers` are (label, role) pairs, each wrapped with norm and residual.
        func column(x: Int, input: String, embedding: String, repeatCount: Int, frameLabel: String,
                    sublayers: [(String, Role)], tail: [(String, Role)], residualOnRight: Bool) -> (end: Int, boxTops: [String: Int]) {
            var y = top
            var tops: [String: Int] = [:]
            layout.shapes.append(.text(x + w / 2, y, input, 2, true))
            y += BitmapFont.height(scale: 2) + 4
            /// A box below the current y, with an arrow from `arrowFrom` (default: the current y) into it.
            func box(_ label: String, _ role: Role, arrowFrom: Int? = nil, arrowLength: Int = gap) {
                layout.shapes.append(.arrow([(x + w / 2, arrowFrom ?? y), (x + w / 2, y + arrowLength)]))
                y += arrowLength
                layout.shapes.append(.box(x, y, w, h, label, Self.color(role)))
                tops[label] = y
                y += h
            }
            box(embedding, .embedding)
            box("+ sinusoidal positional encoding", .embedding)
            // The repeated layer, inside a frame.
            layout.shapes.append(.arrow([(x + w / 2, y), (x + w / 2, y + gap)]))
            y += gap
            let frameTop = y
            let frameIndex = layout.shapes.count
            layout.shapes.append(.frame(0, 0, 0, 0, ""))  // placeholder, sized below
            var first = true
            for (label, role) in sublayers {
                let arrowLength = first ? 44 : gap
                // The first residual branch starts below the frame's label, so the line never crosses it.
                let residualStart = y + arrowLength / 2 + (first ? 14 : 0)
                if isPreNorm {
                    box("LayerNorm", .norm, arrowLength: arrowLength)
                    box(label, role)
                    box("add (residual)", .norm)
                } else {
                    box(label, role, arrowLength: arrowLength)
                    box("add & LayerNorm", .norm)
                }
                // Residual: from just above the block down the side into the add box.
                let side = residualOnRight ? x + w + Self.residualOffset : x - Self.residualOffset
                let edge = residualOnRight ? x + w : x
                let addMiddle = y - h / 2
                layout.shapes.append(.arrow([(x + w / 2, residualStart), (side, residualStart), (side, addMiddle), (edge, addMiddle)]))
                first = false
            }
            let exit = y
            y += 14
            layout.shapes[frameIndex] = .frame(x - Self.residualOffset - 10, frameTop, w + 2 * Self.residualOffset + 20, y - frameTop, frameLabel)
            layout.shapes.append(.text(x + w + Self.residualOffset + 16, frameTop + (y - frameTop) / 2 - 8, "x\(repeatCount)", 2, false))
            for (index, (label, role)) in tail.enumerated() {
                box(label, role, arrowFrom: index == 0 ? exit : nil)
            }
            if tail.isEmpty { y = exit }
            return (y, tops)
        }

        let encoderTail: [(String, Role)] = hasFinalNorms ? [("final LayerNorm", .norm)] : []
        let encoder = column(x: encoderX, input: "source tokens", embedding: "input embedding, d_model \(d)",
                             repeatCount: encoderLayerCount, frameLabel: "encoder layer",
                             sublayers: [(attentionLabel, .attention), (feedForwardLabel, .feedForward)],
                             tail: encoderTail, residualOnRight: false)
        var bottom = encoder.end
        var width = encoderX + w + Self.residualOffset + 60
        if hasDecoder {
            let crossLabel = "cross-attention to memory"
            var decoderTail: [(String, Role)] = hasFinalNorms ? [("final LayerNorm", .norm)] : []
            decoderTail += [("linear to vocabulary", .output), ("softmax over the vocabulary", .output)]
            let decoder = column(x: decoderX, input: "target tokens (shifted right)", embedding: "output embedding, d_model \(d)",
                                 repeatCount: decoderLayerCount, frameLabel: "decoder layer",
                                 sublayers: [("masked " + attentionLabel, .attention), (crossLabel, .attention),
                                             (feedForwardLabel, .feedForward)],
                                 tail: decoderTail, residualOnRight: true)
            // Memory: from the encoder's output into the cross-attention's left edge.
            let crossTop = decoder.boxTops[crossLabel]!
            let midX = encoderX + w + Self.residualOffset + 50
            let start = (encoderX + w / 2, encoder.end)
            layout.shapes.append(.arrow([start, (start.0, encoder.end + 24), (midX, encoder.end + 24),
                                         (midX, crossTop + h / 2), (decoderX, crossTop + h / 2)]))
            layout.shapes.append(.text(encoderX + w / 2 + 10, encoder.end + 30, "memory (keys, values)", 2, false))
            bottom = max(bottom + 24 + 40, decoder.end)
            width = decoderX + w + Self.residualOffset + 60
        }
        if let footer {
            layout.shapes.append(.text(Self.margin, bottom + 24, footer, 2, false))
            bottom += 24 + BitmapFont.height(scale: 2)
        }
        layout.width = width
        layout.height = bottom + 30
        return layout
    }
}
