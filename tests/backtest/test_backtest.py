"""Backtest pieces: the ledger, the launch generator, scenario flags, the CLI's seed ranges."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from kuaifan.backtest import Launch, Scenario, make_launches, play, preseason_paths, sigma_of
from kuaifan.backtest.cli import parse_seeds
from kuaifan.backtest.run import _orders_now, _pad, _plan_input
from kuaifan.errors import InputError


def small_launch(demand: list[list[float]], price: float = 100.0) -> Launch:
    d = np.asarray(demand, dtype=np.float64)
    v = d.shape[0]
    return Launch(
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


def test_ledger_lost_sales() -> None:
    launch = small_launch([[5, 5, 5, 5]])
    # Placed on plan day 1 = launch day -1, the second order arrives on launch day 1.
    led = play(launch, [(0, np.array([8.0])), (1, np.array([10.0]))], lead=2, fixed_cost=10.0)
    # Day 0 sells 5 of 8; day 1: 3 + 10 → 5; day 2: 5; day 3: the last 3 (2 lost).
    assert (led.demand, led.served, led.ordered, led.leftover, led.orders) == (20.0, 18.0, 18.0, 0.0, 2)
    late = play(launch, [(0, np.array([8.0])), (3, np.array([10.0]))], lead=2, fixed_cost=10.0)
    assert (late.served, late.leftover) == (13.0, 5.0)
    assert led.profit == pytest.approx(18 * 100 - 18 * 35 - 2 * 10)


def test_ledger_presale_serves_waiting_buyers() -> None:
    launch = small_launch([[10, 0, 0, 0]])
    late = [(2, np.array([10.0]))]  # arrives on launch day 2
    lost = play(launch, late, lead=0, fixed_cost=0.0)
    waited = play(launch, late, lead=0, fixed_cost=0.0, wait=3, cancel=0.3)
    assert lost.served == 0.0 and lost.leftover == 10.0
    assert waited.served == pytest.approx(7.0) and waited.leftover == pytest.approx(3.0)
    too_late = play(launch, [(3, np.array([10.0]))], lead=0, fixed_cost=0.0, wait=2, cancel=0.0)
    assert too_late.served == 0.0


def test_preseason_spread_follows_cv() -> None:
    rng = np.random.default_rng(0)
    base = small_launch([[10] * 14])
    spreads = []
    for cv in (0.3, 1.0):
        launch = Launch(**{**{f: getattr(base, f) for f in base.__slots__}, "sigma": sigma_of(cv)})
        totals = preseason_paths(launch, rng, 400).sum(axis=(0, 2))
        spreads.append(totals.std() / totals.mean())
    assert spreads[0] == pytest.approx(0.3, abs=0.12)
    assert spreads[1] == pytest.approx(1.0, abs=0.35)


def test_moq_changes_the_order() -> None:
    launch = small_launch([[3, 2, 2, 1, 1, 1, 1], [2, 1, 1, 1, 1, 0, 0]], price=200.0)
    real = _pad(launch.demand[:, None, :], 2)
    # 17 units of demand: without MOQ the oracle buys 17; with MOQ 50 it must buy 50 (still profitable).
    for moq, expect in ((0, 17.0), (50, 50.0)):
        sc = Scenario(moq=moq, lead_time=2, presale_wait=0)
        now, _ = _orders_now(launch, _plan_input(launch, real, np.zeros(2), [0], sc, 1), sc)
        assert now.sum() == expect


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


def test_parse_seeds() -> None:
    assert parse_seeds("1-3") == [1, 2, 3]
    assert parse_seeds("4,7-8") == [4, 7, 8]
    for bad in ("x", "5-2", ""):
        with pytest.raises(InputError):
            parse_seeds(bad)
