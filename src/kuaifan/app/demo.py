"""The computing half of ``kuaifan demo`` (the CLI prints each step as it goes): room summaries,
comment understanding against the simulator's truth, the demo rooms' signals, and a simulated launch
planned with quick response."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from kuaifan.backtest.demo import LaunchStep
from kuaifan.config import Settings
from kuaifan.i18n import Lang
from kuaifan.report.summary import RoomSummary, summarise_rooms
from kuaifan.signals.frame import SIGNAL_KINDS
from kuaifan.store import Store


@dataclass(frozen=True, slots=True)
class DemoRooms:
    events: pl.DataFrame  # the tenant's stored events with their comment tags
    rooms: list[RoomSummary]
    names: dict[str, str]  # product id → name (the simulated catalogue)
    events_stored: int
    dead_letters: int


def read_rooms(settings: Settings, store: Store, tenant: str, sim_dir: Path) -> DemoRooms:
    from kuaifan.signals.tags import read_tagged

    # comments come with the intents the ingest step stored for them
    events = read_tagged(store, tenant, settings.tenant(tenant)[1].text)
    stats = store.stats(tenant)
    catalogue = pl.read_parquet(sim_dir / "truth" / "catalogue.parquet")
    names = dict(catalogue.select("item_id", "product").unique("item_id").iter_rows())
    return DemoRooms(events, summarise_rooms(events), names, stats["events"], stats["dead_letter"])


def write_rooms_csv(path: Path, rooms: list[RoomSummary], names: dict[str, str]) -> Path:
    """The room summary for Excel (UTF-8 with BOM)."""
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(
            [
                "直播间 room", "渠道 channel", "观看人数 viewers", "最高在线 peak online", "GMV (元)",
                "退款 refunds (元)", "订单 orders", "买家 buyers", "评论 comments", "售罄 sell-outs",
                "热卖商品 top products",
            ]
        )  # fmt: skip
        for r in rooms:
            top = " / ".join(names.get(p, p) for p, _ in r.top_products)
            w.writerow(
                [
                    r.room_id, r.channel, r.viewers, r.peak_online, f"{r.gmv_fen / 100:.2f}",
                    f"{r.refund_fen / 100:.2f}", r.orders, r.buyers, r.comments, r.sellouts, top,
                ]
            )  # fmt: skip
    return path


@dataclass(frozen=True, slots=True)
class DemoComments:
    summary: dict[str, Any]  # kuaifan.text.summarise of the comments
    accuracy: float  # the intent read from the text vs the simulator's truth
    compared: int


def comments_vs_truth(events: pl.DataFrame, sim_dir: Path) -> DemoComments:
    from kuaifan.text.summary import summarise

    comments = events.filter(pl.col("kind") == "comment")
    summary = summarise(comments)
    truth = pl.read_parquet(sorted((sim_dir / "truth" / "comments").glob("*.parquet")))
    joined = comments.select("msg_id", "intent").join(
        truth.select("msg_id", pl.col("intent").alias("true_intent")), on="msg_id"
    )
    agree = joined.filter(pl.col("intent") == pl.col("true_intent")).height
    return DemoComments(summary, agree / max(joined.height, 1), joined.height)


def rooms_signals(events: pl.DataFrame, names: dict[str, str], top: int = 5) -> dict[str, Any]:
    """The demo rooms' signals as ``kuaifan signals`` computes them (the same kinds read)."""
    from kuaifan.signals import demand_signals
    from kuaifan.signals.report import signals_report, stored_facts

    events = events.filter(pl.col("kind").is_in(SIGNAL_KINDS))
    return signals_report(demand_signals(events, classifier=stored_facts(events)), top=top, names=names)


@dataclass(frozen=True, slots=True)
class DemoLaunch:
    step: LaunchStep
    week_forecast: dict[str, tuple[float, float, float]]  # variant → p10, p50, p90 of the first 7 days
    ordered: dict[str, int]  # variant → units the plan orders now
    plan_json: Path
    purchase_orders: list[Path]


def launch(seed: int, workdir: Path, reports: Path) -> DemoLaunch:
    """A simulated launch: its launch-stream signals, the forecast and the quick-response plan the
    morning after, written as ``plan.json`` and purchase orders per factory."""
    from kuaifan.backtest.demo import launch_plan
    from kuaifan.plan.purchase_orders import write_purchase_orders

    step = launch_plan(seed, workdir)
    first_days = (
        step.forecast.filter(pl.col("day") <= 7)
        .group_by("variant")
        .agg(pl.col("p10").sum(), pl.col("p50").sum(), pl.col("p90").sum())
    )
    week = dict(zip(first_days["variant"], first_days.select("p10", "p50", "p90").iter_rows(), strict=True))
    ordered: dict[str, int] = {}
    for o in step.plan.orders:
        ordered[o.variant] = ordered.get(o.variant, 0) + o.qty
    reports.mkdir(parents=True, exist_ok=True)
    plan_path = reports / "plan.json"
    plan_path.write_text(step.plan.model_dump_json(indent=2), encoding="utf-8")
    input_path = reports / "plan_input.json"
    input_path.write_text(step.plan_input.model_dump_json(indent=2, exclude_none=True), encoding="utf-8")
    pos = write_purchase_orders(step.plan, reports / "purchase_orders")
    return DemoLaunch(step, week, ordered, plan_path, pos)


def sensitivity_chart(reports: Path, seed: int, lang: Lang, levers: tuple[str, ...] | None = None) -> Path:
    """The backtest of the launch: quick response vs one-shot vs the information bound vs the oracle, and
    what each lever (pre-sale, polls, two factories, clearance; default all four) is worth when flipped
    from its base; PNG, SVG and an ECharts option. The SVG's path."""
    from kuaifan.backtest.chart import CHART_LEVERS, write_sensitivity_chart

    return write_sensitivity_chart(
        reports, seeds=(seed,), levers=CHART_LEVERS if levers is None else levers, lang=lang
    )


def launch_fit(step: LaunchStep, seed: int) -> dict[str, dict[str, Any]]:
    """The launched style's written buyer reviews (simulated, the truth: it runs small) read into
    fit feedback per style, as ``kuaifan signals`` shows it: {style: FitFeedback fields}."""
    from kuaifan.events import POLARS_SCHEMA
    from kuaifan.signals.fit import fit_report, fit_tables
    from kuaifan.signals.frame import prepare
    from kuaifan.sim.config import DEFAULT_START
    from kuaifan.sim.reviews import simulate_reviews

    style = step.launch.style
    sold = [
        (style, str(c), str(s), round(float(n)))
        for c, s, n in step.day0.select("color", "size", "true_demand").iter_rows()
    ]
    after_launch_ms = int(DEFAULT_START.timestamp() * 1000) + 2 * 86_400_000  # reviews follow delivery
    rows = simulate_reviews("demo", sold, seed=seed, start_ms=after_launch_ms)
    events = prepare(pl.DataFrame(rows, schema=POLARS_SCHEMA))
    styles, per_variant, complaints = fit_tables(events)
    found = fit_report(styles, per_variant, complaints, [style])
    return {item: {"name": step.launch.name, **f} for item, f in found.items()}


def growth_world(settings: Settings, seed: int) -> tuple[Path, Path]:
    """The demo's growth world: several weeks of the demo tenant's rooms with shelf sales and the
    economics files, simulated and ingested into a store of its own (``demo/growth``), so the main
    demo store keeps its one evening. Returns (store file, simulation directory)."""
    from kuaifan.app.growth import demo_sim_settings
    from kuaifan.app.ingest import default_sources, ingest_paths
    from kuaifan.sim import SimConfig, simulate
    from kuaifan.sources.gate import TenantGate
    from kuaifan.store.duckdb import DuckStore

    name, cfg = settings.tenant()
    base = settings.home / "demo" / "growth"
    sim_dir = base / "sim"
    simulate(SimConfig(seed=seed, tenant=name, **demo_sim_settings()), sim_dir, overwrite=True)
    path = base / "kuaifan.duckdb"
    with DuckStore(path) as store:
        ingest_paths(
            store, store.names, [sim_dir / "events"], gate=TenantGate.of(name, cfg), sources=default_sources()
        )
    return path, sim_dir


def open_growth_store(path: Path) -> Store:
    from kuaifan.store.duckdb import DuckStore

    return DuckStore(path)
