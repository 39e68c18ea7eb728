#!/usr/bin/env python3
"""Golden values for the seeded generators (Sources/TensorCore/Random.swift) from their Python twins.

Writes Tests/TensorCoreTests/Resources/rng_golden.json. Rerun: python3 tools/make_rng_golden.py (stdlib only).
"""
import json, pathlib
from reference_rng import SeededGenerator, counter_uniform

out = {}
for seed in (0, 42, 2**63 + 5):
    g = SeededGenerator(seed)
    raw = [str(g.next()) for _ in range(8)]
    g = SeededGenerator(seed)
    uniform = [g.uniform() for _ in range(8)]
    g = SeededGenerator(seed)
    normal = [g.normal() for _ in range(9)]
    counters = [counter_uniform(seed, c) for c in (0, 1, 2, 1000, 2**40)]
    out[str(seed)] = {"raw": raw, "uniform": uniform, "normal": normal, "counter": counters}
path = pathlib.Path(__file__).resolve().parent.parent / "Tests/TensorCoreTests/Resources/rng_golden.json"
path.write_text(json.dumps({"generator": "tools/make_rng_golden.py", "seeds": out}, indent=1))
print(f"wrote {path}")
