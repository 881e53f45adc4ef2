"""Writing a several-days run: one event file per stream, shelf orders, the economics files, truth.

Besides ``events/`` (``room-001-d001.jsonl`` … per stream, ``shelf-b1.jsonl`` … per brand) a
several-days run writes what the growth reports need and a platform would hand over as files:

    growth/brands.csv       item_id, brand_id, brand          (the catalogue's brands)
    growth/costs.csv        item_id, cost_share               (unit cost as a share of the price)
    growth/commission.csv   stream_id, author_id, rate        (达播 commission per influencer stream)
    growth/ad_spend.csv     date, stream_id, spend_fen        (千川 spend per stream)
    truth/shelf_days.parquet  per brand and day: store on air, live GMV per channel, the shelf's
                            potential, actual and moved GMV
    truth/growth.json       the live effect asked for and the realised new share per brand
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from kuaifan.sim.catalogue import World
from kuaifan.sim.config import SHANGHAI, SimConfig
from kuaifan.sim.days import simulate_room_days
from kuaifan.sim.outcome import RoomOutcome, write_room
from kuaifan.sim.shelf import LiveDay, market_factor, simulate_shelf
from kuaifan.sim.writer import write_jsonl, write_manifest, write_parquet, write_table


def run_room_days(config: SimConfig, world: World, index: int, out_dir: Path) -> list[RoomOutcome]:
    """Simulate and write every stream of room ``index``."""
    out: list[RoomOutcome] = []
    for sd in simulate_room_days(config, world, index):
        name = f"{sd.result.ident.room_id}-d{sd.day + 1:03d}"
        outcome = write_room(config, index, sd.result, out_dir, name)
        out.append(dataclasses.replace(outcome, day=sd.day, brand_gmv=sd.brand_gmv))
    return out


def live_days(outcomes: list[RoomOutcome]) -> dict[str, dict[int, LiveDay]]:
    """Per brand and day: paid live GMV in store and influencer rooms, and whether its store room aired."""
    acc: dict[str, dict[int, list[int]]] = {}
    for o in outcomes:
        store = o.room["channel"] == "store"
        for brand in o.room["brands"] if store else []:
            acc.setdefault(brand, {}).setdefault(o.day, [0, 0, 0])[2] = 1
        for brand, gmv in (o.brand_gmv or {}).items():
            acc.setdefault(brand, {}).setdefault(o.day, [0, 0, 0])[0 if store else 1] += gmv
    return {b: {d: LiveDay(v[0], v[1], bool(v[2])) for d, v in days.items()} for b, days in acc.items()}


def _date(ts_ms: int) -> str:
    return datetime.fromtimestamp(ts_ms / 1000, SHANGHAI).date().isoformat()


def _csv(df: pl.DataFrame, path: Path) -> tuple[str, int]:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    df.write_csv(tmp)
    tmp.replace(path)
    return path.relative_to(path.parent.parent).as_posix(), path.stat().st_size


def economics_files(
    config: SimConfig, world: World, outcomes: list[RoomOutcome], out_dir: Path
) -> list[tuple[str, int]]:
    """brands, costs, commission and ad spend files (each drawn from its own seed)."""
    products = [p for b in world.brands for p in b.products]
    rng = np.random.default_rng(np.random.SeedSequence(config.seed, spawn_key=(5,)))
    brands = pl.DataFrame(
        {
            "item_id": [p.item_id for p in products],
            "brand_id": [p.brand_id for p in products],
            "brand": [p.brand_name for p in products],
        }
    )
    costs = pl.DataFrame(
        {
            "item_id": [p.item_id for p in products],
            "cost_share": np.round(rng.uniform(0.3, 0.45, len(products)), 3),
        }
    )
    commission: list[dict[str, Any]] = []
    spend: list[dict[str, Any]] = []
    for o in outcomes:
        r = np.random.default_rng(np.random.SeedSequence(config.seed, spawn_key=(6, o.index)))
        rate = round(float(r.uniform(0.15, 0.30)), 3)  # the influencer's rate, the same every day
        daily = np.random.default_rng(np.random.SeedSequence(config.seed, spawn_key=(7, o.index, o.day)))
        per_viewer = daily.uniform(0.3, 0.7) if o.room["channel"] == "store" else daily.uniform(0.05, 0.2)
        spend.append(
            {
                "date": _date(o.room["first_ts_ms"]),
                "stream_id": o.room["stream_id"],
                "spend_fen": round(float(o.room["viewers"] * per_viewer * 100)),
            }
        )
        if o.room["channel"] == "influencer":
            commission.append(
                {"stream_id": o.room["stream_id"], "author_id": o.room["author_id"], "rate": rate}
            )
    growth = out_dir / "growth"
    return [
        _csv(brands, growth / "brands.csv"),
        _csv(costs, growth / "costs.csv"),
        _csv(
            pl.DataFrame(
                commission, schema={"stream_id": pl.String, "author_id": pl.String, "rate": pl.Float64}
            ),
            growth / "commission.csv",
        ),
        _csv(
            pl.DataFrame(spend, schema={"date": pl.String, "stream_id": pl.String, "spend_fen": pl.Int64}),
            growth / "ad_spend.csv",
        ),
    ]


def write_growth(
    config: SimConfig, world: World, outcomes: list[RoomOutcome], out_dir: Path
) -> tuple[list[tuple[str, int]], dict[str, int]]:
    """Shelf events (when ``config.shelf``), economics files and truth; (files written, event counts)."""
    files = economics_files(config, world, outcomes, out_dir)
    counts: dict[str, int] = {}
    live = live_days(outcomes)
    truth: list[pl.DataFrame] = []
    if config.shelf:
        market = market_factor(config)
        for j, brand in enumerate(world.brands):
            shelf = simulate_shelf(config, world, j, live.get(brand.brand_id, {}), market)
            truth.append(shelf.truth)
            if shelf.events is None:
                continue
            for kind, n in shelf.events.counts().items():
                counts[kind] = counts.get(kind, 0) + n
            name = f"shelf-{brand.brand_id}"
            if config.format in ("jsonl", "both"):
                path = out_dir / "events" / f"{name}.jsonl"
                write_jsonl(shelf.events, shelf.ident, path)
                files.append((path.relative_to(out_dir).as_posix(), path.stat().st_size))
            if config.format in ("parquet", "both"):
                path = out_dir / "events" / f"{name}.parquet"
                write_parquet(shelf.events, shelf.ident, path)
                files.append((path.relative_to(out_dir).as_posix(), path.stat().st_size))
        days = pl.concat(truth)
        write_table(days, out_dir / "truth" / "shelf_days.parquet")
        files.append(("truth/shelf_days.parquet", (out_dir / "truth" / "shelf_days.parquet").stat().st_size))
        write_manifest(out_dir / "truth" / "growth.json", growth_truth(config, days))
        files.append(("truth/growth.json", (out_dir / "truth" / "growth.json").stat().st_size))
    return files, counts


def growth_truth(config: SimConfig, days: pl.DataFrame) -> dict[str, Any]:
    """The live effect asked for, and per brand with store streams the realised new share of its
    store-stream GMV (moved GMV split over store and influencer GMV of the day by their shares)."""
    brands: dict[str, Any] = {}
    live = days.with_columns(
        (pl.col("store_live_gmv_fen") + pl.col("influencer_live_gmv_fen")).alias("live")
    ).with_columns(
        pl.when(pl.col("live") > 0)
        .then(pl.col("moved_gmv_fen") * pl.col("store_live_gmv_fen") / pl.col("live"))
        .otherwise(0.0)
        .alias("moved_store")
    )
    for (brand,), g in live.group_by(["brand_id"], maintain_order=True):
        store = int(g["store_live_gmv_fen"].sum())
        if store == 0:
            continue
        moved = float(g["moved_store"].sum())
        brands[str(brand)] = {
            "store_start_day": int(g.filter(pl.col("store_on"))["day"].min()),  # type: ignore[arg-type]
            "store_days": int(g["store_on"].sum()),
            "store_live_gmv_fen": store,
            "moved_store_gmv_fen": round(moved),
            "new_share": round(1.0 - moved / store, 4),
        }
    return {"live_effect": config.live_effect, "new_share": config.new_share, "brands": brands}
