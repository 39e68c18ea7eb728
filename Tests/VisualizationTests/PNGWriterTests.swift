import Foundation
import Testing
@testable import Visualization

@Suite("PNGWriter")
struct PNGWriterTests {
    /// A 7×5 picture with every channel varying, alpha included, so a swapped channel or row would show.
    static func samplePixels(width: Int = 7, height: Int = 5) -> [UInt8] {
        (0..<(width * height * 4)).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ ($0 >> 3) &* 11) }
    }

    @Test func signatureChunkOrderAndCRCs() throws {
        let bytes = PNGWriter.encode(width: 7, height: 5, rgba: Self.samplePixels())
        #expect(Array(bytes.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        let png = try DecodedPNG(bytes)
        #expect(png.chunks.map(\.type) == ["IHDR", "IDAT", "IEND"])
        for chunk in png.chunks {
            #expect(chunk.storedCRC == chunk.computedCRC, "CRC of \(chunk.type)")
        }
        #expect(png.chunks.last?.data.isEmpty == true)
        #expect(png.chunks.last?.storedCRC == 0xAE42_6082)   // every PNG's IEND chunk ends with these bytes
        #expect(png.width == 7 && png.height == 5)
        #expect(png.bitDepth == 8 && png.colorType == 6)
        #expect(png.chunks[0].data[10...] == [0, 0, 0])   // deflate, standard filtering, no interlace
    }

    @Test func zlibCRCMatchesTheSpecification() {
        let data = Array("IEND".utf8)
        #expect(PNGWriter.crc(data) == 0xAE42_6082)
        #expect(PNGWriter.crc(Array("123456789".utf8)) == 0xCBF4_3926)   // the standard CRC-32 check value
    }

    @Test func unfilteredIDATInflatesToRowsBehindZeroBytes() throws {
        let pixels = Self.samplePixels()
        let png = try DecodedPNG(PNGWriter.encode(width: 7, height: 5, rgba: pixels, filter: .none))
        var expected = [UInt8]()
        for row in 0..<5 { expected += [0] + pixels[(row * 28)..<(row * 28 + 28)] }
        #expect(png.inflated == expected)
        #expect(png.pixels == pixels)
    }

    @Test(arguments: [(1, 1), (3, 2), (7, 5), (33, 17)])
    func adaptiveFilteringRoundTrips(width: Int, height: Int) throws {
        let pixels = Self.samplePixels(width: width, height: height)
        let png = try DecodedPNG(PNGWriter.encode(width: width, height: height, rgba: pixels, filter: .adaptive))
        #expect(png.pixels == pixels)
        #expect(png.inflated.count == (width * 4 + 1) * height)
    }

    @Test func adaptiveFilteringShrinksSmoothPictures() {
        var canvas = Canvas(width: 200, height: 100)
        for y in 0..<100 {
            for x in 0..<200 { canvas[x, y] = ColorMap.viridis.color(atFraction: Double(x + y) / 300) }
        }
        let plain = canvas.pngData(filter: .none).count
        let adaptive = canvas.pngData(filter: .adaptive).count
        #expect(adaptive < plain, "adaptive \(adaptive) bytes, unfiltered \(plain) bytes")
    }

    @Test func writesTheSameBytesToDisk() throws {
        var canvas = Canvas(width: 4, height: 3, background: RGBA(10, 20, 30, 200))
        canvas[1, 2] = .white
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("vis-\(UUID().uuidString).png")
        defer { try? FileManager.default.removeItem(at: url) }
        try canvas.writePNG(to: url)
        let onDisk = try Data(contentsOf: url)
        #expect(onDisk == canvas.pngData())
        #expect(try DecodedPNG(Array(onDisk)).pixels == canvas.pixels)
    }

    @Test func unwritablePathThrowsAnErrorNamingIt() {
        let url = URL(fileURLWithPath: "/nonexistent-\(UUID().uuidString)/picture.png")
        #expect {
            try Canvas(width: 2, height: 2).writePNG(to: url)
        } throws: { error in
            guard let error = error as? ImageWriteError else { return false }
            return error.path == url.path && error.description.hasPrefix(url.path + ": ")
        }
    }
}
