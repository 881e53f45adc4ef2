"""``simulate``: the whole run — rooms in one or several processes, truth files, manifest.

Seeds: the world (catalogue) uses ``SeedSequence(seed, spawn_key=(0,))`` and room i uses
``SeedSequence(seed, spawn_key=(1, i))`` — the same children ``spawn`` would give, but
addressed by room number, so room i is identical whatever the number of rooms or workers.
Each worker writes its rooms' files as it goes and returns only small truth tables.
"""

from __future__ import annotations

import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import polars as pl

from kuaifan.errors import InputError
from kuaifan.events import EventKind, now_ms
from kuaifan.sim.catalogue import World, build_world
from kuaifan.sim.config import SimConfig, SimSummary
from kuaifan.sim.outcome import RoomOutcome, write_room
from kuaifan.sim.room import simulate_room
from kuaifan.sim.run_days import run_room_days, write_growth
from kuaifan.sim.writer import write_manifest, write_table

MANIFEST_VERSION = 1
# Latest event relative to the configured start: up to 15 min room offset, the stream, and
# refunds up to 48 h after payment (late re-attributed orders arrive within 6 h).
_TAIL_MS = (15 * 60 + 48 * 3600 + 60) * 1000


def room_outcomes(config: SimConfig, world: World, index: int, out_dir: Path) -> list[RoomOutcome]:
    """Room ``index``: one stream, or (several-days runs) one per day it is on air."""
    if not config.extended:
        return [run_room(config, world, index, out_dir)]
    return run_room_days(config, world, index, out_dir)


def room_seed(seed: int, index: int) -> np.random.SeedSequence:
    return np.random.SeedSequence(seed, spawn_key=(1, index))


def world_seed(seed: int) -> np.random.SeedSequence:
    return np.random.SeedSequence(seed, spawn_key=(0,))


def run_room(config: SimConfig, world: World, index: int, out_dir: Path) -> RoomOutcome:
    """Simulate room ``index`` and write its event and comment-truth files."""
    result = simulate_room(world, config, index, room_seed(config.seed, index))
    return write_room(config, index, result, out_dir, str(result.ident.room_id))


def _check_start(config: SimConfig, now: int) -> None:
    latest = config.start_ms + config.minutes * 60_000 + _TAIL_MS
    if config.extended:  # the last day's stream, and shelf orders until that day's midnight + refunds
        from kuaifan.sim.shelf import DAY_MS, first_day_start_ms

        shelf_end = first_day_start_ms(config) + config.days * DAY_MS + 48 * 3_600_000
        latest = max(latest + (config.days - 1) * DAY_MS, shelf_end)
    if latest > now:
        hours = -(-(latest - config.start_ms) // 3_600_000)
        raise InputError(
            f"开始时间 {config.start.isoformat()} 太晚：退款等事件会落在未来；"
            f"开始时间至少要在 {hours} 小时以前",
            f"start {config.start.isoformat()} is too late: refunds and late orders would lie in the future; "
            f"start at least {hours} hours ago",
            start=config.start.isoformat(),
        )


_OWN_SUFFIXES = (".jsonl", ".parquet", ".tmp")


def _prepare(out_dir: Path, overwrite: bool) -> None:
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError(f"{out_dir} 不是目录", f"{out_dir} is not a directory", path=str(out_dir))
    if out_dir.exists() and any(out_dir.iterdir()):
        if not overwrite:
            raise InputError(
                f"输出目录 {out_dir} 非空；要覆盖请加 --force",
                f"output directory {out_dir} is not empty; use --force to overwrite",
                path=str(out_dir),
            )
        # Remove only what a previous run wrote (never unknown files).
        for sub in ("events", "truth/comments", "truth"):
            folder = out_dir / sub
            if folder.is_dir():
                for f in folder.iterdir():
                    if f.is_file() and f.suffix in _OWN_SUFFIXES:
                        f.unlink()
        (out_dir / "manifest.json").unlink(missing_ok=True)
        (out_dir / "truth" / "growth.json").unlink(missing_ok=True)
        if (out_dir / "growth").is_dir():
            for f in (out_dir / "growth").iterdir():
                if f.is_file() and f.suffix in (".csv", ".tmp"):
                    f.unlink()
    for sub in ("events", "truth/comments"):
        (out_dir / sub).mkdir(parents=True, exist_ok=True)


def simulate(config: SimConfig, out_dir: Path, *, overwrite: bool = False) -> SimSummary:
    """Generate ``config.rooms`` rooms into ``out_dir``; same config → byte-identical files."""
    t0 = time.perf_counter()
    _check_start(config, now_ms())
    _prepare(out_dir, overwrite)
    world = build_world(world_seed(config.seed), config.tenant)
    workers = min(config.workers, config.rooms)
    if workers <= 1:
        outcomes = [o for i in range(config.rooms) for o in room_outcomes(config, world, i, out_dir)]
    else:
        ctx = multiprocessing.get_context("spawn")  # polars and threads do not survive fork
        with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
            futures = [pool.submit(room_outcomes, config, world, i, out_dir) for i in range(config.rooms)]
            outcomes = [o for f in futures for o in f.result()]
    outcomes.sort(key=lambda o: (o.index, o.day))

    variants = pl.concat([o.truth_variants for o in outcomes])
    catalogue = pl.concat([o.catalogue for o in outcomes])
    write_table(variants, out_dir / "truth" / "variants.parquet")
    write_table(catalogue, out_dir / "truth" / "catalogue.parquet")
    files = [f for o in outcomes for f in o.files]
    for name in ("truth/variants.parquet", "truth/catalogue.parquet"):
        files.append((name, (out_dir / name).stat().st_size))
    extra_counts: dict[str, int] = {}
    if config.extended:
        growth_files, extra_counts = write_growth(config, world, outcomes, out_dir)
        files += growth_files
    files.sort()

    counts = {
        k.value: sum(o.counts.get(k.value, 0) for o in outcomes) + extra_counts.get(k.value, 0)
        for k in EventKind
    }
    events = sum(counts.values())
    n_truth = sum(o.truth_comments for o in outcomes)
    manifest = {
        "generator": "kuaifan.sim",
        "manifest_version": MANIFEST_VERSION,
        "seed": config.seed,
        "config": config.manifest_dict(),
        "tenant": config.tenant,
        "platform": "sim",
        "events": events,
        "counts": counts,
        "truth_comments": n_truth,
        "rooms": [o.room for o in outcomes],
        "files": [{"path": p, "bytes": b} for p, b in files],
    }
    write_manifest(out_dir / "manifest.json", manifest)
    channels: dict[str, int] = {}
    room_channel = {o.room["room_id"]: o.room["channel"] for o in outcomes}  # a room streams on many days
    for channel in room_channel.values():
        channels[channel] = channels.get(channel, 0) + 1
    return SimSummary(
        out_dir=out_dir,
        seed=config.seed,
        rooms=config.rooms,
        minutes=config.minutes,
        events=events,
        counts=counts,
        channels=channels,
        files=[p for p, _ in files] + ["manifest.json"],
        bytes_written=sum(b for _, b in files),
        wall_s=time.perf_counter() - t0,
        truth_comments=n_truth,
        variants=variants.height,
        sold_out_variants=int(variants["sellout_ts_ms"].is_not_null().sum()),
        unmet_units=int(variants["unmet_units"].sum()),
        days=config.days,
        streams=len(outcomes),
        shelf_orders=extra_counts.get("order_paid", 0),
    )
