#!/usr/bin/env python3
"""Golden file for the BERT WordPiece tokenizer (Sources/Models/Tokenizers), made with Hugging Face `tokenizers`.

Writes Tests/ModelsTests/Resources/tokenizer/wordpiece_golden.json:
  {"tokenizers_version": ..., "model": "all-MiniLM-L6-v2",
   "cases": [{"name", "text", "max_length" (null = no truncation), "ids", "tokens", "offsets", "decoded"}]}
`offsets` are [start, end) in Unicode scalars (Python characters) of the original text, null for the [CLS]/[SEP]
that the post-processor adds (Python reports (0, 0) for those). `decoded` is tokenizer.decode(ids) with special
tokens skipped.

The model's tokenizer.json enables padding to 128 and truncation at 128; both are switched off for the raw ids, and
cases with a max_length enable truncation (longest_first) at that length only.

Rerun: python3 -m pip install tokenizers && python3 tools/fetch_models.py minilm \
       && python3 tools/make_tokenizer_golden.py [--model DIR]      (DIR defaults to <cache>/minilm)
Cache: $SWIFT_ATTENTION_CACHE or ~/.cache/swift-attention.
"""
import argparse, json, os, pathlib, unicodedata

import tokenizers
from tokenizers import Tokenizer

OUT = pathlib.Path(__file__).resolve().parent.parent / "Tests/ModelsTests/Resources/tokenizer/wordpiece_golden.json"

LONG_TEXT = " ".join([
    "To be, or not to be, that is the question:",
    "Whether 'tis nobler in the mind to suffer",
    "The slings and arrows of outrageous fortune,",
    "Or to take arms against a sea of troubles",
    "And by opposing end them. To die—to sleep,",
    "No more; and by a sleep to say we end",
    "The heart-ache and the thousand natural shocks",
    "That flesh is heir to: 'tis a consummation",
    "Devoutly to be wish'd.",
] * 4)

CASES = [
    ("reference", "Attention is all you need."),
    ("english", "Hello, world! How are you doing today? The quick brown fox jumps over the lazy dog."),
    ("wordpiece_split", "unaffable tokenization antidisestablishmentarianism hyperparameters"),
    ("ascii_punctuation", "Wait... what?! (yes) [no] {maybe} $100 & 50% off; a+b=c <tag> @user #hashtag ~tilde "
                          "^caret `tick` |pipe| \\back/slash \"quoted\" 'single' under_score"),
    ("unicode_punctuation", "“Smart quotes” — em-dash – en-dash… «guillemets» ¿Qué? ¡Hola! ·•†‡§¶ 「括弧」、。"),
    ("accents", "Café naïve Ångström résumé façade coöperate São Paulo Zürich ÉCOLE"),
    ("decomposed_accents", "Cafe\u0301 nai\u0308ve A\u030angstro\u0308m e\u0301\u0301 \u0301leading"),
    ("german", "Straße Fußgänger GROSS ẞ Maß"),
    ("turkish", "İstanbul IŞIK ılık İİ i\u0307 ŞİŞLİ"),
    ("greek", "ΣΟΦΙΑ σοφία Ὀδυσσεύς ΐ"),
    ("cyrillic", "Привет, мир! Ёлка Й"),
    ("chinese", "中文分词测试。我爱自然语言处理！"),
    ("japanese", "日本語のテキストです。カタカナとひらがな、ｶﾀｶﾅ"),
    ("korean", "한국어 텍스트 처리"),
    ("emoji", "I love 🤗 and 👩\u200d👩\u200d👧 families 👍🏽 ❤️ 🇫🇷 😀🥰"),
    ("mixed_script", "Tokyo東京2020 is 東京オリンピック; Москва-Moscow; عربي עברית हिन्दी ไทย"),
    ("control_chars", "a\x00b\x01c\x7f d\u200be\u200cf\u200dg\ufeffh\ufffdi \u00ad soft\u00adhyphen \x1b[31mred "
                      "ab\u200d cd\u200d, \ue000private"),
    ("whitespace", "tab\there\nnewline\r\ncrlf\u00a0nbsp\u3000ideographic\u2003em\u2028line\u2029para"
                   "\u000bvt\u000cff\u0085nel\u1680ogham  double  space  "),
    ("long_word_101", "a" * 101),
    ("long_word_100", "a" * 100),
    ("long_words_mixed", "short " + "supercalifragilistic" * 6 + " short " + "é" * 101 + " end"),
    ("unknown_chars", "☃ ♞ ⌘ 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 ꙮ xyz☃"),
    ("numbers", "3.14159 1,000,000 2024-01-15 ½ ² ① ٣ 10^9 -42 +7 0x1F"),
    ("urls", "https://huggingface.co/sentence-transformers/all-MiniLM-L6-v2?x=1&y=2#frag mail@example.com"),
    ("empty", ""),
    ("only_whitespace", "   \t\n "),
    ("special_tokens_in_text", "[CLS] hello [SEP] [MASK] world [PAD] [UNK] [cls] a[SEP]b [SEP"),
    ("cjk_ranges", "𠀀𪜀𫠠𫤠豈 丽"),
    ("compatibility", "ﬁne ＡＢＣ full-width １２３ ™ ℃ Ⅻ"),
    ("titlecase", "ǅ Ǆ ǆ ΐ"),
    # Characters where the Unicode version inside `tokenizers` differs from current data.
    ("unicode_versions", "ab\u166dcd a\U000111c9b x\u1734y x\U0001171ey x\u1885y x\ua9bdy a\u0898\u0323b "
                         "\U00011938 a\u08d4\u0323b a\u0378b a\u2e43b a\u1df6\u0323b"),
    # NFD reorders marks by combining class; offsets follow tokenizers' alignment rules (U+1B44 is a kept mark).
    ("canonical_ordering", "\u00e9\u1b44 z H\u0323\u1b44 a\u0344\u1b44 \u1e69\u1b44 \u00e9\u0323\u1b44 a\u1b44\u0301"),
    ("compatibility_ideographs", "\uf92b\uf963 \uf9e1x \uf900"),
    ("long_text", LONG_TEXT),
]

TRUNCATED = [("long_text_256", LONG_TEXT, 256), ("long_text_16", LONG_TEXT, 16), ("short_text_256", CASES[1][1], 256),
             ("exact_fit_8", "Attention is all you need.", 8), ("one_short_7", "Attention is all you need.", 7)]


def sweep_cases():
    """Chunks of sampled code points, each between 'a' and 'b', to compare character classes wholesale."""
    points = list(range(0x00, 0x3000, 11)) + list(range(0x3000, 0x10000, 61)) + list(range(0x10000, 0x32000, 307))
    points += [0x166D, 0x111C9, 0x1734, 0x1171E, 0x1885, 0x1886, 0xA9BD, 0x1E9E, 0x0130, 0x037E, 0x0387, 0x1FEF]
    points = [p for p in points if not 0xD800 <= p < 0xE000 and unicodedata.category(chr(p)) != "Cs"]
    for start in range(0, len(points), 200):
        chunk = points[start:start + 200]
        yield f"sweep_{start // 200:02d}", " ".join("a" + chr(p) + "b" for p in chunk)


def encode(tokenizer, text, max_length):
    if max_length is None:
        tokenizer.no_truncation()
    else:
        tokenizer.enable_truncation(max_length=max_length)
    encoding = tokenizer.encode(text)
    offsets = [None if sequence is None else list(offset)
               for sequence, offset in zip(encoding.sequence_ids, encoding.offsets)]
    return {"ids": encoding.ids, "tokens": encoding.tokens, "offsets": offsets,
            "decoded": tokenizer.decode(encoding.ids)}


def main():
    cache = pathlib.Path(os.environ.get("SWIFT_ATTENTION_CACHE") or pathlib.Path.home() / ".cache/swift-attention")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=pathlib.Path, default=cache / "minilm")
    args = parser.parse_args()
    tokenizer = Tokenizer.from_file(str(args.model / "tokenizer.json"))
    tokenizer.no_padding()
    cases = []
    all_cases = [(name, text, None) for name, text in CASES] + TRUNCATED
    all_cases += [(name, text, None) for name, text in sweep_cases()]
    for name, text, max_length in all_cases:
        cases.append({"name": name, "text": text, "max_length": max_length, **encode(tokenizer, text, max_length)})
    OUT.parent.mkdir(parents=True, exist_ok=True)
    document = {"tokenizers_version": tokenizers.__version__, "model": "all-MiniLM-L6-v2", "cases": cases}
    OUT.write_text(json.dumps(document, ensure_ascii=True, indent=None, separators=(",", ":")).replace(
        '{"name"', '\n{"name"') + "\n")
    print(f"wrote {len(cases)} cases to {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
