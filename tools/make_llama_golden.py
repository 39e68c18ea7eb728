#!/usr/bin/env python3
"""Golden values for the Llama forward pass (SmolLM2-135M-Instruct, Q4_1 GGUF): a numpy float64 reference.

Usage: python3 tools/make_llama_golden.py [MODEL.gguf]
Needs: pip install numpy gguf tokenizers
Writes Tests/ModelsTests/Resources/llama/:
  llama_golden.json      per prompt: text, ids, last-position logits (first 16, argmax, top-2 margin, sum, sum of
                         squares), greedy continuation of 12 tokens (ids, text, per-step top-2 margins)
  logits_<n>.npy         the full last-position logits (49152 float32) of the first three prompts

The reference dequantizes every tensor with the `gguf` package, then runs the model in float64 over the whole
sequence (no cache): RMSNorm → attention (RoPE on adjacent pairs, as llama.cpp's "normal" RoPE for the permuted
GGUF q/k rows; grouped-query heads h → h // (H/G)) → residual → RMSNorm → SwiGLU → residual; final RMSNorm; the
token embedding reused as the output matrix when `output.weight` is absent.
"""
import json
import os
import sys
from pathlib import Path

import numpy as np
from gguf import GGUFReader
from gguf.quants import dequantize

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_gguf_golden import build_tokenizer  # noqa: E402  (the reference BPE built from the same metadata)

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "Tests/ModelsTests/Resources/llama"
CACHE = Path(os.environ.get("SWIFT_ATTENTION_CACHE", Path.home() / ".cache/swift-attention"))
DEFAULT_MODEL = CACHE / "smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
CONTINUATION = 12
FULL_LOGITS = 3

PROMPTS = [
    "Attention is all you need.",
    "The capital of France is",
    "def fibonacci(n):\n",
    "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n"
    "<|im_start|>user\nWhat is 2 + 2?<|im_end|>\n<|im_start|>assistant\n",
    "Once upon a time, in a small village, there lived",
]


def field(reader, key):
    return reader.fields[key].contents()


class Llama:
    def __init__(self, reader):
        self.blocks = int(field(reader, "llama.block_count"))
        self.heads = int(field(reader, "llama.attention.head_count"))
        self.kv_heads = int(field(reader, "llama.attention.head_count_kv"))
        self.width = int(field(reader, "llama.embedding_length"))
        self.eps = float(field(reader, "llama.attention.layer_norm_rms_epsilon"))
        self.base = float(field(reader, "llama.rope.freq_base"))
        self.head_dim = self.width // self.heads
        self.tensors = {t.name: t for t in reader.tensors}
        self.cache = {}

    def w(self, name):
        if name not in self.cache:
            info = self.tensors[name]
            values = dequantize(info.data, info.tensor_type).astype(np.float64)
            self.cache[name] = values.reshape([int(d) for d in reversed(info.shape)])
        return self.cache[name]

    def norm(self, x, name):
        return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + self.eps) * self.w(name)

    def rope(self, x):  # x: [T, heads, D]; rotate (x[2i], x[2i+1]) by p · base^(-2i/D)
        t, _, d = x.shape
        inv = self.base ** (-np.arange(0, d, 2, dtype=np.float64) / d)
        angle = np.arange(t, dtype=np.float64)[:, None] * inv[None, :]   # [T, D/2]
        cos, sin = np.cos(angle)[:, None, :], np.sin(angle)[:, None, :]
        even, odd = x[..., 0::2], x[..., 1::2]
        out = np.empty_like(x)
        out[..., 0::2] = even * cos - odd * sin
        out[..., 1::2] = even * sin + odd * cos
        return out

    def attention(self, x, i):
        t = x.shape[0]
        p = f"blk.{i}."
        q = (x @ self.w(p + "attn_q.weight").T).reshape(t, self.heads, self.head_dim)
        k = (x @ self.w(p + "attn_k.weight").T).reshape(t, self.kv_heads, self.head_dim)
        v = (x @ self.w(p + "attn_v.weight").T).reshape(t, self.kv_heads, self.head_dim)
        q, k = self.rope(q), self.rope(k)
        group = self.heads // self.kv_heads
        causal = np.triu(np.full((t, t), -np.inf), 1)
        out = np.empty((t, self.heads, self.head_dim))
        for h in range(self.heads):
            g = h // group
            s = q[:, h] @ k[:, g].T / np.sqrt(self.head_dim) + causal
            s = np.exp(s - s.max(axis=-1, keepdims=True))
            out[:, h] = (s / s.sum(axis=-1, keepdims=True)) @ v[:, g]
        return out.reshape(t, self.width) @ self.w(p + "attn_output.weight").T

    def feed_forward(self, x, i):
        p = f"blk.{i}."
        gate = x @ self.w(p + "ffn_gate.weight").T
        up = x @ self.w(p + "ffn_up.weight").T
        return (gate / (1 + np.exp(-gate)) * up) @ self.w(p + "ffn_down.weight").T

    def logits(self, ids):
        """Last-position logits of the whole sequence `ids`."""
        embedding = self.w("token_embd.weight")
        x = embedding[ids]
        for i in range(self.blocks):
            x = x + self.attention(self.norm(x, f"blk.{i}.attn_norm.weight"), i)
            x = x + self.feed_forward(self.norm(x, f"blk.{i}.ffn_norm.weight"), i)
        x = self.norm(x[-1:], "output_norm.weight")
        output = self.w("output.weight") if "output.weight" in self.tensors else embedding
        return (x @ output.T)[0]


def margin(logits):
    top = np.sort(logits)[-2:]
    return float(top[1] - top[0])


def main():
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_MODEL
    if not path.exists():
        sys.exit(f"{path} not found; run `python3 tools/fetch_models.py smollm2` first")
    reader = GGUFReader(str(path))
    tokenizer = build_tokenizer(reader)
    model = Llama(reader)

    cases = []
    OUT.mkdir(parents=True, exist_ok=True)
    for n, text in enumerate(PROMPTS):
        ids = tokenizer.encode(text).ids
        logits = model.logits(ids)
        if n < FULL_LOGITS:
            np.save(OUT / f"logits_{n}.npy", logits.astype(np.float32))
        sequence = list(ids)
        continuation, margins = [], []
        step = logits
        for _ in range(CONTINUATION):
            token = int(np.argmax(step))
            continuation.append(token)
            margins.append(margin(step))
            sequence.append(token)
            step = model.logits(sequence)
        case = {
            "text": text,
            "ids": ids,
            "logits_first": [float(v) for v in logits[:16]],
            "logits_file": f"logits_{n}.npy" if n < FULL_LOGITS else None,
            "argmax": int(np.argmax(logits)),
            "top2_margin": margin(logits),
            "logits_sum": float(logits.sum()),
            "logits_sum_of_squares": float((logits * logits).sum()),
            "greedy_ids": continuation,
            "greedy_text": tokenizer.decode(continuation, skip_special_tokens=False),
            "greedy_margins": margins,
        }
        cases.append(case)
        print(f"{text[:40]!r}: ids {ids[:8]}… logits {np.round(logits[:4], 5)} → {case['greedy_text']!r} "
              f"(smallest margin {min(margins):.3f})")

    first = cases[0]
    assert first["ids"] == [41319, 314, 511, 346, 737, 30], first["ids"]
    assert np.allclose(first["logits_first"][:3], [12.00988, 9.79806, 16.66311], atol=2e-4), first["logits_first"][:3]
    assert first["greedy_text"] == "\n\nThe answer is: 1.\n\nThe", first["greedy_text"]
    with open(OUT / "llama_golden.json", "w", encoding="utf-8") as f:
        json.dump({"generator": "tools/make_llama_golden.py", "model": path.name, "continuation": CONTINUATION,
                   "cases": cases}, f, ensure_ascii=False, indent=1)
    print(f"wrote {len(cases)} prompts to {OUT}")


if __name__ == "__main__":
    main()
