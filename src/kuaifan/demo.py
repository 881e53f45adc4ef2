"""`kuaifan demo`: the whole loop on simulated live rooms, as far as it exists.

simulate → ingest → room summary → comment understanding → signals → forecast → plan →
reports. Each step prints a short table; the files land under ``$KUAIFAN_HOME/demo`` and
``$KUAIFAN_HOME/reports``.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import orjson
import polars as pl
from rich.console import Console
from rich.table import Table

from kuaifan.cli_parts import print_ingest_report, room_table, run_ingest
from kuaifan.config import Settings
from kuaifan.i18n import Lang, t
from kuaifan.report.summary import RoomSummary, summarise_rooms
from kuaifan.store.log import open_store

INTENT_NAMES = {
    "price": ("价格", "price"),
    "size_fit": ("尺码", "size & fit"),
    "variant": ("款式/颜色", "variant"),
    "stock": ("库存/返场", "stock"),
    "link": ("链接", "link"),
    "shipping": ("物流", "shipping"),
    "quality": ("质量", "quality"),
    "purchased": ("已购", "purchased"),
    "after_sales": ("售后", "after-sales"),
    "praise": ("好评", "praise"),
    "other": ("其他", "other"),
}


def run_demo(settings: Settings, *, seed: int, rooms: int, minutes: int, console: Console) -> dict[str, Any]:
    """Run every step; return what was produced (paths and headline numbers)."""
    from kuaifan.sim import SimConfig, simulate
    from kuaifan.sim.config import summary_lines

    lang = settings.lang
    name, _ = settings.tenant()
    sim_dir = settings.home / "demo" / "sim"
    reports = settings.home / "reports"
    reports.mkdir(parents=True, exist_ok=True)
    produced: dict[str, Any] = {"reports": str(reports)}

    console.rule(t(lang, "1 模拟直播间", "1 simulate live rooms"))
    sim = simulate(
        SimConfig(seed=seed, rooms=rooms, minutes=minutes, tenant=name, viewers=3_000),
        sim_dir,
        overwrite=True,
    )
    for line in summary_lines(sim, lang):
        console.print(line, highlight=False)

    console.rule(t(lang, "2 导入事件库", "2 ingest into the event log"))
    report = run_ingest(
        settings, [sim_dir / "events"], tenant=name, mapping=None, show_progress=True, console=console
    )
    print_ingest_report(settings, report, console)

    console.rule(t(lang, "3 直播间汇总", "3 room summary"))
    from kuaifan.text.tagging import read_tagged

    with open_store(settings) as store:
        # comments come with the intents the ingest step stored for them (kuaifan.text.tagging)
        events = read_tagged(store, name, settings.tenant(name)[1].text)
        stats = store.stats(name)
    summary = summarise_rooms(events)
    catalogue = pl.read_parquet(sim_dir / "truth" / "catalogue.parquet")
    names = dict(catalogue.select("item_id", "product").unique("item_id").iter_rows())
    console.print(room_table(lang, summary, names))
    produced["rooms_csv"] = str(_write_rooms_csv(reports / "rooms.csv", summary, names))

    console.rule(t(lang, "4 评论理解", "4 comment understanding"))
    produced.update(_comments_step(events, sim_dir, reports, lang, console))

    console.rule(t(lang, "5 需求信号 → 预测 → 快反计划", "5 demand signals → forecast → quick-response plan"))
    produced.update(_signals_step(events, name, names, reports, lang, console))
    produced.update(_plan_step(seed, settings.home / "demo" / "launch", reports, lang, console))

    console.rule(t(lang, "完成", "done"))
    done = [
        t(
            lang,
            f"事件库：{settings.db_path}（{stats['events']:,} 条事件，死信 {stats['dead_letter']:,}）",
            f"store: {settings.db_path} ({stats['events']:,} events, {stats['dead_letter']:,} dead letters)",
        ),
        t(lang, f"模拟数据与真值：{sim_dir}", f"simulated data and ground truth: {sim_dir}"),
        t(lang, f"报告目录：{reports}", f"reports: {reports}"),
    ]
    for line in done:
        console.print(line, highlight=False)
    for path in produced.get("purchase_orders", []):
        console.print("  " + t(lang, "采购单 ", "purchase order ") + path, highlight=False)
    return produced


def _write_rooms_csv(path: Path, rooms: list[RoomSummary], names: dict[str, str]) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:  # BOM: Excel opens it as UTF-8
        w = csv.writer(fh)
        w.writerow(
            [
                "直播间 room",
                "渠道 channel",
                "观看人数 viewers",
                "最高在线 peak online",
                "GMV (元)",
                "退款 refunds (元)",
                "订单 orders",
                "买家 buyers",
                "评论 comments",
                "售罄 sell-outs",
                "热卖商品 top products",
            ]
        )
        for r in rooms:
            top = " / ".join(names.get(p, p) for p, _ in r.top_products)
            w.writerow(
                [
                    r.room_id,
                    r.channel,
                    r.viewers,
                    r.peak_online,
                    f"{r.gmv_fen / 100:.2f}",
                    f"{r.refund_fen / 100:.2f}",
                    r.orders,
                    r.buyers,
                    r.comments,
                    r.sellouts,
                    top,
                ]
            )
    return path


def _comments_step(
    events: pl.DataFrame, sim_dir: Path, reports: Path, lang: Lang, console: Console
) -> dict[str, Any]:
    from kuaifan.text.summary import summarise

    comments = events.filter(pl.col("kind") == "comment")
    summary = summarise(comments)
    table = Table(title=t(lang, "评论意图分布", "comment intents"))
    table.add_column(t(lang, "意图", "intent"))
    table.add_column(t(lang, "条数", "count"), justify="right")
    table.add_column(t(lang, "占比", "share"), justify="right")
    total = max(sum(summary["intent_mix"].values()), 1)
    for intent, n in sorted(summary["intent_mix"].items(), key=lambda kv: -kv[1]):
        zh, en = INTENT_NAMES.get(intent, (intent, intent))
        table.add_row(t(lang, zh, en), f"{n:,}", f"{n / total:.0%}")
    console.print(table)
    for field, zh, en in (
        ("top_sizes", "问得最多的尺码", "most asked sizes"),
        ("top_colors", "问得最多的颜色", "most asked colours"),
    ):
        counts: dict[str, int] = {}
        for rows in summary[field].values():
            for value, n in rows:
                counts[str(value)] = counts.get(str(value), 0) + int(n)
        top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:6]
        console.print(t(lang, zh + "：", en + ": ") + "  ".join(f"{v} ×{n}" for v, n in top), highlight=False)

    # Against the simulator's ground truth: how often the intent read from the text is right.
    truth = pl.read_parquet(sorted((sim_dir / "truth" / "comments").glob("*.parquet")))
    joined = comments.select("msg_id", "intent").join(
        truth.select("msg_id", pl.col("intent").alias("true_intent")), on="msg_id"
    )
    agree = joined.filter(pl.col("intent") == pl.col("true_intent")).height
    accuracy = agree / max(joined.height, 1)
    console.print(
        t(
            lang,
            f"与模拟真值对比：意图准确率 {accuracy:.1%}（{joined.height:,} 条评论）",
            f"against the simulator's truth: intent accuracy {accuracy:.1%} ({joined.height:,} comments)",
        ),
        highlight=False,
    )
    path = reports / "comments.json"
    summary["intent_accuracy_vs_truth"] = round(accuracy, 4)
    path.write_bytes(orjson.dumps(summary, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS))
    return {"comments_json": str(path), "intent_accuracy": accuracy}


def _signals_step(
    events: pl.DataFrame, tenant: str, names: dict[str, str], reports: Path, lang: Lang, console: Console
) -> dict[str, Any]:
    """The demo rooms' demand signals (what `kuaifan signals` prints): the 选品 ranking, sold-out gaps."""
    from kuaifan.signals import demand_signals
    from kuaifan.signals.cli import print_report
    from kuaifan.signals.frame import SIGNAL_KINDS
    from kuaifan.signals.report import signals_report, stored_facts

    events = events.filter(pl.col("kind").is_in(SIGNAL_KINDS))  # what `kuaifan signals` reads
    report = signals_report(demand_signals(events, classifier=stored_facts(events)), top=5, names=names)
    print_report(lang, tenant, {**report, "mix": {}}, console)  # the mix: in signals.json
    path = reports / "signals.json"
    path.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    return {"signals_json": str(path)}


def _plan_step(seed: int, workdir: Path, reports: Path, lang: Lang, console: Console) -> dict[str, Any]:
    from kuaifan.backtest.demo import launch_plan
    from kuaifan.plan.purchase_orders import write_purchase_orders

    with console.status(t(lang, "预测并求解计划…", "forecasting and solving the plan…")):
        step = launch_plan(seed, workdir)
    launch = step.launch
    console.print(
        t(
            lang,
            f"新款上市：{launch.name}（{len(launch.variants)} 个 SKU）",
            f"launch: {launch.name} ({len(launch.variants)} variants)",
        ),
        highlight=False,
    )
    first_days = (
        step.forecast.filter(pl.col("day") <= 7)
        .group_by("variant")
        .agg(pl.col("p10").sum(), pl.col("p50").sum(), pl.col("p90").sum())
    )
    fc = dict(zip(first_days["variant"], first_days.select("p10", "p50", "p90").iter_rows(), strict=True))
    orders: dict[str, int] = {}
    for o in step.plan.orders:
        orders[o.variant] = orders.get(o.variant, 0) + o.qty
    table = Table(
        title=t(
            lang,
            "首场信号 → 次日早上：库存与预售 → 7 天预测 → 翻单",
            "launch signals → the morning after: stock and pre-orders → 7-day forecast → re-order",
        )
    )
    for zh, en in (
        ("颜色", "colour"),
        ("尺码", "size"),
        ("首场需求", "launch demand"),
        ("真值", "truth"),
        ("首批", "first batch"),
        ("剩余库存", "in stock"),
        ("预售待发", "pre-orders"),
        ("预测 p10–p90", "forecast p10–p90"),
        ("现在下单", "order now"),
    ):
        table.add_column(t(lang, zh, en), justify="right" if en not in ("colour", "size") else "left")
    for row in step.day0.iter_rows(named=True):
        p10, p50, p90 = fc.get(row["variant"], (0.0, 0.0, 0.0))
        table.add_row(
            row["color"],
            row["size"],
            f"{row['signals_demand']:.1f}",
            f"{row['true_demand']:.0f}",
            str(step.first_batch.get(row["variant"], 0)),
            str(step.stock.get(row["variant"], 0)),
            str(step.waiting.get(row["variant"], 0)),
            f"{p10:.0f}–{p90:.0f} (p50 {p50:.0f})",
            str(orders.get(row["variant"], 0)),
        )
    console.print(table)
    e = step.plan.expected
    console.print(
        t(
            lang,
            f"计划期望：利润 ¥{e.profit:,.0f}，满足率 {e.fill_rate:.0%}，剩余率 {e.leftover_rate:.0%}；"
            f"翻单规则 {len(step.plan.reorder_policy)} 条",
            f"plan expects: profit ¥{e.profit:,.0f}, fill rate {e.fill_rate:.0%}, "
            f"leftover {e.leftover_rate:.0%}; {len(step.plan.reorder_policy)} re-order rules",
        ),
        highlight=False,
    )
    plan_path = reports / "plan.json"
    plan_path.write_text(step.plan.model_dump_json(indent=2), encoding="utf-8")
    pos = write_purchase_orders(step.plan, reports / "purchase_orders")
    from kuaifan.backtest.chart import write_sensitivity_chart

    with console.status(
        t(lang, "回测敏感性（不确定性、交期、起订量）…", "backtest sensitivity (cv, lead time, MOQ)…")
    ):
        chart = write_sensitivity_chart(reports, seeds=(seed,), lang=lang)
    console.print(
        t(
            lang,
            f"快反 vs 一次性大单 vs 先知 的敏感性图：{chart}",
            f"quick response vs one-shot vs oracle chart: {chart}",
        ),
        highlight=False,
    )
    return {"plan_json": str(plan_path), "purchase_orders": [str(p) for p in pos], "chart": str(chart)}
