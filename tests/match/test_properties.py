"""Property tests: whatever the instance, a plan never breaks an MOQ, a tier, a capacity or the split
limit, never costs more than the greedy plan, and its lines add up."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kuaifan.match import FactorySet, MatchSettings, OrderSet, match
from kuaifan.match.book import FactoryBook, Job
from kuaifan.match.engine import split_lines
from kuaifan.match.greedy import greedy_plan
from kuaifan.match.instance import build_instance
from kuaifan.match.orders import SkuLine
from kuaifan.match.plan import books_of, check_plan, plan_cost
from kuaifan.match.solve import solve

from .helpers import factory, order, orders_set

PROPS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def instances(draw: st.DrawFn) -> tuple[OrderSet, FactorySet, MatchSettings]:
    factories: list[dict[str, Any]] = []
    for k in range(draw(st.integers(1, 4))):
        tiers = [{"min_qty": 0, "factor": draw(st.sampled_from([1.0, 1.1, 1.3]))}]
        if draw(st.booleans()):
            tiers.append(
                {"min_qty": draw(st.integers(2, 15)), "factor": draw(st.sampled_from([0.8, 0.9, 1.0]))}
            )
        factories.append(
            factory(
                f"F{k}",
                capacity_per_day=draw(st.integers(1, 12)),
                moq_per_style=draw(st.integers(1, 8)),
                prep_days=draw(st.integers(0, 3)),
                ship_days=draw(st.integers(0, 2)),
                price_tiers=tiers,
                setup_cost=draw(st.sampled_from([0, 5, 40])),
                quality_score=draw(st.sampled_from([0.7, 0.9, 1.0])),
                load_by_day=draw(st.lists(st.integers(0, 12), max_size=6)),
            )
        )
    orders = [
        order(
            f"O{k}",
            draw(st.integers(1, 30)),
            due_day=draw(st.integers(0, 7)),
            max_late_days=draw(st.integers(0, 3)),
            release_day=draw(st.integers(0, 2)),
            work_factor=draw(st.sampled_from([1.0, 1.5, 2.0])),
            unit_cost=draw(st.sampled_from([5.0, 10.0, 30.0])),
        )
        for k in range(draw(st.integers(1, 4)))
    ]
    opts = MatchSettings(max_factories_per_order=draw(st.integers(1, 3)), time_limit_s=5.0)
    return (
        OrderSet.model_validate(orders_set(*orders)),
        FactorySet.model_validate({"factories": factories}),
        opts,
    )


@PROPS
@given(instances())
def test_a_plan_never_breaks_moq_capacity_or_the_split_limit(
    case: tuple[OrderSet, FactorySet, MatchSettings],
) -> None:
    orders, factories, opts = case
    inst = build_instance(orders, factories, opts)
    plan, report = solve(inst)
    assert check_plan(inst, plan) == []
    for pl in plan.placements:  # the rules, checked again without check_plan
        pair = inst.pairs[pl.pair]
        f = inst.factories[pair.factory]
        assert pl.qty >= f.moq_per_style
        assert all(d in pair.days.tolist() for d, _ in pl.by_day)
    for j, book in enumerate(books_of(inst, plan)):
        # every interval [a, b]: the units of the jobs inside it fit the free capacity of its days
        for a in range(book.horizon):
            for b in range(a, book.horizon):
                need = sum(job.units for job in book.jobs if job.start >= a and job.end <= b)
                assert need <= float(inst.free[j][a : b + 1].sum()) + 1e-6
    greedy = greedy_plan(inst)
    assert check_plan(inst, greedy) == []
    assert plan_cost(inst, plan).total <= plan_cost(inst, greedy).total + 1e-6
    assert report.gap >= 0.0


@PROPS
@given(
    st.lists(st.integers(1, 50), min_size=1, max_size=8), st.lists(st.integers(1, 60), min_size=1, max_size=4)
)
def test_split_lines_share_every_line_and_every_part(qtys: list[int], raw_parts: list[int]) -> None:
    lines = [SkuLine(sku=f"S-{k}", color="黑色", size=str(k), qty=q) for k, q in enumerate(qtys)]
    total = sum(qtys)
    cuts = sorted({min(total, max(1, p)) for p in raw_parts})
    parts = [b - a for a, b in zip([0, *cuts], cuts, strict=False) if b > a]
    parts[-1] += total - sum(parts)
    shared = split_lines(lines, parts)
    assert [sum(ln.qty for ln in got) for got in shared] == parts
    for line in lines:
        assert sum(ln.qty for got in shared for ln in got if ln.sku == line.sku) == line.qty
        for got, part in zip(shared, parts, strict=True):  # each factory gets the mix (rounding aside)
            mine = sum(ln.qty for ln in got if ln.sku == line.sku)
            assert abs(mine - line.qty * part / total) <= len(parts)


@PROPS
@given(
    st.lists(st.tuples(st.integers(0, 6), st.integers(0, 6), st.integers(1, 9)), max_size=6),
    st.lists(st.integers(0, 9), min_size=7, max_size=7),
)
def test_book_room_is_what_fits(jobs: list[tuple[int, int, int]], free: list[int]) -> None:
    """A new job of exactly ``room`` units fits; one unit more does not (when the book fits before)."""
    book = FactoryBook(np.array(free, dtype=np.float64))
    for k, (a, b, units) in enumerate(jobs):
        if a <= b:
            book.add(Job(k, a, b, float(units)))
            if not book.fits():
                book.remove(k)
    for start in range(7):
        for end in range(start, 7):
            room = book.room(start, end)
            trial = FactoryBook(book.free.copy(), list(book.jobs))
            trial.add(Job("new", start, end, room))
            assert trial.fits(tolerance=1e-9)
            trial.remove("new")
            trial.add(Job("new", start, end, room + 1.0))
            assert not trial.fits(tolerance=1e-9)


def test_match_reports_what_the_plan_makes() -> None:
    orders = OrderSet.model_validate(orders_set(order("O1", 8, due_day=2), order("O2", 5, due_day=1)))
    factories = FactorySet.model_validate({"factories": [factory("A", capacity_per_day=3), factory("B")]})
    result = match(orders, factories)
    made = {o.order_id: o.made_qty for o in result.orders}
    assert made == {"O1": 8, "O2": 5}
    assert sum(a.qty for a in result.assignments) == result.totals.units_made == 13
    assert result.totals.total == sum(a.total_cost for a in result.assignments)
