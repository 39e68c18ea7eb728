#!/usr/bin/env python3
"""Peer benchmark for `attention bench generate`: llama.cpp (through llama-cpp-python) on the same GGUF file.

Measures, like Sources/attention/BenchGenerate.swift, at each thread count:
  prefill_tokens_per_second  one batched pass over the same 128 prompt ids on a fresh KV cache
  decode_tokens_per_second   64 greedy one-token steps after it (end-of-sequence ignored)
medians over --repeat runs after a warm-up, and the peak resident memory of this Python process (getrusage; it
includes the interpreter and numpy). The prompt is the first 128 ids of the text in BenchGenerate.promptText; with
--binary PATH (the Swift `attention` binary) the ids come from `PATH bench generate --json`, which also runs in the
same invocation, and the ratios ours/llama.cpp are printed (above 1 means the Swift code is faster).
It also reports how many of the 64 greedy tokens the two implementations agree on (a cross-check; they may drift
apart after a near tie since the arithmetic differs).

Optional tool, not used by CI. Needs llama-cpp-python, which builds llama.cpp from source (cmake, a C++ compiler;
several minutes on 2 cores):
    apt-get install -y cmake g++
    CMAKE_ARGS="-DGGML_NATIVE=ON -DGGML_BLAS=OFF" python3 -m pip install llama-cpp-python==0.3.36
Model: <cache>/smollm2 (`python3 tools/fetch_models.py smollm2`).

Usage: python3 tools/bench_generate_peer.py [--threads 1,2] [--repeat 3] [--binary .build/release/attention]
"""
import argparse, json, os, pathlib, resource, statistics, subprocess, sys, time

PROMPT_TOKENS = 128
DECODE_TOKENS = 64
# Same text as BenchGenerate.promptText in Sources/attention/BenchGenerate.swift.
PROMPT_TEXT = (
    "The history of computing is a story of ideas that took decades to become practical. Charles Babbage designed "
    "a mechanical engine in the nineteenth century, and Ada Lovelace wrote what many consider the first program for "
    "it. A hundred years later, Alan Turing described a universal machine that could simulate any other, and "
    "engineers built the first electronic computers from vacuum tubes during the Second World War. Transistors "
    "replaced the tubes, integrated circuits replaced the transistors, and each generation of machines became "
    "smaller, faster and cheaper than the one before. Today a phone in your pocket holds more computing power than "
    "the machines that guided astronauts to the Moon, and researchers train neural networks with billions of "
    "parameters to translate languages, write programs and answer questions."
)
INSTALL_HINT = """llama_cpp is not importable. Install llama-cpp-python (it compiles llama.cpp; needs cmake and g++):
    apt-get install -y cmake g++
    CMAKE_ARGS="-DGGML_NATIVE=ON -DGGML_BLAS=OFF" python3 -m pip install llama-cpp-python==0.3.36"""


def cache_dir() -> pathlib.Path:
    env = os.environ.get("SWIFT_ATTENTION_CACHE")
    return pathlib.Path(env) if env else pathlib.Path.home() / ".cache" / "swift-attention"


def peak_megabytes() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6


def bench_llama_cpp(llama_cpp, model_path, ids, threads, repeats):
    import numpy as np
    llm = llama_cpp.Llama(model_path=model_path, n_ctx=512, n_batch=PROMPT_TOKENS, n_ubatch=PROMPT_TOKENS,
                          n_threads=threads, n_threads_batch=threads, verbose=False)
    n_vocab = llm.n_vocab()

    def argmax_last():
        # logits_all is off, so Llama.scores is not filled: read the last position's logits from the context.
        logits = np.ctypeslib.as_array(llama_cpp.llama_get_logits_ith(llm.ctx, -1), shape=(n_vocab,))
        return int(np.argmax(logits))

    prefill, decode, generated = [], [], []
    for run in range(repeats + 1):
        llm.reset()
        start = time.perf_counter()
        llm.eval(ids)
        prefill_seconds = time.perf_counter() - start
        token = argmax_last()
        tokens = [token]
        start = time.perf_counter()
        for _ in range(DECODE_TOKENS):
            llm.eval([token])
            token = argmax_last()
            tokens.append(token)
        decode_seconds = time.perf_counter() - start
        if run > 0:
            prefill.append(prefill_seconds)
            decode.append(decode_seconds)
        generated = tokens
    prefill_seconds, decode_seconds = statistics.median(prefill), statistics.median(decode)
    result = {"peer": f"llama.cpp (llama-cpp-python {llama_cpp.__version__})", "threads": threads,
              "prefill_tokens_per_second": PROMPT_TOKENS / prefill_seconds,
              "decode_tokens_per_second": DECODE_TOKENS / decode_seconds,
              "prefill_milliseconds": prefill_seconds * 1000,
              "decode_milliseconds_per_token": decode_seconds * 1000 / DECODE_TOKENS,
              "peak_memory_megabytes": peak_megabytes(), "generated_ids": generated}
    del llm
    return result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default=str(cache_dir() / "smollm2" / "SmolLM2-135M-Instruct.Q4_1.gguf"))
    parser.add_argument("--threads", default="1,2", help="comma-separated thread counts")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--binary", help="path to the Swift `attention` binary, to run it too and print the ratios")
    args = parser.parse_args()
    try:
        import llama_cpp
    except ImportError:
        sys.exit(INSTALL_HINT)
    if not pathlib.Path(args.model).exists():
        sys.exit(f"model not found at {args.model}; run `python3 tools/fetch_models.py smollm2` or pass --model")

    thread_counts = [int(t) for t in args.threads.split(",")]
    vocab_only = llama_cpp.Llama(model_path=args.model, vocab_only=True, verbose=False)
    peer_ids = vocab_only.tokenize(PROMPT_TEXT.encode(), add_bos=False, special=False)[:PROMPT_TOKENS]
    del vocab_only
    for threads in thread_counts:
        swift = None
        ids = peer_ids
        if args.binary:
            command = [args.binary, "bench", "generate", "--model", args.model, "--threads", str(threads),
                       "--repeat", str(args.repeat), "--json"]
            swift = json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1])
            ids = swift["prompt_ids"]
            print(f"prompt ids: Swift tokenizer {'equals' if ids == peer_ids else 'DIFFERS FROM'} llama.cpp's; "
                  "both run on the Swift ids")
        peer = bench_llama_cpp(llama_cpp, args.model, ids, threads, args.repeat)
        print(json.dumps({k: v for k, v in peer.items() if k != "generated_ids"}, sort_keys=True))
        if swift:
            print(json.dumps({k: v for k, v in swift.items() if k not in ("prompt_ids", "generated_ids")}, sort_keys=True))
            agree = 0
            for a, b in zip(swift["generated_ids"], peer["generated_ids"]):
                if a != b:
                    break
                agree += 1
            decode_ratio = swift["decode_tokens_per_second"] / peer["decode_tokens_per_second"]
            prefill_ratio = swift["prefill_tokens_per_second"] / peer["prefill_tokens_per_second"]
            print(f"threads {threads}: decode Swift {swift['decode_tokens_per_second']:.1f} vs llama.cpp "
                  f"{peer['decode_tokens_per_second']:.1f} tokens/s -> {decode_ratio:.2f}x; prefill Swift "
                  f"{swift['prefill_tokens_per_second']:.1f} vs {peer['prefill_tokens_per_second']:.1f} tokens/s -> "
                  f"{prefill_ratio:.2f}x; peak memory Swift {swift['peak_memory_megabytes']:.1f} MB, llama.cpp process "
                  f"{peer['peak_memory_megabytes']:.1f} MB; greedy tokens identical for the first {agree} of "
                  f"{len(peer['generated_ids'])}")


if __name__ == "__main__":
    main()
