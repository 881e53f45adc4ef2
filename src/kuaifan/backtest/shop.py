"""The shop's books for one launch, day by day: one ledger for every policy.

Orders are (plan day placed, units per variant). Plan day 0 is ``lead`` days before the launch, so
an order placed on plan day d arrives on launch day d (the first batch, placed on plan day 0,
arrives for the launch stream). Each day stock first serves waiting pre-orders (预售), oldest first,
then the day's demand; of the demand that finds no stock a share ``1 - cancel`` waits up to ``wait``
days, the rest is lost. Profit = revenue − purchase − fixed cost per order placed + salvage of the
units left at the end; leftover_rate = unsold / produced, fill_rate = served / demand.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from kuaifan.backtest.launch import F64, Launch

Orders = Sequence[tuple[int, F64]]


@dataclass(slots=True)
class Ledger:
    profit: float = 0.0
    revenue: float = 0.0
    demand: float = 0.0
    served: float = 0.0
    ordered: float = 0.0
    leftover: float = 0.0
    orders: int = 0

    def add(self, other: Ledger) -> None:
        for name in ("profit", "revenue", "demand", "served", "ordered", "leftover", "orders"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def summary(self, seeds: int) -> dict[str, float]:
        return {
            "profit": round(self.profit / max(seeds, 1), 2),
            "leftover_rate": round(self.leftover / self.ordered, 4) if self.ordered else 0.0,
            "fill_rate": round(self.served / self.demand, 4) if self.demand else 1.0,
        }


@dataclass(frozen=True, slots=True)
class ShopState:
    """The books at the start of launch day ``day``, before its demand: what a re-plan starts from."""

    day: int
    stock: F64  # (V,) on hand, including what arrives this morning
    waiting: F64  # (V,) pre-orders still waiting to be served
    incoming: list[tuple[int, F64]]  # (launch day of arrival > day, units) ordered, not yet arrived
    served: F64  # (V,) served so far


def _arrivals(orders: Orders, v: int, horizon: int) -> F64:
    """Units arriving per launch day; index ``horizon`` collects what arrives too late to sell."""
    out = np.zeros((v, horizon + 1))
    for day, qty in orders:
        out[:, min(max(day, 0), horizon)] += qty
    return out


def run_shop(
    launch: Launch, orders: Orders, wait: int, cancel: float, until: int | None = None
) -> tuple[ShopState, F64]:
    """Play launch days 0..until-1 (default all); return the state after them and the stock left."""
    v, h = launch.demand.shape
    end = h if until is None else min(until, h)
    arrivals = _arrivals(orders, v, h)
    stock = np.zeros(v)
    served = np.zeros(v)
    backlog = np.zeros((max(wait, 0), v))  # backlog[j]: pre-orders from j + 1 days ago
    for t in range(end):
        stock += arrivals[:, t]
        for j in range(backlog.shape[0] - 1, -1, -1):
            take = np.minimum(stock, backlog[j])
            stock -= take
            backlog[j] -= take
            served += take
        take = np.minimum(stock, launch.demand[:, t])
        stock -= take
        served += take
        if backlog.shape[0]:
            backlog = np.concatenate([((1.0 - cancel) * (launch.demand[:, t] - take))[None], backlog[:-1]])
    if end < h:
        # the state a planner sees on the morning of day `end`: today's arrivals are on hand
        today = stock + arrivals[:, end]
        later = [(d, arrivals[:, d].copy()) for d in range(end + 1, h) if arrivals[:, d].sum() > 0]
        return ShopState(end, today, backlog.sum(axis=0), later, served), stock
    return ShopState(end, stock, np.zeros(v), [], served), stock


def play(launch: Launch, orders: Orders, fixed_cost: float, wait: int = 0, cancel: float = 1.0) -> Ledger:
    """Realised outcome of orders (plan day placed, units per variant) on the launch's demand."""
    placed = [(day, qty) for day, qty in orders if qty.sum() > 0]
    state, left = run_shop(launch, placed, wait, cancel)
    ordered = sum((qty for _, qty in placed), np.zeros(len(launch.variants)))
    revenue = float((launch.price * state.served).sum())
    profit = revenue - float((launch.unit_cost * ordered).sum()) - fixed_cost * len(placed)
    profit += float((launch.salvage * left).sum())
    demand, served = float(launch.demand.sum()), float(state.served.sum())
    return Ledger(profit, revenue, demand, served, float(ordered.sum()), float(left.sum()), len(placed))
