import Testing
@testable import Visualization

@Suite("ColorMap")
struct ColorMapTests {
    @Test func viridisEndpoints() {
        #expect(ColorMap.viridis.color(atFraction: 0) == RGBA(0x44, 0x01, 0x54))
        #expect(ColorMap.viridis.color(atFraction: 1) == RGBA(0xFD, 0xE7, 0x25))
        #expect(ColorMap.viridis.color(for: 3, in: 3...7) == RGBA(0x44, 0x01, 0x54))
        #expect(ColorMap.viridis.color(for: 7, in: 3...7) == RGBA(0xFD, 0xE7, 0x25))
    }

    @Test func valuesOutsideTheRangeClamp() {
        #expect(ColorMap.viridis.color(for: -10, in: 0...1) == ColorMap.viridis.color(atFraction: 0))
        #expect(ColorMap.viridis.color(for: 10, in: 0...1) == ColorMap.viridis.color(atFraction: 1))
    }

    @Test func interpolatesLinearlyBetweenAnchors() {
        let map = ColorMap(name: "test", anchors: [RGBA(0, 0, 0), RGBA(200, 100, 50)])
        #expect(map.color(atFraction: 0.5) == RGBA(100, 50, 25))
        #expect(map.color(for: 2.5, in: 0...10) == RGBA(50, 25, 13))
    }

    @Test func divergingMapIsBlueBelowWhiteAtZeroRedAbove() {
        let map = ColorMap.blueWhiteRed
        let negative = map.color(for: -1, in: -1...1)
        let zero = map.color(for: 0, in: -1...1)
        let positive = map.color(for: 1, in: -1...1)
        #expect(negative.blue > negative.red)
        #expect(positive.red > positive.blue)
        #expect(zero == RGBA(0xF7, 0xF7, 0xF7))
    }

    @Test func viridisGetsBrighterMonotonically() {
        var previous = -1.0
        for step in 0...20 {
            let luminance = ColorMap.viridis.color(atFraction: Double(step) / 20).luminance
            #expect(luminance > previous, "step \(step)")
            previous = luminance
        }
    }

    @Test func defaultRanges() {
        #expect(ColorMap.viridis.defaultRange(for: [0.2, -0.5, 3]) == -0.5...3)
        #expect(ColorMap.blueWhiteRed.defaultRange(for: [0.2, -0.5, 3]) == -3...3)
        #expect(ColorMap.viridis.defaultRange(for: [Float.nan, 1, .infinity]) == 1...1)
        #expect(ColorMap.viridis.defaultRange(for: [Float]()) == 0...1)
    }

    @Test func nanAndDegenerateRanges() {
        #expect(ColorMap.viridis.color(for: .nan, in: 0...1) == ColorMap.viridis.missingColor)
        #expect(ColorMap.viridis.color(for: 5, in: 5...5) == ColorMap.viridis.color(atFraction: 0.5))
    }
}

@Suite("Value labels")
struct ValueFormatTests {
    @Test(arguments: [(Float(0.25), ".25"), (-0.07, "-.07"), (0, "0"), (7.3e-7, ".00"), (-2e-4, "-.00"), (1, "1.00"), (12.34, "12.3"), (2e5, "2.0e5")])
    func cellLabels(value: Float, expected: String) {
        #expect(ValueFormat.cell(value) == expected)
    }
}
