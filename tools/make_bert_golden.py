#!/usr/bin/env python3
"""Golden files for the BERT encoder and sentence embedder (Sources/Models/BERT*.swift, SentenceEmbedder.swift).

A float64 NumPy forward pass of all-MiniLM-L6-v2 straight from model.safetensors, with ids from Hugging Face
`tokenizers` (the model's tokenizer.json with padding off, truncation at max_seq_length = 256).

Writes Tests/ModelsTests/Resources/bert/:
  cases.json       {"model", "tokenizers_version", "max_length", "sentences": [{"name", "text", "ids"}],
                    "hidden_rows": {"<name>": [row, ...]}}  -- which token rows hidden.npy keeps per sentence
  hidden.npy       float32 [sum of kept rows, 384]: last hidden state rows (all rows of short sentences; a sample
                   of the truncated 256-token one), sentences in order
  embeddings.npy   float64 [sentences, 384]: mean pooling over real tokens, then L2 normalization
  attention0.npy   float32 [layers, heads, tokens, tokens]: attention weights for sentence 0
                   ("Attention is all you need.")

Math (post-norm BERT, Devlin et al. 2019): x = LN(word[ids] + position[0..T) + type[0]);
per layer: a = LN(x + Wo·MHA(x) + bo); x = LN(a + W2·gelu(W1·a + b1) + b2), gelu exact (erf), LN eps from config.

Rerun: python3 -m pip install numpy safetensors tokenizers && python3 tools/fetch_models.py minilm \
       && python3 tools/make_bert_golden.py [--model DIR]      (DIR defaults to <cache>/minilm)
Cache: $SWIFT_ATTENTION_CACHE or ~/.cache/swift-attention.
"""
import argparse, json, math, os, pathlib

import numpy as np
import tokenizers
from safetensors.numpy import load_file
from tokenizers import Tokenizer

OUT = pathlib.Path(__file__).resolve().parent.parent / "Tests/ModelsTests/Resources/bert"

LONG_TEXT = " ".join([
    "Attention mechanisms let a model weigh every word of a sentence against every other word,",
    "so that the representation of a token depends on its whole context rather than a fixed window.",
    "Transformers stack many such layers, each with several heads that learn different relations:",
    "syntax, coreference, position, and sometimes nothing anyone can name.",
] * 6)

SENTENCES = [
    ("reference", "Attention is all you need."),
    ("english", "The quick brown fox jumps over the lazy dog near the riverbank at dawn."),
    ("accents", "Café naïve Ångström résumé façade — São Paulo, Zürich!"),
    ("cjk", "東京は日本の首都です。我爱自然语言处理。"),
    ("emoji", "I love pizza 🍕 and ice cream 🍦 so much 😀!"),
    ("mixed_script", "Tokyo東京2020, Москва-Moscow and Αθήνα in one line."),
    ("short", "Hi"),
    ("long_truncated", LONG_TEXT),
]
MAX_LENGTH = 256
LONG_ROWS = list(range(0, 16)) + list(range(120, 128)) + list(range(MAX_LENGTH - 16, MAX_LENGTH))


def cache_dir() -> pathlib.Path:
    env = os.environ.get("SWIFT_ATTENTION_CACHE")
    return pathlib.Path(env) if env else pathlib.Path.home() / ".cache" / "swift-attention"


def strip_prefix(weights):
    return {k[len("bert."):] if k.startswith("bert.") else k: v for k, v in weights.items()}


def layer_norm(x, w, b, eps):
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * w + b


_erf = np.vectorize(math.erf)


def gelu(x):
    return 0.5 * x * (1.0 + _erf(x / math.sqrt(2.0)))


def forward(ids, W, config):
    """[T] ids -> last hidden state [T, C] and attention weights [layers, heads, T, T], all float64."""
    eps = config["layer_norm_eps"]
    heads = config["num_attention_heads"]
    T = len(ids)
    lin = lambda x, name: x @ W[name + ".weight"].T + W[name + ".bias"]
    x = W["embeddings.word_embeddings.weight"][ids] + W["embeddings.position_embeddings.weight"][:T] \
        + W["embeddings.token_type_embeddings.weight"][0]
    x = layer_norm(x, W["embeddings.LayerNorm.weight"], W["embeddings.LayerNorm.bias"], eps)
    maps = []
    for layer in range(config["num_hidden_layers"]):
        p = f"encoder.layer.{layer}."
        C = x.shape[-1]
        D = C // heads
        split = lambda t: t.reshape(T, heads, D).transpose(1, 0, 2)  # [H, T, D]
        q, k, v = (split(lin(x, p + "attention.self." + n)) for n in ("query", "key", "value"))
        scores = q @ k.transpose(0, 2, 1) / math.sqrt(D)             # [H, T, T]
        scores -= scores.max(-1, keepdims=True)
        weights = np.exp(scores)
        weights /= weights.sum(-1, keepdims=True)
        maps.append(weights)
        context = (weights @ v).transpose(1, 0, 2).reshape(T, C)
        a = layer_norm(x + lin(context, p + "attention.output.dense"),
                       W[p + "attention.output.LayerNorm.weight"], W[p + "attention.output.LayerNorm.bias"], eps)
        h = gelu(lin(a, p + "intermediate.dense"))
        x = layer_norm(a + lin(h, p + "output.dense"), W[p + "output.LayerNorm.weight"], W[p + "output.LayerNorm.bias"], eps)
    return x, np.stack(maps)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default=str(cache_dir() / "minilm"))
    args = parser.parse_args()
    model = pathlib.Path(args.model)
    config = json.loads((model / "config.json").read_text())
    W = {k: v.astype(np.float64) for k, v in strip_prefix(load_file(str(model / "model.safetensors"))).items()}
    tokenizer = Tokenizer.from_file(str(model / "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.enable_truncation(MAX_LENGTH)

    OUT.mkdir(parents=True, exist_ok=True)
    cases, hidden_rows, hidden, embeddings = [], {}, [], []
    attention0 = None
    for name, text in SENTENCES:
        ids = tokenizer.encode(text).ids
        state, maps = forward(np.array(ids), W, config)
        if attention0 is None:
            attention0 = maps
        rows = LONG_ROWS if len(ids) == MAX_LENGTH else list(range(len(ids)))
        hidden_rows[name] = rows
        hidden.append(state[rows])
        pooled = state.mean(0)  # every token is real: one sentence, no padding
        embeddings.append(pooled / max(np.linalg.norm(pooled), 1e-12))
        cases.append({"name": name, "text": text, "ids": ids})
        print(f"{name}: {len(ids)} tokens")
    assert any(len(c["ids"]) == MAX_LENGTH for c in cases), "the long sentence must reach the truncation limit"

    reference = embeddings[0][:8]
    expected = np.array([0.071077, -0.014153, -0.013098, -0.03878, 0.047926, 0.067854, 0.016765, -0.043984])
    print("reference embedding[:8]", np.round(reference, 6), "max diff vs MODELS.md", np.abs(reference - expected).max())
    assert np.abs(reference - expected).max() < 2e-6, "does not match the published reference values"

    (OUT / "cases.json").write_text(json.dumps({
        "model": "all-MiniLM-L6-v2", "tokenizers_version": tokenizers.__version__, "max_length": MAX_LENGTH,
        "sentences": cases, "hidden_rows": hidden_rows,
    }, ensure_ascii=False, indent=1) + "\n")
    np.save(OUT / "hidden.npy", np.concatenate(hidden).astype(np.float32))
    np.save(OUT / "embeddings.npy", np.stack(embeddings))
    np.save(OUT / "attention0.npy", attention0.astype(np.float32))
    print("wrote", OUT)


if __name__ == "__main__":
    main()
