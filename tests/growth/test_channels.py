"""Store vs influencer economics, new-to-brand buyers, cohorts, overlap and trust on a hand-made log."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from growthhelpers import MONDAY, shop_log

from kuaifan.growth.channels import channel_report
from kuaifan.growth.economics import commission_rate
from kuaifan.growth.orders import paid_orders
from kuaifan.growth.settings import CommissionRule, Economics, GrowthSettings, economics, read_commission

ECON = Economics(
    commission=(
        CommissionRule(author_id="kol-1", rate=0.2),
        CommissionRule(stream_id="s2", item_id="B-1", rate=0.3),
    ),
    ad_spend_fen={"s1": 3000, "s2": 1300},
    unit_cost_fen={"B-1": 3000.0},
    cost_share={"A-1": 0.4, "A-2": 0.4},
    brands={"A-*": "A", "B-1": "B"},
)


def row(df: pl.DataFrame, **where: object) -> dict[str, object]:
    hit = df.filter(*(pl.col(k) == v for k, v in where.items()))
    assert hit.height == 1, hit
    return hit.row(0, named=True)


def test_stream_economics_by_hand() -> None:
    rep = channel_report(shop_log(), ECON, "t")
    s1 = row(rep.streams, stream_id="s1")
    # 300 yuan paid, 200 refunded; cost 40 % of the 100 kept; 30 yuan of ads; 2 hours on air.
    assert (s1["gmv_fen"], s1["refund_fen"], s1["cogs_fen"], s1["ad_spend_fen"]) == (30000, 20000, 4000, 3000)
    assert s1["margin_fen"] == pytest.approx(3000) and s1["hours"] == pytest.approx(2.0)
    a2 = row(rep.streams, stream_id="s2", brand="A")  # the author's 20 %; 5/13 of the ads and the hour
    assert a2["commission_fen"] == pytest.approx(1000) and a2["ad_spend_fen"] == pytest.approx(500)
    assert a2["margin_fen"] == pytest.approx(5000 - 2000 - 1000 - 500) and a2["hours"] == pytest.approx(
        5 / 13
    )
    b2 = row(rep.streams, stream_id="s2", brand="B")  # stream + item rule (30 %) beats the author's
    assert b2["commission_fen"] == pytest.approx(2400) and b2["cogs_fen"] == pytest.approx(3000)
    assert b2["margin_fen"] == pytest.approx(8000 - 3000 - 2400 - 800)


def test_channel_rollup_new_to_brand_and_repeat() -> None:
    rep = channel_report(shop_log(), ECON, "t")
    store = row(rep.channels, brand="A", channel="store")
    assert (store["streams"], store["orders"], store["buyers"], store["new_buyers"]) == (2, 3, 3, 3)
    assert store["gmv_fen"] == 40000 and store["margin_fen"] == pytest.approx(3000 + 10000 - 4000)
    assert store["margin_per_hour_fen"] == pytest.approx(9000 / 3)
    # u1 and u2 (won on day 0) bought again later; u5 (day 8) did not.
    assert store["repeat_rate"] == pytest.approx(2 / 3)
    infl = row(rep.channels, brand="A", channel="influencer")
    assert (infl["buyers"], infl["new_buyers"]) == (1, 0)  # u1 was already A's buyer
    shelf = row(rep.channels, brand="A", channel="shelf")
    assert (shelf["buyers"], shelf["new_buyers"], shelf["streams"]) == (3, 2, 0)  # u2 is not new
    assert row(rep.channels, brand="B", channel="influencer")["cost_per_new_buyer_fen"] == pytest.approx(
        2400 + 800
    )


def test_warmup_days_keep_early_buyers_out_of_new() -> None:
    rep = channel_report(shop_log(), ECON, "t", warmup_days=7)
    assert row(rep.channels, brand="A", channel="store")["new_buyers"] == 1  # only u5 (day 8)
    assert row(rep.channels, brand="A", channel="shelf")["new_buyers"] == 1  # u7 (day 20); u4 was day 2


def test_cohorts_are_censored_until_watched() -> None:
    rep = channel_report(shop_log(), ECON, "t")
    first = row(rep.cohorts, brand="A", channel="store", cohort_day=(MONDAY.toordinal() - 719163))
    # Week of day 0: u1 (again on day 1) and u2 (again on day 9). The log ends on day 20:
    # 1 and 2 weeks are watched for the whole cohort, 4 weeks are not.
    assert first["buyers"] == 2
    assert (first["repeat_1w"], first["repeat_2w"], first["repeat_4w"]) == (0.5, 1.0, None)


def test_overlap_and_trust() -> None:
    rep = channel_report(shop_log(), ECON, "t")
    a = row(rep.overlap, brand="A")
    assert (a["store_buyers"], a["influencer_buyers"], a["shelf_buyers"], a["both_live"]) == (3, 1, 3, 1)
    assert a["jaccard"] == pytest.approx(1 / 3)
    b = row(rep.overlap, brand="B")
    assert (b["won_by_influencer"], b["influencer_to_store_share"]) == (1, 0.0)
    week1, week2 = rep.trust.filter(pl.col("room_id") == "r1").sort("week").iter_rows(named=True)
    assert (week1["viewers"], week1["new_followers"], week1["follow_rate"]) == (3, 1, pytest.approx(1 / 3))
    assert week1["other_buy_rate"] == pytest.approx(2 / 3)  # u1, u2 bought; u5 not yet
    assert (week2["followers_before"], week2["followers_back"], week2["return_rate"]) == (1, 1, 1.0)
    assert (week2["follower_buy_rate"], week2["other_buy_rate"]) == (1.0, 0.0)


def test_commission_precedence_and_unknown_rates() -> None:
    orders = paid_orders(shop_log(), ECON.brands, "t")
    rates = dict(zip(orders["order_id"], commission_rate(orders, ECON), strict=True))
    assert (rates["o1"], rates["o3"], rates["o4"], rates["o5"]) == (0.0, 0.2, 0.3, 0.0)
    bare = Economics(brands=ECON.brands)
    rates = dict(zip(orders["order_id"], commission_rate(orders, bare), strict=True))
    assert rates["o3"] is None and rates["o1"] == 0.0  # influencer orders without a rule are unknown
    rep = channel_report(shop_log(), bare, "t")
    assert row(rep.channels, brand="A", channel="influencer")["rate_missing"] is True


def test_files_and_settings(tmp_path: Path) -> None:
    (tmp_path / "c.csv").write_text("author_id,rate\nkol-1,25%\n", encoding="utf-8")
    (tmp_path / "c.toml").write_text('[[commission]]\nstream_id = "s2"\nrate = 0.1\n', encoding="utf-8")
    (tmp_path / "ads.csv").write_text("stream_id,spend\ns1,12.5\ns1,7.5\n", encoding="utf-8")
    (tmp_path / "costs.csv").write_text("item_id,unit_cost\nA-1,33\n", encoding="utf-8")
    (tmp_path / "brands.csv").write_text("item_id,brand\nA-1,甲\n", encoding="utf-8")
    assert read_commission(tmp_path / "c.csv")[0].rate == 0.25
    assert read_commission(tmp_path / "c.toml")[0].stream_id == "s2"
    settings = GrowthSettings.of({"commission_rate": 0.15, "cost_share": 0.5, "brands": {"B-*": "乙"}})
    econ = economics(
        settings, commission=tmp_path / "c.csv", ad_spend=tmp_path / "ads.csv", costs=tmp_path / "costs.csv",
        brands=tmp_path / "brands.csv",
    )  # fmt: skip
    assert econ.ad_spend_fen == {"s1": 2000} and econ.unit_cost_fen == {"A-1": 3300.0}
    assert econ.brands == {"B-*": "乙", "A-1": "甲"} and econ.commission_rate == 0.15


def test_bad_inputs_are_zh_en_errors_with_line_numbers(tmp_path: Path) -> None:
    from kuaifan.errors import ConfigError, InputError

    (tmp_path / "ads.csv").write_text("stream_id,spend_fen\ns1,100\ns2,abc\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        economics(ad_spend=tmp_path / "ads.csv")
    assert "line 3" in err.value.en and "第 3 行" in err.value.zh
    (tmp_path / "c.csv").write_text("author_id,rate\nkol-1,120%\n", encoding="utf-8")
    with pytest.raises(InputError, match="not within 0-1"):
        read_commission(tmp_path / "c.csv")
    with pytest.raises(ConfigError, match=r"growth\.commission_rate"):
        GrowthSettings.of({"commission_rate": 2})
