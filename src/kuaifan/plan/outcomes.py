"""What a plan does in every scenario, per variant: the numbers behind ``expected`` and the per-style
outlook (first batch, left-over and fill with their p10–p90 over the scenarios, levers used).

Both the solved model (policy.describe) and a plan played forward on demand paths
(policy.simulate) fill one :class:`Outcomes`; the money and the rates are computed here once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from kuaifan.plan.model import Band, Expected, StyleOutlook

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
LEVELS = (0.1, 0.5, 0.9)


@dataclass(frozen=True)
class Prices:
    """Per variant (V,): the money of one unit; style_of: the style index of each variant."""

    price: F64
    presale_factor: float
    salvage: F64
    holding: F64
    shortage: F64
    style_of: I64
    styles: list[str]


@dataclass(frozen=True)
class Outcomes:
    """Per variant and scenario (V, K) unless said otherwise."""

    demand: F64  # the horizon's demand plus pre-orders taken before day 0
    served_now: F64  # from stock on the day asked
    served_pre: F64  # after waiting (pre-sale), including pre-orders taken before day 0
    leftover: F64  # in stock at the end
    held: F64  # unit-days in stock
    ordered: F64  # units ordered by the plan (first batch and re-orders)
    first: F64  # (V,) units ordered now
    purchase: F64  # money paid for them
    fixed: F64  # (S, K) fixed order costs per style
    available: F64  # on hand + incoming + ordered

    def profit(self, p: Prices) -> F64:
        """(K,) profit per scenario."""
        revenue = p.price[:, None] * (self.served_now + p.presale_factor * self.served_pre)
        served = self.served_now + self.served_pre
        money = (
            revenue
            - self.purchase
            + p.salvage[:, None] * self.leftover
            - p.holding[:, None] * self.held
            - p.shortage[:, None] * (self.demand - served)
        )
        out: F64 = money.sum(axis=0) - self.fixed.sum(axis=0)
        return out


def expected(o: Outcomes, p: Prices) -> Expected:
    """Sample averages over the scenarios."""
    n_k = int(o.demand.shape[1])

    def mean(a: F64) -> float:
        return float(a.sum()) / n_k

    served = o.served_now + o.served_pre
    demand, served_units, leftover = mean(o.demand), mean(served), mean(o.leftover)
    available = mean(o.available)
    return Expected(
        profit=float(o.profit(p).mean()),
        revenue=mean(p.price[:, None] * (o.served_now + p.presale_factor * o.served_pre)),
        purchase_cost=mean(o.purchase),
        fixed_order_cost=mean(o.fixed),
        salvage=mean(p.salvage[:, None] * o.leftover),
        holding_cost=mean(p.holding[:, None] * o.held),
        shortage_cost=mean(p.shortage[:, None] * (o.demand - served)),
        demand_units=demand,
        served_units=served_units,
        presold_units=mean(o.served_pre),
        ordered_units=mean(o.ordered),
        first_order_units=float(o.first.sum()),
        leftover_units=leftover,
        fill_rate=served_units / demand if demand > 0 else 1.0,
        leftover_rate=leftover / available if available > 0 else 0.0,
    )


def band(values: F64) -> Band:
    lo, mid, hi = (float(x) for x in np.quantile(values, LEVELS))
    return Band(mean=round(float(values.mean()), 4), p10=round(lo, 4), p50=round(mid, 4), p90=round(hi, 4))


def style_outlooks(
    o: Outcomes,
    p: Prices,
    first_by_factory: dict[tuple[int, str], float],
    reorder_factories: dict[int, set[str]],
) -> list[StyleOutlook]:
    """Per style: the first batch, expected re-orders, left-over and fill over the scenarios (mean and
    p10 / p50 / p90) and the levers the plan uses. ``first_by_factory``: (style, factory) → units
    ordered now; ``reorder_factories``: style → factories its re-order rules use."""
    out: list[StyleOutlook] = []
    profit_v = p.price[:, None] * (o.served_now + p.presale_factor * o.served_pre) - o.purchase
    profit_v = profit_v + p.salvage[:, None] * o.leftover - p.holding[:, None] * o.held
    for s, name in enumerate(p.styles):
        rows = p.style_of == s
        demand = o.demand[rows].sum(axis=0)
        served = (o.served_now + o.served_pre)[rows].sum(axis=0)
        left = o.leftover[rows].sum(axis=0)
        avail = o.available[rows].sum(axis=0)
        first = float(o.first[rows].sum())
        reorder = o.ordered[rows].sum(axis=0) - first
        presold = o.served_pre[rows].sum(axis=0)
        factories = {f: q for (si, f), q in first_by_factory.items() if si == s and q > 0}
        levers = []
        if float(presold.mean()) >= 0.5:
            levers.append("presale")
        if float(reorder.mean()) >= 0.5:
            levers.append("reorder")
        used = set(factories) | reorder_factories.get(s, set())
        if len(used) > 1:
            levers.append("two_factories")
        if float((p.salvage[rows, None] * o.leftover[rows]).sum(axis=0).mean()) > 0:
            levers.append("clearance")
        out.append(
            StyleOutlook(
                style=name,
                first_batch=round(first),
                first_batch_by_factory={f: round(q) for f, q in sorted(factories.items())},
                reorder_units=band(reorder),
                demand_units=band(demand),
                presold_units=round(float(presold.mean()), 2),
                leftover_units=band(left),
                leftover_rate=band(np.where(avail > 0, left / np.maximum(avail, 1e-9), 0.0)),
                fill_rate=band(np.where(demand > 0, served / np.maximum(demand, 1e-9), 1.0)),
                profit=band(profit_v[rows].sum(axis=0) - o.fixed[s]),
                factories=sorted(used),
                levers=levers,
            )
        )
    return out
