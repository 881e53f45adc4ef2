"""The simulator's several-days world: same output as before by default, shelf truth that adds up,
an audience that comes back, the economics files."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from pathlib import Path

import polars as pl
import pytest

from kuaifan.sim import SimConfig, simulate
from kuaifan.sim.config import SHANGHAI
from kuaifan.sim.writer import read_jsonl_events

# sha256 of the one-evening output of SimConfig(seed=11, rooms=3, minutes=20, viewers=2000), taken
# from the simulator before the several-days world was added: the default must not change.
BEFORE = {
    "events/room-001.jsonl": "39ad3f21d6eb48be59f96783167efb192865e3849063ce6acf8015c6c9d98da6",
    "events/room-002.jsonl": "dd2044f6f629aef9001661772fbb7d3d777e7332dde21c007ba9b9d72291df88",
    "events/room-003.jsonl": "83e6262295241e2e098af82097c3d34f9aaa8e09174749c9c53817dbdfcca27c",
}
SMALL_DAYS = SimConfig(
    seed=5, rooms=3, minutes=10, viewers=400, days=6, shelf=True, store_start_day=2, store_stream_share=0.7,
    shelf_orders=30.0, start=datetime(2026, 9, 1, 20, 0, tzinfo=SHANGHAI),
)  # fmt: skip


@pytest.fixture(scope="module")
def days_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("days") / "new"
    simulate(SMALL_DAYS, out)
    return out


def test_default_output_is_unchanged(tmp_path: Path) -> None:
    simulate(SimConfig(seed=11, rooms=3, minutes=20, viewers=2000), tmp_path)
    for name, digest in BEFORE.items():
        assert hashlib.sha256((tmp_path / name).read_bytes()).hexdigest() == digest, name
    config = json.loads((tmp_path / "manifest.json").read_text())["config"]
    assert "days" not in config and "shelf" not in config  # new settings stay out at their defaults
    assert not (tmp_path / "growth").exists()


def test_several_days_are_deterministic_whatever_the_workers(days_run: Path, tmp_path: Path) -> None:
    simulate(SMALL_DAYS.model_copy(update={"workers": 2}), tmp_path / "two")

    def digests(root: Path) -> dict[str, str]:
        return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
                for p in sorted(root.rglob("*")) if p.is_file()}  # fmt: skip

    assert digests(days_run) == digests(tmp_path / "two")
    assert json.loads((days_run / "manifest.json").read_text())["config"]["days"] == 6


def test_streams_follow_the_schedule(days_run: Path) -> None:
    files = sorted(p.name for p in (days_run / "events").glob("*.jsonl"))
    store_days = {int(f[-8:-6]) for f in files if f.startswith("room-001-")}
    assert min(store_days) == 3  # the store room first airs on day index 2 (file d003)
    assert {f for f in files if f.startswith("room-002-")} >= {"room-002-d001.jsonl"}
    assert [f for f in files if f.startswith("shelf-")] == [f"shelf-b{i}.jsonl" for i in range(1, 8)]


def test_shelf_truth_adds_up(days_run: Path, tmp_path: Path) -> None:
    events = read_jsonl_events(days_run)
    shelf = events.filter((pl.col("channel") == "shelf") & (pl.col("kind") == "order_paid"))
    assert shelf["room_id"].null_count() == shelf.height  # outside any live room
    truth = pl.read_parquet(days_run / "truth" / "shelf_days.parquet")
    assert int(shelf["amount_fen"].sum()) == int(truth["shelf_gmv_fen"].sum())
    assert (truth["moved_gmv_fen"] == 0).all() and (
        truth["shelf_gmv_fen"] == truth["shelf_potential_gmv_fen"]
    ).all()

    moved = tmp_path / "moved"
    simulate(SMALL_DAYS.model_copy(update={"live_effect": "moved"}), moved)
    t = pl.read_parquet(moved / "truth" / "shelf_days.parquet")
    live = t["store_live_gmv_fen"] + t["influencer_live_gmv_fen"]
    # The shelf loses what the rooms sold, to within one order, or all it had.
    gap = (t["moved_gmv_fen"] - live).abs()
    assert ((gap <= 100_000) | (t["shelf_gmv_fen"] < 100_000)).all()
    assert (
        t["shelf_potential_gmv_fen"]
        == pl.read_parquet(days_run / "truth" / "shelf_days.parquet")["shelf_potential_gmv_fen"]
    ).all()
    assert json.loads((moved / "truth" / "growth.json").read_text())["new_share"] == 0.0


def test_followers_come_back_and_do_not_follow_twice(days_run: Path) -> None:
    events = read_jsonl_events(days_run).filter(pl.col("room_id") == "room-002")  # the influencer room
    days = events.select("stream_id").unique().height
    assert days >= 2
    follows = events.filter(pl.col("kind") == "follow")
    assert follows["user_key"].n_unique() == follows.height
    enters = events.filter(pl.col("kind") == "enter").select("stream_id", "user_key").unique()
    first = enters.group_by("user_key").agg(pl.col("stream_id").min())
    back = enters.join(first, on="user_key").filter(pl.col("stream_id") != pl.col("stream_id_right"))
    followers = set(follows["user_key"].to_list())
    returning = set(back["user_key"].to_list())
    assert returning and len(returning & followers) / len(followers) > 0.2  # followers come back


def test_economics_files(days_run: Path) -> None:
    g = days_run / "growth"
    manifest = json.loads((days_run / "manifest.json").read_text())
    streams = {r["stream_id"]: r["channel"] for r in manifest["rooms"]}
    spend = pl.read_csv(g / "ad_spend.csv")
    assert set(spend["stream_id"]) == set(streams) and (spend["spend_fen"] > 0).all()
    commission = pl.read_csv(g / "commission.csv")
    assert set(commission["stream_id"]) == {s for s, c in streams.items() if c == "influencer"}
    assert commission["rate"].is_between(0.15, 0.30).all()
    assert pl.read_csv(g / "costs.csv")["cost_share"].is_between(0.3, 0.45).all()
    brands = pl.read_csv(g / "brands.csv")
    assert brands.height == brands["item_id"].n_unique() and set(brands["brand_id"]) == {
        f"b{i}" for i in range(1, 8)
    }
