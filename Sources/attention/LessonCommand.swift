import Foundation
import Visualization

/// `attention lesson NAME`: one of the seed's lessons, explained, with its pictures.
enum LessonCommand: Command {
    static let name = "lesson"
    static let summary = "a lesson with pictures: self-attention, multi-head, positional-encoding, encoder, soft-vs-hard"
    static let usage = """
    Usage: attention lesson self-attention|multi-head|positional-encoding|encoder|soft-vs-hard [--output DIR]

    Explains, in a few plain lines, what the lesson computes on fixed (seeded) inputs, and writes its pictures
    (PNG; the encoder lesson also writes the architecture as SVG) into DIR (default: attention-lessons).

      self-attention       scores and weights of the sentence "the cat sat on the mat", with token labels
      multi-head           the weights of each of 4 heads, and their average
      positional-encoding  the sinusoidal encoding and the similarity of positions
      encoder              a 2+2-layer transformer: its architecture diagram, layer summary, per-head weights
      soft-vs-hard         softmax vs top-k vs argmax vs sampled attention on the same scores

    Example:
      attention lesson multi-head --output /tmp/lessons
    """
    static let options: Set<String> = ["output"]

    static func run(_ arguments: Arguments) throws {
        guard arguments.positionals.count == 1, let lesson = arguments.positionals.first else {
            throw UsageError("name one lesson: \(Lessons.names.joined(separator: ", "))")
        }
        guard Lessons.names.contains(lesson) else {
            throw UsageError("unknown lesson '\(lesson)'; lessons: \(Lessons.names.joined(separator: ", "))")
        }
        let folder = try outputFolder(arguments)
        let result = try Lessons.run(lesson, into: folder)
        print(result.title + "\n\n" + result.explanation.joined(separator: "\n"))
        print("\nwrote " + result.pictures.map { folder.appendingPathComponent($0).path }.joined(separator: ", "))
    }

    static func outputFolder(_ arguments: Arguments) throws -> URL {
        let folder = URL(fileURLWithPath: arguments.string("output") ?? "attention-lessons")
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw UsageError("cannot create the output folder \(folder.path): \(error.localizedDescription)")
        }
        return folder
    }
}

/// `attention tour`: every lesson into one folder, with an index.html that shows them in order.
enum TourCommand: Command {
    static let name = "tour"
    static let summary = "run every lesson into one folder with an index.html"
    static let usage = """
    Usage: attention tour [--output DIR]

    Runs the lessons self-attention, multi-head, positional-encoding, encoder and soft-vs-hard, writes their
    pictures into DIR (default: attention-tour) and an index.html that shows them in order with their explanations,
    then links attention viewer pages of the real models (BERT and SmolLM2, when fetched) from the same index.

    Example:
      attention tour --output /tmp/tour && xdg-open /tmp/tour/index.html
    """
    static let options: Set<String> = ["output"]

    static func run(_ arguments: Arguments) throws {
        let folder = URL(fileURLWithPath: arguments.string("output") ?? "attention-tour")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var sections: [String] = []
        for (number, name) in Lessons.names.enumerated() {
            let result = try Lessons.run(name, into: folder)
            print("\(number + 1). \(result.title): \(result.pictures.joined(separator: ", "))")
            let images = result.pictures.map { "<figure><img src=\"\(escape($0))\" alt=\"\(escape(result.title))\"></figure>" }
            sections.append("""
            <section id="\(name)">
            <h2>\(number + 1). \(escape(result.title))</h2>
            <pre>\(escape(result.explanation.joined(separator: "\n")))</pre>
            \(images.joined(separator: "\n"))
            <p class="again">Run it alone: <code>attention lesson \(name)</code></p>
            </section>
            """)
        }
        // The lessons run on small random models; the viewer pages show what trained heads do.
        var viewers: [String] = []
        for (model, file, text, generate, title) in [
            ("minilm", "bert-attention.html", "The animal didn't cross the street because it was too tired.", 0,
             "BERT (all-MiniLM-L6-v2): every layer and head on one sentence"),
            ("smollm2", "gpt-attention.html", "The capital of France is", 12,
             "GPT-style decoder (SmolLM2-135M-Instruct): causal attention while it generates 12 tokens"),
        ] {
            do {
                try VizCommand.writeViewer(model: model, text: text, generate: generate, to: folder.appendingPathComponent(file))
                viewers.append("<li><a href=\"\(file)\">\(escape(title))</a>: <code>attention viz --model \(model)\(generate > 0 ? " --generate \(generate)" : "") \"\(escape(text))\" -o \(file)</code></li>")
                print("\(Lessons.names.count + viewers.count). \(title): \(file)")
            } catch {
                FileHandle.standardError.write(Data("tour: no viewer page for \(model) (\(error)); fetch it with `attention models fetch \(model)`\n".utf8))
            }
        }
        if !viewers.isEmpty {
            sections.append("""
            <section id="real-models">
            <h2>\(Lessons.names.count + 1). Attention in real models</h2>
            <p>The lessons above use small untrained models. These pages show every layer and head of real pretrained
            ones (hover a token, click a head in the model view):</p>
            <ul>\(viewers.joined(separator: "\n"))</ul>
            </section>
            """)
        }
        let html = """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>Attention, a tour</title>
        <style>body{font-family:Helvetica,Arial,sans-serif;max-width:1400px;margin:2em auto;padding:0 1em;color:#222}
        pre{background:#f6f6f6;padding:1em;white-space:pre-wrap}img{max-width:100%;border:1px solid #ddd}
        figure{margin:1em 0}.again{color:#666}</style></head><body>
        <h1>Attention, a tour</h1>
        <p>The seed's lessons, computed by swift-attention on fixed inputs: \(Lessons.names.enumerated().map { "<a href=\"#\($1)\">\($0 + 1). \($1)</a>" }.joined(separator: " · "))\(viewers.isEmpty ? "" : " · <a href=\"#real-models\">\(Lessons.names.count + 1). real models</a>").</p>
        \(sections.joined(separator: "\n"))
        </body></html>

        """
        try Data(html.utf8).write(to: folder.appendingPathComponent("index.html"))
        print("wrote \(folder.appendingPathComponent("index.html").path)")
    }

    static func escape(_ text: String) -> String { SVGDocument.escape(text) }
}
