import CZlib
import Foundation

/// A picture file (PNG, SVG) that could not be written: which path, and why.
///
/// ```
/// /no/such/dir/attention.png: could not write the PNG file (The folder “dir” doesn’t exist.)
/// ```
public struct ImageWriteError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The path the caller asked for.
    public var path: String
    /// A sentence saying what went wrong, without the path.
    public var problem: String

    public init(path: String, problem: String) {
        self.path = path
        self.problem = problem
    }

    /// `"<path>: <problem>"`.
    public var description: String { "\(path): \(problem)" }
}

extension ImageWriteError: LocalizedError {
    public var errorDescription: String? { description }
}

/// How `PNGWriter` chooses the per-row filter (PNG spec §9).
public enum PNGFilterStrategy: Sendable {
    /// Filter type 0 on every row: the compressed stream holds the raw bytes behind a 0 per row.
    case none
    /// For each row, the filter (None, Sub, Up, Average, Paeth) whose output has the smallest sum of absolute
    /// values as signed bytes, the heuristic the PNG spec recommends. Smaller files for smooth pictures.
    case adaptive
}

/// Encodes 8-bit RGBA pixels as a PNG file.
///
/// Layout: the 8-byte signature, then chunks `IHDR` (size, bit depth 8, colour type 6 = RGBA, no interlace),
/// one `IDAT` (the filtered rows compressed with zlib's `compress2`) and `IEND`. Each chunk is
/// `length (4 bytes, big-endian) · type (4) · data · CRC-32 of type and data (4)`, the CRC from zlib's `crc32`.
///
/// Reference: PNG Specification, 3rd edition, W3C (https://www.w3.org/TR/png-3/).
public enum PNGWriter {
    /// The eight bytes every PNG file starts with.
    public static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// The PNG file for `rgba`, `[height, width, 4]` bytes in row-major order.
    /// - Precondition: `rgba.count == width * height * 4`.
    /// - Complexity: O(width · height), plus zlib's compression.
    public static func encode(width: Int, height: Int, rgba: [UInt8], filter: PNGFilterStrategy = .adaptive,
                              compressionLevel: Int32 = 6) -> [UInt8] {
        precondition(width > 0 && height > 0, "PNGWriter: size \(width)x\(height) must be positive")
        precondition(rgba.count == width * height * 4,
                     "PNGWriter: \(rgba.count) bytes do not fill \(width)x\(height) RGBA pixels (\(width * height * 4) needed)")
        var header = [UInt8]()
        header += bigEndian(UInt32(width))
        header += bigEndian(UInt32(height))
        header += [8, 6, 0, 0, 0]   // bit depth, colour type RGBA, deflate, adaptive filtering, no interlace

        var file = signature
        file += chunk("IHDR", header)
        file += chunk("IDAT", compress(filteredRows(width: width, height: height, rgba: rgba, filter: filter),
                                       level: compressionLevel))
        file += chunk("IEND", [])
        return file
    }

    /// Writes `rgba` as a PNG file at `url`, replacing any file there.
    /// - Throws: ``ImageWriteError`` naming the path when the file cannot be written.
    public static func write(width: Int, height: Int, rgba: [UInt8], to url: URL,
                             filter: PNGFilterStrategy = .adaptive) throws(ImageWriteError) {
        let bytes = encode(width: width, height: height, rgba: rgba, filter: filter)
        try writeFile(Data(bytes), to: url, kind: "PNG")
    }

    /// The rows each prefixed with their filter type byte: the uncompressed content of `IDAT`.
    static func filteredRows(width: Int, height: Int, rgba: [UInt8], filter: PNGFilterStrategy) -> [UInt8] {
        let stride = width * 4
        var output = [UInt8]()
        output.reserveCapacity((stride + 1) * height)
        var candidate = [UInt8](repeating: 0, count: stride)
        var best = [UInt8](repeating: 0, count: stride)
        rgba.withUnsafeBufferPointer { pixels in
            for row in 0..<height {
                let current = row * stride
                let previous = row > 0 ? current - stride : -1
                guard filter == .adaptive else {
                    output.append(0)
                    output += pixels[current..<current + stride]
                    continue
                }
                var bestType: UInt8 = 0
                var bestCost = Int.max
                for type: UInt8 in 0...4 {
                    var cost = 0
                    for i in 0..<stride {
                        let x = pixels[current + i]
                        let a = i >= 4 ? pixels[current + i - 4] : 0
                        let b = previous >= 0 ? pixels[previous + i] : 0
                        let c = (i >= 4 && previous >= 0) ? pixels[previous + i - 4] : 0
                        let predictor: UInt8
                        switch type {
                        case 0: predictor = 0
                        case 1: predictor = a
                        case 2: predictor = b
                        case 3: predictor = UInt8((Int(a) + Int(b)) / 2)
                        default: predictor = paeth(a, b, c)
                        }
                        let value = x &- predictor
                        candidate[i] = value
                        cost += Int(min(value, 0 &- value))   // |value| read as a signed byte
                    }
                    if cost < bestCost {
                        bestCost = cost
                        bestType = type
                        swap(&best, &candidate)
                    }
                }
                output.append(bestType)
                output += best
            }
        }
        return output
    }

    /// The Paeth predictor: whichever of left `a`, above `b`, upper-left `c` is closest to `a + b − c`.
    static func paeth(_ a: UInt8, _ b: UInt8, _ c: UInt8) -> UInt8 {
        let p = Int(a) + Int(b) - Int(c)
        let pa = abs(p - Int(a)), pb = abs(p - Int(b)), pc = abs(p - Int(c))
        if pa <= pb && pa <= pc { return a }
        return pb <= pc ? b : c
    }

    /// zlib's `crc32` of `bytes` continuing from `initial`.
    static func crc(_ bytes: [UInt8], initial: UInt = 0) -> UInt32 {
        bytes.withUnsafeBufferPointer { buffer in
            UInt32(truncatingIfNeeded: crc32(initial, buffer.baseAddress, uInt(buffer.count)))
        }
    }

    private static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let typeBytes = Array(type.utf8)
        precondition(typeBytes.count == 4, "PNGWriter: chunk type '\(type)' must be four ASCII letters")
        return bigEndian(UInt32(data.count)) + typeBytes + data + bigEndian(crc(typeBytes + data))
    }

    private static func compress(_ bytes: [UInt8], level: Int32) -> [UInt8] {
        var capacity = compressBound(uLong(bytes.count))
        var output = [UInt8](repeating: 0, count: Int(capacity))
        let status = output.withUnsafeMutableBufferPointer { destination in
            bytes.withUnsafeBufferPointer { source in
                compress2(destination.baseAddress, &capacity, source.baseAddress, uLong(source.count), level)
            }
        }
        // compressBound guarantees room, so only a broken zlib could fail here.
        precondition(status == Z_OK, "PNGWriter: zlib compress2 failed with status \(status)")
        return Array(output.prefix(Int(capacity)))
    }

    private static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
    }
}

/// Writes `data` to `url` atomically, turning Foundation's error into an ``ImageWriteError`` that names the path.
func writeFile(_ data: Data, to url: URL, kind: String) throws(ImageWriteError) {
    do {
        try data.write(to: url, options: .atomic)
    } catch {
        throw ImageWriteError(path: url.path,
                              problem: "could not write the \(kind) file (\(error.localizedDescription))")
    }
}

extension Canvas {
    /// The canvas encoded as a PNG file.
    public func pngData(filter: PNGFilterStrategy = .adaptive) -> Data {
        Data(PNGWriter.encode(width: width, height: height, rgba: pixels, filter: filter))
    }

    /// Writes the canvas as an RGBA PNG file at `url`.
    /// - Throws: ``ImageWriteError`` naming the path when it cannot be written (missing folder, no permission).
    public func writePNG(to url: URL, filter: PNGFilterStrategy = .adaptive) throws(ImageWriteError) {
        try PNGWriter.write(width: width, height: height, rgba: pixels, to: url, filter: filter)
    }
}
