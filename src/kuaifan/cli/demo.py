"""``kuaifan demo``: the whole loop on simulated live rooms, step by step.

simulate → ingest → room summary → comment understanding → signals → forecast → plan → reports.
Each step prints a short table; the files land under ``$KUAIFAN_HOME/demo`` and
``$KUAIFAN_HOME/reports``. The work is the application layer's (``kuaifan.app``); this module prints.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import orjson
import polars as pl
import typer
from rich.console import Console
from rich.table import Table

from kuaifan.cli.output import out, say, settings, yuan
from kuaifan.cli.views import CHANNEL_NAMES, INTENT_NAMES
from kuaifan.config import Settings
from kuaifan.i18n import Lang, both, t


def demo(
    seed: Annotated[int, typer.Option(help=both("随机种子", "random seed"))] = 7,
    rooms: Annotated[int, typer.Option(help=both("直播间数", "number of rooms"))] = 6,
    minutes: Annotated[int, typer.Option(help=both("每场分钟数", "minutes per stream"))] = 60,
    serve: Annotated[
        bool,
        typer.Option(
            "--serve", help=both("之后启动实时看板并回放", "then serve the live dashboard, replaying")
        ),
    ] = False,
    port: Annotated[int, typer.Option(help=both("看板端口", "dashboard port"))] = 8000,
    speed: Annotated[float, typer.Option(help=both("回放倍速", "replay speed-up"))] = 60.0,
) -> None:
    """演示：模拟 → 导入 → 汇总 → 评论 → 预测 → 计划 / The whole loop on simulated rooms."""
    s = settings()
    run_demo(s, seed=seed, rooms=rooms, minutes=minutes, console=out)
    if not serve:
        say(
            s.lang,
            "选品排行、售罄缺口与尺码颜色配比：kuaifan signals（--out DIR 导出全部信号表）",
            "products to air next, sold-out gaps, size/colour mix: kuaifan signals (--out DIR: tables)",
        )
        say(
            s.lang,
            "实时看板（回放演示数据）：kuaifan demo --serve   然后在浏览器打开打印出的地址",
            "live dashboard on the demo data: kuaifan demo --serve   then open the printed address",
        )
        return
    from kuaifan.api.server import serve_demo

    serve_demo(
        s, s.home / "demo" / "sim", "127.0.0.1", port, speed,
        on_ready=lambda url: say(s.lang, f"看板：{url}（Ctrl-C 退出）", f"dashboard: {url} (Ctrl-C quits)"),
    )  # fmt: skip


def run_demo(settings: Settings, *, seed: int, rooms: int, minutes: int, console: Console) -> dict[str, Any]:
    """Run every step; return what was produced (paths and headline numbers)."""
    from kuaifan.app.demo import read_rooms, rooms_signals, write_rooms_csv
    from kuaifan.app.signals import SignalsReport
    from kuaifan.app.sim import simulate_demo, summary_lines
    from kuaifan.app.store import open_store
    from kuaifan.cli.ingest import ingest_with_progress
    from kuaifan.cli.ingest import print_summary as print_ingest
    from kuaifan.cli.signals import print_report

    lang = settings.lang
    name, _ = settings.tenant()
    sim_dir = settings.home / "demo" / "sim"
    reports = settings.home / "reports"
    reports.mkdir(parents=True, exist_ok=True)
    produced: dict[str, Any] = {"reports": str(reports)}

    console.rule(t(lang, "1 模拟直播间", "1 simulate live rooms"))
    sim = simulate_demo(sim_dir, seed=seed, rooms=rooms, minutes=minutes, tenant=name)
    for line in summary_lines(sim, lang):
        console.print(line, highlight=False)

    with open_store(settings) as store:
        console.rule(t(lang, "2 导入事件库", "2 ingest into the event log"))
        summary = ingest_with_progress(
            settings, store, [sim_dir / "events"], tenant=name, mapping=None, show=True, console=console
        )
        print_ingest(lang, summary, console)

        console.rule(t(lang, "3 直播间汇总", "3 room summary"))
        demo_rooms = read_rooms(settings, store, name, sim_dir)
    console.print(room_table(lang, demo_rooms.rooms, demo_rooms.names))
    produced["rooms_csv"] = str(write_rooms_csv(reports / "rooms.csv", demo_rooms.rooms, demo_rooms.names))

    console.rule(t(lang, "4 评论理解", "4 comment understanding"))
    produced.update(_comments_step(demo_rooms.events, sim_dir, reports, lang, console))

    console.rule(t(lang, "5 需求信号 → 预测 → 快反计划", "5 demand signals → forecast → quick-response plan"))
    report = rooms_signals(demo_rooms.events, demo_rooms.names)
    print_report(
        lang, name, SignalsReport.model_validate(report), console, mix=False
    )  # the mix: in signals.json
    path = reports / "signals.json"
    path.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    produced["signals_json"] = str(path)
    produced.update(_plan_step(seed, settings.home / "demo" / "launch", reports, lang, console))
    produced.update(_growth_step(settings, seed, reports, lang, console))

    console.rule(t(lang, "完成", "done"))
    stored, dead = demo_rooms.events_stored, demo_rooms.dead_letters
    for zh, en in (
        (f"事件库：{settings.db_path}（{stored:,} 条事件，死信 {dead:,}）",
         f"store: {settings.db_path} ({stored:,} events, {dead:,} dead letters)"),
        (f"模拟数据与真值：{sim_dir}", f"simulated data and ground truth: {sim_dir}"),
        (f"报告目录：{reports}", f"reports: {reports}"),
    ):  # fmt: skip
        console.print(t(lang, zh, en), highlight=False)
    for p in produced.get("purchase_orders", []):
        console.print("  " + t(lang, "采购单 ", "purchase order ") + p, highlight=False)
    return produced


def room_table(lang: Lang, rooms: list[Any], names: dict[str, str] | None = None) -> Table:
    zh = lang == "zh"
    table = Table(title="直播间汇总" if zh else "rooms")
    heads: list[tuple[str, str]] = [
        ("直播间", "room"), ("渠道", "channel"), ("观看人数", "viewers"), ("最高在线", "peak online"),
        ("GMV", "GMV"), ("订单", "orders"), ("热卖商品", "top products"), ("售罄", "sell-outs"),
    ]  # fmt: skip
    for head in heads:
        left = head[1] in ("room", "channel", "top products")
        table.add_column(
            head[0] if zh else head[1],
            justify="left" if left else "right",
            min_width=16 if head[1] == "top products" else None,
            overflow="fold",
        )
    for r in rooms:
        ch = CHANNEL_NAMES.get(r.channel or "", (r.channel or "-", r.channel or "-"))
        top = "\n".join((names or {}).get(p, p) for p, _ in r.top_products) or "-"
        table.add_row(
            r.room_id, ch[0] if zh else ch[1], f"{r.viewers:,}", f"{r.peak_online:,}", yuan(r.gmv_fen),
            f"{r.orders:,}", top, str(r.sellouts),
        )  # fmt: skip
    return table


def _comments_step(
    events: pl.DataFrame, sim_dir: Path, reports: Path, lang: Lang, console: Console
) -> dict[str, Any]:
    from kuaifan.app.demo import comments_vs_truth

    done = comments_vs_truth(events, sim_dir)
    summary = done.summary
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
    console.print(
        t(
            lang,
            f"与模拟真值对比：意图准确率 {done.accuracy:.1%}（{done.compared:,} 条评论）",
            f"against the simulator's truth: intent accuracy {done.accuracy:.1%} "
            f"({done.compared:,} comments)",
        ),
        highlight=False,
    )
    path = reports / "comments.json"
    summary["intent_accuracy_vs_truth"] = round(done.accuracy, 4)
    path.write_bytes(orjson.dumps(summary, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS))
    return {"comments_json": str(path), "intent_accuracy": done.accuracy}


def _plan_step(seed: int, workdir: Path, reports: Path, lang: Lang, console: Console) -> dict[str, Any]:
    from kuaifan.app.demo import launch, sensitivity_chart

    with console.status(t(lang, "预测并求解计划…", "forecasting and solving the plan…")):
        done = launch(seed, workdir, reports)
    step = done.step
    console.print(
        t(
            lang,
            f"新款上市：{step.launch.name}（{len(step.launch.variants)} 个 SKU）",
            f"launch: {step.launch.name} ({len(step.launch.variants)} variants)",
        ),
        highlight=False,
    )
    table = Table(
        title=t(
            lang,
            "首场信号 → 次日早上：库存与预售 → 7 天预测 → 翻单",
            "launch signals → the morning after: stock and pre-orders → 7-day forecast → re-order",
        )
    )
    for zh, en in (
        ("颜色", "colour"), ("尺码", "size"), ("首场需求", "launch demand"), ("真值", "truth"),
        ("首批", "first batch"), ("剩余库存", "in stock"), ("预售待发", "pre-orders"),
        ("预测 p10–p90", "forecast p10–p90"), ("现在下单", "order now"),
    ):  # fmt: skip
        table.add_column(t(lang, zh, en), justify="right" if en not in ("colour", "size") else "left")
    for row in step.day0.iter_rows(named=True):
        p10, p50, p90 = done.week_forecast.get(row["variant"], (0.0, 0.0, 0.0))
        table.add_row(
            row["color"], row["size"], f"{row['signals_demand']:.1f}", f"{row['true_demand']:.0f}",
            str(step.first_batch.get(row["variant"], 0)), str(step.stock.get(row["variant"], 0)),
            str(step.waiting.get(row["variant"], 0)), f"{p10:.0f}–{p90:.0f} (p50 {p50:.0f})",
            str(done.ordered.get(row["variant"], 0)),
        )  # fmt: skip
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
    with console.status(
        t(lang, "回测敏感性（不确定性、交期、起订量）…", "backtest sensitivity (cv, lead time, MOQ)…")
    ):
        chart = sensitivity_chart(reports, seed, lang)
    console.print(
        t(
            lang,
            f"快反 vs 一次性大单 vs 先知 的敏感性图：{chart}",
            f"quick response vs one-shot vs oracle chart: {chart}",
        ),
        highlight=False,
    )
    from kuaifan.app.demo import launch_fit
    from kuaifan.cli.fit import print_launch_fit
    from kuaifan.cli.match import demo_step as match_step

    matched = match_step(step.plan, reports / "match", console=console, lang=lang)

    fit = launch_fit(step, seed)
    print_launch_fit(lang, step.launch.name, fit, console)
    (reports / "fit.json").write_text(json.dumps(fit, ensure_ascii=False, indent=2), encoding="utf-8")
    return {
        "match_json": matched.get("match_json"),
        "matched_purchase_orders": matched.get("purchase_orders", []),
        "fit_json": str(reports / "fit.json"),
        "plan_json": str(done.plan_json),
        "purchase_orders": [str(p) for p in done.purchase_orders],
        "chart": str(chart),
    }


def _growth_step(
    settings: Settings, seed: int, reports: Path, lang: Lang, console: Console
) -> dict[str, Any]:
    from kuaifan.app.demo import growth_world, open_growth_store
    from kuaifan.cli.growth import demo_step

    console.rule(
        t(
            lang,
            "6 增长：店播 vs 达播、新客、增量",
            "6 growth: store vs influencer, new buyers, incrementality",
        )
    )
    with console.status(
        t(lang, "模拟数周的店铺（含货架销售）并导入…", "simulating weeks of the shop (with shelf sales)…")
    ):
        path, sim_dir = growth_world(settings, seed)
    with open_growth_store(path) as store:
        produced = demo_step(store, settings.tenant()[0], sim_dir, lang, console)
    out_path = reports / "growth.json"
    out_path.write_text(json.dumps(produced, ensure_ascii=False, indent=2), encoding="utf-8")
    return {"growth_json": str(out_path), "growth_store": str(path)}
