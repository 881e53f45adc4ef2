"""Quick response as a brand runs kuaifan: the production path, day by day.

The shop's event log is a real store (DuckDB, ``kuaifan.store``), filled the way ``kuaifan ingest``
fills it (Parquet files through the same source and validation):

- its past launches: one selling stream a day for each past style, days before this launch
  (``kuaifan.sim.day_streams``);
- the launch stream: the simulator's rooms (every product the rooms sold, not only the new styles);
- each later day: a stream selling the new styles to that day's demand from the shop's stock, with
  sell-outs, pre-orders (预售) when the shop sells on pre-sale, and the clicks and carts that let
  the signals estimate the demand a sell-out hid.

On every review day, before the day's stream, the brand runs what ``kuaifan signals``,
``kuaifan forecast`` and ``kuaifan plan`` run: :func:`kuaifan.signals.stored.store_signals` on the
store, :func:`kuaifan.plan.pipeline.forecast_plan_input` with its stock, the pre-orders waiting and
its earlier plans (what is on the way), and :func:`kuaifan.plan.plan`; it places the orders to
place now. The books (shop.py) keep the money; the first batch before the launch comes from
policies.first_batch (no signals exist before a style's first stream).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl

from kuaifan.backtest.launch import F64, UNIT_COST_SHARE, Launch
from kuaifan.backtest.policies import Scenario
from kuaifan.backtest.shop import Books, Order
from kuaifan.forecast import Forecast
from kuaifan.plan import PlanResult, SolverFailed, plan
from kuaifan.plan.costs import CostsConfig
from kuaifan.plan.from_signals import daily_demand, last_live_day
from kuaifan.plan.model import Backorder
from kuaifan.plan.pipeline import ForecastedPlan, forecast_plan_input
from kuaifan.signals import DemandSignals
from kuaifan.signals.frame import DAY_MS, china_day_of
from kuaifan.signals.stored import store_signals
from kuaifan.sim.day_streams import Listing, sales_stream
from kuaifan.sim.table import RoomIdentity
from kuaifan.sources.gate import TenantGate
from kuaifan.sources.jsonl import ParquetSource
from kuaifan.store.duckdb import DuckStore

TENANT = "demo"
SALT = "kuaifan-backtest-salt"
HISTORY_DAYS = 120  # kuaifan forecast --history: the past launches lie within it
PAST_SPAN_DAYS = 60  # past launches start over the 60 days before the last one ends before this launch
SCORED_DAYS = (1, 7, 14, 21)  # review days whose forecasts are scored (the same with daily reviews)


@dataclass(frozen=True, slots=True)
class ForecastRecord:
    """What the brand's forecast said on the morning of ``day`` (launch days ``day``..H-1)."""

    day: int
    style: str
    variants: F64  # (V, S, h) sample paths per variant, in the launch's variant order
    p50: F64  # (V, h)
    history: F64  # (V, day) the demand the signals saw per variant and day so far


@dataclass
class Shop:
    """A shop's store and its clock: the launch stream starts at ``launch_ms``."""

    store: DuckStore
    workdir: Path
    launch_ms: int
    room: RoomIdentity
    files: int = 0
    rejected: int = 0

    def ingest(self, events: pl.DataFrame) -> int:
        """Events in through the Parquet source, as ``kuaifan ingest`` reads a file; the number stored."""
        self.files += 1
        path = self.workdir / f"day-{self.files:04d}.parquet"
        events.write_parquet(path)
        stored = 0
        for batch in ParquetSource().read(path, TenantGate(TENANT, SALT)):
            stored += self.store.append(batch.good).accepted
            self.rejected += len(batch.bad)
            self.store.add_dead_letters(batch.bad)
        path.unlink()
        return stored

    def day_ms(self, day: int) -> int:
        return self.launch_ms + day * DAY_MS

    def close(self) -> None:
        self.store.close()


def listings(launch: Launch) -> list[Listing]:
    item = launch.style
    return [
        Listing(sku, item, spec, round(float(p) * 100))
        for sku, spec, p in zip(launch.variants, launch.specs, launch.price, strict=True)
    ]


def open_shop(workdir: Path, sim_events: Sequence[Path], past: Sequence[Launch], launch_ms: int) -> Shop:
    """The store with the shop's past launches (one stream a day) and the launch stream's events."""
    workdir.mkdir(parents=True, exist_ok=True)
    for old in workdir.glob("shop.duckdb*"):  # a scratch store: each run starts the shop afresh
        old.unlink()
    shop = Shop(
        DuckStore(workdir / "shop.duckdb"),
        workdir,
        launch_ms,
        RoomIdentity(TENANT, "room-shop", "", "store", None),
    )
    horizon = max((int(p.demand.shape[1]) for p in past), default=0)
    first = -horizon - PAST_SPAN_DAYS
    starts = {p.style: first + (i * PAST_SPAN_DAYS) // max(len(past), 1) for i, p in enumerate(past)}
    for day in range(first, 0):
        live = [p for p in past if 0 <= day - starts[p.style] < p.demand.shape[1]]
        if not live:
            continue
        age = [day - starts[p.style] for p in live]
        demand = np.concatenate([p.demand[:, a] for p, a in zip(live, age, strict=True)]).astype(np.int64)
        ident = RoomIdentity(TENANT, shop.room.room_id, f"past{day:+04d}", "store", None)
        sales = sales_stream(
            ident, [x for p in live for x in listings(p)], demand, demand + 5, start_ms=shop.day_ms(day),
            seed=[abs(day), 17],
        )  # fmt: skip
        shop.ingest(sales.events)
    for path in sim_events:
        shop.ingest(pl.read_parquet(path))
    return shop


def plan_reviews(sc: Scenario, day: int) -> list[int]:
    """The review days a plan made on ``day`` assumes (counted from it): weekly reviews say when;
    with daily reviews the plan assumes a few (every day's re-plan adapts anyway)."""
    if sc.daily_reviews:
        return [0, 2, 5, 9, 14, 21]
    return [0, *(d - day for d in sc.reviews() if d > day)]


def costs_on(sc: Scenario, books: dict[str, Books], day: int) -> CostsConfig:
    """What the brand writes in its costs file on ``day``: terms, stock, pre-orders waiting."""
    on_hand: dict[str, float] = {}
    preorders: dict[str, list[Backorder]] = {}
    for b in books.values():
        for i, sku in enumerate(b.launch.variants):
            on_hand[sku] = float(np.floor(b.stock[i] + 1e-9))
            waits = [
                Backorder(qty=float(q[i]), max_wait_days=last) for q, last in b.backorders() if q[i] > 1e-6
            ]
            if waits:
                preorders[sku] = waits
    horizon = sc.horizon - day
    return CostsConfig(
        horizon_days=horizon,
        review_days=[d for d in plan_reviews(sc, day) if d < horizon],
        unit_cost_share=UNIT_COST_SHARE,
        salvage_share=sc.salvage_share(),
        presale=sc.presale_model(),
        factories=sc.factories(),
        on_hand=on_hand,
        preorders=preorders,
        time_limit_s=sc.time_limit_s,
        policy_buckets=sc.qr_buckets,
    )


def run_plan(fp: ForecastedPlan, sc: Scenario) -> PlanResult:
    try:
        return plan(fp.plan_input, time_limit_s=sc.time_limit_s)
    except SolverFailed:  # not even the relaxation in time on a busy machine: more time
        return plan(fp.plan_input, time_limit_s=6 * sc.time_limit_s)


def place(books: dict[str, Books], res: PlanResult, day: int, sc: Scenario) -> None:
    """The plan's orders to place now into the books (arriving after the factory's lead time)."""
    facs = {f.id: f for f in sc.factories()}
    by: dict[tuple[str, str], F64] = {}
    for o in res.orders:
        b = books[o.style]
        q = by.setdefault((o.style, o.factory), np.zeros(len(b.launch.variants)))
        q[b.launch.variants.index(o.variant)] += o.qty
    for (style, fid), q in sorted(by.items()):
        f = facs[fid]
        books[style].place(
            Order(day, day + f.lead_time_days, q, fid, f.unit_cost_factor, f.fixed_cost_per_order)
        )


def record(
    fp: ForecastedPlan, sig: DemandSignals, launches: Sequence[Launch], day: int, day0: int
) -> list[ForecastRecord]:
    """The forecast of every new style made on ``day``, in the launches' variant order."""
    daily = daily_demand(sig.variant_hours, last_live_day(sig.events))
    out = []
    fc: Forecast = fp.variants
    p50 = fc.quantiles.sort("unique_id", "ds")["p50"].to_numpy().reshape(len(fc.ids), fc.horizon)
    for launch in launches:
        rows = [fc.ids.index(s) for s in launch.variants]
        hist = np.zeros((len(launch.variants), day))
        seen = daily.filter(pl.col("sku_id").is_in(launch.variants) & (pl.col("day") >= day0))
        for sku, d, units in seen.select("sku_id", "day", "demand_units").iter_rows():
            if d - day0 < day:
                hist[launch.variants.index(sku), d - day0] += units
        out.append(ForecastRecord(day, launch.style, fc.samples[rows], p50[rows], hist))
    return out


@dataclass
class QuickResponse:
    books: dict[str, Books]
    plans: list[PlanResult] = field(default_factory=list)
    forecasts: list[ForecastRecord] = field(default_factory=list)
    models: list[str] = field(default_factory=list)
    last: ForecastedPlan | None = None  # the forecast step of the last review (with ``until``)


def quick_response(
    shop: Shop,
    launches: Sequence[Launch],
    first: dict[str, list[Order]],
    sc: Scenario,
    seed: int,
    until: int | None = None,
) -> QuickResponse:
    """The brand's loop over the horizon (see the module doc); ``until``: stop after that day's
    review (the demo's plan the morning after the launch)."""
    books = {x.style: Books(x, sc.presale_terms(), sc.salvage(x)) for x in launches}
    for style, orders in first.items():
        for o in orders:
            books[style].place(o)
    out = QuickResponse(books)
    shop.store.names.add(TENANT, {x.style: x.name for x in launches})  # as the shop's order export would
    reviews = set(sc.reviews())
    day0 = china_day_of(shop.launch_ms)
    items = [x.style for x in launches]
    for day in range(sc.horizon):
        for b in books.values():
            b.morning()
        if day in reviews:
            sig = store_signals(shop.store, TENANT, days=HISTORY_DAYS)  # the default text settings
            fp = forecast_plan_input(
                sig, costs_on(sc, books, day), tenant=TENANT, items=items, horizon=sc.horizon - day,
                scenarios=sc.n_scenarios, seed=seed + day, placed=out.plans,
                names=shop.store.names.get(TENANT),
            )  # fmt: skip
            res = run_plan(fp, sc)
            out.plans.append(res)
            out.models.append(fp.summary.model)
            place(books, res, day, sc)  # every factory has a lead time: nothing arrives today
            if day in SCORED_DAYS or day == until:
                out.forecasts += record(fp, sig, launches, day, day0)
            if day == until:
                out.last = fp
                return out
        demand = {x.style: x.demand[:, day] for x in launches}
        open_ = sc.presale
        if day == 0:  # the launch stream: its events are the simulator's, already in the store
            for x in launches:
                books[x.style].sell(demand[x.style], open_)
            continue
        for b in books.values():
            b.ship_waiting()
        stock = np.concatenate([np.floor(books[x.style].stock + 1e-9) for x in launches]).astype(np.int64)
        wanted = np.concatenate([demand[x.style] for x in launches]).astype(np.int64)
        ident = RoomIdentity(TENANT, shop.room.room_id, f"day{day:03d}", "store", None)
        sales = sales_stream(
            ident, [li for x in launches for li in listings(x)], wanted, stock, start_ms=shop.day_ms(day),
            presale_keep=1.0 - sc.presale_cancel if open_ else None, seed=[seed, day],
        )  # fmt: skip
        shop.ingest(sales.events)
        for x in launches:
            books[x.style].serve(demand[x.style], open_)
    return out
