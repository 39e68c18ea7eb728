import Foundation
import TensorCore

/// A self-contained HTML page that shows attention weights: one file with inline CSS and JavaScript, no network,
/// opened straight from disk.
///
/// The page has three views of the weights `w[l, h, i, j]` (layer l, head h, query token i, key token j):
/// - **head view**: queries on the left, keys on the right, a line from i to j for each selected head whose opacity is
///   the weight; hovering a token isolates its lines, clicking pins it;
/// - **model view**: every layer × head as a small heatmap on one canvas; clicking one opens it in the matrix view;
/// - **matrix view**: the mean over the selected heads with token labels, a colour scale, and per-token totals (the
///   key each query attends to most, and how much attention each key receives).
///
/// For a decoder (``isCausal``) the hidden upper triangle is drawn grey, and when tokens were generated
/// (``promptLength`` < token count) a step slider replays generation: step s shows the first `prompt + s` tokens and
/// focuses on the newest query, whose attention chose the next token.
///
/// Weights are embedded compactly: quantized to 16 bits (8 bits for very large pages), only the lower triangle for
/// causal maps, base64 in a JSON block. Everything is drawn on canvases, so 256 tokens stay responsive.
///
/// ```swift
/// let viewer = AttentionViewer(tokens: ["[CLS]", "hi", "[SEP]"], weights: maps)   // maps: [L, H, 3, 3]
/// try viewer.write(to: URL(fileURLWithPath: "view.html"))
/// ```
public struct AttentionViewer: Sendable {
    /// The page title (escaped).
    public var title: String
    /// A line under the title naming the model.
    public var subtitle: String
    /// One label per position (any text: escaped for HTML and JSON, drawn as text, never parsed as markup).
    public var tokens: [String]
    /// `[L, H, S, S]`, row-major; rows normally sum to 1.
    public var weights: [Float]
    public var layerCount: Int
    public var headCount: Int
    /// A causal (decoder) map: keys after the query are hidden, drawn grey, and not stored.
    public var isCausal: Bool
    /// Positions before this are the prompt; the rest were generated (replayed by the step slider).
    public var promptLength: Int
    /// Sentence of each position (0 = A, 1 = B) for a sentence pair; `nil` for one text.
    public var segments: [Int]?
    /// The layer shown first.
    public var initialLayer: Int
    /// The head shown first; `nil` selects every head.
    public var initialHead: Int?
    /// Bits per stored weight (16 or 8, see ``encodedWeights()``); `nil` picks 16 unless that makes the page very large.
    public var bits: Int?

    /// - Parameters:
    ///   - tokens: S labels.
    ///   - weights: `[L, H, S, S]`.
    public init(tokens: [String], weights: Tensor, title: String = "Attention", subtitle: String = "",
                isCausal: Bool = false, promptLength: Int? = nil, segments: [Int]? = nil,
                initialLayer: Int = 0, initialHead: Int? = nil) {
        precondition(weights.rank == 4 && weights.shape[2] == tokens.count && weights.shape[3] == tokens.count,
                     "AttentionViewer: weights \(weights.shape) must be [layers, heads, \(tokens.count), \(tokens.count)]")
        precondition(!tokens.isEmpty && weights.shape[0] > 0 && weights.shape[1] > 0, "AttentionViewer: empty weights \(weights.shape)")
        precondition(segments == nil || segments!.count == tokens.count, "AttentionViewer: one segment per token")
        precondition((0..<weights.shape[0]).contains(initialLayer), "AttentionViewer: layer \(initialLayer) outside 0..<\(weights.shape[0])")
        precondition(initialHead.map { (0..<weights.shape[1]).contains($0) } ?? true, "AttentionViewer: head \(initialHead!) out of range")
        self.title = title
        self.subtitle = subtitle
        self.tokens = tokens
        self.weights = weights.scalars
        layerCount = weights.shape[0]
        headCount = weights.shape[1]
        self.isCausal = isCausal
        self.promptLength = min(max(promptLength ?? tokens.count, 1), tokens.count)
        self.segments = segments
        self.initialLayer = initialLayer
        self.initialHead = initialHead
    }

    /// Above this many stored weights a page uses 8 bits per weight instead of 16 (about 12 MB of base64 either way).
    public static let sixteenBitLimit = 6_000_000

    /// Stored weights: the whole `S × S` map, or its lower triangle (`S(S+1)/2`) when causal.
    public var storedCount: Int {
        let s = tokens.count
        return layerCount * headCount * (isCausal ? s * (s + 1) / 2 : s * s)
    }

    /// The bits per weight this page uses.
    public var resolvedBits: Int { bits ?? (storedCount <= Self.sixteenBitLimit ? 16 : 8) }

    /// The weights quantized, in `[l][h][i][j]` order (`j ≤ i` when causal): 16 bits as `round(w · 65535)`
    /// little-endian; 8 bits as `round(√w · 255)`, so small weights keep their size (`w = (q / 255)²`) instead of
    /// rounding to zero and rows still sum to about 1 over hundreds of keys.
    public func encodedWeights() -> Data {
        let bits = resolvedBits
        precondition(bits == 8 || bits == 16, "AttentionViewer: bits must be 8 or 16, got \(bits)")
        let s = tokens.count
        let top = Float((1 << bits) - 1)
        var bytes = [UInt8]()
        bytes.reserveCapacity(storedCount * bits / 8)
        weights.withUnsafeBufferPointer { w in
            for map in 0..<(layerCount * headCount) {
                for i in 0..<s {
                    let row = (map * s + i) * s
                    for j in 0..<(isCausal ? i + 1 : s) {
                        let value = w[row + j]
                        let clamped = value.isFinite ? min(max(value, 0), 1) : 0
                        let q = UInt16((bits == 8 ? clamped.squareRoot() : clamped) * top + 0.5)
                        bytes.append(UInt8(q & 0xFF))
                        if bits == 16 { bytes.append(UInt8(q >> 8)) }
                    }
                }
            }
        }
        return Data(bytes)
    }

    /// The JSON the page reads, safe inside `<script>`: `<`, `>`, `&`, U+2028 and U+2029 are written as `\uXXXX`.
    public func payloadJSON() -> String {
        var fields: [String] = [
            "\"title\": \(Self.jsonString(title))",
            "\"subtitle\": \(Self.jsonString(subtitle))",
            "\"tokens\": [\(tokens.map(Self.jsonString).joined(separator: ","))]",
            "\"layers\": \(layerCount)", "\"heads\": \(headCount)",
            "\"causal\": \(isCausal)", "\"prompt\": \(promptLength)",
            "\"layer\": \(initialLayer)", "\"head\": \(initialHead.map(String.init) ?? "null")",
            "\"segments\": \(segments.map { "[" + $0.map(String.init).joined(separator: ",") + "]" } ?? "null")",
            "\"bits\": \(resolvedBits)", "\"packing\": \"\(isCausal ? "lower" : "full")\"",
        ]
        fields.append("\"weights\": \"\(encodedWeights().base64EncodedString())\"")
        return "{" + fields.joined(separator: ", ") + "}"
    }

    /// The whole page.
    public func html() -> String {
        """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(Self.escapeHTML(title))</title>
        <style>\(Self.styleSheet)</style>
        </head><body>
        \(Self.bodyMarkup(title: Self.escapeHTML(title), subtitle: Self.escapeHTML(subtitle)))
        <script id="attention-data" type="application/json">\(payloadJSON())</script>
        <script>\(Self.script)</script>
        </body></html>

        """
    }

    /// Writes ``html()`` to `url`.
    public func write(to url: URL) throws(ImageWriteError) {
        do { try Data(html().utf8).write(to: url) } catch {
            throw ImageWriteError(path: url.path, problem: "cannot write the page: \(error.localizedDescription)")
        }
    }

    /// Reads back the payload of a page this type wrote: tokens and weights `[L, H, S, S]` (dequantized).
    /// - Returns: `nil` when the page holds no payload or it is malformed.
    public static func decodePage(_ html: String) -> (tokens: [String], weights: Tensor)? {
        let open = "<script id=\"attention-data\" type=\"application/json\">"
        guard let start = html.range(of: open), let end = html.range(of: "</script>", range: start.upperBound..<html.endIndex),
              let object = try? JSONSerialization.jsonObject(with: Data(html[start.upperBound..<end.lowerBound].utf8)) as? [String: Any],
              let tokens = object["tokens"] as? [String], let l = object["layers"] as? Int, let h = object["heads"] as? Int,
              let bits = object["bits"] as? Int, let packing = object["packing"] as? String,
              let text = object["weights"] as? String, let data = Data(base64Encoded: text) else { return nil }
        let s = tokens.count
        let lower = packing == "lower"
        let expected = l * h * (lower ? s * (s + 1) / 2 : s * s) * bits / 8
        guard data.count == expected else { return nil }
        let bytes = [UInt8](data)
        let top = Float((1 << bits) - 1)
        var out = [Float](repeating: 0, count: l * h * s * s)
        var k = 0
        for map in 0..<(l * h) {
            for i in 0..<s {
                for j in 0..<(lower ? i + 1 : s) {
                    let q = bits == 16 ? Int(bytes[2 * k]) | Int(bytes[2 * k + 1]) << 8 : Int(bytes[k])
                    let fraction = Float(q) / top
                    out[(map * s + i) * s + j] = bits == 8 ? fraction * fraction : fraction
                    k += 1
                }
            }
        }
        return (tokens, Tensor(shape: [l, h, s, s], scalars: out))
    }

    /// `&`, `<`, `>`, `"` and `'` as character references.
    static func escapeHTML(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }

    /// A JSON string literal that can sit inside a `<script>` element.
    static func jsonString(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "<", ">", "&", "\u{2028}", "\u{2029}":
                out += String(format: "\\u%04x", scalar.value)
            default:
                if scalar.value < 0x20 { out += String(format: "\\u%04x", scalar.value) } else { out.unicodeScalars.append(scalar) }
            }
        }
        return out + "\""
    }
}
