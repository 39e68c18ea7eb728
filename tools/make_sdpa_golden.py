#!/usr/bin/env python3
"""Golden files for scaled dot-product attention (float64 numpy reference).

Writes Tests/AttentionKernelsTests/Resources/sdpa/<case>/{query,key,value[,mask],output,weights}.npy and
manifest.json describing each case's options. Inputs are float32 (what the Swift kernels read); the reference is
computed in float64 from those float32 values. Rerun: python3 tools/make_sdpa_golden.py (needs numpy only).

Rules mirrored from Sources/AttentionKernels (one convention everywhere):
- boolean mask: true where attention is allowed; float mask: added to the scaled scores;
- causal: query i sees key j when j <= i + (keys - queries);
- a row with no allowed key gives zero weights and a zero output row;
- argmax ties go to the lowest index; sampled mode draws u = counter_uniform(seed, row) and picks the first key
  whose running float32 sum of probabilities exceeds u; top-k keeps the k best (ties to the lower index);
- dropout zeroes weight (row, j) when counter_uniform(seed, row*keys + j) < p and scales the rest by 1/(1-p).
"""
import json, pathlib, shutil
import numpy as np
from reference_rng import counter_uniform

OUT = pathlib.Path(__file__).resolve().parent.parent / "Tests/AttentionKernelsTests/Resources/sdpa"
rng = np.random.default_rng(20261204)


def f32(*shape, scale=1.0):
    return (rng.standard_normal(shape) * scale).astype(np.float32)


def reference(q, k, v, scale=None, mask=None, mask_kind=None, causal=False, mode="soft", topk=None, seed=0,
              dropout=0.0, dropout_seed=0, window=None, alibi=None, softcap=None):
    rank = q.ndim
    lead = q.shape[:-2]
    q4 = q.reshape((1,) * (4 - rank) + q.shape) if rank < 4 else q
    k4 = k.reshape((1,) * (4 - rank) + k.shape) if rank < 4 else k
    v4 = v.reshape((1,) * (4 - rank) + v.shape) if rank < 4 else v
    if rank == 3:
        q4, k4, v4 = q[:, None], k[:, None], v[:, None]
    B, H, Q, D = q4.shape
    G, K, E = k4.shape[1], k4.shape[2], v4.shape[3]
    scale = 1 / np.sqrt(D) if scale is None else scale
    weights_shape = lead + (Q, K)
    if mask is not None:
        if mask_kind == "key_padding":
            m4 = mask.astype(np.float64).reshape(B, 1, 1, K)
        else:
            m = np.broadcast_to(mask.astype(np.float64), weights_shape)
            m4 = m.reshape((1,) * (4 - rank) + m.shape) if rank == 2 else (m[:, None] if rank == 3 else m)
        m4 = np.broadcast_to(m4, (B, H, Q, K))
    out = np.zeros((B, H, Q, E))
    W = np.zeros((B, H, Q, K))
    for b in range(B):
        for h in range(H):
            g = h // (H // G)
            s = (q4[b, h].astype(np.float64) @ k4[b, g].astype(np.float64).T) * scale
            for i in range(Q):
                row = s[i].copy()
                diag = i + K - Q
                if softcap is not None:
                    row = softcap * np.tanh(row / softcap)
                if alibi is not None:
                    row = row - alibi[h] * np.abs(diag - np.arange(K))
                if causal:
                    row[np.arange(K) > diag] = -np.inf
                if window is not None:
                    row[np.arange(K) < diag - window + 1] = -np.inf
                    if not causal:
                        row[np.arange(K) > diag + window - 1] = -np.inf
                if mask is not None:
                    if mask_kind == "additive":
                        row = row + m4[b, h, i]
                    else:
                        row[m4[b, h, i] == 0] = -np.inf
                row_index = (b * H + h) * Q + i
                w = np.zeros(K)
                allowed = row > -np.inf
                if allowed.any():
                    if mode == "argmax":
                        w[int(np.argmax(np.where(allowed, row, -np.inf)))] = 1
                    else:
                        if mode == "topk":
                            order = sorted(np.nonzero(allowed)[0], key=lambda j: (-row[j], j))
                            row[order[topk:]] = -np.inf
                        e = np.exp(row - row.max())
                        w = e / e.sum()
                        if mode == "sample":
                            u = counter_uniform(seed, row_index)
                            cum = np.float32(0)
                            chosen = -1
                            for j in range(K):
                                if np.float32(w[j]) > 0:
                                    chosen = j
                                    cum = np.float32(cum + np.float32(w[j]))
                                    if cum > u:
                                        break
                            w = np.zeros(K)
                            w[chosen] = 1
                if dropout > 0:
                    for j in range(K):
                        if counter_uniform(dropout_seed, row_index * K + j) < dropout:
                            w[j] = 0
                        else:
                            w[j] /= (1 - dropout)
                W[b, h, i] = w
            out[b, h] = W[b, h] @ v4[b, g].astype(np.float64)
    out_shape = lead + (Q, E)
    if rank == 3:
        return out[:, 0], W[:, 0]
    return out.reshape(out_shape), W.reshape(weights_shape)


CASES = []


def case(name, q, k, v, **opts):
    CASES.append((name, q, k, v, opts))


# The seed's first example: Q, K, V of shape [1, 5, 64].
case("seed_example", f32(1, 5, 64), f32(1, 5, 64), f32(1, 5, 64))
case("one_key", f32(1, 2, 3, 8), f32(1, 2, 1, 8), f32(1, 2, 1, 8))
case("seven_keys", f32(2, 3, 4, 16), f32(2, 3, 7, 16), f32(2, 3, 7, 16))
case("keys_129_value_dim_24", f32(1, 2, 33, 32), f32(1, 2, 129, 32), f32(1, 2, 129, 24))
case("rank2", f32(6, 8), f32(9, 8), f32(9, 5))
case("custom_scale", f32(1, 2, 5, 16), f32(1, 2, 6, 16), f32(1, 2, 6, 16), scale=0.5)
case("bool_mask_full", f32(2, 2, 5, 8), f32(2, 2, 7, 8), f32(2, 2, 7, 8),
     mask=(rng.random((2, 2, 5, 7)) > 0.3), mask_kind="allowed")
case("bool_mask_broadcast_keys", f32(2, 3, 4, 8), f32(2, 3, 6, 8), f32(2, 3, 6, 8),
     mask=(rng.random((2, 1, 1, 6)) > 0.4), mask_kind="allowed")
case("bool_mask_query_key", f32(1, 2, 4, 8), f32(1, 2, 5, 8), f32(1, 2, 5, 8),
     mask=(rng.random((4, 5)) > 0.3), mask_kind="allowed")
case("bool_mask_rank3", f32(2, 4, 8), f32(2, 5, 8), f32(2, 5, 8),
     mask=(rng.random((2, 4, 5)) > 0.3), mask_kind="allowed")
additive = f32(1, 2, 4, 6)
additive[0, 0, 1, 2] = -np.inf
additive[0, 1, 3, :3] = -np.inf
case("additive_mask", f32(1, 2, 4, 8), f32(1, 2, 6, 8), f32(1, 2, 6, 8), mask=additive, mask_kind="additive")
case("key_padding", f32(3, 2, 4, 8), f32(3, 2, 6, 8), f32(3, 2, 6, 8),
     mask=np.array([[1] * 6, [1] * 4 + [0] * 2, [1] + [0] * 5], dtype=bool), mask_kind="key_padding")
case("causal_square", f32(1, 2, 7, 8), f32(1, 2, 7, 8), f32(1, 2, 7, 8), causal=True)
case("causal_fewer_queries", f32(2, 2, 3, 8), f32(2, 2, 8, 8), f32(2, 2, 8, 8), causal=True)
case("causal_more_queries", f32(1, 1, 6, 8), f32(1, 1, 4, 8), f32(1, 1, 4, 8), causal=True)
case("causal_with_padding", f32(2, 2, 5, 8), f32(2, 2, 5, 8), f32(2, 2, 5, 8), causal=True,
     mask=np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]], dtype=bool), mask_kind="key_padding")
case("gqa_6_over_2", f32(2, 6, 5, 16), f32(2, 2, 9, 16), f32(2, 2, 9, 12))
case("mqa_4_over_1_causal", f32(1, 4, 6, 16), f32(1, 1, 6, 16), f32(1, 1, 6, 16), causal=True)
full = np.ones((1, 2, 4, 5), dtype=bool)
full[0, 0, 1, :] = False
full[0, 1, 3, :] = False
case("fully_masked_rows", f32(1, 2, 4, 8), f32(1, 2, 5, 8), f32(1, 2, 5, 8), mask=full, mask_kind="allowed")
case("large_scores_1e4", f32(1, 2, 4, 8, scale=40.0), f32(1, 2, 6, 8, scale=40.0), f32(1, 2, 6, 8))
big = np.zeros((1, 1, 3, 5), dtype=np.float32)
big[0, 0, 0] = [1e30, -1e30, 0, 1e30, -1e30]
big[0, 0, 1] = [-1e30] * 5
big[0, 0, 2] = [1e4, -1e4, 1e4 - 8, 0, -1e30]  # float32 rounds 1e4 + s by ~5e-4: keep runner-up weights small
case("large_scores_1e30", f32(1, 1, 3, 8), f32(1, 1, 5, 8), f32(1, 1, 5, 8), mask=big, mask_kind="additive")
kt = f32(1, 2, 6, 8)
kt[0, :, 4] = kt[0, :, 1]  # duplicate keys make exact score ties
case("argmax_with_ties", f32(1, 2, 5, 8), kt, f32(1, 2, 6, 8), mode="argmax")
case("argmax_masked_causal", f32(2, 2, 5, 8), f32(2, 2, 5, 8), f32(2, 2, 5, 8), mode="argmax", causal=True)
case("sampled", f32(2, 2, 6, 8), f32(2, 2, 9, 8), f32(2, 2, 9, 8), mode="sample", seed=7)
case("topk_3", f32(1, 3, 5, 8), f32(1, 3, 10, 8), f32(1, 3, 10, 8), mode="topk", topk=3)
case("topk_more_than_allowed", f32(1, 1, 5, 8), f32(1, 1, 5, 8), f32(1, 1, 5, 8), mode="topk", topk=4, causal=True)
case("sliding_window_causal", f32(1, 2, 9, 8), f32(1, 2, 9, 8), f32(1, 2, 9, 8), causal=True, window=3)
case("sliding_window_bidirectional", f32(1, 2, 6, 8), f32(1, 2, 8, 8), f32(1, 2, 8, 8), window=2)
case("alibi_causal", f32(1, 4, 6, 8), f32(1, 4, 6, 8), f32(1, 4, 6, 8), causal=True,
     alibi=[2.0 ** (-8 * (h + 1) / 4) for h in range(4)])
case("soft_cap", f32(1, 2, 5, 8, scale=6.0), f32(1, 2, 7, 8, scale=6.0), f32(1, 2, 7, 8), softcap=5.0)
case("dropout", f32(1, 2, 5, 8), f32(1, 2, 7, 8), f32(1, 2, 7, 8), dropout=0.3, dropout_seed=11)


def main():
    if OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir(parents=True)
    manifest = []
    for name, q, k, v, opts in CASES:
        d = OUT / name
        d.mkdir()
        np.save(d / "query.npy", q)
        np.save(d / "key.npy", k)
        np.save(d / "value.npy", v)
        entry = {"name": name, "causal": opts.get("causal", False), "mode": opts.get("mode", "soft")}
        if "scale" in opts:
            entry["scale"] = opts["scale"]
        if "mask" in opts:
            mask = opts["mask"]
            np.save(d / "mask.npy", mask if mask.dtype == bool else mask.astype(np.float32))
            entry["mask"] = opts["mask_kind"]
        if "topk" in opts:
            entry["k"] = opts["topk"]
        if "seed" in opts:
            entry["seed"] = opts["seed"]
        for key in ("window", "alibi", "softcap"):
            if key in opts:
                entry[key] = opts[key]
        if "dropout" in opts:
            entry["dropout"] = opts["dropout"]
            entry["dropout_seed"] = opts["dropout_seed"]
        ref_opts = {key: val for key, val in opts.items()}
        out, w = reference(q, k, v, **ref_opts)
        assert np.isfinite(out).all() and np.isfinite(w).all(), name
        np.save(d / "output.npy", out.astype(np.float32))
        np.save(d / "weights.npy", w.astype(np.float32))
        manifest.append(entry)
    (OUT / "manifest.json").write_text(json.dumps({"generator": "tools/make_sdpa_golden.py", "cases": manifest}, indent=1))
    print(f"wrote {len(manifest)} cases to {OUT}")


if __name__ == "__main__":
    main()
