"""Why units of an order are not made: the binding reason, named in Chinese and English.

- capability: no factory makes the category / runs the processes / takes quick-response orders /
  has export experience / is in the belts asked for;
- date: every capable factory's earliest delivery (prep + one day + shipping) is past the last
  acceptable day (due + max_late_days);
- moq: the capable factories that are in time all ask more units than the order has;
- capacity: those left cannot make all units by the last acceptable day with their free capacity, or
  that capacity went to other orders of the same plan.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from kuaifan.match.instance import Instance, capability
from kuaifan.match.plan import MatchPlan
from kuaifan.match.result import Unmatched
from kuaifan.match.vocab import category_name, process_name

_CAPABILITY_TEXT = {
    "category": ("没有工厂做这个品类", "no factory makes this category"),
    "process": ("做这个品类的工厂都缺少所需工艺", "the factories of this category lack a process it needs"),
    "quick_response": (
        "能做的工厂都不接小单快反",
        "the factories that can make it take no quick-response orders",
    ),
    "export": ("能做的工厂都没有外贸经验", "the factories that can make it have no export experience"),
    "belt": ("指定产业带里没有能做的工厂", "no factory in the belts asked for can make it"),
    "excluded": ("能做的工厂都被排除了", "every factory that can make it is excluded"),
}


def unmatched_reasons(inst: Instance, plan: MatchPlan) -> list[Unmatched]:
    out: list[Unmatched] = []
    for i in range(len(inst.orders)):
        left = int(plan.unmet[i])
        if left > 0:
            out.append(diagnose(inst, plan, i, left))
    return out


def _day(inst: Instance, day: int) -> str:
    return (inst.start_date + timedelta(days=day)).isoformat()


def diagnose(inst: Instance, plan: MatchPlan, i: int, left: int) -> Unmatched:
    o = inst.orders[i]
    due, late = int(inst.due[i]), o.max_late_days
    last_day = _day(inst, due + late)
    reasons = [capability(o, f) for f in inst.factories]
    capable = [j for j, r in enumerate(reasons) if r is None]
    if not capable:
        return _capability(inst, i, left, reasons)
    starts = {j: int(inst.release[i]) + inst.factories[j].prep_days for j in capable}
    in_time = [
        j
        for j in capable
        if starts[j] + inst.factories[j].ship_days <= due + late and starts[j] < inst.horizon
    ]
    if not in_time:
        earliest = min(starts[j] + inst.factories[j].ship_days for j in capable)
        return Unmatched(
            order_id=o.id,
            qty=left,
            reason="date",
            zh=f"订单 {o.id}：{len(capable)} 家能做的工厂最早 {_day(inst, earliest)} 才能交货，"
            f"要求 {_day(inst, due)}（最多晚 {late} 天，即 {last_day}）",
            en=f"order {o.id}: the {len(capable)} factories that can make it deliver "
            f"{_day(inst, earliest)} at the earliest; it is due {_day(inst, due)} "
            f"(at most {late} days late: {last_day})",
            details={
                "earliest_date": _day(inst, earliest),
                "due_date": _day(inst, due),
                "last_date": last_day,
                "factories": len(capable),
            },
        )
    small = [j for j in in_time if inst.factories[j].moq_per_style <= int(inst.qty[i])]
    if not small:
        least = min(inst.factories[j].moq_per_style for j in in_time)
        return Unmatched(
            order_id=o.id,
            qty=left,
            reason="moq",
            zh=f"订单 {o.id}：{o.qty} 件低于能按期做的 {len(in_time)} 家工厂的起订量（最低 {least} 件）",
            en=f"order {o.id}: {o.qty} units is below the MOQ of the {len(in_time)} factories "
            f"that could make it in time (the lowest is {least})",
            details={"qty": o.qty, "lowest_moq": least, "factories": len(in_time)},
        )
    pairs = [p for p in inst.pairs_of_order()[i]]
    most = max((inst.pairs[p].max_units for p in pairs), default=0)
    details: dict[str, Any] = {
        "qty": o.qty,
        "unmet": left,
        "last_date": last_day,
        "most_one_factory": most,
        "factories": len(pairs),
    }
    if int(inst.shortfall[i]) > 0 or not pairs:
        can = int(inst.qty[i]) - int(inst.shortfall[i]) if pairs else 0
        details["most_all_factories"] = can
        return Unmatched(
            order_id=o.id,
            qty=left,
            reason="capacity",
            zh=f"订单 {o.id}：到 {last_day} 为止，能做的工厂剩余产能合计最多做 {can} 件"
            f"（单厂最多 {most} 件），订单 {o.qty} 件，差 {left} 件",
            en=f"order {o.id}: by {last_day} the free capacity of the factories that can make it "
            f"covers at most {can} units ({most} at one factory); it has {o.qty}, {left} short",
            details=details,
        )
    factories = {inst.pairs[p].factory for p in pairs}
    rivals = sorted(
        {
            inst.orders[inst.pairs[pl.pair].order].id
            for pl in plan.placements
            if inst.pairs[pl.pair].factory in factories and inst.pairs[pl.pair].order != i
        }
    )
    details["competing_orders"] = rivals[:20]
    shown = "、".join(rivals[:5]) + ("…" if len(rivals) > 5 else "")
    shown_en = ", ".join(rivals[:5]) + ("…" if len(rivals) > 5 else "")
    return Unmatched(
        order_id=o.id,
        qty=left,
        reason="capacity",
        zh=f"订单 {o.id}：能做的 {len(factories)} 家工厂到 {last_day} 的剩余产能已排给其他订单（{shown}），"
        f"还差 {left} 件",
        en=f"order {o.id}: the free capacity of the {len(factories)} factories that can make it "
        f"by {last_day} went to other orders ({shown_en}); {left} units short",
        details=details,
    )


def _capability(inst: Instance, i: int, left: int, reasons: Sequence[str | None]) -> Unmatched:
    o = inst.orders[i]
    order = ("category", "process", "quick_response", "export", "belt", "excluded")
    # the first check that no factory passes is the one that binds
    passing = list(range(len(inst.factories)))
    binding = "category"
    for check in order:
        still = [
            j for j in passing if reasons[j] is None or order.index(str(reasons[j])) > order.index(check)
        ]
        if not still:
            binding = check
            break
        passing = still
    zh, en = _CAPABILITY_TEXT[binding]
    details: dict[str, Any] = {"check": binding, "category": o.category}
    what_zh = category_name(o.category, "zh")
    what_en = category_name(o.category, "en")
    if binding == "process":
        makers = [f for f in inst.factories if o.category in f.categories]
        missing = sorted({p for f in makers for p in o.processes if p not in f.processes})
        details["processes"] = list(o.processes)
        details["missing"] = missing
        what_zh += "（需要 " + "、".join(process_name(p, "zh") for p in o.processes) + "）"
        what_en += " (needs " + ", ".join(process_name(p, "en") for p in o.processes) + ")"
    return Unmatched(
        order_id=o.id,
        qty=left,
        reason="capability",
        zh=f"订单 {o.id}：{zh}：{what_zh}",
        en=f"order {o.id}: {en}: {what_en}",
        details=details,
    )
