"""The JSON of ``kuaifan growth channels`` on the hand-made log, read back from a real DuckDB store,
against a golden file (``KUAIFAN_GOLDEN=write`` rewrites it after a deliberate change)."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import numpy as np
import pytest
from growthhelpers import shop_log
from hypothesis import given
from hypothesis import strategies as st
from test_channels import ECON

from kuaifan.app.growth import growth_channels
from kuaifan.app.growth_models import ChannelsRequest
from kuaifan.errors import InputError, NotFoundError
from kuaifan.growth.tables import numeric_column
from kuaifan.store.duckdb import DuckStore

GOLDEN = Path(__file__).parent / "golden" / "channels.json"


def test_channels_report_matches_the_golden_file(tmp_path: Path) -> None:
    with DuckStore(tmp_path / "kuaifan.duckdb", threads=1) as store:
        assert store.append(shop_log()).accepted == shop_log().height
        report = growth_channels(store, "t", ChannelsRequest(), ECON)
        with pytest.raises(NotFoundError):
            growth_channels(store, "other-tenant", ChannelsRequest(), ECON)  # scoped by tenant
        with pytest.raises(InputError, match="before since"):
            growth_channels(store, "t", ChannelsRequest(since="2026-09-20", until="2026-09-10"), ECON)
        late = growth_channels(store, "t", ChannelsRequest(since="2026-09-15"), ECON)
    got = json.loads(report.model_dump_json())
    if os.environ.get("KUAIFAN_GOLDEN") == "write":
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(
            json.dumps(got, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8"
        )
    assert got == json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert report.first_day == "2026-09-07" and report.last_day == "2026-09-27"
    assert [(r.brand, r.channel) for r in late.channels] == [("A", "shelf"), ("A", "store")]


NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", re.ASCII)


def reference_number(cell: str) -> float | None:
    """What a cell should read as: full-width digits, point, signs, comma and yen folded, thousands
    commas and a leading yen sign dropped, then a plain decimal number, finite; None otherwise."""
    folded = cell.translate(str.maketrans("０１２３４５６７８９．－＋，￥", "0123456789.-+,¥"))
    t = folded.strip().replace(",", "").removeprefix("¥")
    if not NUMBER.fullmatch(t):
        return None
    v = float(t)
    return v if np.isfinite(v) else None


@given(
    st.lists(
        st.one_of(
            st.floats(-1e9, 1e9, allow_nan=False),
            st.text(alphabet="0123456789０１２３.．,-e+¥ x_", max_size=6),
            st.text(max_size=3),
        ),
        min_size=1,
        max_size=30,
    )
)
def test_numbers_are_read_or_their_line_is_named(cells: list[float | str]) -> None:
    import polars as pl

    text = [f"{c:,.2f}" if isinstance(c, float) else c for c in cells]
    df = pl.DataFrame({"v": text})
    bad = [i + 2 for i, t in enumerate(text) if reference_number(t) is None]
    if bad:
        with pytest.raises(InputError) as err:
            numeric_column(df, "v", "f.csv")
        assert err.value.details["lines"] == bad[:5]
    else:
        got = numeric_column(df, "v", "f.csv").to_list()
        assert got == pytest.approx([reference_number(t) for t in text])
