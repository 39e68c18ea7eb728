#!/usr/bin/env python3
"""Scaling of the fused kernel: time ~ N², peak memory ~ N (B=1, H=1, D=64, causal and not).

Usage: python3 tools/bench_scaling.py [--binary .build/release/attention] [--max 32768] [--threads 2]
For each N it writes random Q, K, V .npy files (N x 64 float32, 8 MB each at N = 32768), runs
`attention sdpa` on them and reads the child's peak resident memory, and runs `attention bench sdpa` for the time.
"""
import argparse, json, os, subprocess, tempfile
import numpy as np


def peak_rss_mb(cmd):
    child = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    if status != 0:
        raise SystemExit(f"{' '.join(cmd)} failed: {child.stderr.read().decode()}")
    return usage.ru_maxrss / 1024


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=".build/release/attention")
    ap.add_argument("--max", type=int, default=32768)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    rng = np.random.default_rng(0)
    print(f"{'N':>6} {'causal':>6} {'ms':>10} {'GFLOP/s':>8} {'time/N² (ns)':>13} {'peak MB':>8} {'inputs MB':>9}")
    n = 512
    with tempfile.TemporaryDirectory() as tmp:
        while n <= a.max:
            paths = []
            for name in "qkv":
                p = os.path.join(tmp, f"{name}.npy")
                np.save(p, rng.standard_normal((1, 1, n, 64)).astype(np.float32))
                paths.append(p)
            for causal in (False, True):
                flag = ["--causal"] if causal else []
                bench = json.loads(subprocess.run(
                    [a.binary, "bench", "sdpa", "--batch", "1", "--heads", "1", "--seq", str(n), "--dim", "64",
                     "--threads", str(a.threads), "--json", "--repeat", "3" if n <= 8192 else "1"] + flag,
                    check=True, capture_output=True, text=True).stdout)
                rss = peak_rss_mb([a.binary, "sdpa", "--query", paths[0], "--key", paths[1], "--value", paths[2],
                                   "--threads", str(a.threads), "--output", os.path.join(tmp, "o.npy")] + flag)
                ms = bench["milliseconds"]
                print(f"{n:>6} {str(causal):>6} {ms:>10.1f} {bench['gflops']:>8.1f} {ms * 1e6 / n / n:>13.2f} "
                      f"{rss:>8.1f} {3 * n * 64 * 4 / 2**20:>9.1f}", flush=True)
            n *= 2


if __name__ == "__main__":
    main()
