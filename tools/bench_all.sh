#!/usr/bin/env bash
# Every benchmark with its peer, in one run (make bench). Ratios matter; single timings on a shared machine are noise.
# Peers that are not installed (torch, transformers, onnxruntime, llama-cpp-python) are reported and skipped.
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.build/release/attention}
python3 tools/bench_sdpa_peer.py --threads 1,2 --seq 1024,4096 --binary "$BIN"
python3 tools/bench_scaling.py --max 32768 --binary "$BIN"
for threads in 1 2; do
  python3 tools/bench_embed_peer.py --threads "$threads" --attention "$BIN"
done
python3 tools/bench_generate_peer.py --threads 1,2 --binary "$BIN"
