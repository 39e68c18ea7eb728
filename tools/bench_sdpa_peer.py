#!/usr/bin/env python3
"""Fused attention vs PyTorch's scaled_dot_product_attention on the same CPU, same shapes, same threads.

Usage: python3 tools/bench_sdpa_peer.py [--threads 1,2] [--seq 1024,4096] [--binary .build/release/attention]
Runs `attention bench sdpa --json` and torch.nn.functional.scaled_dot_product_attention alternately for each
shape (B=1, H=12, D=64, causal and not) and prints milliseconds, GFLOP/s and the ratio (ours / PyTorch
throughput; > 1 means faster than PyTorch). Without torch importable it prints our numbers only.
Build first: make build.
"""
import argparse, json, statistics, subprocess, sys, time


def ours(binary, b, h, n, d, causal, threads):
    cmd = [binary, "bench", "sdpa", "--batch", str(b), "--heads", str(h), "--seq", str(n), "--dim", str(d),
           "--threads", str(threads), "--json"] + (["--causal"] if causal else [])
    return json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)


def torch_ms(torch, b, h, n, d, causal, threads):
    torch.set_num_threads(threads)
    g = torch.Generator().manual_seed(1)
    q, k, v = (torch.randn(b, h, n, d, generator=g) for _ in range(3))
    f = torch.nn.functional.scaled_dot_product_attention
    with torch.inference_mode():
        f(q, k, v, is_causal=causal)
        start = time.perf_counter()
        f(q, k, v, is_causal=causal)
        once = time.perf_counter() - start
        runs = max(3, min(50, int(1.0 / max(once, 1e-6))))
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            f(q, k, v, is_causal=causal)
            times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--seq", default="1024,4096")
    parser.add_argument("--binary", default=".build/release/attention")
    args = parser.parse_args()
    try:
        import torch
    except ImportError:
        torch = None
        print("torch is not importable: printing swift-attention numbers only", file=sys.stderr)
    b, h, d = 1, 12, 64
    print(f"{'shape':<34}{'thr':>4}{'ours ms':>10}{'GFLOP/s':>9}{'%sgemm':>8}{'torch ms':>10}{'ratio':>7}")
    for threads in map(int, args.threads.split(",")):
        for n in map(int, args.seq.split(",")):
            for causal in (False, True):
                r = ours(args.binary, b, h, n, d, causal, threads)
                t = torch_ms(torch, b, h, n, d, causal, threads) if torch else None
                shape = f"B={b} H={h} N={n} D={d}{' causal' if causal else ''}"
                ratio = f"{t / r['milliseconds']:.2f}x" if t else "-"
                tms = f"{t:.1f}" if t else "-"
                print(f"{shape:<34}{threads:>4}{r['milliseconds']:>10.1f}{r['gflops']:>9.1f}"
                      f"{100 * r['fraction_of_sgemm']:>7.0f}%{tms:>10}{ratio:>7}", flush=True)
    if torch:
        print(f"torch {torch.__version__}; ratio = PyTorch time / swift-attention time (higher is better for us)")


if __name__ == "__main__":
    main()
