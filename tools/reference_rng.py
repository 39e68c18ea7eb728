"""Python twins of the Swift generators in Sources/TensorCore/Random.swift, for golden files."""
import math

M64 = (1 << 64) - 1


def _mix(z: int) -> int:
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    return z ^ (z >> 31)


def counter_uniform(seed: int, counter: int) -> float:
    """CounterRandom.uniform(seed:counter:): exactly representable in float32."""
    z = (seed + 0x9E3779B97F4A7C15 * (counter + 1)) & M64
    return (_mix(z) >> 40) / 16777216.0


class SeededGenerator:
    """SeededGenerator: xoshiro256** seeded through SplitMix64."""

    def __init__(self, seed: int):
        s = seed
        state = []
        for _ in range(4):
            s = (s + 0x9E3779B97F4A7C15) & M64
            state.append(_mix(s))
        self.s = state
        self.spare = None

    @staticmethod
    def _rotl(x, k):
        return ((x << k) | (x >> (64 - k))) & M64

    def next(self) -> int:
        s = self.s
        result = (self._rotl((s[1] * 5) & M64, 7) * 9) & M64
        t = (s[1] << 17) & M64
        s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3]; s[2] ^= t
        s[3] = self._rotl(s[3], 45)
        return result

    def uniform(self) -> float:
        return (self.next() >> 40) / 16777216.0

    def normal(self) -> float:
        if self.spare is not None:
            v, self.spare = self.spare, None
            return v
        u1 = ((self.next() >> 11) + 1) * 2.0 ** -53
        u2 = (self.next() >> 11) * 2.0 ** -53
        r = math.sqrt(-2 * math.log(u1))
        self.spare = r * math.sin(2 * math.pi * u2)
        return r * math.cos(2 * math.pi * u2)
