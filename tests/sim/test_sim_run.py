"""simulate(): manifest, summary, scaling with the flags, and its errors."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import orjson
import polars as pl
import pytest
from pydantic import ValidationError
from simhelpers import read_lines

from kuaifan.errors import InputError
from kuaifan.events import EventKind
from kuaifan.sim import DEFAULT_START, SimConfig, SimSummary, sim_config, simulate, summary_lines

Run = tuple[SimConfig, Path, SimSummary]


def _manifest(out: Path) -> dict[str, object]:
    data: dict[str, object] = orjson.loads((out / "manifest.json").read_bytes())
    return data


def test_manifest_matches_the_files(small_run: Run) -> None:
    config, out, summary = small_run
    manifest = _manifest(out)
    assert manifest["seed"] == config.seed and manifest["config"] == config.manifest_dict()
    files = manifest["files"]
    assert isinstance(files, list)
    for entry in files:
        assert (out / entry["path"]).stat().st_size == entry["bytes"]
    on_disk = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert on_disk == {e["path"] for e in files} | {"manifest.json"}
    counted: dict[str, int] = {}
    for path in sorted((out / "events").glob("*.jsonl")):
        for row in read_lines(path):
            counted[row["kind"]] = counted.get(row["kind"], 0) + 1
    assert manifest["counts"] == {k.value: counted.get(k.value, 0) for k in EventKind} == summary.counts
    assert manifest["events"] == summary.events == sum(counted.values())
    comments = pl.read_parquet(out / "truth" / "comments" / "*.parquet")
    assert manifest["truth_comments"] == comments.height == counted["comment"]


def test_store_and_influencer_rooms_are_both_present(small_run: Run) -> None:
    _, out, summary = small_run
    assert summary.channels == {"store": 2, "influencer": 1}
    rooms = _manifest(out)["rooms"]
    assert isinstance(rooms, list)
    assert [r["channel"] for r in rooms] == ["store", "influencer", "store"]
    catalogue = pl.read_parquet(out / "truth" / "catalogue.parquet")
    brands = catalogue.group_by("room_id").agg(pl.col("brand_id").n_unique()).sort("room_id")
    assert brands["brand_id"].to_list() == [1, 2, 1]  # influencer rooms sell two brands
    assert set(catalogue["category"].unique()) <= {
        "apparel",
        "shoes",
        "beauty",
        "food",
        "home",
        "kids",
        "digital",
    }


def test_summary_lines_in_both_languages(small_run: Run) -> None:
    summary = small_run[2]
    zh, en = summary_lines(summary, "zh"), summary_lines(summary, "en")
    assert f"{summary.events:,}" in zh[1] and f"{summary.events:,}" in en[1]
    assert "店播 2" in zh[0] and "influencer 1" in en[0]


def _counts(tmp: Path, **flags: int) -> dict[str, int]:
    summary = simulate(SimConfig(seed=2, **flags), tmp)
    return summary.counts


def test_counts_scale_with_the_flags(tmp_path: Path) -> None:
    small = _counts(tmp_path / "a", rooms=1, minutes=20, viewers=600)
    more_viewers = _counts(tmp_path / "b", rooms=1, minutes=20, viewers=2400)
    longer = _counts(tmp_path / "c", rooms=1, minutes=80, viewers=600)
    more_rooms = _counts(tmp_path / "d", rooms=4, minutes=20, viewers=600)
    assert 3.0 < more_viewers["enter"] / small["enter"] < 5.0
    assert 2.5 < more_viewers["comment"] / small["comment"] < 6.0
    assert 3.0 < longer["online_count"] / small["online_count"] < 5.0
    assert longer["product_show"] > small["product_show"]
    assert more_rooms["stream_start"] == 4 and more_rooms["enter"] > 3 * small["enter"]


def test_a_ten_minute_room(tmp_path: Path) -> None:
    summary = simulate(SimConfig(seed=9, rooms=1, minutes=10, viewers=1000), tmp_path)
    rows = read_lines(tmp_path / "events" / "room-001.jsonl")
    start = next(r for r in rows if r["kind"] == "stream_start")
    end = next(r for r in rows if r["kind"] == "stream_end")
    assert end["ts_ms"] - start["ts_ms"] == 10 * 60_000
    assert summary.counts["enter"] >= 1000 and summary.counts["comment"] > 0


def test_refuses_a_non_empty_directory_unless_told(tmp_path: Path) -> None:
    simulate(SimConfig(seed=1, rooms=3, minutes=5, viewers=200), tmp_path)
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(InputError) as err:
        simulate(SimConfig(seed=1, rooms=2, minutes=5, viewers=200), tmp_path)
    assert "--force" in err.value.en and "非空" in err.value.zh
    simulate(SimConfig(seed=1, rooms=2, minutes=5, viewers=200), tmp_path, overwrite=True)
    assert sorted(p.name for p in (tmp_path / "events").iterdir()) == ["room-001.jsonl", "room-002.jsonl"]
    assert (tmp_path / "notes.txt").read_text() == "mine"  # files we did not write are left alone


def test_refuses_a_start_whose_events_would_lie_in_the_future(tmp_path: Path) -> None:
    soon = datetime.now(DEFAULT_START.tzinfo) - timedelta(hours=2)
    with pytest.raises(InputError) as err:
        simulate(SimConfig(rooms=1, minutes=5, viewers=100, start=soon), tmp_path)
    assert "future" in err.value.en
    assert not (tmp_path / "manifest.json").exists()


@pytest.mark.parametrize(
    "bad",
    [
        {"start": datetime(2026, 10, 8, 20, 0)},  # no time zone
        {"tenant": "bad tenant"},
        {"rooms": 0},
        {"minutes": 0},
        {"viewers": 5},
        {"workers": 0},
        {"format": "csv"},
        {"start": DEFAULT_START.replace(year=2010)},
    ],
)
def test_config_rejects_bad_values(bad: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        SimConfig.model_validate(bad)


def test_cli_flags_with_a_bad_value_give_one_bilingual_error() -> None:
    assert sim_config(seed=4, rooms=2).rooms == 2
    with pytest.raises(InputError) as err:
        sim_config(seed=4, rooms=0)
    assert "rooms" in err.value.en and "rooms" in err.value.zh and err.value.details == {"field": "rooms"}
