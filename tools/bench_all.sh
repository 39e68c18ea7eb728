#!/usr/bin/env bash
# Every benchmark with its peer, in one run (make bench). Ratios matter; single timings on a shared machine are noise.
set -uo pipefail
cd "$(dirname "$0")/.."
python3 tools/bench_sdpa_peer.py --threads 1,2 --seq 1024,4096
python3 tools/bench_scaling.py --max 32768
for peer in tools/bench_embed_peer.py tools/bench_generate_peer.py; do
  [ -f "$peer" ] && python3 "$peer"
done
