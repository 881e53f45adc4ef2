"""The store contract (kuaifan.testing.check_store) on the embedded DuckDB backend, and what is
DuckDB's own: the file under KUAIFAN_HOME, the store URL, one writing process, old files."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from kuaifan.config import load_settings
from kuaifan.errors import ConfigError, StoreError
from kuaifan.events import EVENT_COLUMNS, POLARS_SCHEMA
from kuaifan.store import open_store, open_store_url
from kuaifan.store.duckdb import DuckStore
from kuaifan.testing import check_store

TS = 1_791_000_000_000


def row(msg_id: str, **kw: Any) -> dict[str, Any]:
    r: dict[str, Any] = dict.fromkeys(EVENT_COLUMNS)
    r.update(
        kind="comment", tenant="demo", platform="sim", room_id="r1", stream_id="s1", ts_ms=TS, msg_id=msg_id
    )
    r.update(kw)
    return r


def frame(*rows: dict[str, Any]) -> pl.DataFrame:
    return pl.DataFrame(list(rows), schema=POLARS_SCHEMA)


def test_duckdb_file_keeps_the_store_contract(tmp_path: Path) -> None:
    files = iter(range(100))
    check_store(
        lambda: DuckStore(tmp_path / f"s{next(files)}.duckdb"),
        reopen=lambda: DuckStore(tmp_path / "kept.duckdb"),
    )


def test_duckdb_in_memory_keeps_the_store_contract() -> None:
    check_store(lambda: open_store_url("duckdb://:memory:"))


def test_the_store_url_setting_names_the_backend(tmp_path: Path) -> None:
    path = tmp_path / "elsewhere" / "events.duckdb"
    settings = load_settings(
        {"KUAIFAN_HOME": str(tmp_path / "home"), "KUAIFAN_STORE_URL": f"duckdb:///{path}"}
    )
    with open_store(settings) as store:
        store.append(frame(row("a")))
    assert path.exists() and not settings.db_path.exists()
    for bad in ("mysql://x/y", "duckdb://relative.duckdb", "nonsense"):
        with pytest.raises(ConfigError) as info:
            open_store_url(bad)
        assert info.value.details["key"] == "KUAIFAN_STORE_URL" and "KUAIFAN_STORE_URL" in info.value.zh


def test_open_store_puts_the_file_under_home(tmp_path: Path) -> None:
    settings = load_settings({"KUAIFAN_HOME": str(tmp_path / "home")})
    store = open_store(settings)
    try:
        store.append(frame(row("a")))
    finally:
        store.close()
    assert settings.db_path.exists()
    assert settings.db_path.parent == tmp_path / "home"


def test_store_locked_by_another_process_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "k.duckdb"
    DuckStore(path).close()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, sys; c = duckdb.connect({str(path)!r}); print('ok', flush=True); "
            "sys.stdin.read()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ok"
        with pytest.raises(StoreError) as info:
            DuckStore(path)
        err = info.value
        assert "另一个进程" in err.zh and "another process" in err.en
        assert str(holder.pid) in err.en
        assert err.exit_code == 74
    finally:
        holder.communicate("")
    deadline = time.monotonic() + 10
    while True:  # the lock goes with the process
        try:
            DuckStore(path).close()
            break
        except StoreError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def test_a_file_that_is_not_a_database_is_a_store_error(tmp_path: Path) -> None:
    path = tmp_path / "k.duckdb"
    path.write_bytes(b"this is not a duckdb file" * 200)
    with pytest.raises(StoreError) as info:
        DuckStore(path)
    assert info.value.zh.startswith("无法打开事件库")


def test_a_store_from_before_product_names_reads_none(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    with DuckStore(path) as store:
        store._con.execute("DROP TABLE product_names")  # as a store written by an earlier version
    with DuckStore(path, read_only=True) as store:
        assert store.names.get("acme") == {}
    with DuckStore(path) as store:  # opening it for writing adds the table
        assert store.names.add("acme", {"p1": "阔腿裤"}) == 1
