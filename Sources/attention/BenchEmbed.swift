import Foundation
import Models
import TensorCore

/// `attention bench embed`: sentence-embedding throughput and latency on a fixed set of sentences.
///
/// Options: `--model minilm|PATH` (default minilm), `--batch-size N` (default 32), `--repeat R`, `--json`, and the
/// shared `--threads T`. Reports sentences per second for the 32 sentences in batches of N (tokenization
/// included), the median milliseconds per batch, and single-sentence latency (the median over the 32 sentences,
/// each embedded alone). `tools/bench_embed_peer.py` times PyTorch on the same sentences.
enum BenchEmbed {
    /// 32 sentences of 12–20 words; `tools/bench_embed_peer.py` holds the same list.
    static let sentences = [
        "The committee will meet on Thursday afternoon to review the budget proposal for next year.",
        "A small bakery on the corner sells fresh bread every morning before the sun rises.",
        "Researchers found that regular exercise improves memory and concentration in older adults.",
        "The train to the coast was delayed by almost two hours because of heavy snow.",
        "She opened the old wooden box and found a stack of letters tied with ribbon.",
        "Our new software update fixes several security issues and makes the app start faster.",
        "The museum's collection includes paintings, sculptures, and ancient coins from many different countries.",
        "He forgot his umbrella at home and arrived at the office completely soaked by rain.",
        "Scientists are studying how climate change affects the migration patterns of birds in Europe.",
        "The restaurant offers a seasonal menu that changes every few weeks with local ingredients.",
        "Learning a second language can be challenging, but practice every day makes a big difference.",
        "The children built a sandcastle on the beach while their parents read books nearby.",
        "Attention mechanisms allow neural networks to focus on the most relevant parts of the input.",
        "The city plans to add more bicycle lanes and improve public transport over the next decade.",
        "After the long hike, we rested by the lake and watched the sunset over the mountains.",
        "The company reported higher profits this quarter thanks to strong sales in international markets.",
        "A good night's sleep is essential for both physical health and emotional well-being.",
        "The library extended its opening hours so that students can study late during exam season.",
        "Farmers in the valley grow apples, pears, and grapes on terraces along the river.",
        "The detective examined the footprints in the garden and concluded that the thief had left quickly.",
        "Online courses have made it easier for people around the world to learn new skills.",
        "The orchestra rehearsed the symphony for weeks before the opening night of the festival.",
        "Engineers tested the bridge carefully to make sure it could withstand strong winds and earthquakes.",
        "My grandmother taught me how to bake bread using a recipe passed down for generations.",
        "The spacecraft sent back detailed images of the planet's surface and its frozen polar caps.",
        "Volunteers cleaned up the park on Saturday and planted dozens of new trees along the paths.",
        "The new policy aims to reduce waste by encouraging people to recycle plastic and glass.",
        "He practiced the piano for hours every day, hoping to win the national competition.",
        "The doctor recommended drinking more water and eating fewer processed foods to improve his health.",
        "A sudden storm forced the fishing boats to return to the harbor earlier than planned.",
        "The startup developed a tool that translates spoken conversations in real time across twelve languages.",
        "Tourists gathered in the square to watch the famous clock strike noon and play its melody.",
    ]

    static func run(_ arguments: Arguments) throws {
        let modelName = arguments.string("model") ?? "minilm"
        let embedder = try loadEmbedder(modelName)
        let batchSize = try arguments.positiveInt("batch-size") ?? 32
        let repeats = try arguments.positiveInt("repeat")
        let tokens = embedder.tokenize(sentences).reduce(0) { $0 + $1.count }
        let batchSeconds = BenchCommand.measure(repeats: repeats) {
            _ = embedder.embed(sentences, batchSize: batchSize)
        }
        _ = embedder.embed(sentences[0])
        var singles: [Double] = []
        for sentence in sentences {
            let start = Date()
            _ = embedder.embed(sentence)
            singles.append(Date().timeIntervalSince(start))
        }
        let latency = singles.sorted()[singles.count / 2]
        let rate = Double(sentences.count) / batchSeconds
        let report: [String: Any] = [
            "benchmark": "embed", "model": modelName, "sentences": sentences.count, "tokens": tokens,
            "batch_size": batchSize, "threads": Parallelism.threadCount,
            "sentences_per_second": rate, "milliseconds_for_all": batchSeconds * 1000,
            "single_latency_milliseconds": latency * 1000,
        ]
        if arguments.has("json") {
            let data = try JSONSerialization.data(withJSONObject: report, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            print(String(format: "embed %@ %d sentences (%d tokens) batch %d threads %d: %.1f sentences/s (%.1f ms for all), single-sentence latency %.2f ms",
                         modelName, sentences.count, tokens, batchSize, Parallelism.threadCount, rate, batchSeconds * 1000, latency * 1000))
        }
    }
}
