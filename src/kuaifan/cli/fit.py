"""Faces of review understanding: ``kuaifan fit`` and the demo's fit-feedback step.

``kuaifan fit EXPORT...``: the fit feedback per product of 抖店 商品评价导出 files (a table for people,
``--json`` the ``FitReport`` of ``kuaifan.app.text.fit_from_files``). ``print_fit`` is also what the
``kuaifan signals`` table shows under each product.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from kuaifan.cli.output import out, print_json, settings
from kuaifan.i18n import Lang, both, t


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{x:.0%}"


def print_fit(lang: Lang, fit: Mapping[str, Mapping[str, Any]], console: Console, *, title: str = "") -> None:
    """One table of fit feedback per product (the ``fit`` of ``signals_report`` or ``FitReport``)."""
    if not fit:
        return
    default = t(lang, "尺码与面料反馈（评价 + 评论）", "fit feedback (reviews + comments)")
    table = Table(title=title or default)
    for zh, en in (
        ("商品", "product"), ("评价", "reviews"), ("评分", "rating"), ("尺码反馈", "size feedback"),
        ("偏小", "small"), ("偏大", "large"), ("正好", "true"), ("建议", "advice"), ("面料薄", "thin"),
        ("色差", "colour off"), ("最多的问题", "top complaints"),
    ):  # fmt: skip
        left = en in ("product", "advice", "top complaints")
        table.add_column(t(lang, zh, en), justify="left" if left else "right")
    for item, f in fit.items():
        label = f"{f['name']} {item}" if f.get("name") else item
        advice = f["advice_zh"] if lang == "zh" else f["advice_en"]
        complaints = t(lang, "、", ", ").join(f"{c['complaint']}×{c['texts']}" for c in f["complaints"][:3])
        table.add_row(
            label, str(f["reviews"]), "—" if f["rating"] is None else f"{f['rating']:.1f}",
            str(f["size_feedback"]), _pct(f["small_share"]), _pct(f["large_share"]), _pct(f["true_share"]),
            advice or "—", str(f["thin"]), str(f["color_diff"]), complaints or "—",
        )  # fmt: skip
    console.print(table)


def fit(
    paths: Annotated[
        list[Path], typer.Argument(help=both("商品评价导出文件", "product-review export files"))
    ],
    top: Annotated[int, typer.Option(min=1, max=1000, help=both("列出前 N 个商品", "list the top N"))] = 20,
    as_json: Annotated[bool, typer.Option("--json", help=both("输出 JSON", "print JSON"))] = False,
) -> None:
    """尺码与面料反馈：评价导出 → 偏小/偏大占比、建议、问题 / Fit feedback from review exports."""
    from kuaifan.app.text import fit_from_files

    lang = settings(create=False).lang
    report = fit_from_files(paths, top=top)  # a KuaifanError becomes one zh/en line in kuaifan.cli.main
    if as_json:
        print_json(report)
        return
    console = out
    console.print(
        t(lang, f"{report.files} 个文件，{report.reviews} 条评价，拒收 {report.rejected} 行",
          f"{report.files} files, {report.reviews} reviews, {report.rejected} rows rejected"),
        highlight=False,
    )  # fmt: skip
    print_fit(lang, {p.item: p.model_dump() for p in report.products}, console)


def print_launch_fit(lang: Lang, name: str, fit: Mapping[str, Mapping[str, Any]], console: Console) -> None:
    """The demo's fit step: the launched style's simulated buyer reviews as fit feedback."""
    print_fit(
        lang, fit, console, title=t(lang, f"新款买家评价：{name}", f"buyer reviews of the launch: {name}")
    )
