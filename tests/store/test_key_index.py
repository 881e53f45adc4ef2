"""The per-process index of stored keys that lets a small append skip the scan of the key column
(``kuaifan.store.keyindex``): never a false "new", redeliveries found in memory or in the file,
shared by the stores of one file, rebuilt from the file when opened again."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kuaifan.events import EVENT_COLUMNS, POLARS_SCHEMA
from kuaifan.store import keyindex
from kuaifan.store.duckdb import DuckStore
from kuaifan.store.keyindex import KeyFilter, key_parts, keys_of

TS = 1_791_000_000_000


def frame(*ids: str, tenant: str = "demo") -> pl.DataFrame:
    rows: list[dict[str, Any]] = []
    for msg_id in ids:
        r: dict[str, Any] = dict.fromkeys(EVENT_COLUMNS)
        r.update(kind="like", tenant=tenant, platform="douyin", room_id="r", ts_ms=TS, msg_id=msg_id, qty=1)
        rows.append(r)
    return pl.DataFrame(rows, schema=POLARS_SCHEMA)


@given(st.text(max_size=20), st.text(max_size=20), st.text(min_size=1, max_size=40))
def test_key_parts_are_duckdbs_md5_number(tenant: str, platform: str, msg_id: str) -> None:
    hi, lo = key_parts(tenant, platform, msg_id)
    text = f"{tenant}\x1f{platform}\x1f{msg_id}"
    want = duckdb.execute("SELECT md5_number($t)::VARCHAR", {"t": text}).fetchall()[0][0]
    assert (hi << 64) | lo == int(want)
    assert int.from_bytes(hashlib.md5(text.encode()).digest(), "little") == int(want)


@settings(max_examples=30)
@given(st.lists(st.text(min_size=1, max_size=12), min_size=1, max_size=300, unique=True))
def test_the_filter_never_forgets_a_key(ids: list[str]) -> None:
    f = KeyFilter(capacity=16)  # tiny: the keys spill over several layers
    hi, lo = keys_of(["t"] * len(ids), ["p"] * len(ids), ids)
    for start in range(0, len(ids), 7):
        f.add(hi[start : start + 7], lo[start : start + 7])
    assert f.may_contain(hi, lo).all()


def test_false_positives_are_rare() -> None:
    n = 200_000
    f = KeyFilter(capacity=n)
    hi, lo = keys_of(["t"] * n, ["p"] * n, [f"in{i}" for i in range(n)])
    f.add(hi, lo)
    ohi, olo = keys_of(["t"] * n, ["p"] * n, [f"out{i}" for i in range(n)])
    rate = float(f.may_contain(ohi, olo).mean())
    assert rate < 0.01, rate  # 12 bits per key, 7 probes: about 0.3 % expected
    assert f.nbytes <= 2 * n * 12 // 8 + (1 << 17)


def test_a_redelivery_older_than_the_recent_keys_is_found_in_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(keyindex, "RECENT_KEYS", 10)
    with DuckStore(tmp_path / "k.duckdb") as store:
        for b in range(10):
            assert store.append_new(frame(*(f"m{b}-{i}" for i in range(20)))).all()
        index = store._shared.events
        assert index is not None and len(index.recent) == 10
        old = frame("m0-0", "m0-1", "new-1", "m9-19")  # two forgotten, one new, one recent
        assert store.append_new(old).to_list() == [False, False, True, False]
        assert store.stats()["events"] == 201


def test_stores_of_one_file_share_their_index(tmp_path: Path) -> None:
    path = tmp_path / "k.duckdb"
    with DuckStore(path) as a, DuckStore(path) as b:
        assert a._shared is b._shared
        assert a.append_new(frame("x", "y")).all()
        assert b.append_new(frame("y", "z")).to_list() == [False, True]
        assert a.append_new(frame("z")).to_list() == [False]
    with DuckStore(path) as again:  # opened anew: the index is rebuilt from the file
        assert again._shared.events is None
        assert again.append_new(frame("x", "w")).to_list() == [False, True]
        assert again._shared.events is not None


def test_a_failed_append_leaves_no_key_behind(tmp_path: Path) -> None:
    with DuckStore(tmp_path / "k.duckdb") as store:
        store.append_new(frame("a"))
        bad = frame("b").with_columns(pl.lit(None, pl.String).alias("kind"))  # NOT NULL kind: refused
        with pytest.raises(duckdb.ConstraintException):
            store.append_new(bad)
        assert store.append_new(frame("b")).to_list() == [True], "the refused row's key was not kept"
        hi, lo = keys_of(["demo"], ["douyin"], ["b"])
        assert store._shared.events is not None and store._shared.events.known(hi, lo) == [True]
        assert np.all(store._shared.events.filter.may_contain(hi, lo))
