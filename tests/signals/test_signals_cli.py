"""`kuaifan signals` as a brand runs it: a real process over a real store filled by `kuaifan ingest`,
checked against the signals computed here from the same store."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from clirun import run_cli
from kuaifan.config import TextSettings, load_settings
from kuaifan.signals import demand_signals
from kuaifan.signals.frame import SIGNAL_KINDS
from kuaifan.signals.mentions import text_facts
from kuaifan.signals.report import ASKING, EXPORT_TABLES, signals_report, stored_facts
from kuaifan.signals.tags import read_tagged
from kuaifan.signals.window import day_start_ms
from kuaifan.store.duckdb import DuckStore

run = run_cli


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("signals-home")
    sim = home / "sim"
    run(home, "sim", "--seed", "4", "--rooms", "2", "--minutes", "30", "--viewers", "2000", "--out", str(sim))
    run(home, "ingest", str(sim / "events"))
    return home


def stored_events(home: Path) -> pl.DataFrame:
    os.environ["KUAIFAN_HOME"] = str(home)
    try:
        settings = load_settings()
    finally:
        del os.environ["KUAIFAN_HOME"]
    with DuckStore(settings.db_path, read_only=True) as store:
        return read_tagged(store, "demo", TextSettings())


def test_json_report_matches_the_signals_of_the_store(home: Path) -> None:
    report: dict[str, Any] = json.loads(run(home, "signals", "--json", "--top", "4").stdout)
    events = stored_events(home)
    sig = demand_signals(events, classifier=stored_facts(events))
    # The store read leaves out the kinds no signal uses (views, likes …): every signal is the same
    # as from the whole log, and "events" counts the events the signals were computed from.
    demand = events.filter(pl.col("kind").is_in(SIGNAL_KINDS))
    assert 0 < demand.height < events.height / 2
    assert report == {**signals_report(sig, top=4), "events": demand.height}
    assert report["streams"] == 2

    products = report["products"]
    assert [p["rank"] for p in products] == [1, 2, 3, 4]
    per_minute = [p["gmv_per_minute_fen"] for p in products]
    assert per_minute == sorted(per_minute, reverse=True)
    for p in products:  # each row adds up from the tables it summarises
        rows = sig.variant_hours.filter(pl.col("item") == p["item"])
        assert p["units"] == rows["units"].sum()
        assert p["demand_units"] == round(rows["demand_units"].sum(), 1)
        asks = sig.mentions.filter((pl.col("item") == p["item"]) & pl.col("intent").is_in(ASKING))
        assert p["asks"] == asks.height
    unmet = [s["unmet_units"] for s in report["sold_out"]]
    assert unmet and unmet == sorted(unmet, reverse=True)
    assert list(report["mix"]) == [p["item"] for p in products if p["item"] in report["mix"]]
    for axes in report["mix"].values():
        for values in axes.values():
            assert sum(v["share"] for v in values) == pytest.approx(1.0, abs=0.01)


def test_stored_tags_give_the_same_mentions_as_classifying_again(home: Path) -> None:
    events = stored_events(home)
    from_store = demand_signals(events, classifier=stored_facts(events)).mentions
    fresh = demand_signals(events, classifier=text_facts).mentions
    assert from_store.height > 100
    assert from_store.sort("msg_id").equals(fresh.sort("msg_id"))


def test_out_writes_every_table_for_pandas_and_excel(home: Path, tmp_path: Path) -> None:
    out = tmp_path / "signals"
    proc = run(home, "signals", "--out", str(out), "--room", "room-001")
    assert f"wrote {2 * len(EXPORT_TABLES)} files" in proc.stderr
    events = stored_events(home).filter(pl.col("room_id") == "room-001")
    sig = demand_signals(events, classifier=stored_facts(events))
    for name in EXPORT_TABLES:
        table: pl.DataFrame = getattr(sig, name)
        expected = table.sort(table.columns)
        # float sums may differ in the last bit between runs (polars adds in parallel): not exact
        assert_frame_equal(pl.read_parquet(out / f"{name}.parquet"), expected, check_exact=False)
        raw = (out / f"{name}.csv").read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf")  # Excel opens UTF-8 with a BOM as UTF-8
        assert pl.read_csv(raw[3:]).height == expected.height


def test_tables_in_both_languages(home: Path) -> None:
    en = run(home, "signals", "--top", "3").stdout
    assert "next stream: products by GMV per minute on air" in en and "sold out with demand left over" in en
    zh = run(home, "signals", "--top", "3", lang="zh").stdout
    assert "选品排行" in zh and "售罄后仍有需求的款式" in zh


def test_bad_dates_and_empty_selections_are_clear_errors(home: Path) -> None:
    bad = run(home, "signals", "--since", "2026-13-01", code=65)
    assert "since: expected a date YYYY-MM-DD, got '2026-13-01'" in bad.stderr
    assert "Traceback" not in bad.stderr
    order = run(home, "signals", "--since", "2026-10-09", "--until", "2026-10-08", code=65)
    assert "until (2026-10-08) is before since (2026-10-09)" in order.stderr
    none = run(home, "signals", "--since", "2031-01-01", code=66)
    assert "no events found for 2031-01-01" in none.stderr
    zh = run(home, "signals", "--room", "no-such-room", lang="zh", code=66)
    assert "没有找到事件：no-such-room" in zh.stderr


def test_dates_are_days_in_china_time() -> None:
    assert day_start_ms("2026-10-08", "--since") == 1_791_388_800_000  # 2026-10-07T16:00Z


def test_since_and_until_select_event_days(home: Path) -> None:
    events = stored_events(home)
    first_ms = int(events["ts_ms"].min())  # type: ignore[arg-type]
    first_day = pl.Series([first_ms]).cast(pl.Datetime("ms", "UTC")).dt.convert_time_zone("Asia/Shanghai")
    day = str(first_day.dt.date()[0])
    end = day_start_ms(day, "--until") + 86_400_000
    report = json.loads(run(home, "signals", "--json", "--since", day, "--until", day).stdout)
    events = events.filter(pl.col("kind").is_in(SIGNAL_KINDS))
    assert report["events"] == events.filter(pl.col("ts_ms") < end).height
    assert report["to_ms"] < end
    assert 0 < report["events"] < events.height  # late re-attributed orders fall on later days


def test_without_dates_the_last_days_up_to_the_latest_event(home: Path) -> None:
    events = stored_events(home)
    last_ms = int(events["ts_ms"].max())  # type: ignore[arg-type]
    last_day = pl.Series([last_ms]).cast(pl.Datetime("ms", "UTC")).dt.convert_time_zone("Asia/Shanghai")
    start = day_start_ms(str(last_day.dt.date()[0]), "--since")
    one = json.loads(run(home, "signals", "--json", "--days", "1").stdout)
    events = events.filter(pl.col("kind").is_in(SIGNAL_KINDS))
    assert one["events"] == events.filter(pl.col("ts_ms") >= start).height < events.height
    assert json.loads(run(home, "signals", "--json", "--days", "0").stdout)["events"] == events.height
