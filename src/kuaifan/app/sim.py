"""``kuaifan sim``: simulated live rooms with their ground truth (the seeded world tests, the demo
and the load benchmarks run on)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from kuaifan.errors import InputError
from kuaifan.sim import SimConfig, SimSummary, sim_config, simulate
from kuaifan.sim.config import SHANGHAI, summary_lines

__all__ = ["parse_start", "run_sim", "simulate_demo", "summary_lines"]


def parse_start(text: str) -> datetime:
    """'2026-10-08T20:00' (China time unless a zone is given) → an aware datetime; InputError."""
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise InputError(
            f"--start 应为时间，如 2026-10-08T20:00，收到 {text!r}",
            f"--start: expected a time such as 2026-10-08T20:00, got {text!r}",
            field="start",
        ) from None
    return when if when.tzinfo is not None else when.replace(tzinfo=SHANGHAI)


def run_sim(
    out_dir: Path,
    *,
    seed: int,
    rooms: int,
    minutes: int,
    viewers: int | None,
    tenant: str,
    fmt: str,
    workers: int,
    start: str | None = None,
) -> SimSummary:
    """Simulate into ``out_dir`` (replacing what is there); same arguments → byte-identical files."""
    kw: dict[str, Any] = {
        "seed": seed, "rooms": rooms, "minutes": minutes, "tenant": tenant, "format": fmt, "workers": workers,
    }  # fmt: skip
    if viewers is not None:
        kw["viewers"] = viewers
    if start is not None:
        kw["start"] = parse_start(start)
    return simulate(sim_config(**kw), out_dir, overwrite=True)


def simulate_demo(out_dir: Path, *, seed: int, rooms: int, minutes: int, tenant: str) -> SimSummary:
    """The demo's rooms: 3,000 viewers each, so the whole loop runs in seconds."""
    return simulate(
        SimConfig(seed=seed, rooms=rooms, minutes=minutes, tenant=tenant, viewers=3_000),
        out_dir,
        overwrite=True,
    )
