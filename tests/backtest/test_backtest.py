"""Backtest pieces: the ledger and the shop's books, the launch generator, scenario flags, policies."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from kuaifan.app.backtest import parse_seeds
from kuaifan.backtest import (
    Launch,
    Scenario,
    make_launches,
    play,
    preseason_paths,
    run_shop,
    sigma_of,
    with_cv,
)
from kuaifan.backtest.launch import mix_concentration
from kuaifan.backtest.policies import first_batch, oracle, pad, plan_input, solve, split, stratified
from kuaifan.backtest.run import play_seed, prepare_seed, run_launch, score_seed
from kuaifan.errors import InputError


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


def test_ledger_lost_sales() -> None:
    launch = small_launch([[5, 5, 5, 5]])
    # An order placed on plan day d arrives on launch day d: 8 for the launch, 10 on day 1.
    led = play(launch, [(0, np.array([8.0])), (1, np.array([10.0]))], fixed_cost=10.0)
    # Day 0 sells 5 of 8; day 1: 3 + 10 → 5; day 2: 5; day 3: the last 3 (2 lost).
    assert (led.demand, led.served, led.ordered, led.leftover, led.orders) == (20.0, 18.0, 18.0, 0.0, 2)
    late = play(launch, [(0, np.array([8.0])), (3, np.array([10.0]))], fixed_cost=10.0)
    assert (late.served, late.leftover) == (13.0, 5.0)
    assert led.profit == pytest.approx(18 * 100 - 18 * 35 - 2 * 10)
    # an empty order is no order: no fixed cost
    same = play(launch, [(0, np.array([8.0])), (1, np.array([10.0])), (2, np.zeros(1))], fixed_cost=10.0)
    assert same == led


def test_ledger_presale_serves_waiting_buyers() -> None:
    launch = small_launch([[10, 0, 0, 0]])
    late = [(2, np.array([10.0]))]  # arrives on launch day 2
    lost = play(launch, late, fixed_cost=0.0)
    waited = play(launch, late, fixed_cost=0.0, wait=3, cancel=0.3)
    assert lost.served == 0.0 and lost.leftover == 10.0
    assert waited.served == pytest.approx(7.0) and waited.leftover == pytest.approx(3.0)
    too_late = play(launch, [(3, np.array([10.0]))], fixed_cost=0.0, wait=2, cancel=0.0)
    assert too_late.served == 0.0


def test_shop_books_on_a_review_morning() -> None:
    launch = small_launch([[6, 4, 4, 4, 4], [2, 2, 2, 2, 2]])
    orders = [(0, np.array([5.0, 3.0])), (2, np.array([1.0, 1.0])), (4, np.array([7.0, 0.0]))]
    state, _ = run_shop(launch, orders, wait=3, cancel=0.5, until=2)
    # day 0: A sells 5 of 6 (0.5 waits), B 2 of 3; day 1: A nothing (2 more wait), B its last one
    assert state.day == 2 and state.served.tolist() == [5.0, 3.0]
    assert state.stock.tolist() == [1.0, 1.0]  # the day-2 delivery is on hand this morning
    assert state.waiting.tolist() == pytest.approx([2.5, 0.5])
    assert [(d, q.tolist()) for d, q in state.incoming] == [(4, [7.0, 0.0])]
    # the books agree with the full ledger at the end
    _, left = run_shop(launch, orders, wait=3, cancel=0.5)
    led = play(launch, orders, fixed_cost=0.0, wait=3, cancel=0.5)
    assert float(left.sum()) == pytest.approx(led.leftover)


def test_preseason_spread_follows_cv_and_with_cv_keeps_the_draw() -> None:
    rng = np.random.default_rng(0)
    base = small_launch([[10] * 14])
    spreads = []
    for cv in (0.3, 1.0):
        launch = dataclasses.replace(base, sigma=sigma_of(cv))
        totals = preseason_paths(launch, rng, 400).sum(axis=(0, 2))
        spreads.append(totals.std() / totals.mean())
    assert spreads[0] == pytest.approx(0.3, abs=0.12)
    assert spreads[1] == pytest.approx(1.0, abs=0.35)
    # F = total · e^(-σ z): at another CV the same z, so the error in logs scales with σ
    launch = dataclasses.replace(base, preseason_total=140.0 * np.exp(-sigma_of(0.75) * 0.8))
    wide = with_cv(launch, 1.5)
    assert np.log(140.0 / wide.preseason_total) == pytest.approx(sigma_of(1.5) * 0.8)
    assert wide.sigma == sigma_of(1.5) and with_cv(launch, 0.75) is launch


def test_mix_concentration_is_recovered_from_past_launches() -> None:
    rng = np.random.default_rng(4)
    prior = np.array([0.4, 0.3, 0.2, 0.1])
    past = []
    for _ in range(300):
        share = rng.dirichlet(30.0 * prior)
        units = rng.poisson(400 * share)[:, None].astype(np.float64)
        past.append(small_launch(units.tolist(), prior_mix=prior))
    assert mix_concentration(past) == pytest.approx(30.0, rel=0.25)
    paths = preseason_paths(past[0], rng, 2000, mix_concentration=30.0)
    shares = paths.sum(axis=2) / paths.sum(axis=(0, 2))[None, :]
    assert shares.mean(axis=1) == pytest.approx(prior, abs=0.02)
    assert shares[0].var() == pytest.approx(0.4 * 0.6 / 31, rel=0.35)


def test_split_and_stratified_scenarios() -> None:
    out = split(101.0, np.array([0.5, 0.3, 0.2]))
    assert out.sum() == 101 and out.tolist() == [51.0, 30.0, 20.0]
    paths = np.arange(40, dtype=np.float64).reshape(1, 40, 1) * np.ones((2, 1, 3))
    picked = stratified(paths, 4)
    totals = picked.sum(axis=(0, 2)) / 6  # path k has total 6k
    assert picked.shape == (2, 4, 3) and totals.tolist() == [5.0, 15.0, 25.0, 35.0]


def test_moq_changes_the_oracle_order() -> None:
    launch = small_launch([[3, 2, 2, 1, 1, 1, 1], [2, 1, 1, 1, 1, 0, 0]], price=200.0)
    # 17 units of demand: without MOQ the oracle buys 17; with MOQ 50 it must buy 50 (still profitable).
    for moq, expect in ((0, 17.0), (50, 50.0)):
        sc = Scenario(moq=moq, lead_time=2, presale_wait=0, horizon=7, review_days=())
        orders = oracle(launch, sc)
        assert sum(float(q.sum()) for _, q in orders) == expect
        assert play(launch, orders, sc.fixed_cost).served == 17.0


def test_make_launches_from_a_simulated_stream(tmp_path: Path) -> None:
    launches, past = make_launches(3, tmp_path / "sim", n_styles=2, horizon=14, cv=0.75)
    assert 1 <= len(launches) <= 2 and len(past) >= 10
    for launch in launches:
        v, h = launch.demand.shape
        assert h == 14 and v == len(launch.variants) == launch.price.size
        assert launch.true_mix.sum() == pytest.approx(1.0) and launch.prior_mix.sum() == pytest.approx(1.0)
        # kuaifan.signals' estimate of the launch stream is close to the simulator's latent demand.
        assert launch.observed_day0.sum() == pytest.approx(launch.demand[:, 0].sum(), rel=0.25)
        assert (launch.unit_cost < launch.price).all() and (launch.salvage < launch.unit_cost).all()
    assert {p.style for p in past}.isdisjoint({launch.style for launch in launches})


def test_parse_seeds() -> None:
    assert parse_seeds("1-3") == [1, 2, 3]
    assert parse_seeds("4,7-8") == [4, 7, 8]
    for bad in ("x", "5-2", ""):
        with pytest.raises(InputError):
            parse_seeds(bad)


def test_one_seed_end_to_end_and_the_flags_change_what_they_name(tmp_path: Path) -> None:
    light = Scenario(n_styles=1, n_scenarios=5, n_samples=60, review_days=(1,), time_limit_s=5.0)
    data = prepare_seed(2, light, tmp_path)
    assert len(data.launches) == 1 and data.concentration > 1
    launch = data.launches[0]
    rng = np.random.default_rng(0)
    for sc in (light, dataclasses.replace(light, lead_time=3, moq=60)):
        forecasts = {r: data.forecasts[launch.style, r] for r in sc.reviews()}
        ledgers, qr = run_launch(launch, forecasts, sc, rng, data.concentration)
        # quick response: a first batch before launch, then one order per review day placed lead days
        # before it arrives (plan day = launch day of arrival); every real order meets the MOQ
        assert [day for day, _ in qr] == [0, *(sc.lead_time + r for r in sc.reviews())]
        assert all(q.sum() == 0 or q.sum() >= sc.moq for _, q in qr)
        oracle_, one, quick = ledgers["oracle"], ledgers["one_shot"], ledgers["quick_response"]
        assert oracle_.served / oracle_.demand > 0.98 and oracle_.leftover <= max(sc.moq, 1)
        assert oracle_.profit >= max(one.profit, quick.profit) * 0.98
        assert quick.demand == one.demand == oracle_.demand == launch.demand.sum()
    result = play_seed(data, light)
    assert result.styles == 1 and set(result.ledgers) == {"quick_response", "one_shot", "oracle"}
    score = score_seed(data, light)
    assert score.cells == launch.demand[:, 1:].size
    assert 0 < score.abs_err_lgbm < score.abs_err_ses


def test_first_batch_is_the_planners_batch_made_lean_within_the_tolerance() -> None:
    rng = np.random.default_rng(5)
    launch = small_launch(rng.poisson(8.0, size=(2, 14)).astype(float).tolist(), price=150.0)
    preseason = stratified(preseason_paths(launch, rng, 60, mix_concentration=30.0), 6)
    sc = Scenario(moq=20, lead_time=3, horizon=14, review_days=(1, 5), n_scenarios=6, preseason_buckets=6)
    days = [0] + [sc.lead_time + r for r in sc.reviews()]
    best, _, _ = solve(launch, plan_input(launch, pad(preseason, 3), np.zeros(2), days, sc, 6), sc)
    strict = first_batch(launch, preseason, dataclasses.replace(sc, lean_tolerance=0.0))
    lean = first_batch(launch, preseason, dataclasses.replace(sc, lean_tolerance=0.2))
    assert best.sum() > 0 and np.all(lean <= best) and np.all(strict <= best)
    assert lean.sum() < best.sum() and lean.sum() >= sc.moq  # a fifth of the profit buys a leaner batch
    assert lean.sum() <= strict.sum()
