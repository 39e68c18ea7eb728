import Foundation
import TensorCore
import Testing
@testable import Visualization

@Suite("AttentionViewer: HTML page, embedded weights, escaping")
struct AttentionViewerTests {
    /// `[L, H, S, S]` of softmax rows from seeded random scores; causal rows see keys `0...i` only.
    static func weights(layers: Int, heads: Int, tokens s: Int, causal: Bool, seed: UInt64 = 3) -> Tensor {
        var generator = SeededGenerator(seed: seed)
        let scores = Tensor.normal(shape: [layers, heads, s, s], generator: &generator)
        var out = [Float](repeating: 0, count: scores.count)
        for row in 0..<(layers * heads * s) {
            let i = row % s
            let visible = causal ? i + 1 : s
            let values = (0..<visible).map { exp(2 * scores.scalars[row * s + $0]) }
            let total = values.reduce(0, +)
            for j in 0..<visible { out[row * s + j] = values[j] / total }
        }
        return Tensor(shape: [layers, heads, s, s], scalars: out)
    }

    @Test func pageIsOneSelfContainedDocumentWithThreeViews() {
        let maps = Self.weights(layers: 2, heads: 3, tokens: 5, causal: false)
        let html = AttentionViewer(tokens: ["[CLS]", "a", "b", "c", "[SEP]"], weights: maps, title: "T").html()
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.hasSuffix("</html>\n"))
        for id in ["head-canvas", "model-canvas", "matrix-canvas", "attention-data", "layer", "heads", "step"] {
            #expect(html.contains("id=\"\(id)\""), "element #\(id)")
        }
        #expect(html.components(separatedBy: "<script").count - 1 == 2, "the data block and the inline script")
        #expect(html.components(separatedBy: "</script>").count - 1 == 2)
        #expect(html.components(separatedBy: "<style>").count - 1 == 1)
        #expect(!html.contains("http://") && !html.contains("https://") && !html.contains(" src="), "nothing is fetched")
    }

    @Test(arguments: [(false, nil as Int?), (true, nil), (false, 8), (true, 8)])
    func embeddedWeightsDecodeBackToTheWeights(causal: Bool, bits: Int?) throws {
        let (l, h, s) = (3, 4, 9)
        let maps = Self.weights(layers: l, heads: h, tokens: s, causal: causal)
        var viewer = AttentionViewer(tokens: (0..<s).map { "t\($0)" }, weights: maps, isCausal: causal)
        viewer.bits = bits
        #expect(viewer.resolvedBits == (bits ?? 16))
        #expect(viewer.storedCount == l * h * (causal ? s * (s + 1) / 2 : s * s))
        #expect(viewer.encodedWeights().count == viewer.storedCount * viewer.resolvedBits / 8)
        let decoded = try #require(AttentionViewer.decodePage(viewer.html()))
        #expect(decoded.tokens == viewer.tokens)
        #expect(decoded.weights.shape == [l, h, s, s])
        // 16 bits: half a step of 1/65535. 8 bits store √w: |Δw| ≤ 2√w·(half a step of 1/255) + (half a step)².
        let step: Float = 0.5 / Float((1 << viewer.resolvedBits) - 1)
        var worst: Float = 0
        for (decodedValue, weight) in zip(decoded.weights.scalars, maps.scalars) {
            let tolerance = viewer.resolvedBits == 16 ? step + 1e-7 : 2 * weight.squareRoot() * step + step * step + 1e-7
            #expect(abs(decodedValue - weight) <= tolerance, "decoded \(decodedValue) for \(weight)")
            worst = max(worst, abs(decodedValue - weight))
        }
        #expect(worst > 0, "quantized, not exact")
        if viewer.resolvedBits == 8 {
            #expect(zip(decoded.weights.scalars, maps.scalars).allSatisfy { $1 < 1e-5 || $0 > 0 },
                    "weights from 1e-5 up keep a nonzero code")
        }
    }

    @Test func largePagesFallBackToEightBits() {
        let s = 4
        let maps = Tensor(shape: [1, 1, s, s], scalars: [Float](repeating: 0.25, count: s * s))
        let viewer = AttentionViewer(tokens: ["a", "b", "c", "d"], weights: maps)
        #expect(viewer.resolvedBits == 16)
        #expect(AttentionViewer.sixteenBitLimit >= 6 * 12 * 256 * 256, "a 256-token MiniLM page keeps 16 bits")
        #expect(AttentionViewer.sixteenBitLimit < 30 * 9 * 256 * 257 / 2, "a 256-token SmolLM2 page uses 8 bits")
    }

    @Test func tokensAndTitleCannotBreakOutOfTheScriptOrMarkup() throws {
        let tokens = ["</script><script>alert(1)</script>", "\"double\" 'single'", "a&b<i>", "line\nbreak\u{2028}", "\\"]
        let maps = Self.weights(layers: 1, heads: 2, tokens: tokens.count, causal: true)
        let viewer = AttentionViewer(tokens: tokens, weights: maps, title: "</title><script>x</script>\"'", subtitle: "<b>&",
                                     isCausal: true)
        let html = viewer.html()
        #expect(!html.contains("<script>alert"))
        #expect(!html.contains("<i>"))
        #expect(!html.contains("<b>"))
        #expect(html.contains("<title>&lt;/title&gt;&lt;script&gt;x&lt;/script&gt;&quot;&#39;</title>"))
        #expect(html.components(separatedBy: "</script>").count - 1 == 2, "only the page's own script elements close")
        #expect(!html.contains("\u{2028}"))
        let decoded = try #require(AttentionViewer.decodePage(html))
        #expect(decoded.tokens == tokens)
    }

    @Test func jsonStringsRoundTripThroughAJSONParser() throws {
        for text in ["plain", "quote \" backslash \\ slash /", "<>&", "tab\tnul\u{0}", "é 漢字 😀", "\u{2028}\u{2029}"] {
            let literal = AttentionViewer.jsonString(text)
            #expect(!literal.contains("<") && !literal.contains(">"))
            let parsed = try JSONSerialization.jsonObject(with: Data("[\(literal)]".utf8)) as? [String]
            #expect(parsed == [text], "\(text.debugDescription)")
        }
    }

    @Test func generationAndPairsAreRecordedForThePage() throws {
        let maps = Self.weights(layers: 1, heads: 1, tokens: 6, causal: true)
        let page = AttentionViewer(tokens: ["a", "b", "c", "d", "e", "f"], weights: maps, isCausal: true, promptLength: 4,
                                   segments: [0, 0, 0, 1, 1, 1], initialLayer: 0, initialHead: 0).payloadJSON()
        let object = try #require(try JSONSerialization.jsonObject(with: Data(page.utf8)) as? [String: Any])
        #expect(object["prompt"] as? Int == 4)
        #expect(object["causal"] as? Bool == true)
        #expect(object["packing"] as? String == "lower")
        #expect(object["segments"] as? [Int] == [0, 0, 0, 1, 1, 1])
        #expect(object["head"] as? Int == 0)
    }
}
