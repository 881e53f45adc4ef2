"""The `kuaifan` command as a user runs it: a real process, a real store in a temp KUAIFAN_HOME."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from subprocess import CompletedProcess

import polars as pl
import pytest

from clirun import KUAIFAN, run_cli
from kuaifan.text import classify_many


def run(home: Path, *args: str, lang: str = "en", check: bool = True, **env: str) -> CompletedProcess[str]:
    return run_cli(home, *args, lang=lang, code=0 if check else None, **env)


@pytest.fixture(scope="module")
def sim_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("simhome")
    out = home / "sim"
    run(home, "sim", "--seed", "3", "--rooms", "2", "--minutes", "10", "--viewers", "300", "--out", str(out))
    return out


def test_sim_ingest_dedup_stats_export(tmp_path: Path, sim_dir: Path) -> None:
    manifest = json.loads((sim_dir / "manifest.json").read_text(encoding="utf-8"))
    first = run(tmp_path, "ingest", str(sim_dir / "events"), "--json")
    assert json.loads(first.stdout) == {"accepted": manifest["events"], "duplicates": 0, "rejected": 0}
    assert "created" in first.stderr  # first use writes a kuaifan.toml with fresh secrets
    again = run(tmp_path, "ingest", str(sim_dir / "events"), "--json")
    assert json.loads(again.stdout) == {"accepted": 0, "duplicates": manifest["events"], "rejected": 0}

    stats = json.loads(run(tmp_path, "stats", "--json").stdout)
    assert stats["events"] == manifest["events"]
    assert stats["by_kind"] == {k: v for k, v in manifest["counts"].items() if v}
    assert stats["dead_letter"] == 0

    out = tmp_path / "x" / "orders.parquet"
    run(tmp_path, "export", "--out", str(out), "--kind", "order_paid", "--room", "room-001")
    orders = pl.read_parquet(out)
    assert orders.height > 0
    assert set(orders["kind"]) == {"order_paid"} and set(orders["room_id"]) == {"room-001"}

    report = json.loads(run(tmp_path, "text", "report", "--json").stdout)
    assert report["comments"] == manifest["counts"]["comment"]
    assert sum(report["intent_mix"].values()) == report["comments"] - report["spam"]

    # the comments with the intent and attributes the ingest stored for them
    tagged = tmp_path / "x" / "comments.parquet"
    run(tmp_path, "export", "--out", str(tagged), "--kind", "comment", "--tags")
    comments = pl.read_parquet(tagged)
    assert comments.height == manifest["counts"]["comment"]
    assert comments.get_column("intent").null_count() == 0
    sample = comments.head(200)
    want = classify_many(sample.get_column("text").to_list())
    assert sample.select("intent", "size", "color").rows() == [(c.intent, c.size, c.color) for c in want]
    mix = comments.filter(~pl.col("spam")).group_by("intent").len()
    assert dict(mix.iter_rows()) == report["intent_mix"]


def test_ingest_bad_lines_strict_and_dead_letter_export(tmp_path: Path) -> None:
    f = tmp_path / "mixed.jsonl"
    good = {"kind": "like", "platform": "sim", "room_id": "r", "stream_id": "s", "ts_ms": 1_791_000_000_000,
            "msg_id": "a", "qty": 3}  # fmt: skip
    f.write_text(json.dumps(good) + "\n{not json\n" + json.dumps({**good, "msg_id": "b", "qty": -1}) + "\n",
                 encoding="utf-8")  # fmt: skip
    res = run(tmp_path, "ingest", str(f), "--json")
    assert json.loads(res.stdout) == {"accepted": 1, "duplicates": 0, "rejected": 2}
    strict = run(tmp_path, "ingest", str(f), "--json", "--strict", check=False)
    assert strict.returncode == 65
    assert json.loads(strict.stdout)["duplicates"] == 1  # still exactly one JSON object on stdout
    assert "Traceback" not in strict.stderr
    human = run(tmp_path, "ingest", str(f))
    assert "mixed.jsonl:2" in human.stdout and "mixed.jsonl:3" in human.stdout

    dl = tmp_path / "dl.parquet"
    run(tmp_path, "export", "--dead-letter", "--out", str(dl))
    dead = pl.read_parquet(dl)
    assert dead.height == 6  # three runs of the same two bad lines: nothing rejected is lost
    assert sorted(set(dead["line"].to_list())) == [2, 3]


def test_user_mistakes_are_one_line_without_traceback(tmp_path: Path) -> None:
    missing = run(tmp_path, "ingest", str(tmp_path / "nope.jsonl"), check=False)
    assert missing.returncode == 65
    assert "nope.jsonl" in missing.stderr and "Traceback" not in missing.stderr

    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "kuaifan.toml").write_text('[tenants.a]\napi_key = "short"\nsalt = "0123456789abcdef"\n',
                                      encoding="utf-8")  # fmt: skip
    res = run(bad, "stats", check=False)
    assert res.returncode == 78
    assert "tenants.a.api_key" in res.stderr and "Traceback" not in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1

    zh = run(bad, "stats", lang="zh", check=False)
    assert zh.returncode == 78 and "tenants.a.api_key" in zh.stderr

    unknown = run(tmp_path, "stats", "--tenant", "ghost", check=False)
    assert unknown.returncode == 78 and "ghost" in unknown.stderr


def test_version_and_help() -> None:
    res = subprocess.run([*KUAIFAN, "--help"], capture_output=True, text=True, timeout=60)
    assert res.returncode == 0
    for command in ("sim", "ingest", "stats", "export", "demo", "text", "plan"):
        assert command in res.stdout


def test_demo_runs_the_whole_loop_and_says_where_everything_is(tmp_path: Path) -> None:
    proc = run(tmp_path, "demo", "--rooms", "2", "--minutes", "10")
    text = proc.stdout
    for step in ("simulate live rooms", "ingest into the event log", "room summary", "comment understanding",
                 "demand signals → forecast → quick-response plan"):  # fmt: skip
        assert step in text, step
    assert "rejected 0" in text and "most asked sizes: " in text
    assert "first batch" in text and "in stock" in text and "order now" in text
    reports = tmp_path / "reports"
    assert "next stream: products by GMV per minute on air" in text
    signals = json.loads((tmp_path / "reports" / "signals.json").read_text(encoding="utf-8"))
    assert len(signals["products"]) == 5 and signals["products"][0]["rank"] == 1
    for name in ("rooms.csv", "comments.json", "plan.json", "sensitivity.svg", "fit.json"):
        assert (reports / name).stat().st_size > 0, name
    fit = json.loads((reports / "fit.json").read_text(encoding="utf-8"))
    (launched,) = fit.values()  # the launch's simulated buyers find it small (the simulator's truth)
    assert launched["advice"] == "size_up" and "buyer reviews of the launch" in text
    plan = json.loads((reports / "plan.json").read_text(encoding="utf-8"))
    assert plan["orders"] and all(o["qty"] > 0 for o in plan["orders"])
    factories = {o["factory"] for o in plan["orders"]}
    for factory in factories:  # one purchase order per factory, as Excel and as CSV
        assert (reports / "purchase_orders" / f"PO-{factory}.xlsx").exists()
        assert (reports / "purchase_orders" / f"PO-{factory}.csv").exists()
    assert "kuaifan signals" in text and "kuaifan demo --serve" in text
    events = re.search(r"([\d,]+) events in ", text)
    assert events is not None
    assert f"accepted {events.group(1)}, duplicates 0, rejected 0" in text
    # the signals step reads what `kuaifan signals` reads: the demand events, not views and likes
    demand = re.search(r"([\d,]+) demand events", text)
    assert demand is not None and int(demand.group(1).replace(",", "")) == signals["events"]
    assert 0 < signals["events"] < int(events.group(1).replace(",", ""))
    assert all(p["name"] for p in signals["products"])  # named from the simulated catalogue
    again = run(tmp_path, "demo", "--rooms", "2", "--minutes", "10").stdout  # safe to run twice
    assert f"accepted 0, duplicates {events.group(1)}, rejected 0" in again
