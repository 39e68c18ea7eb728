#!/usr/bin/env python3
"""PyTorch parity goldens for the NN layers (Tests/NNTests/Resources/layers/).

For each case, builds torch.nn.MultiheadAttention, TransformerEncoderLayer, TransformerDecoderLayer or Transformer
with a fixed seed, batch_first=True, in eval mode (dropout off), and writes:
  <case>/weights.safetensors   the module's state_dict, float32, PyTorch's own names; metadata nhead = heads
  <case>/x.npy                 input [batch, seq, embed] (the query / tgt)
  <case>/memory.npy            encoder memory / cross-attention keys [batch, seq, embed], when used
  <case>/key_padding_mask.npy  bool [batch, seq], PyTorch's convention: True = padded (ignored), when used
  <case>/memory_key_padding_mask.npy  the same for the memory, when used
  <case>/y.npy                 the module's output
and a manifest.json listing each case's options.

Outputs are computed with autograd enabled on purpose: under torch.no_grad() PyTorch may take the "fast path"
(nested tensors), which writes zeros at padded positions instead of the ordinary computation.
Embed 32, 4 heads, seq <= 7, batch 2, so the files stay a few KB.

    pip install torch safetensors numpy   # a CPU wheel is enough
    python3 tools/make_layer_golden.py
"""
import json
import os
import shutil

import numpy as np
import torch
from safetensors.torch import save_file

OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "NNTests", "Resources", "layers")
E, H, FF, B, T, S = 32, 4, 64, 2, 5, 7


def causal(n):
    return torch.nn.Transformer.generate_square_subsequent_mask(n)


def padding(rows, n):
    """True = padded: batch row b has rows[b] real tokens."""
    return torch.arange(n)[None, :] >= torch.tensor(rows)[:, None]


def save(name, module, arrays, options):
    folder = os.path.join(OUT, name)
    os.makedirs(folder, exist_ok=True)
    state = {k: v.detach().contiguous().float() for k, v in module.state_dict().items()}
    save_file(state, os.path.join(folder, "weights.safetensors"), metadata={"nhead": str(options["heads"])})
    for key, value in arrays.items():
        value = value.detach().numpy()
        np.save(os.path.join(folder, key + ".npy"), value.astype(bool if value.dtype == bool else np.float32))
    return {"name": name, **options}


def main():
    shutil.rmtree(OUT, ignore_errors=True)
    os.makedirs(OUT)
    cases = []

    def inputs(seed, memory=False):
        g = torch.Generator().manual_seed(1000 + seed)
        x = torch.randn(B, T, E, generator=g)
        m = torch.randn(B, S, E, generator=g) if memory else None
        return x, m

    # MultiheadAttention: self, causal self, cross with key padding.
    for seed, (name, kind) in enumerate([("mha_self", "self"), ("mha_causal", "causal"), ("mha_cross_padding", "cross")]):
        torch.manual_seed(seed)
        mha = torch.nn.MultiheadAttention(E, H, batch_first=True).eval()
        x, m = inputs(seed, memory=kind == "cross")
        arrays, options = {"x": x}, {"kind": "multihead", "heads": H, "causal": kind == "causal"}
        if kind == "self":
            y, _ = mha(x, x, x)
        elif kind == "causal":
            y, _ = mha(x, x, x, attn_mask=causal(T), is_causal=True)
        else:
            kpm = padding([S, 4], S)
            y, _ = mha(x, m, m, key_padding_mask=kpm)
            arrays.update(memory=m, key_padding_mask=kpm)
            options["memory"] = True
            options["key_padding_mask"] = True
        arrays["y"] = y
        cases.append(save(name, mha, arrays, options))

    # TransformerEncoderLayer: relu/gelu × post/pre norm, plus causal and key padding.
    encoder_cases = [
        ("encoder_relu_post", "relu", False, False, False),
        ("encoder_gelu_pre", "gelu", True, False, False),
        ("encoder_relu_pre_causal", "relu", True, True, False),
        ("encoder_gelu_post_padding", "gelu", False, False, True),
    ]
    for seed, (name, activation, norm_first, is_causal, use_padding) in enumerate(encoder_cases, start=10):
        torch.manual_seed(seed)
        layer = torch.nn.TransformerEncoderLayer(E, H, FF, dropout=0.1, activation=activation, batch_first=True,
                                                 norm_first=norm_first, layer_norm_eps=1e-5).eval()
        x, _ = inputs(seed)
        arrays = {"x": x}
        kwargs = {}
        if is_causal:
            kwargs.update(src_mask=causal(T), is_causal=True)
        if use_padding:
            kpm = padding([T, 3], T)
            kwargs["src_key_padding_mask"] = kpm
            arrays["key_padding_mask"] = kpm
        arrays["y"] = layer(x, **kwargs)
        cases.append(save(name, layer, arrays, {"kind": "encoder", "heads": H, "activation": activation,
                                                "norm_first": norm_first, "causal": is_causal,
                                                "key_padding_mask": use_padding}))

    # TransformerDecoderLayer: causal self-attention (as in translation), cross-attention to a padded memory.
    decoder_cases = [
        ("decoder_relu_post", "relu", False, False, False),
        ("decoder_gelu_pre_causal", "gelu", True, True, False),
        ("decoder_relu_post_causal_padding", "relu", False, True, True),
    ]
    for seed, (name, activation, norm_first, is_causal, use_padding) in enumerate(decoder_cases, start=20):
        torch.manual_seed(seed)
        layer = torch.nn.TransformerDecoderLayer(E, H, FF, dropout=0.1, activation=activation, batch_first=True,
                                                 norm_first=norm_first).eval()
        x, m = inputs(seed, memory=True)
        arrays = {"x": x, "memory": m}
        kwargs = {}
        if is_causal:
            kwargs.update(tgt_mask=causal(T), tgt_is_causal=True)
        if use_padding:
            kpm = padding([S, 5], S)
            kwargs["memory_key_padding_mask"] = kpm
            arrays["memory_key_padding_mask"] = kpm
        arrays["y"] = layer(x, m, **kwargs)
        cases.append(save(name, layer, arrays, {"kind": "decoder", "heads": H, "activation": activation,
                                                "norm_first": norm_first, "causal": is_causal, "memory": True,
                                                "memory_key_padding_mask": use_padding}))

    # The whole encoder-decoder: nn.Transformer, 2 + 2 layers with final norms.
    torch.manual_seed(30)
    model = torch.nn.Transformer(E, H, num_encoder_layers=2, num_decoder_layers=2, dim_feedforward=FF, dropout=0.1,
                                 batch_first=True).eval()
    x, m = inputs(30, memory=True)  # m is the source sequence here
    y = model(m, x, tgt_mask=causal(T), tgt_is_causal=True)
    cases.append(save("transformer", model, {"x": x, "memory": m, "y": y},
                      {"kind": "transformer", "heads": H, "activation": "relu", "norm_first": False, "causal": True,
                       "encoder_layers": 2, "decoder_layers": 2}))

    with open(os.path.join(OUT, "manifest.json"), "w") as f:
        json.dump({"generator": "tools/make_layer_golden.py", "torch": torch.__version__, "cases": cases}, f, indent=1)
    print(f"wrote {len(cases)} cases to {os.path.normpath(OUT)}")


if __name__ == "__main__":
    main()
