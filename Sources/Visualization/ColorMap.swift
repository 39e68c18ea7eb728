/// A colour scale: a few anchor colours, evenly spaced over [0, 1], with linear interpolation between them.
///
/// For a value *v* in [min, max] the fraction is `t = (v − min) / (max − min)`, clamped to [0, 1]; with *n* anchors,
/// `t` falls between anchors `k = ⌊t · (n − 1)⌋` and `k + 1` and each sRGB channel is mixed linearly. The anchor
/// tables are sampled densely enough from perceptually uniform maps that the linear segments stay close to them.
///
/// - ``viridis``: sequential, dark purple → green → yellow, for non-negative quantities such as attention weights.
/// - ``blueWhiteRed``: diverging, blue for negative, white at zero, red for positive, for signed quantities such as
///   positional encodings or logits; pair it with a range symmetric around 0 (see ``Heatmap``).
///
/// References: van der Walt & Smith, matplotlib viridis (2015); Brewer, ColorBrewer RdBu (colorbrewer2.org).
public struct ColorMap: Sendable, Equatable {
    /// A short name for legends ("viridis").
    public var name: String
    /// Colours at fractions 0, 1/(n−1), …, 1.
    public var anchors: [RGBA]
    /// Whether the middle of the scale means zero, so ranges should be symmetric around 0.
    public var isDiverging: Bool
    /// Shown for NaN values, which have no place on the scale.
    public var missingColor: RGBA

    public init(name: String, anchors: [RGBA], isDiverging: Bool = false, missingColor: RGBA = RGBA(gray: 128)) {
        precondition(anchors.count >= 2, "ColorMap: '\(name)' needs at least 2 anchor colours, got \(anchors.count)")
        self.name = name
        self.anchors = anchors
        self.isDiverging = isDiverging
        self.missingColor = missingColor
    }

    /// matplotlib's viridis at nine evenly spaced points.
    public static let viridis = ColorMap(name: "viridis", anchors: [
        RGBA(0x44, 0x01, 0x54), RGBA(0x47, 0x2C, 0x7A), RGBA(0x3B, 0x51, 0x8B),
        RGBA(0x2C, 0x71, 0x8E), RGBA(0x21, 0x90, 0x8D), RGBA(0x27, 0xAD, 0x81),
        RGBA(0x5C, 0xC8, 0x63), RGBA(0xAA, 0xDC, 0x32), RGBA(0xFD, 0xE7, 0x25),
    ], missingColor: RGBA(gray: 200))

    /// ColorBrewer's 11-class RdBu, reversed so that negative is blue and positive is red, with white at 0.5.
    public static let blueWhiteRed = ColorMap(name: "blue-white-red", anchors: [
        RGBA(0x05, 0x30, 0x61), RGBA(0x21, 0x66, 0xAC), RGBA(0x43, 0x93, 0xC3),
        RGBA(0x92, 0xC5, 0xDE), RGBA(0xD1, 0xE5, 0xF0), RGBA(0xF7, 0xF7, 0xF7),
        RGBA(0xFD, 0xDB, 0xC7), RGBA(0xF4, 0xA5, 0x82), RGBA(0xD6, 0x60, 0x4D),
        RGBA(0xB2, 0x18, 0x2B), RGBA(0x67, 0x00, 0x1F),
    ], isDiverging: true, missingColor: RGBA(gray: 128))

    /// White to black, for printing.
    public static let grays = ColorMap(name: "grays", anchors: [.white, .black], missingColor: RGBA(255, 0, 255))

    /// The colour at fraction `t` of the scale; `t` is clamped to [0, 1] and NaN gives ``missingColor``.
    public func color(atFraction t: Double) -> RGBA {
        guard !t.isNaN else { return missingColor }
        let clamped = min(max(t, 0), 1)
        let position = clamped * Double(anchors.count - 1)
        let lower = min(Int(position), anchors.count - 2)
        let weight = position - Double(lower)
        let a = anchors[lower], b = anchors[lower + 1]
        func mix(_ x: UInt8, _ y: UInt8) -> UInt8 {
            UInt8((Double(x) + (Double(y) - Double(x)) * weight).rounded())
        }
        return RGBA(mix(a.red, b.red), mix(a.green, b.green), mix(a.blue, b.blue))
    }

    /// The colour for `value` on a scale running from `range.lowerBound` to `range.upperBound`.
    ///
    /// Values outside the range take the end colours; a degenerate range (min == max) maps everything to the middle.
    public func color(for value: Float, in range: ClosedRange<Float>) -> RGBA {
        guard !value.isNaN else { return missingColor }
        let span = Double(range.upperBound) - Double(range.lowerBound)
        guard span > 0, span.isFinite else { return color(atFraction: 0.5) }
        return color(atFraction: (Double(value) - Double(range.lowerBound)) / span)
    }

    /// The range a picture of `values` should use: [min, max] of the finite values, or [−m, m] with *m* the largest
    /// magnitude for a diverging map, so that white means exactly zero. `[0, 1]` when nothing is finite.
    public func defaultRange<S: Sequence>(for values: S) -> ClosedRange<Float> where S.Element == Float {
        var low = Float.infinity, high = -Float.infinity
        for value in values where value.isFinite {
            low = min(low, value)
            high = max(high, value)
        }
        guard low <= high else { return 0...1 }
        if isDiverging {
            let magnitude = max(abs(low), abs(high))
            return magnitude > 0 ? -magnitude...magnitude : -1...1
        }
        return low...high
    }
}
