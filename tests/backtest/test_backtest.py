"""Backtest pieces: the books, the launch generator, the day streams, the reference policies."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kuaifan.app.backtest import parse_seeds
from kuaifan.backtest import Books, Launch, Order, PresaleTerms, Scenario, make_launches, play, sigma_of
from kuaifan.backtest.launch import mix_concentration, preseason_paths
from kuaifan.backtest.policies import first_batch, oracle, pad, plan_input, solve, stratified
from kuaifan.errors import InputError
from kuaifan.signals import demand_signals
from kuaifan.sim.day_streams import Listing, sales_stream
from kuaifan.sim.table import RoomIdentity


def small_launch(demand: list[list[float]], price: float = 100.0, **kw: object) -> Launch:
    d = np.asarray(demand, dtype=np.float64)
    v = d.shape[0]
    base = Launch(
        style="S",
        name="test",
        variants=[f"S-{i}" for i in range(v)],
        sizes=["M"] * v,
        colors=["黑色"] * v,
        price=np.full(v, price),
        demand=d,
        observed_day0=d[:, 0].copy(),
        true_mix=np.full(v, 1.0 / v),
        prior_mix=np.full(v, 1.0 / v),
        preseason_total=float(d.sum()),
        sigma=sigma_of(0.75),
    )
    return dataclasses.replace(base, **kw)  # type: ignore[arg-type]


def order(arrive: int, qty: list[float], placed: int | None = None, **kw: object) -> Order:
    return Order(
        arrive if placed is None else placed, arrive, np.asarray(qty, dtype=np.float64), "base", **kw
    )  # type: ignore[arg-type]


def test_books_with_lost_sales() -> None:
    launch = small_launch([[5, 5, 5, 5]])
    salvage = np.array([10.0])
    # 8 arrive for the launch, 10 on day 1: day 0 sells 5, day 1 3 + 10 -> 5, day 2 5, day 3 the last 3
    led = play(launch, [order(0, [8]), order(1, [10], fixed=10.0)], salvage)
    assert (led.demand, led.served, led.ordered, led.leftover, led.orders) == (20.0, 18.0, 18.0, 0.0, 2)
    assert led.profit == pytest.approx(18 * 100 - 18 * 35 - 10)
    late = play(launch, [order(0, [8]), order(3, [10])], salvage)
    assert (late.served, late.leftover) == (13.0, 5.0)
    assert late.profit == pytest.approx(13 * 100 - 18 * 35 + 5 * 10)
    # a dearer factory costs its factor; an order arriving after the horizon goes to clearance
    dear = play(launch, [order(0, [20], unit_factor=1.2), order(9, [4])], salvage)
    assert dear.leftover == pytest.approx(4.0)
    assert dear.profit == pytest.approx(20 * 100 - 20 * 35 * 1.2 - 4 * 35 + 4 * 10)


def test_books_on_presale_cancel_more_the_longer_buyers_wait() -> None:
    launch = small_launch([[10, 0, 0, 0, 0, 0]])
    terms = PresaleTerms(max_wait_days=3, cancel_share=0.2, cancel_per_day=0.1)
    salvage = np.zeros(1)
    # nothing for the launch: 8 of 10 pre-order; 8 · 0.9² = 6.48 still wait when 10 arrive on day 2
    waited = play(launch, [order(2, [10])], salvage, terms)
    assert waited.served == pytest.approx(6.48) and waited.presold == pytest.approx(6.48)
    assert waited.leftover == pytest.approx(3.52)
    # past the promised wait they are refunded: nothing ships on day 4
    assert play(launch, [order(4, [10])], salvage, terms).served == 0.0
    lost = play(launch, [order(2, [10])], salvage)
    assert lost.served == 0.0 and lost.leftover == 10.0


def test_the_books_a_planner_reads_on_a_morning() -> None:
    launch = small_launch([[6, 4, 4, 4, 4], [2, 2, 2, 2, 2]])
    terms = PresaleTerms(max_wait_days=3, cancel_share=0.5, cancel_per_day=0.2)
    books = Books(launch, terms, np.zeros(2))
    for o in (order(0, [5, 3]), order(2, [1, 1]), order(4, [7, 0])):
        books.place(o)
    for t in range(2):
        books.morning()
        books.sell(launch.demand[:, t], presale_open=True)
    books.morning()  # the morning of day 2: its delivery is on hand
    assert books.day == 2 and books.stock.tolist() == [1.0, 1.0]
    waiting = books.backorders()
    # day 0: A waits 0.5 (of 1 short), day 1: A waits 2 (of 4 short); B's 1 short on day 1 waits 0.5
    assert [(q.tolist(), last) for q, last in waiting] == [
        (pytest.approx([0.5 * 0.8 * 0.8, 0.0]), 1),
        (pytest.approx([2 * 0.8, 0.5 * 0.8]), 2),
    ]
    assert [(o.arrive, o.qty.tolist()) for o in books.on_the_way()] == [(4, [7.0, 0.0])]
    # the books at the end agree with playing the same orders
    for t in range(2, 5):
        if t > 2:  # day 2's morning is done
            books.morning()
        books.sell(launch.demand[:, t], presale_open=True)
    assert books.close() == play(launch, books.orders, np.zeros(2), terms)


def test_preseason_spread_follows_cv_and_polls_move_the_mix() -> None:
    rng = np.random.default_rng(0)
    base = small_launch([[10] * 14, [10] * 14])
    spreads = []
    for cv in (0.3, 1.0):
        launch = dataclasses.replace(base, sigma=sigma_of(cv))
        totals = preseason_paths(launch, rng, 400).sum(axis=(0, 2))
        spreads.append(totals.std() / totals.mean())
    assert spreads[0] == pytest.approx(0.3, abs=0.12)
    assert spreads[1] == pytest.approx(1.0, abs=0.35)
    polled = dataclasses.replace(base, poll_mix=np.array([0.8, 0.2]))
    paths = preseason_paths(polled, rng, 400, polls=True)
    assert paths[0].sum() / paths.sum() == pytest.approx(0.8, abs=0.03)
    assert preseason_paths(polled, rng, 400)[0].sum() / paths.sum() == pytest.approx(0.5, abs=0.05)


def test_mix_concentration_is_recovered_from_past_launches() -> None:
    rng = np.random.default_rng(4)
    prior = np.array([0.4, 0.3, 0.2, 0.1])
    past = []
    for _ in range(300):
        share = rng.dirichlet(30.0 * prior)
        units = rng.poisson(400 * share)[:, None].astype(np.float64)
        past.append(small_launch(units.tolist(), prior_mix=prior))
    assert mix_concentration(past) == pytest.approx(30.0, rel=0.25)


def test_stratified_scenarios_span_the_distribution() -> None:
    paths = np.arange(40, dtype=np.float64).reshape(1, 40, 1) * np.ones((2, 1, 3))
    picked = stratified(paths, 4)
    totals = picked.sum(axis=(0, 2)) / 6  # path k has total 6k
    assert picked.shape == (2, 4, 3) and totals.tolist() == [5.0, 15.0, 25.0, 35.0]


def test_moq_changes_the_oracle_order() -> None:
    launch = small_launch([[3, 2, 2, 1, 1, 1, 1], [2, 1, 1, 1, 1, 0, 0]], price=200.0)
    # 17 units of demand: without MOQ the oracle buys 17; with MOQ 50 it must buy 50 (still profitable).
    for moq, expect in ((0, 17.0), (50, 50.0)):
        sc = Scenario(moq=moq, lead_time=2, horizon=7, two_factories=False, presale=False)
        orders = oracle(launch, sc)
        assert sum(float(o.qty.sum()) for o in orders) == expect
        assert play(launch, orders, sc.salvage(launch)).served == 17.0


def test_first_batch_is_the_planners_batch_made_lean_within_the_tolerance() -> None:
    rng = np.random.default_rng(5)
    launch = small_launch(rng.poisson(8.0, size=(2, 14)).astype(float).tolist(), price=150.0)
    preseason = stratified(preseason_paths(launch, rng, 60, mix_concentration=30.0), 6)
    sc = Scenario(moq=20, lead_time=3, horizon=14, n_scenarios=6, preseason_buckets=6, presale=False)
    days = [0, 4, 7, 10, 17]
    now, _ = solve(launch, plan_input(launch, pad(preseason, 3), np.zeros(2), days, sc, 6), sc)
    best = sum((q for f, q in now if f == "base"), np.zeros(2))
    strict = sum((o.qty for o in first_batch(launch, preseason, dataclasses.replace(sc, lean_tolerance=0.0))),
                 np.zeros(2))  # fmt: skip
    lean = sum((o.qty for o in first_batch(launch, preseason, dataclasses.replace(sc, lean_tolerance=0.2))),
               np.zeros(2))  # fmt: skip
    assert best.sum() > 0 and np.all(lean <= best) and np.all(strict <= best)
    assert lean.sum() < best.sum() and lean.sum() >= sc.moq  # a fifth of the profit buys a leaner batch


def test_make_launches_from_a_simulated_stream(tmp_path: Path) -> None:
    launches, past = make_launches(3, tmp_path / "sim", n_styles=2, horizon=14, cv=0.75)
    assert 1 <= len(launches) <= 2 and len(past) >= 10
    for launch in launches:
        v, h = launch.demand.shape
        assert h == 14 and v == len(launch.variants) == launch.price.size == len(launch.specs)
        assert launch.true_mix.sum() == pytest.approx(1.0) and launch.prior_mix.sum() == pytest.approx(1.0)
        # kuaifan.signals' estimate of the launch stream is close to the simulator's latent demand.
        assert launch.observed_day0.sum() == pytest.approx(launch.demand[:, 0].sum(), rel=0.25)
        assert launch.poll_mix is not None and launch.poll_mix.sum() == pytest.approx(1.0)
    # a past launch has its own ids in the shop's log
    assert {p.style for p in past}.isdisjoint({launch.style for launch in launches})
    assert all(s.endswith(p.style[-3:]) for p in past for s in p.variants)


def test_a_day_stream_shows_the_signals_the_demand_a_sell_out_hid() -> None:
    ident = RoomIdentity("demo", "room-shop", "day001", "store", None)
    spec = '{{"颜色":"黑色","尺码":"{}"}}'
    listings = [Listing(f"A-{s}", "A", spec.format(s), 9900) for s in ("S", "M", "L")]
    demand, stock = np.array([30, 50, 20]), np.array([40, 20, 0])
    out = sales_stream(ident, listings, demand, stock, start_ms=1_790_000_000_000, seed=1)
    assert out.sold.tolist() == [30, 20, 0] and out.preordered.tolist() == [0, 0, 0]
    sig = demand_signals(out.events)
    seen = dict(sig.variant_hours.group_by("sku_id").agg(pl.col("demand_units").sum()).iter_rows())
    assert seen["A-S"] == pytest.approx(30)  # never sold out: what sold
    assert seen["A-M"] == pytest.approx(50, rel=0.15) and seen["A-L"] == pytest.approx(20, rel=0.2)
    # on pre-sale a sold-out variant takes orders instead: no 0 stock level, and 90 % order
    pre = sales_stream(ident, listings, demand, stock, start_ms=1_790_000_000_000, presale_keep=0.9, seed=1)
    assert pre.sold.tolist() == [30, 20, 0] and pre.preordered.sum() == pytest.approx(45, abs=8)
    levels = pre.events.filter(pl.col("kind") == "stock_level")
    assert levels["stock"].min() > 0
    again = sales_stream(ident, listings, demand, stock, start_ms=1_790_000_000_000, seed=1)
    assert again.events.equals(out.events)  # seeded


def test_parse_seeds() -> None:
    assert parse_seeds("1-3") == [1, 2, 3]
    assert parse_seeds("4,7-8") == [4, 7, 8]
    for bad in ("x", "5-2", ""):
        with pytest.raises(InputError):
            parse_seeds(bad)


@given(
    demand=st.lists(st.integers(0, 30), min_size=4, max_size=10),
    orders=st.lists(st.tuples(st.integers(-3, 12), st.integers(0, 40)), max_size=5),
    presale=st.booleans(),
)
def test_the_books_never_serve_more_than_asked_nor_lose_a_unit(
    demand: list[int], orders: list[tuple[int, int]], presale: bool
) -> None:
    launch = small_launch([[float(d) for d in demand]])
    terms = PresaleTerms(max_wait_days=3, cancel_share=0.2, cancel_per_day=0.1) if presale else None
    led = play(launch, [order(day, [float(q)]) for day, q in orders], np.array([5.0]), terms)
    assert led.served <= led.demand + 1e-9
    assert led.ordered == pytest.approx(led.served + led.leftover)  # every unit bought is sold or left
    assert led.presold <= led.served + 1e-9
