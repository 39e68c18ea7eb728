import CZlib
import Foundation

/// A minimal, independent PNG reader for the tests: splits chunks, checks their CRCs with a table-driven CRC-32
/// written here (not zlib's, so the writer's use of zlib is checked against a second implementation), inflates
/// IDAT with zlib's `uncompress` and undoes the five row filters.
struct DecodedPNG {
    struct Chunk {
        var type: String
        var data: [UInt8]
        var storedCRC: UInt32
        var computedCRC: UInt32
    }

    var chunks: [Chunk] = []
    var width = 0
    var height = 0
    var bitDepth: UInt8 = 0
    var colorType: UInt8 = 0
    /// IDAT after inflating: one filter byte then the filtered row, per row.
    var inflated: [UInt8] = []
    /// Unfiltered RGBA bytes.
    var pixels: [UInt8] = []

    enum Failure: Error { case badSignature, truncated, inflateFailed(Int32), badFilter(UInt8) }

    init(_ bytes: [UInt8]) throws {
        guard bytes.count >= 8, Array(bytes[0..<8]) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] else {
            throw Failure.badSignature
        }
        var offset = 8
        func u32(_ at: Int) -> UInt32 {
            (UInt32(bytes[at]) << 24) | (UInt32(bytes[at + 1]) << 16) | (UInt32(bytes[at + 2]) << 8) | UInt32(bytes[at + 3])
        }
        while offset < bytes.count {
            guard offset + 12 <= bytes.count else { throw Failure.truncated }
            let length = Int(u32(offset))
            guard offset + 12 + length <= bytes.count else { throw Failure.truncated }
            let typeAndData = Array(bytes[(offset + 4)..<(offset + 8 + length)])
            chunks.append(Chunk(type: String(decoding: typeAndData[0..<4], as: UTF8.self),
                                data: Array(typeAndData[4...]),
                                storedCRC: u32(offset + 8 + length),
                                computedCRC: Self.crc32(typeAndData)))
            offset += 12 + length
        }
        guard let header = chunks.first(where: { $0.type == "IHDR" })?.data, header.count == 13 else { throw Failure.truncated }
        let h = header
        width = Int((UInt32(h[0]) << 24) | (UInt32(h[1]) << 16) | (UInt32(h[2]) << 8) | UInt32(h[3]))
        height = Int((UInt32(h[4]) << 24) | (UInt32(h[5]) << 16) | (UInt32(h[6]) << 8) | UInt32(h[7]))
        bitDepth = h[8]
        colorType = h[9]
        let compressed = chunks.filter { $0.type == "IDAT" }.flatMap(\.data)
        let stride = width * 4
        var expected = uLong((stride + 1) * height)
        var output = [UInt8](repeating: 0, count: Int(expected))
        let status = output.withUnsafeMutableBufferPointer { out in
            compressed.withUnsafeBufferPointer { input in
                uncompress(out.baseAddress, &expected, input.baseAddress, uLong(input.count))
            }
        }
        guard status == Z_OK else { throw Failure.inflateFailed(status) }
        inflated = Array(output.prefix(Int(expected)))
        pixels = try Self.unfilter(inflated, stride: stride, height: height)
    }

    static func unfilter(_ data: [UInt8], stride: Int, height: Int) throws -> [UInt8] {
        var result = [UInt8](repeating: 0, count: stride * height)
        for row in 0..<height {
            let type = data[row * (stride + 1)]
            for i in 0..<stride {
                let x = data[row * (stride + 1) + 1 + i]
                let a = i >= 4 ? Int(result[row * stride + i - 4]) : 0
                let b = row > 0 ? Int(result[(row - 1) * stride + i]) : 0
                let c = (i >= 4 && row > 0) ? Int(result[(row - 1) * stride + i - 4]) : 0
                let predictor: Int
                switch type {
                case 0: predictor = 0
                case 1: predictor = a
                case 2: predictor = b
                case 3: predictor = (a + b) / 2
                case 4:
                    let p = a + b - c
                    let pa = abs(p - a), pb = abs(p - b), pc = abs(p - c)
                    predictor = (pa <= pb && pa <= pc) ? a : (pb <= pc ? b : c)
                default: throw Failure.badFilter(type)
                }
                result[row * stride + i] = UInt8((Int(x) + predictor) & 0xFF)
            }
        }
        return result
    }

    /// CRC-32 (ISO 3309, polynomial 0xEDB88320 reflected), as in PNG spec Annex D.
    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return crc ^ 0xFFFF_FFFF
    }
}
