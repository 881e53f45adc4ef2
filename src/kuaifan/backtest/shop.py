"""The shop's books for one launch, day by day: stock, pre-orders waiting, goods on the way, money.

Launch day 0 is the launch stream. An order placed on day d at a factory with lead time L arrives
on the morning of day d + L (a first batch placed L days before the launch arrives for it). Each
day, after the morning's arrivals:

1. pre-orders waiting (预售) ship first, oldest first; each further day of waiting a share
   ``cancel_per_day`` of those still waiting cancels, and what is still waiting after
   ``max_wait_days`` is refunded;
2. the day's demand is served from stock; what finds none is lost — or, when the shop sells on
   pre-sale, ``1 - cancel_share`` of it orders for later delivery.

At the end of the horizon what is in stock (and what arrives too late) goes to the clearance
stream at its salvage value. Profit = revenue − purchases − fixed costs per order + salvage;
leftover_rate = unsold / units bought, fill_rate = served / demand.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from kuaifan.backtest.launch import F64, Launch


@dataclass(frozen=True, slots=True)
class Order:
    """Units per variant bought on day ``placed`` (a launch day, negative before the launch)."""

    placed: int
    arrive: int
    qty: F64
    factory: str
    unit_factor: float = 1.0  # the factory's price = unit cost × factor
    fixed: float = 0.0  # the factory's fixed cost per order


@dataclass(frozen=True, slots=True)
class PresaleTerms:
    max_wait_days: int
    cancel_share: float  # of the buyers who find no stock, these do not pre-order
    cancel_per_day: float  # of those still waiting, these cancel on each further day
    discount: float = 0.0  # off the price of a pre-sold unit


@dataclass(slots=True)
class Ledger:
    profit: float = 0.0
    revenue: float = 0.0
    demand: float = 0.0
    served: float = 0.0
    presold: float = 0.0
    ordered: float = 0.0
    leftover: float = 0.0
    orders: int = 0

    def add(self, other: Ledger) -> None:
        for name in ("profit", "revenue", "demand", "served", "presold", "ordered", "leftover", "orders"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def summary(self, seeds: int) -> dict[str, float]:
        return {
            "profit": round(self.profit / max(seeds, 1), 2),
            "leftover_rate": round(self.leftover / self.ordered, 4) if self.ordered else 0.0,
            "fill_rate": round(self.served / self.demand, 4) if self.demand else 1.0,
            "units_bought": round(self.ordered / max(seeds, 1), 1),
            "units_left": round(self.leftover / max(seeds, 1), 1),
        }


@dataclass
class Books:
    """One launch's books as the days go by (see the module doc)."""

    launch: Launch
    presale: PresaleTerms | None
    salvage: F64  # per variant: value of a unit left at the end
    stock: F64 = field(init=False)
    waiting: list[tuple[int, F64]] = field(default_factory=list)  # (day ordered, units still waiting)
    orders: list[Order] = field(default_factory=list)
    served: F64 = field(init=False)
    presold: F64 = field(init=False)
    revenue: float = 0.0
    day: int = 0  # the next day to play

    def __post_init__(self) -> None:
        n = len(self.launch.variants)
        self.stock = np.zeros(n)
        self.served = np.zeros(n)
        self.presold = np.zeros(n)

    @property
    def horizon(self) -> int:
        return int(self.launch.demand.shape[1])

    def place(self, order: Order) -> None:
        if order.qty.sum() > 0:
            self.orders.append(order)

    def on_the_way(self) -> list[Order]:
        """Orders that arrive after today's morning (on a day > ``day``)."""
        return [o for o in self.orders if o.arrive > self.day]

    def morning(self) -> None:
        """Today's arrivals (orders placed before the launch arrive on day 0 at the latest)."""
        for o in self.orders:
            if o.arrive == self.day or (self.day == 0 and o.arrive < 0):
                self.stock += o.qty

    def waiting_units(self) -> F64:
        return sum((q for _, q in self.waiting), np.zeros(len(self.launch.variants)))

    def sell(self, demand: F64, presale_open: bool) -> tuple[F64, F64]:
        """Serve the day's pre-orders and demand (after :meth:`morning`); (sold now, pre-ordered)."""
        self.ship_waiting()
        return self.serve(demand, presale_open)

    def ship_waiting(self) -> None:
        """Ship the pre-orders still waiting, oldest first (the first step of a day)."""
        terms = self.presale
        if terms is None:
            return
        kept = []
        for placed, q in self.waiting:
            if self.day - placed > terms.max_wait_days:
                continue  # past the promised date: refunded
            if self.day > placed:
                q = q * (1.0 - terms.cancel_per_day)
            take = np.minimum(self.stock, q)
            self.stock -= take
            self.served += take
            self.presold += take
            self.revenue += float((self.launch.price * (1.0 - terms.discount) * take).sum())
            kept.append((placed, q - take))
        self.waiting = kept

    def serve(self, demand: F64, presale_open: bool) -> tuple[F64, F64]:
        """The day's demand from stock; what finds none pre-orders (if open) or is lost. Ends the day."""
        take = np.minimum(self.stock, demand)
        self.stock -= take
        self.served += take
        self.revenue += float((self.launch.price * take).sum())
        pre = np.zeros_like(take)
        if self.presale is not None and presale_open:
            pre = (1.0 - self.presale.cancel_share) * (demand - take)
            self.waiting.append((self.day, pre))
        self.day += 1
        return take, pre

    def backorders(self) -> list[tuple[F64, int]]:
        """The pre-orders waiting on the morning of ``day`` as the plan reads them: units that can
        ship today (after today's cancellations) and the last day, counted from today, they may."""
        terms = self.presale
        if terms is None:
            return []
        out = []
        for placed, q in self.waiting:
            last = placed + terms.max_wait_days - self.day
            if last >= 0:
                out.append((q * (1.0 - terms.cancel_per_day) if self.day > placed else q, last))
        return out

    def close(self) -> Ledger:
        """The books at the end: what is left goes to clearance."""
        late = sum((o.qty for o in self.orders if o.arrive >= self.horizon), np.zeros(len(self.salvage)))
        left = self.stock + late
        bought = sum((o.qty for o in self.orders), np.zeros(len(self.salvage)))
        cost = sum(
            float((o.qty * self.launch.unit_cost * o.unit_factor).sum()) + o.fixed for o in self.orders
        )
        salvage = float((self.salvage * left).sum())
        return Ledger(
            profit=self.revenue - cost + salvage,
            revenue=self.revenue,
            demand=float(self.launch.demand.sum()),
            served=float(self.served.sum()),
            presold=float(self.presold.sum()),
            ordered=float(bought.sum()),
            leftover=float(left.sum()),
            orders=len(self.orders),
        )


def play(
    launch: Launch,
    orders: Sequence[Order],
    salvage: F64,
    presale: PresaleTerms | None = None,
    presale_days: Sequence[int] | None = None,
) -> Ledger:
    """The realised books of a fixed list of orders; pre-sale open on ``presale_days`` (default
    every day when ``presale`` is given)."""
    books = Books(launch, presale, salvage)
    for o in orders:
        books.place(o)
    days = set(range(books.horizon)) if presale_days is None else set(presale_days)
    for t in range(books.horizon):
        books.morning()
        books.sell(launch.demand[:, t], presale is not None and t in days)
    return books.close()
