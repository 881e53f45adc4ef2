"""Growth use cases: ``channels``, ``uplift``, ``impact`` and ``incrementality``.

``channels`` and ``incrementality`` read the stored events (``kuaifan.app.growth_store``),
``uplift`` and ``impact`` a file. Each takes typed inputs and returns a frozen pydantic model
(``kuaifan.app.growth_models``) whose JSON is what ``kuaifan growth … --json`` prints and what
``/v1/growth/…`` returns. Errors are KuaifanErrors with a zh and an en message.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from kuaifan.app.growth_models import (
    ArmResult,
    BySegments,
    ControlGroup,
    EffectSummary,
    ImpactPoint,
    ImpactReport,
    ImpactRequest,
    SegmentArm,
    SegmentResult,
    UpliftReport,
    UpliftRequest,
)
from kuaifan.app.growth_store import (
    growth_channels,
    growth_incrementality,
    read_growth_events,
    tenant_economics,
)
from kuaifan.errors import InputError
from kuaifan.growth.settings import Economics
from kuaifan.growth.tables import numeric_column, read_table, require_columns, text_column
from kuaifan.report.frames import write_frames
from kuaifan.sim import SimSummary

# ---- uplift -------------------------------------------------------------------------------------

MAX_ARMS = 50  # an experiment has a few arms; more values means a wrong column (an id, a number)
MAX_SEGMENTS = 500


def growth_uplift(path: Path, request: UpliftRequest) -> UpliftReport:
    """Each arm of a randomised experiment in ``path`` against the control (and by segment)."""
    from kuaifan.growth.uplift import uplift

    df = read_table(path)
    require_columns(df, [request.treatment, request.outcome, *([request.by] if request.by else [])], path)
    arms = text_column(df, request.treatment, path)
    if request.control not in set(arms.to_list()):
        values = ", ".join(sorted(set(arms.to_list()))[:20])
        raise InputError(
            f"{path}：列 {request.treatment} 中没有对照组 {request.control!r}（有：{values}）",
            f"{path}: control {request.control!r} is not a value of {request.treatment} (values: {values})",
            path=str(path),
        )
    for column, limit in (
        (request.treatment, MAX_ARMS),
        *([(request.by, MAX_SEGMENTS)] if request.by else []),
    ):
        n = df[column].n_unique()
        if n > limit:
            raise InputError(
                f"{path}：列 {column} 有 {n} 个不同的值（最多 {limit}）：它是分组列吗？",
                f"{path}: column {column} has {n} distinct values (at most {limit}): is it a group column?",
                path=str(path),
                column=column,
            )
    y = numeric_column(df, request.outcome, path).to_numpy()
    by = text_column(df, request.by, path).to_list() if request.by else None
    r = uplift(arms.to_list(), y, request.control, by=by, alpha=request.alpha, correction=request.correction)

    def group(g: Any) -> ControlGroup:
        return ControlGroup(value=g.value, n=g.n, mean=g.mean)

    def arm(a: Any) -> dict[str, Any]:
        return {k: getattr(a, k) for k in ("value", "n", "mean", "effect", "ci_low", "ci_high", "p_value")}

    segments = (
        BySegments(
            column=request.by,
            correction=request.correction,
            segments=[
                SegmentResult(
                    value=s.value,
                    control=group(s.control),
                    arms=[SegmentArm(**arm(a), p_adjusted=a.p_adjusted) for a in s.arms],
                )
                for s in r.segments
            ],
        )
        if request.by
        else None
    )
    return UpliftReport(
        outcome=request.outcome,
        treatment=request.treatment,
        alpha=request.alpha,
        rows=df.height,
        control=group(r.control),
        arms=[ArmResult(**arm(a)) for a in r.arms],
        by=segments,
    )


# ---- impact -------------------------------------------------------------------------------------


def _period(text: str, name: str) -> tuple[str, str]:
    start, sep, end = text.partition(":")
    if not sep or not start.strip() or not end.strip():
        raise InputError(
            f"--{name} 应为 开始:结束（含两端），收到 {text!r}",
            f"--{name}: expected START:END (both included), got {text!r}",
            field=name,
        )
    return start.strip(), end.strip()


def _time_keys(df: pl.DataFrame, column: str, path: Path) -> tuple[list[str], pl.Series]:
    """The time column as text (for output) and as sortable values (dates, numbers or text)."""
    text = text_column(df, column, path)
    for kind in ("date", "datetime", "number"):
        try:
            if kind == "date":
                return text.to_list(), text.str.to_date(strict=True)
            if kind == "datetime":
                return text.to_list(), text.str.to_datetime(strict=True)
            return text.to_list(), text.cast(pl.Float64, strict=True)
        except (pl.exceptions.PolarsError, ValueError):
            continue
    return text.to_list(), text


def growth_impact(path: Path, request: ImpactRequest) -> ImpactReport:
    """The causal impact of an intervention on column ``y`` of ``path`` (see kuaifan.growth.impact)."""
    from kuaifan.growth.impact import causal_impact

    df = read_table(path)
    require_columns(df, [request.y, *request.x, *([request.time] if request.time else [])], path)
    pre, post = _period(request.pre, "pre"), _period(request.post, "post")
    if request.time:
        labels, keys = _time_keys(df, request.time, path)
        order = keys.arg_sort()
        if keys.n_unique() != keys.len():
            raise InputError(
                f"{path}：时间列 {request.time} 有重复值",
                f"{path}: time column {request.time} has repeated values",
            )
        df, labels = df[order], [labels[i] for i in order.to_list()]
        sorted_keys = keys.gather(order)
        bounds: list[int] = []
        for name, value in (("pre", pre[0]), ("pre", pre[1]), ("post", post[0]), ("post", post[1])):
            parsed = _time_keys(pl.DataFrame({"t": [value]}), "t", path)[1]
            if parsed.dtype != sorted_keys.dtype:
                raise InputError(
                    f"--{name}：{value!r} 与时间列的格式不同",
                    f"--{name}: {value!r} is not like the time column's values",
                    field=name,
                )
            bounds.append(
                int(sorted_keys.search_sorted(parsed[0], side="left" if len(bounds) % 2 == 0 else "right"))
            )
        rows = (bounds[0], bounds[1] - 1, bounds[2], bounds[3] - 1)
    else:
        labels = [str(i) for i in range(df.height)]
        try:
            rows = (int(pre[0]), int(pre[1]), int(post[0]), int(post[1]))
        except ValueError:
            raise InputError(
                "没有 --time 时，时期是从 0 开始的行号", "without --time, periods are 0-based row numbers"
            ) from None
    y = numeric_column(df, request.y, path, allow_empty=True).to_numpy()
    x = np.column_stack([numeric_column(df, c, path).to_numpy() for c in request.x]) if request.x else None
    r = causal_impact(
        y,
        x,
        rows[:2],
        rows[2:],
        alpha=request.alpha,
        draws=request.draws,
        season=request.season,
        seed=request.seed,
    )
    c, d = rows[2], rows[3]
    series = [
        ImpactPoint(
            time=labels[c + i],
            actual=float(y[c + i]),
            predicted=float(r.point_predicted[i]),
            predicted_lower=float(r.point_lower[i]),
            predicted_upper=float(r.point_upper[i]),
        )
        for i in range(d - c + 1)
    ]
    model = "local level + static regression on the controls" if request.x else "local level"
    if request.season:
        model += f" + seasonal ({request.season})"
    return ImpactReport(
        y=request.y,
        x=list(request.x),
        pre=(labels[rows[0]], labels[rows[1]]),
        post=(labels[c], labels[d]),
        n_pre=r.n_pre,
        n_post=r.n_post,
        alpha=r.alpha,
        draws=r.draws,
        average=EffectSummary.model_validate(r.average, from_attributes=True),
        cumulative=EffectSummary.model_validate(r.cumulative, from_attributes=True),
        p_value=r.p_value,
        model=model,
        level_sd=r.level_sd,
        obs_sd=r.obs_sd,
        series=series,
    )


__all__ = [
    "Economics",
    "demo_sim_settings",
    "growth_channels",
    "growth_impact",
    "growth_incrementality",
    "growth_uplift",
    "read_growth_events",
    "simulate_growth",
    "tenant_economics",
    "write_frames",
]


def demo_sim_settings(start: datetime | None = None) -> dict[str, Any]:
    """The SimConfig settings a growth world needs: 4 rooms × 30 min a day for 42 days, shelf sales,
    store streams from day 14 on 60 % of the days (what the demo's growth step simulates)."""
    settings: dict[str, Any] = dict(
        rooms=4, minutes=30, viewers=3000, days=42, shelf=True, store_start_day=14, store_stream_share=0.6,
        shelf_orders=100.0,
    )  # fmt: skip
    if start is not None:
        settings["start"] = start
    return settings


def simulate_growth(
    out_dir: Path,
    *,
    seed: int = 0,
    rooms: int = 4,
    minutes: int = 30,
    viewers: int = 3000,
    days: int = 42,
    live_effect: str = "new",
    store_start_day: int = 14,
    store_stream_share: float = 0.6,
    shelf_orders: float = 100.0,
    start: str | None = None,
    tenant: str = "demo",
    overwrite: bool = False,
) -> SimSummary:
    """Several days of a shop: store and influencer rooms, shelf sales (live streams creating new demand
    or moving it from the shelf: ``live_effect``), returning followers and the economics files
    (commission, 千川 ad spend, cost of goods, brands) under ``out_dir/growth``."""
    from kuaifan.app.sim import parse_start
    from kuaifan.sim import simulate
    from kuaifan.sim.config import sim_config

    values: dict[str, Any] = dict(
        seed=seed, rooms=rooms, minutes=minutes, viewers=viewers, days=days, shelf=True,
        live_effect=live_effect,
        store_start_day=store_start_day, store_stream_share=store_stream_share, shelf_orders=shelf_orders,
        tenant=tenant,
    )  # fmt: skip
    if start:
        values["start"] = parse_start(start)
    return simulate(sim_config(**values), out_dir, overwrite=overwrite)
