#!/usr/bin/env python3
"""Peer benchmark for `attention bench embed`: PyTorch + Hugging Face transformers (fp32) on the same 32 sentences.

Measures, like Sources/attention/BenchEmbed.swift:
  sentences_per_second        the 32 sentences in batches of --batch-size (tokenization, forward, mean pooling, L2
                              normalization), median over --repeat runs after a warm-up
  single_latency_milliseconds the median over the 32 sentences, each embedded alone
with torch.set_num_threads(--threads). With --attention PATH (the Swift binary) it also runs
`PATH bench embed --json` with the same settings and prints the Swift/PyTorch ratios.
It also checks that PyTorch's embeddings equal tools/make_bert_golden.py's float64 ones (cross-check, 1e-5).
When onnxruntime, onnx and onnxscript are importable (pip install onnxruntime onnx onnxscript) it exports the same PyTorch model to ONNX once (cached next to the model as
<cache>/minilm-onnx/model.onnx) and times onnxruntime fp32 (intra-op threads = --threads) the same way.

Optional tool, not used by CI: needs torch and transformers (`python3 -m pip install transformers`, torch from a
local CPU wheel). Model: <cache>/minilm (`python3 tools/fetch_models.py minilm`).

Usage: python3 tools/bench_embed_peer.py [--threads T] [--batch-size 32] [--repeat 20] [--attention .build/release/attention]
"""
import argparse, json, os, pathlib, statistics, subprocess, sys, time

import numpy as np

# Same list as BenchEmbed.sentences in Sources/attention/BenchEmbed.swift (32 sentences of 12-20 words).
SENTENCES = [
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
ROOT = pathlib.Path(__file__).resolve().parent.parent


def cache_dir() -> pathlib.Path:
    env = os.environ.get("SWIFT_ATTENTION_CACHE")
    return pathlib.Path(env) if env else pathlib.Path.home() / ".cache" / "swift-attention"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default=str(cache_dir() / "minilm"))
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--attention", help="path to the Swift `attention` binary, to print the ratio")
    args = parser.parse_args()
    try:
        import torch
        from transformers import AutoModel, AutoTokenizer
    except ImportError as error:
        sys.exit(f"peer benchmark skipped: {error} (needs torch and transformers)")

    torch.set_num_threads(args.threads)
    tokenizer = AutoTokenizer.from_pretrained(args.model)
    model = AutoModel.from_pretrained(args.model, torch_dtype=torch.float32).eval()

    def embed(texts):
        batch = tokenizer(texts, padding=True, truncation=True, max_length=256, return_tensors="pt")
        with torch.inference_mode():
            hidden = model(**batch).last_hidden_state
            mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, dim=-1)

    def embed_all():
        return torch.cat([embed(SENTENCES[i:i + args.batch_size]) for i in range(0, len(SENTENCES), args.batch_size)])

    golden_dir = ROOT / "Tests/ModelsTests/Resources/bert"
    if (golden_dir / "cases.json").exists():
        cases = json.loads((golden_dir / "cases.json").read_text())["sentences"]
        golden = np.load(golden_dir / "embeddings.npy")
        ours = torch.cat([embed([c["text"]]) for c in cases]).double().numpy()
        print(f"cross-check: PyTorch vs float64 NumPy golden, max |diff| = {np.abs(ours - golden).max():.2e}")

    peers = [timed(args, f"pytorch {torch.__version__} + transformers fp32", embed_all, lambda s: embed([s]))]
    onnx_embed = onnxruntime_embedder(args, model, tokenizer, torch)
    if onnx_embed is not None:
        import onnxruntime
        onnx_all = lambda: np.concatenate([onnx_embed(SENTENCES[i:i + args.batch_size])
                                           for i in range(0, len(SENTENCES), args.batch_size)])
        difference = np.abs(onnx_all() - embed_all().numpy()).max()
        print(f"cross-check: onnxruntime vs PyTorch embeddings, max |diff| = {difference:.2e}")
        peers.append(timed(args, f"onnxruntime {onnxruntime.__version__} fp32", onnx_all, lambda s: onnx_embed([s])))
    for peer in peers:
        print(json.dumps(peer, sort_keys=True))

    if args.attention:
        command = [args.attention, "bench", "embed", "--model", args.model, "--batch-size", str(args.batch_size),
                   "--threads", str(args.threads), "--json"]
        swift = json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1])
        print(json.dumps(swift, sort_keys=True))
        for peer in peers:
            print(f"threads {args.threads}: Swift {swift['sentences_per_second']:.1f} sentences/s vs {peer['peer']} "
                  f"{peer['sentences_per_second']:.1f} -> {swift['sentences_per_second'] / peer['sentences_per_second']:.2f}x throughput; "
                  f"latency {swift['single_latency_milliseconds']:.2f} ms vs {peer['single_latency_milliseconds']:.2f} ms -> "
                  f"{peer['single_latency_milliseconds'] / swift['single_latency_milliseconds']:.2f}x")


def timed(args, name, embed_all, embed_one):
    """Median seconds for all sentences in batches, and the median single-sentence latency, like BenchEmbed.swift."""
    embed_all()
    times = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        embed_all()
        times.append(time.perf_counter() - start)
    batch_seconds = statistics.median(times)
    embed_one(SENTENCES[0])
    singles = []
    for sentence in SENTENCES:
        start = time.perf_counter()
        embed_one(sentence)
        singles.append(time.perf_counter() - start)
    latency = statistics.median(singles)
    return {"peer": name, "threads": args.threads, "batch_size": args.batch_size,
            "sentences_per_second": len(SENTENCES) / batch_seconds,
            "milliseconds_for_all": batch_seconds * 1000, "single_latency_milliseconds": latency * 1000}


def onnxruntime_embedder(args, model, tokenizer, torch):
    """An embed(texts) -> numpy function on onnxruntime, or None when onnx/onnxruntime are not importable."""
    try:
        import onnx, onnxscript  # noqa: F401  (the dynamo exporter needs them; the legacy one exports MiniLM wrongly)
        import onnxruntime
    except ImportError as error:
        print(f"onnxruntime peer skipped: {error}", file=sys.stderr)
        return None
    path = pathlib.Path(args.model).parent / (pathlib.Path(args.model).name + "-onnx") / "model.onnx"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # A padded batch, so that tracing keeps the attention-mask path.
        sample = tokenizer(["hello world", "a longer sentence, so that the first one is padded"], padding=True, return_tensors="pt")
        names = ["input_ids", "attention_mask", "token_type_ids"]
        axes = {name: {0: "batch", 1: "tokens"} for name in names}
        axes["last_hidden_state"] = {0: "batch", 1: "tokens"}
        class Hidden(torch.nn.Module):  # keyword arguments in, last_hidden_state out
            def __init__(self, inner):
                super().__init__()
                self.inner = inner

            def forward(self, input_ids, attention_mask, token_type_ids):
                return self.inner(input_ids=input_ids, attention_mask=attention_mask,
                                  token_type_ids=token_type_ids).last_hidden_state
        torch.onnx.export(Hidden(model), tuple(sample[n] for n in names), str(path), input_names=names,
                          output_names=["last_hidden_state"], dynamic_axes=axes, opset_version=18, dynamo=True)
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = args.threads
    options.inter_op_num_threads = 1
    session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

    def embed(texts):
        batch = tokenizer(texts, padding=True, truncation=True, max_length=256, return_tensors="np")
        feeds = {i.name: batch[i.name].astype(np.int64) for i in session.get_inputs()}
        hidden = session.run(None, feeds)[0]
        mask = batch["attention_mask"][..., None].astype(np.float32)
        pooled = (hidden * mask).sum(1) / np.maximum(mask.sum(1), 1e-9)
        return pooled / np.linalg.norm(pooled, axis=-1, keepdims=True)
    return embed


if __name__ == "__main__":
    main()
