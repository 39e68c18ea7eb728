import Foundation
import Testing
import TensorCore
import _TestSupport

/// `attention lesson` and `attention tour` as a learner runs them: explanations on stdout, valid pictures on disk.
@Suite("attention CLI: lessons and tour")
struct LessonCommandTests {
    let directory: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("attention-lessons-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }()

    /// Width and height from a PNG's IHDR chunk, after checking the signature.
    static func pngSize(_ url: URL) throws -> (width: Int, height: Int) {
        let data = try Data(contentsOf: url)
        #expect(data.count > 33 && data.prefix(8) == Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]), "\(url.lastPathComponent) is a PNG")
        guard data.count > 33 else { return (0, 0) }
        func int(_ at: Int) -> Int { data[at..<(at + 4)].reduce(0) { $0 << 8 | Int($1) } }
        return (int(16), int(20))
    }

    @Test(arguments: [
        ("self-attention", ["self-attention-scores.png", "self-attention-weights.png"], "'cat' (position 1) attends most to 'cat'"),
        ("multi-head", ["multi-head.png"], "head 3:"),
        ("positional-encoding", ["positional-encoding.png", "positional-similarity.png"], "PE[1, 0] = sin(1) = 0.84"),
        ("encoder", ["transformer.png", "transformer.svg", "encoder-attention.png"], "Layers and parameters:"),
        ("soft-vs-hard", ["soft-vs-hard.png"], "argmax"),
    ])
    func lessonExplainsAndWritesItsPictures(lesson: String, pictures: [String], phrase: String) throws {
        let folder = directory.appendingPathComponent(lesson)
        let result = try CommandRunner.run(["lesson", lesson, "--output", folder.path])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput.contains(phrase), "lesson \(lesson) says \(phrase.debugDescription)")
        for picture in pictures {
            let url = folder.appendingPathComponent(picture)
            #expect(FileManager.default.fileExists(atPath: url.path), "\(lesson) wrote \(picture)")
            if picture.hasSuffix(".png") {
                let size = try Self.pngSize(url)
                #expect(size.width >= 300 && size.height >= 200 && size.width <= 4000 && size.height <= 4000,
                        "\(picture) is \(size.width) x \(size.height)")
            } else {
                let svg = try String(contentsOf: url, encoding: .utf8)
                #expect(svg.hasPrefix("<svg") || svg.hasPrefix("<?xml"))
                #expect(svg.contains("</svg>") && svg.contains("self-attention, 4 heads"))
            }
        }
    }

    /// The same inputs give the same pictures: the lessons are deterministic.
    @Test func lessonsAreDeterministic() throws {
        let a = directory.appendingPathComponent("a"), b = directory.appendingPathComponent("b")
        for folder in [a, b] { #expect(try CommandRunner.run(["lesson", "multi-head", "--output", folder.path]).status == 0) }
        let first = try Data(contentsOf: a.appendingPathComponent("multi-head.png"))
        #expect(first == (try Data(contentsOf: b.appendingPathComponent("multi-head.png"))))
    }

    @Test func tourWritesEveryLessonAndAnIndex() throws {
        let folder = directory.appendingPathComponent("tour")
        let result = try CommandRunner.run(["tour", "--output", folder.path])
        #expect(result.status == 0, "\(result.standardError)")
        let html = try String(contentsOf: folder.appendingPathComponent("index.html"), encoding: .utf8)
        var previous = html.startIndex
        for lesson in ["self-attention", "multi-head", "positional-encoding", "encoder", "soft-vs-hard"] {
            let section = try #require(html.range(of: "<section id=\"\(lesson)\">"), "index has \(lesson)")
            #expect(section.lowerBound > previous, "\(lesson) comes in order")
            previous = section.lowerBound
        }
        // The real models' viewer pages (the models are fetched in CI) are written and linked.
        for page in ["bert-attention.html", "gpt-attention.html"] {
            #expect(html.contains("href=\"\(page)\""), "index links \(page)")
            let viewer = try String(contentsOf: folder.appendingPathComponent(page), encoding: .utf8)
            #expect(viewer.contains("<canvas") && viewer.count > 10_000)
        }
        // Every image the page shows exists.
        let sources = html.components(separatedBy: "<img src=\"").dropFirst().map { String($0.prefix { $0 != "\"" }) }
        #expect(sources.count >= 8)
        for source in sources {
            #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent(source).path), "\(source) exists")
        }
    }

    @Test func unknownOrMissingLessonIsAClearError() throws {
        let unknown = try CommandRunner.run(["lesson", "cross-attention"])
        #expect(unknown.status != 0)
        #expect(unknown.standardError.contains("unknown lesson 'cross-attention'") && unknown.standardError.contains("soft-vs-hard"))
        let missing = try CommandRunner.run(["lesson"])
        #expect(missing.status != 0 && missing.standardError.contains("self-attention"))
        let help = try CommandRunner.run(["lesson", "--help"])
        #expect(help.status == 0 && help.standardOutput.contains("Example"))
    }
}
