#!/usr/bin/env python3
"""Golden files for the GGUF reader and the byte-level BPE tokenizer (Tests/ModelsTests/GGUFTests.swift,
Tests/ModelsTests/ByteLevelBPETests.swift).

Reads SmolLM2-135M-Instruct.Q4_1.gguf with the `gguf` package and
- builds a Hugging Face `tokenizers` Tokenizer from the GGUF vocabulary and merges, mirroring SmolLM2's
  tokenizer.json: BPE model (no unk, no byte fallback), pre-tokenizer
  Sequence[Digits(individual_digits=True), ByteLevel(add_prefix_space=False, use_regex=True)], ByteLevel decoder,
  and the control tokens (<|im_start|>, ...) as special added tokens; writes {text, ids, tokens} for a set of
  awkward texts to bpe_golden.json;
- dequantizes three tensors of different types and writes their shape (outermost first) and their first and last
  64 values to dequant_golden.json.

Usage: pip install gguf tokenizers numpy
       python3 tools/make_gguf_golden.py [path/to/SmolLM2-135M-Instruct.Q4_1.gguf]
"""
import json
import os
import sys
from pathlib import Path

import numpy as np
from gguf import GGUFReader
from gguf.quants import dequantize
from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "Tests/ModelsTests/Resources/gguf"
CACHE = Path(os.environ.get("SWIFT_ATTENTION_CACHE") or Path.home() / ".cache/swift-attention")
DEFAULT_MODEL = CACHE / "smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"

TEXTS = [
    "Attention is all you need.",
    "Hello, world! The quick brown fox jumps over the lazy dog.",
    "def fibonacci(n):\n    if n < 2:\n        return n\n    return fibonacci(n - 1) + fibonacci(n - 2)\n",
    "for (int i = 0; i < 10; ++i) {\n\tprintf(\"%d\\n\", i);\n}",
    "a  b   c    d",
    "tabs\t\tand\ttabs",
    "line one\nline two\n\n\nline five",
    "trailing spaces   ",
    "   leading spaces",
    "\r\nwindows\r\nnewlines\r\n",
    " ",
    "\n",
    "12345",
    "3.14159",
    "2026-12-04",
    "In 1969, 600 million people watched. Call 555-0199 or +1 (800) 123-4567!",
    "x1 = y22 + z333",
    "🤗",
    "Hugging Face 🤗 loves emoji 😀🎉",
    "family: 👨‍👩‍👧‍👦 flag: 🇫🇷 thumbs: 👍🏽",
    "你好，世界！我爱自然语言处理。",
    "日本語のテキストとカタカナ",
    "한국어 텍스트",
    "مرحبا بالعالم",
    "Здравствуй, мир! Ελληνικά",
    "mixed: English, 中文, العربية, русский, and numbers ١٢٣ ½ Ⅻ",
    "naïve café résumé",
    "e\u0301 combining accent",
    "non\u00a0breaking\u2003em space\u3000ideographic",
    "don't",
    "I'll",
    "IT'S",
    "we're they've I'm she'd you'll",
    "'s 'S ''",
    "<|im_start|>user\nHi<|im_end|>",
    "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n"
    "<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n",
    "<|endoftext|>text<|endoftext|>",
    "<|im_start <|im_end|x <|im_end|>",
    "<jupyter_code>print(1)<jupyter_output>1<empty_output>",
    "",
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    "https://huggingface.co/HuggingFaceTB/SmolLM2-135M-Instruct?x=1&y=2#anchor",
    "\u0000control\u0007chars\u007f",
]

DEQUANT_TENSORS = ["token_embd.weight", "blk.0.attn_q.weight", "blk.0.attn_norm.weight"]


def field_strings(reader, key):
    field = reader.fields[key]
    return [bytes(field.parts[i]).decode("utf-8") for i in field.data]


def field_ints(reader, key):
    field = reader.fields[key]
    return [int(field.parts[i][0]) for i in field.data]


def build_tokenizer(reader):
    tokens = field_strings(reader, "tokenizer.ggml.tokens")
    types = field_ints(reader, "tokenizer.ggml.token_type")
    merges = [tuple(m.split(" ", 1)) for m in field_strings(reader, "tokenizer.ggml.merges")]
    vocab = {token: i for i, token in enumerate(tokens)}
    tokenizer = Tokenizer(models.BPE(vocab=vocab, merges=merges))
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Digits(individual_digits=True),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True),
    ])
    tokenizer.decoder = decoders.ByteLevel()
    # GGUF token types: 3 = control, 4 = user defined; both are matched whole in text, as HF's added tokens are.
    special = [AddedToken(t, special=True, normalized=False) for t, ty in zip(tokens, types) if ty in (3, 4)]
    tokenizer.add_special_tokens(special)
    return tokenizer


def main():
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_MODEL
    if not path.exists():
        sys.exit(f"{path} not found; run `python3 tools/fetch_models.py smollm2` first")
    reader = GGUFReader(str(path))
    tokenizer = build_tokenizer(reader)

    expected = [41319, 314, 511, 346, 737, 30]
    got = tokenizer.encode("Attention is all you need.").ids
    assert got == expected, f"reference tokenizer disagrees with the published ids: {got}"

    cases = []
    for text in TEXTS:
        encoding = tokenizer.encode(text)
        decoded = tokenizer.decode(encoding.ids, skip_special_tokens=False)
        assert decoded == text, f"round trip failed for {text!r}: {decoded!r}"
        cases.append({"text": text, "ids": encoding.ids, "tokens": encoding.tokens})

    OUT.mkdir(parents=True, exist_ok=True)
    with open(OUT / "bpe_golden.json", "w", encoding="utf-8") as f:
        json.dump({"generator": "tools/make_gguf_golden.py", "model": path.name, "cases": cases},
                  f, ensure_ascii=False, indent=1)

    by_name = {t.name: t for t in reader.tensors}
    tensors = []
    for name in DEQUANT_TENSORS:
        info = by_name[name]
        values = dequantize(info.data, info.tensor_type).astype(np.float32).reshape(-1)
        shape = [int(d) for d in reversed(info.shape)]
        assert values.size == int(np.prod(shape))
        tensors.append({
            "name": name,
            "type": info.tensor_type.name,
            "shape": shape,
            "first": [float(v) for v in values[:64]],
            "last": [float(v) for v in values[-64:]],
        })
    with open(OUT / "dequant_golden.json", "w") as f:
        json.dump({"generator": "tools/make_gguf_golden.py", "model": path.name, "tensors": tensors}, f, indent=1)
    print(f"wrote {len(cases)} tokenizer cases and {len(tensors)} tensors to {OUT}")


if __name__ == "__main__":
    main()
