"""``kuaifan match``: orders to the factories of the belts, the factory's view, sharing demand.

    kuaifan match --orders FILE --factories FILE [--json] [--po-dir DIR]   # which factory makes each order
    kuaifan match --orders FILE --after ROUND1.json ...                    # a re-order round on the new load
    kuaifan match --for-factory ID [--orders DEMAND ...]                   # shared demand that fits a factory
    kuaifan match --orders FILE --share-with belt:杭州女装 [--show-brand]    # share open demand

Faces hold no logic: each mode calls one use case of :mod:`kuaifan.app.match`.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from kuaifan.app import match as uc
from kuaifan.app.match import FactoryView, MatchResult, MatchSettings, category_name
from kuaifan.cli.output import console as new_console
from kuaifan.errors import InputError, KuaifanError
from kuaifan.i18n import Lang, t


class UnmatchedOrders(InputError):
    """Some units no factory can make: raised after the plan is printed (exit 65, EX_DATAERR)."""

    code = "unmatched_orders"


def _lang() -> Lang:
    return "en" if os.environ.get("KUAIFAN_LANG") == "en" else "zh"


def _home() -> Path:
    from kuaifan.cli.output import settings as load_settings

    return load_settings(create=False).home


def _tenant(given: str | None) -> str | None:
    if given:
        return given
    from kuaifan.cli.output import settings as load_settings

    settings = load_settings(create=False)
    return settings.default_tenant() if settings.tenants else None


def match(
    orders: list[Path] = typer.Option(
        [],
        "--orders",
        "-o",
        help="orders: JSON, CSV / Excel, or `kuaifan plan --json`; for --for-factory: shared demand files",
    ),
    factories: str | None = typer.Option(
        None,
        "--factories",
        "-f",
        help=f"factories: JSON, CSV / Excel, or {uc.BUILTIN}; default $KUAIFAN_HOME/match/factories.json",
    ),
    for_factory: str | None = typer.Option(
        None, "--for-factory", help="the factory's view: shared demand that fits it"
    ),
    after: list[Path] = typer.Option(
        [],
        "--after",
        help="a re-order round: earlier `kuaifan match --json` outputs whose bookings load the factories",
    ),
    share_with: list[str] = typer.Option(
        [],
        "--share-with",
        help="share the orders as open demand: '*', a factory id, belt:<产业带> or account:<tenant>",
    ),
    show_brand: bool = typer.Option(
        False, "--show-brand", help="with --share-with: show the brand's name, else an alias"
    ),
    unshare: bool = typer.Option(False, "--unshare", help="withdraw the tenant's shared demand"),
    tenant: str | None = typer.Option(
        None, "--tenant", help="the brand placing the orders (default: kuaifan.toml's)"
    ),
    category: str | None = typer.Option(
        None, "--category", help="category of a plan's styles when the product name does not tell"
    ),
    po_dir: Path | None = typer.Option(
        None, "--po-dir", help="write one purchase order (xlsx + csv) per matched factory here"
    ),
    time_limit: float = typer.Option(15.0, "--time-limit", help="solver time limit (s)"),
    max_split: int = typer.Option(3, "--max-split", help="most factories one order is split over"),
    explain: int = typer.Option(10, "--explain", help="explanations printed (all are in --json)"),
    json_out: bool = typer.Option(False, "--json", help="print the result as JSON only"),
) -> None:
    """产业带工厂匹配 / match orders to the factories of the industrial belts."""
    lang = _lang()
    settings = MatchSettings(time_limit_s=time_limit, max_factories_per_order=max_split)
    try:
        if for_factory is not None:
            view = uc.factory_view_of(for_factory, factories, home=_home(), demand=orders, settings=settings)
            _emit(view, json_out, lambda: render_view(view, lang, new_console()))
            return
        if len(orders) != 1:
            raise InputError("请用 --orders 给出一个订单文件", "give one orders file with --orders")
        if share_with or unshare:
            demand = uc.load_orders(orders[0], tenant, category)
            who = tenant or demand.tenant or _tenant(None)
            if who is None:
                raise InputError(
                    "共享需求要有租户：--tenant 或 kuaifan init",
                    "sharing needs a tenant: --tenant or kuaifan init",
                )
            shared = uc.share_demand(
                demand,
                home=_home(),
                tenant=who,
                share_with=[] if unshare else share_with,
                show_brand=show_brand,
            )
            _emit(shared, json_out, lambda: new_console().print(_shared_line(shared, lang), highlight=False))
            return
        home = _home()
        if after:
            result, written = uc.rematch_files(
                after,
                orders[0],
                factories,
                home=home,
                tenant=_tenant(tenant),
                settings=settings,
                po_dir=po_dir,
                category=category,
            )
        else:
            result, written = uc.match_files(
                orders[0],
                factories,
                home=home,
                tenant=_tenant(tenant),
                settings=settings,
                po_dir=po_dir,
                category=category,
            )
    except KuaifanError as err:
        if json_out:  # the one JSON error shape on stdout; the entry point prints the line and exits
            typer.echo(_json(err.to_json(lang)))
        raise
    _emit(result, json_out, lambda: render(result, lang, new_console(), written, explain))
    for path in written if json_out else []:
        print(path, file=sys.stderr)
    if result.unmatched:
        err_console = new_console(stderr=True)
        for u in result.unmatched[:-1]:
            err_console.print(
                "✗ " + (u.zh if lang == "zh" else u.en), style="red", highlight=False, markup=False
            )
        last = result.unmatched[-1]
        raise UnmatchedOrders(last.zh, last.en, orders=[u.order_id for u in result.unmatched])


def _json(obj: Any) -> str:
    import json

    return json.dumps(obj, ensure_ascii=False, indent=2)


def _emit(model: Any, json_out: bool, human: Any) -> None:
    if json_out:
        typer.echo(model.model_dump_json(indent=2))
    else:
        human()


def _shared_line(shared: uc.SharedDemand, lang: Lang) -> str:
    if not shared.share_with:
        return t(lang, f"已撤回 {shared.tenant} 的共享需求", f"withdrew {shared.tenant}'s shared demand")
    who = "、".join(shared.share_with)
    return t(
        lang,
        f"已共享 {shared.orders} 个订单（{shared.units:,} 件）给 {who}：{shared.path}",
        f"shared {shared.orders} orders ({shared.units:,} units) with {who}: {shared.path}",
    )


def render(
    result: MatchResult, lang: Lang, console: Console, written: list[Path] | None = None, explain: int = 10
) -> None:
    """The plan as rich tables: assignments, totals and the solver, explanations, unmatched units."""
    table = Table(title=t(lang, "订单 → 工厂", "orders → factories"))
    for zh, en, right in (
        ("订单", "order", False),
        ("商品", "product", False),
        ("件数", "qty", True),
        ("工厂 · 产业带", "factory · belt", False),
        ("单价", "unit", True),
        ("交货", "delivery", False),
    ):
        table.add_column(t(lang, zh, en), justify="right" if right else "left")
    for a in result.assignments:
        late = "" if a.on_time else t(lang, f"（晚 {a.late_units} 件）", f" ({a.late_units} late)")
        table.add_row(
            a.order_id,
            a.product_name or a.style,
            f"{a.qty:,}",
            f"{a.factory_name} · {a.belt}",
            f"¥{a.unit_price:.2f}",
            a.delivery_date.strftime("%m-%d") + late,
        )
    console.print(table)
    tot, s = result.totals, result.solver
    console.print(
        t(
            lang,
            f"合计 ¥{tot.total:,.0f}（货款 ¥{tot.purchase:,.0f}，开版 ¥{tot.setup:,.0f}，"
            f"质量与交期风险 ¥{tot.risk:,.0f}，延期 ¥{tot.late:,.0f}）；"
            f"{tot.orders_matched}/{tot.orders} 单全部排上，拆单 {tot.orders_split} 单",
            f"total ¥{tot.total:,.0f} (purchase ¥{tot.purchase:,.0f}, setup ¥{tot.setup:,.0f}, "
            f"risk ¥{tot.risk:,.0f}, lateness ¥{tot.late:,.0f}); "
            f"{tot.orders_matched}/{tot.orders} orders fully placed, {tot.orders_split} split",
        ),
        highlight=False,
    )
    console.print(
        t(
            lang,
            f"求解：{s.time_s:.1f} 秒，与下界差距 {s.gap:.2%}，比逐单贪心便宜 {s.saving_vs_greedy:.2%}",
            f"solver: {s.time_s:.1f} s, gap to the bound {s.gap:.2%}, "
            f"{s.saving_vs_greedy:.2%} cheaper than greedy",
        ),
        highlight=False,
    )
    shown = [o for o in result.orders if o.explanation is not None][:explain]
    for o in shown:
        assert o.explanation is not None
        e = o.explanation
        console.print(
            Text.assemble(
                (o.order_id, "bold"), f" {o.product_name or o.style}: " + (e.zh if lang == "zh" else e.en)
            ),
            highlight=False,
        )
        if e.to_win is not None:
            console.print("   → " + (e.to_win.zh if lang == "zh" else e.to_win.en), highlight=False)
    for path in written or []:
        console.print(t(lang, "采购单 ", "purchase order ") + str(path), highlight=False)


def render_view(view: FactoryView, lang: Lang, console: Console, top: int = 20) -> None:
    f = view.factory
    console.print(
        t(
            lang,
            f"{f.name}（{f.belt}）日产能 {f.capacity_per_day:,.0f}，"
            f"未来 14 天空余 {f.spare_units_14d:,.0f} 件；"
            f"{view.brands_sharing} 个品牌共享了需求",
            f"{f.name} ({f.belt}) makes {f.capacity_per_day:,.0f} a day, "
            f"{f.spare_units_14d:,.0f} units free in the next 14 days; "
            f"{view.brands_sharing} brands share demand with it",
        ),
        highlight=False,
    )
    table = Table(title=t(lang, "适合本厂的共享需求", "shared demand that fits"))
    for zh, en in (
        ("名次", "rank"),
        ("品牌", "brand"),
        ("订单", "order"),
        ("商品", "product"),
        ("可做/需求", "fit/asked"),
        ("报价", "quote"),
        ("毛利", "margin"),
        ("期望毛利", "expected"),
        ("交货", "delivery"),
        ("最佳组合", "best set"),
    ):
        table.add_column(t(lang, zh, en))
    for x in view.items[:top]:
        if x.not_fit is not None:
            continue
        kind = (
            ""
            if x.kind == "order"
            else t(lang, f"（预测翻单 {x.probability:.0%}）", f" (forecast {x.probability:.0%})")
        )
        table.add_row(
            str(x.rank),
            x.brand,
            x.order_id,
            (x.product_name or category_name(x.category, lang)) + kind,
            f"{x.fit_qty:,}/{x.qty:,}",
            f"¥{x.unit_price:.2f}",
            f"¥{x.margin:,.0f}",
            f"¥{x.expected_margin:,.0f}",
            x.delivery_date.isoformat() if x.delivery_date else "-",
            "✓" if x.in_best_set else "",
        )
    console.print(table)
    b = view.best_set
    console.print(
        t(
            lang,
            f"最佳组合：{len(b.orders)} 单 {b.units:,} 件，期望毛利 ¥{b.expected_margin:,.0f}，"
            f"占用空余产能 {b.capacity_share:.0%}",
            f"best set: {len(b.orders)} orders, {b.units:,} units, "
            f"expected margin ¥{b.expected_margin:,.0f}, {b.capacity_share:.0%} of the free capacity",
        ),
        highlight=False,
    )


def demo_step(
    plan: Any,
    out_dir: Path,
    *,
    console: Console | None = None,
    lang: Lang | None = None,
    tenant: str = "demo",
    category: str | None = None,
) -> dict[str, Any]:
    """The demo's "purchase orders to matched factories" step: the plan's orders to place now (a
    ``PlanResult``) matched to the shipped synthetic belts; writes ``match.json`` and one purchase order
    per matched factory to ``out_dir``, prints the assignments and the explanation of one of them.
    Returns the paths and headline numbers."""
    console = console or new_console()
    lang = lang or _lang()
    console.rule(t(lang, "采购单 → 产业带工厂", "purchase orders → factories of the belts"))
    if not plan.orders:
        console.print(t(lang, "计划今天不需要下单", "the plan places no order today"), highlight=False)
        return {"purchase_orders": [], "match_json": None}
    result = uc.match_plan(plan, tenant=tenant, category=category, settings=MatchSettings(time_limit_s=10.0))
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "match.json"
    path.write_text(result.model_dump_json(indent=2), encoding="utf-8")
    written = uc.write_pos(result, out_dir)
    render(result, lang, console, written, explain=1)
    for u in result.unmatched:
        console.print("! " + (u.zh if lang == "zh" else u.en), style="yellow", highlight=False, markup=False)
    explained = next((o for o in result.orders if o.explanation is not None), None)
    return {
        "match_json": str(path),
        "purchase_orders": [str(p) for p in written],
        "factories": sorted({a.factory_id for a in result.assignments}),
        "explained_order": explained.order_id if explained else None,
        "total_cost": result.totals.total,
        "units": result.totals.units_made,
        "unmatched": [u.order_id for u in result.unmatched],
    }
