"""Who watches: body sizes, the size each body fits, arrivals and the online curve, user keys.

All functions are vectorised over viewers (numpy arrays) and draw only from the Generator
they are given, so a room's audience depends on its own seed alone.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import polars as pl
import pyarrow as pa

from kuaifan.sim.catalogue import KIDS_SIZES, MEN_SHOES, MEN_SIZES, WOMEN_SHOES, WOMEN_SIZES
from kuaifan.sim.config import AudienceConfig

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
U64 = npt.NDArray[np.uint64]
B = npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class Bodies:
    """Per viewer: their sex, and the three bodies they may buy for (self or partner, a child)."""

    male: B
    female_height: F64
    female_weight: F64
    male_height: F64
    male_weight: F64
    child_height: F64
    child_weight: F64


def sample_bodies(rng: np.random.Generator, n: int, a: AudienceConfig) -> Bodies:
    male = rng.random(n) >= a.female_share
    fh = np.clip(rng.normal(a.female_height_cm, a.female_height_sd, n), 142.0, 190.0)
    mh = np.clip(rng.normal(a.male_height_cm, a.male_height_sd, n), 150.0, 200.0)
    fbmi = np.clip(rng.normal(a.female_bmi, a.female_bmi_sd, n), 16.0, 35.0)
    mbmi = np.clip(rng.normal(a.male_bmi, a.male_bmi_sd, n), 17.0, 36.0)
    ch = np.clip(rng.normal(a.child_height_cm, a.child_height_sd, n), 75.0, 165.0)
    cbmi = np.clip(rng.normal(15.8, 1.5, n), 12.5, 22.0)
    return Bodies(
        male=male,
        female_height=fh,
        female_weight=fbmi * (fh / 100.0) ** 2,
        male_height=mh,
        male_weight=mbmi * (mh / 100.0) ** 2,
        child_height=ch,
        child_weight=cbmi * (ch / 100.0) ** 2,
    )


def wearer(bodies: Bodies, line: str) -> tuple[F64, F64]:
    """Height and weight of whoever wears a product of this line (women's, men's, kids')."""
    if line == "men":
        return bodies.male_height, bodies.male_weight
    if line == "kids":
        return bodies.child_height, bodies.child_weight
    return bodies.female_height, bodies.female_weight


def fitting_size(height: F64, weight: F64, line: str, sizes: tuple[str, ...]) -> I64:
    """Index into ``sizes`` of the size a body fits (a simple size chart per product line)."""
    if sizes in (WOMEN_SIZES, MEN_SIZES):
        # Letter sizes go mostly by weight, a tall person goes up (typical Chinese size charts).
        ref, cuts = (
            (160.0, (46.5, 52.5, 58.5, 65.5)) if sizes == WOMEN_SIZES else (172.0, (61.0, 69.0, 77.0, 86.0))
        )
        score = weight + 0.25 * (height - ref)
        return np.searchsorted(np.asarray(cuts), score).astype(np.int64)
    if sizes in (WOMEN_SHOES, MEN_SHOES):
        # Chinese shoe size = 2 × foot length (cm) − 10; foot length ≈ 14.6 % of height.
        foot_cm = height * (0.146 if sizes == WOMEN_SHOES else 0.148)
        size = np.rint(2.0 * foot_cm - 10.0)
        clipped: I64 = np.clip(size - int(sizes[0]), 0, len(sizes) - 1).astype(np.int64)
        return clipped
    if sizes == KIDS_SIZES:
        # Children's sizes are the height in cm, rounded up to the next 10.
        size = np.ceil(height / 10.0) * 10.0
        return np.clip((size - 90.0) / 10.0, 0, len(sizes) - 1).astype(np.int64)
    raise ValueError(f"no size chart for {sizes!r} ({line})")


def arrival_intensity(duration_s: int, surges: list[tuple[float, float]]) -> F64:
    """Relative arrival rate per second: ramp-up, slow decay, a surge when a hot product goes up."""
    t = np.arange(duration_s, dtype=np.float64)
    ramp = np.minimum(1.0, (t + 30.0) / (0.06 * duration_s + 90.0))
    decay = 0.55 + 0.45 * np.exp(-t / (0.7 * duration_s + 1.0))
    rate = ramp * decay
    for at, height in surges:
        after = t >= at
        rate[after] += height * np.exp(-(t[after] - at) / 150.0)
    return rate


def sample_times(rng: np.random.Generator, intensity: F64, n: int) -> F64:
    """n iid times (seconds, float) from a per-second intensity, by inverse CDF."""
    cdf = np.cumsum(intensity)
    cdf /= cdf[-1]
    u = rng.random(n)
    sec = np.searchsorted(cdf, u, side="right").astype(np.float64)
    return np.minimum(sec + rng.random(n), float(len(intensity)) - 1e-3)


@dataclass(frozen=True, slots=True)
class Visits:
    """Room entries, sorted by arrival. A viewer has one or two visits that do not overlap."""

    viewer: I64
    arrive_ms: I64
    leave_ms: I64
    first: B  # the viewer's first entry (a new UV)


def sample_visits(rng: np.random.Generator, n_viewers: int, duration_s: int, intensity: F64) -> Visits:
    end_ms = duration_s * 1000
    arrive = sample_times(rng, intensity, n_viewers)
    dwell = np.clip(rng.lognormal(np.log(70.0), 1.1, n_viewers), 3.0, None)
    leave = np.minimum(arrive + dwell, duration_s - 1e-3)
    # About a quarter come back once, some minutes after they left.
    again = np.flatnonzero(rng.random(n_viewers) < 0.25)
    back = leave[again] + rng.exponential(900.0, again.size) + 10.0
    keep = back < duration_s - 5.0
    again, back = again[keep], back[keep]
    back_leave = np.minimum(
        back + np.clip(rng.lognormal(np.log(60.0), 1.0, again.size), 3.0, None), duration_s - 1e-3
    )
    viewer = np.concatenate([np.arange(n_viewers), again])
    a_ms = (np.concatenate([arrive, back]) * 1000.0).astype(np.int64)
    l_ms = np.minimum((np.concatenate([leave, back_leave]) * 1000.0).astype(np.int64), end_ms - 1)
    l_ms = np.maximum(l_ms, a_ms)
    first = np.concatenate([np.ones(n_viewers, bool), np.zeros(again.size, bool)])
    order = np.lexsort((viewer, a_ms))
    return Visits(viewer=viewer[order], arrive_ms=a_ms[order], leave_ms=l_ms[order], first=first[order])


def online_samples(rng: np.random.Generator, visits: Visits, duration_s: int) -> tuple[I64, I64]:
    """online_count samples every 5-10 s: (ts_ms relative to start, viewers in the room)."""
    n = int(duration_s / 5.0) + 2
    ts = np.cumsum(rng.uniform(5.0, 10.0, n)) * 1000.0
    ts_ms = ts[ts < duration_s * 1000 - 1].astype(np.int64)
    arrived = np.searchsorted(visits.arrive_ms, ts_ms, side="right")
    left = np.searchsorted(np.sort(visits.leave_ms), ts_ms, side="right")
    return ts_ms, (arrived - left).astype(np.int64)


_C1 = np.uint64(0x9E3779B97F4A7C15)
_C2 = np.uint64(0xBF58476D1CE4E5B9)
_C3 = np.uint64(0x94D049BB133111EB)
_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)


def splitmix64(x: U64) -> U64:
    """The splitmix64 finaliser, vectorised (uint64 arithmetic wraps)."""
    z = x + _C1
    z = (z ^ (z >> np.uint64(30))) * _C2
    z = (z ^ (z >> np.uint64(27))) * _C3
    return z ^ (z >> np.uint64(31))


def user_keys(seed: int, global_ids: U64) -> pl.Series:
    """Synthetic pseudonymous user keys: 32 hex chars from a hash of (seed, global viewer id).

    Simulated viewers have no platform ids, so this stands in for HMAC(salt, platform id):
    stable across the rooms of one run (a brand's fans come back), not reversible.
    """
    n = int(global_ids.size)
    mix = splitmix64(np.array([seed & 0xFFFFFFFFFFFFFFFF], dtype=np.uint64))[0]
    hi = splitmix64(global_ids ^ mix)
    lo = splitmix64(hi ^ _C3)
    raw = np.empty((n, 16), dtype=np.uint8)
    raw[:, :8] = hi.astype(">u8").view(np.uint8).reshape(-1, 8)
    raw[:, 8:] = lo.astype(">u8").view(np.uint8).reshape(-1, 8)
    text = np.empty((n, 32), dtype=np.uint8)
    text[:, 0::2] = _HEX[raw >> 4]
    text[:, 1::2] = _HEX[raw & 15]
    # Fixed-width ASCII: hand the bytes to Arrow as a string column without a per-row copy.
    offsets = np.arange(0, 32 * (n + 1), 32, dtype=np.int32)
    arr = pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(text.tobytes()))
    keys = pl.from_arrow(arr)
    assert isinstance(keys, pl.Series)
    return keys.alias("user_key")


def viewer_ids(
    rng: np.random.Generator, n: int, room_index: int, fan_pools: list[int], pool_size: int
) -> U64:
    """Global viewer ids: ~15 % are returning fans from the brands' pools, the rest are new to the room."""
    ids = (np.uint64(room_index + 1) << np.uint64(32)) + np.arange(n, dtype=np.uint64)
    fans = np.flatnonzero(rng.random(n) < 0.15)
    if fans.size and fan_pools:
        pool = np.asarray(fan_pools, dtype=np.uint64)[rng.integers(0, len(fan_pools), fans.size)]
        member = rng.integers(0, pool_size, fans.size).astype(np.uint64)
        ids[fans] = (np.uint64(1) << np.uint64(62)) + (pool << np.uint64(40)) + member
        ids = _dedupe(ids, n, room_index)
    return ids


def _dedupe(ids: U64, n: int, room_index: int) -> U64:
    """Two viewers of one room drew the same fan: the later one becomes a new viewer."""
    _, first = np.unique(ids, return_index=True)
    dup = np.ones(n, bool)
    dup[first] = False
    fresh = (np.uint64(room_index + 1) << np.uint64(32)) + np.arange(n, dtype=np.uint64)
    ids[dup] = fresh[dup]
    return ids
