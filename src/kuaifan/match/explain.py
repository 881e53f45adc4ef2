"""Why each order went where it went: the runner-up, the cost difference, what would make it win.

Alternatives are priced with everything else as planned: each capable factory making the whole order
with the capacity the other orders leave (greedy.fill: as early as the capacity allows). The
runner-up is the cheapest one that can; the difference is its cost minus this order's cost in the
plan. If it would need capacity the plan gave to other orders, that is said too.
"""

from __future__ import annotations

from datetime import date, timedelta

from kuaifan.match.book import FactoryBook
from kuaifan.match.greedy import book_placement, fill
from kuaifan.match.instance import Instance
from kuaifan.match.plan import MatchPlan, Placement, books_of, placement_cost
from kuaifan.match.result import CostOption, Explanation, ToWin

MAX_ALTERNATIVES = 40  # alternatives priced per order, cheapest list price first


def _date(inst: Instance, day: int) -> date:
    return inst.start_date + timedelta(days=day)


def _money(x: float) -> str:
    return f"¥{x:,.0f}"


class Explainer:
    """Holds the plan's books; ``explain(i)`` takes order i out, prices the alternatives, puts it back."""

    def __init__(self, inst: Instance, plan: MatchPlan) -> None:
        self.inst = inst
        self.plan = plan
        self.books = books_of(inst, plan)
        self.pairs_of = inst.pairs_of_order()

    def _option(self, p: int, book: FactoryBook) -> tuple[CostOption, Placement | None]:
        inst = self.inst
        pair = inst.pairs[p]
        f = inst.factories[pair.factory]
        q = int(inst.qty[pair.order])
        by_day = fill(pair, book, float(inst.work[pair.order]), q)
        made = sum(u for _, u in by_day)
        tier = pair.tier_of(q)
        if made < q or q > max(t.hi for t in pair.tiers):
            option = CostOption(
                factory_id=f.id,
                factory_name=f.name,
                belt=f.belt,
                total_cost=None,
                unit_price=round(tier.unit, 2),
                late_units=0,
                makes_units=made,
                blocked_by="capacity",
            )
            return option, None
        pl = Placement(p, q, by_day)
        cost = placement_cost(inst, pl)
        late = sum(u for d, u in by_day if d > pair.deadline)
        option = CostOption(
            factory_id=f.id,
            factory_name=f.name,
            belt=f.belt,
            total_cost=round(cost.total, 2),
            unit_price=round(tier.unit, 2),
            late_units=late,
            makes_units=made,
        )
        return option, pl

    def explain(self, i: int) -> Explanation | None:
        inst = self.inst
        mine = self.plan.of_order(inst, i)
        if not mine:
            return None
        for pl in mine:
            self.books[inst.pairs[pl.pair].factory].remove(pl.pair)
        try:
            return self._explain(i, mine)
        finally:
            for pl in mine:
                book_placement(inst, self.books, pl)

    def _explain(self, i: int, mine: list[Placement]) -> Explanation:
        inst = self.inst
        q = int(inst.qty[i])
        chosen_cost = sum(placement_cost(inst, pl).total for pl in mine)
        chosen_factories = {inst.pairs[pl.pair].factory for pl in mine}
        split = len(mine) > 1
        # alternatives: other factories, and for a split order its own factories making all of it
        candidates = [p for p in self.pairs_of[i] if split or inst.pairs[p].factory not in chosen_factories]
        candidates.sort(key=lambda p: inst.unit_cost(inst.pairs[p], q) * q + inst.pairs[p].setup)
        best: tuple[CostOption, Placement] | None = None
        blocked: CostOption | None = None
        for p in candidates[:MAX_ALTERNATIVES]:
            pair = inst.pairs[p]
            floor = inst.unit_cost(pair, q) * q + pair.setup
            if best is not None and best[0].total_cost is not None and floor >= best[0].total_cost:
                break
            option, pl = self._option(p, self.books[pair.factory])
            if pl is not None and (best is None or (option.total_cost or 0) < (best[0].total_cost or 0)):
                best = (option, pl)
            elif pl is None and blocked is None:
                blocked = option
        main = max(mine, key=lambda pl: pl.qty)
        main_pair = inst.pairs[main.pair]
        f = inst.factories[main_pair.factory]
        why_zh, why_en = self._why(i, mine, best[1] if best else None, split)
        if best is None:
            zh = why_zh + f"；没有别的工厂能按要求做完全部 {q} 件（品类、工艺、接单方式、交期或产能不满足）"
            en = why_en + (
                f"; no other factory can make all {q} units as asked "
                "(category, processes, order type, date or capacity)"
            )
            if blocked is not None:
                zh += f"（最接近的 {blocked.factory_name} 只能做 {blocked.makes_units} 件）"
                en += f" (the closest, {blocked.factory_name}, can make {blocked.makes_units})"
            return Explanation(
                zh=zh,
                en=en,
                chosen_cost=round(chosen_cost, 2),
                runner_up=blocked,
                cost_difference=None,
                to_win=self._capacity_to_win(i, blocked),
            )
        option, alt = best
        diff = (option.total_cost or 0.0) - chosen_cost
        to_win = self._to_win(i, alt, diff, f.name)
        return Explanation(
            zh=why_zh,
            en=why_en,
            chosen_cost=round(chosen_cost, 2),
            runner_up=option,
            cost_difference=round(diff, 2),
            to_win=to_win,
        )

    def _why(self, i: int, mine: list[Placement], alt: Placement | None, split: bool) -> tuple[str, str]:
        inst = self.inst
        q = int(inst.qty[i])
        if split:
            names = "、".join(
                f"{inst.factories[inst.pairs[pl.pair].factory].name} {pl.qty} 件" for pl in mine
            )
            names_en = ", ".join(
                f"{inst.factories[inst.pairs[pl.pair].factory].name} {pl.qty}" for pl in mine
            )
            if alt is None:
                return (
                    f"拆单：{names}——没有一家能按期做完 {q} 件",
                    f"split: {names_en} — no single factory can make all {q} units in time",
                )
            rival = inst.factories[inst.pairs[alt.pair].factory].name
            return (
                f"拆单：{names}——比整单交给 {rival} 更省",
                f"split: {names_en} — cheaper than all of it at {rival}",
            )
        pl = mine[0]
        pair = inst.pairs[pl.pair]
        f = inst.factories[pair.factory]
        mine_cost = placement_cost(inst, pl)
        tier = pair.tier_of(pl.qty)
        parts_zh = [f"{f.name}（{f.belt}）报价 ¥{tier.unit:.2f}/件（≥{tier.lo} 件档）"]
        parts_en = [f"{f.name} ({f.belt}) quotes ¥{tier.unit:.2f}/unit (tier from {tier.lo})"]
        late = sum(u for d, u in pl.by_day if d > pair.deadline)
        parts_zh.append("按期交货" if late == 0 else f"{late} 件晚交（延期成本 {_money(mine_cost.late)}）")
        parts_en.append(
            "on time" if late == 0 else f"{late} units late (lateness cost {_money(mine_cost.late)})"
        )
        if alt is not None:
            other = inst.pairs[alt.pair]
            g = inst.factories[other.factory]
            alt_cost = placement_cost(inst, alt)
            diffs = [
                ("报价", "price", alt_cost.purchase - mine_cost.purchase),
                ("开版费", "setup", alt_cost.setup - mine_cost.setup),
                ("质量与交期风险", "quality and delivery risk", alt_cost.risk - mine_cost.risk),
                ("延期", "lateness", alt_cost.late - mine_cost.late),
            ]
            main = [d for d in sorted(diffs, key=lambda d: -abs(d[2])) if abs(d[2]) >= 0.5][:2]
            for zh, en, d in main:
                word_zh, word_en = ("省", "saves") if d > 0 else ("多", "costs")
                parts_zh.append(f"{zh}比 {g.name} {word_zh} {_money(abs(d))}")
                parts_en.append(f"{en} {word_en} {_money(abs(d))} against {g.name}")
        return "；".join(parts_zh), "; ".join(parts_en)

    def _to_win(self, i: int, alt: Placement, diff: float, chosen_name: str) -> ToWin:
        inst = self.inst
        q = int(inst.qty[i])
        pair = inst.pairs[alt.pair]
        g = inst.factories[pair.factory]
        cost = placement_cost(inst, alt)
        cut = max(0.0, diff) / q
        share = cut / pair.tier_of(q).unit if pair.tier_of(q).unit > 0 else 0.0
        zh = f"{g.name} 报价每件降 ¥{cut:.2f}（{share:.1%}）即可胜过 {chosen_name}"
        en = f"{g.name} wins over {chosen_name} if its quote drops by ¥{cut:.2f} a unit ({share:.1%})"
        late_units = sum(u for d, u in alt.by_day if d > pair.deadline)
        extra, by = None, None
        if late_units > 0 and cost.late >= diff:
            extra, by = late_units, _date(inst, pair.deadline)
            zh += (
                f"；或在 {by.isoformat()} 前多出 {late_units} 件产能"
                f"（按期交货，省下延期成本 {_money(cost.late)}）"
            )
            en += (
                f"; or {late_units} more units of capacity by {by.isoformat()} "
                f"(on time, saving {_money(cost.late)} of lateness)"
            )
        if diff <= 0.5:
            zh = f"{g.name} 的成本与当前方案几乎相同（差 {_money(diff)}）：" + zh
            en = f"{g.name} costs about the same as the plan (difference {_money(diff)}): " + en
        return ToWin(
            zh=zh,
            en=en,
            price_cut_per_unit=round(cut, 2),
            price_cut_share=round(share, 4),
            extra_capacity_units=extra,
            by_date=by,
        )

    def _capacity_to_win(self, i: int, blocked: CostOption | None) -> ToWin | None:
        if blocked is None:
            return None
        inst = self.inst
        q = int(inst.qty[i])
        short = q - blocked.makes_units
        p = next(
            p for p in self.pairs_of[i] if inst.factories[inst.pairs[p].factory].id == blocked.factory_id
        )
        pair = inst.pairs[p]
        last = _date(inst, int(pair.days[-1]))
        return ToWin(
            zh=f"{blocked.factory_name} 要在 {last.isoformat()} 前多出 {short} 件产能才能接下整单",
            en=f"{blocked.factory_name} would need {short} more units of capacity by {last.isoformat()} "
            "to take all of it",
            extra_capacity_units=short,
            by_date=last,
        )
