"""Growth use cases on the stored events: ``channels`` and ``incrementality``."""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import polars as pl

from kuaifan.app.growth_models import (
    BrandIncrementalityRow,
    ChannelRow,
    ChannelsReport,
    ChannelsRequest,
    CohortRow,
    IncrementalityReport,
    IncrementalityRequest,
    InlineEconomics,
    Note,
    OverlapRow,
    ShareEstimate,
    SkippedBrand,
    TrustRow,
    Verdict,
)
from kuaifan.errors import InputError, NotFoundError
from kuaifan.growth.settings import Economics, GrowthSettings, economics
from kuaifan.signals.frame import DAY_MS, china_day_of, china_day_start_ms, day_date
from kuaifan.store import EventLog as EventStore


def tenant_economics(
    growth: Mapping[str, Any] | GrowthSettings | None,
    where: str = "growth",
    *,
    commission: Path | None = None,
    ad_spend: Path | None = None,
    costs: Path | None = None,
    brands: Path | None = None,
    inline: InlineEconomics | None = None,
) -> Economics:
    """Commission rules, ad spend, costs and brands: the tenant's ``growth`` settings (validated;
    ConfigError naming ``where``), then the files, then data given inline (later ones win)."""
    econ = economics(
        GrowthSettings.of(dict(growth) if isinstance(growth, Mapping) else growth, where),
        commission=commission,
        ad_spend=ad_spend,
        costs=costs,
        brands=brands,
    )
    if inline is None:
        return econ
    return Economics(
        commission=inline.commission + econ.commission,
        commission_rate=econ.commission_rate,
        ad_spend_fen={**econ.ad_spend_fen, **inline.ad_spend_fen},
        unit_cost_fen={**econ.unit_cost_fen, **inline.unit_cost_fen},
        cost_share={**econ.cost_share, **inline.cost_share},
        default_cost_share=econ.default_cost_share,
        brands={**econ.brands, **inline.brands},
    )


# ---- reading the store --------------------------------------------------------------------------


def _day(text: str, field: str) -> int:
    from kuaifan.signals.window import day_start_ms

    return day_start_ms(text, field)


def read_growth_events(
    store: EventStore, tenant: str, since: str | None, until: str | None, days: int
) -> pl.DataFrame:
    """The tenant's orders, refunds, follows, entries and stream bounds in the window (China days)."""
    from kuaifan.growth.orders import GROWTH_KINDS

    start = _day(since, "since") if since else None
    end = _day(until, "until") + DAY_MS if until else None
    if start is None and end is None and days:
        last = store.last_event_ms(tenant)
        if last is not None:
            start = china_day_start_ms(china_day_of(last) - days + 1)
    if start is not None and end is not None and end <= start:
        raise InputError(
            f"until（{until}）早于 since（{since}）",
            f"until ({until}) is before since ({since})",
            field="until",
        )
    events = store.read(tenant, kinds=GROWTH_KINDS, start_ms=start, end_ms=end)
    if events.filter(pl.col("kind") == "order_paid").is_empty():
        raise NotFoundError(
            f"租户 {tenant} 在所选时间内没有订单", f"tenant {tenant} has no orders in the selected time"
        )
    return events


def _date(day: Any) -> str | None:
    return None if day is None else day_date(int(day)).isoformat()


def _fen(v: Any) -> int | None:
    return None if v is None or (isinstance(v, float) and math.isnan(v)) else round(v)


def _channel_rows(df: pl.DataFrame) -> list[ChannelRow]:
    rows = []
    for r in df.iter_rows(named=True):
        rows.append(
            ChannelRow(
                brand=r["brand"],
                channel=r["channel"],
                week=_date(r.get("week")),
                streams=r["streams"],
                hours=round(r["hours"] or 0.0, 3),
                orders=r["orders"],
                buyers=r["buyers"] or 0,
                new_buyers=r["new_buyers"] or 0,
                new_to_brand_share=r["new_to_brand_share"],
                repeat_rate=r["repeat_rate"],
                gmv_fen=r["gmv_fen"],
                refund_fen=r["refund_fen"],
                refund_rate=r["refund_rate"],
                commission_fen=_fen(r["commission_fen"]) or 0,
                ad_spend_fen=_fen(r["ad_spend_fen"]) or 0,
                cogs_fen=_fen(r["cogs_fen"]) or 0,
                margin_fen=_fen(r["margin_fen"]) or 0,
                margin_rate=r["margin_rate"],
                margin_per_hour_fen=_fen(r["margin_per_hour_fen"]),
                cost_per_new_buyer_fen=_fen(r["cost_per_new_buyer_fen"]),
                cost_known=not r["cost_missing"],
                commission_known=not r["rate_missing"],
            )
        )
    return rows


def growth_channels(
    store: EventStore, tenant: str, request: ChannelsRequest, econ: Economics
) -> ChannelsReport:
    """Store vs influencer (vs shelf) per brand and week, new-to-brand buyers, repeat cohorts,
    buyer overlap and room trust of the tenant's stored events."""
    from kuaifan.growth.channels import channel_report

    events = read_growth_events(store, tenant, request.since, request.until, request.days)
    rep = channel_report(events, econ, tenant, warmup_days=request.warmup_days)

    def keep(df: pl.DataFrame) -> pl.DataFrame:
        return df.filter(pl.col("brand") == request.brand) if request.brand else df

    brands = sorted(rep.channels["brand"].unique().to_list())
    if request.brand and request.brand not in brands:
        raise NotFoundError(
            f"没有品牌 {request.brand!r}（有：{', '.join(brands)}）",
            f"no brand {request.brand!r} (brands: {', '.join(brands)})",
        )
    notes = []
    if rep.channels["cost_missing"].any():
        notes.append(
            Note(
                code="cost_unknown",
                zh="部分商品没有成本：请用 --costs 或 growth.cost_share；毛利未计这些商品的成本",
                en="cost of goods unknown for some products: give --costs or growth.cost_share; "
                "margins leave them out",
            )
        )
    if rep.channels["rate_missing"].any():
        notes.append(
            Note(
                code="commission_unknown",
                zh="部分达播订单没有佣金率：请用 --commission 或 growth.commission_rate",
                en="commission rate unknown for some influencer orders: "
                "give --commission or growth.commission_rate",
            )
        )
    if request.warmup_days == 0:
        notes.append(
            Note(
                code="no_warmup",
                zh="新客按所选时间内的首单计算；用 --warmup-days 排除最初几天（之前的老客会被误算为新客）",
                en="new-to-brand counts every buyer's first order in the selected time; "
                "use --warmup-days to leave the first days out",
            )
        )
    trust = (
        rep.trust
        if not request.brand or rep.trust.is_empty()
        else rep.trust.filter(pl.col("brands").str.contains(request.brand, literal=True))
    )
    return ChannelsReport(
        tenant=tenant,
        first_day=_date(rep.first_day),
        last_day=_date(rep.last_day),
        brands=[request.brand] if request.brand else brands,
        channels=_channel_rows(keep(rep.channels)),
        weekly=_channel_rows(keep(rep.weekly)),
        cohorts=[
            CohortRow(**{k: v for k, v in r.items() if k != "cohort_day"}, cohort_week=_date(r["cohort_day"]))
            for r in keep(rep.cohorts).iter_rows(named=True)
        ],
        overlap=[
            OverlapRow(**{k: v for k, v in r.items() if k in OverlapRow.model_fields})
            for r in keep(rep.overlap).iter_rows(named=True)
        ],
        trust=[TrustRow(**{**r, "week": _date(r["week"])}) for r in trust.iter_rows(named=True)]
        if not trust.is_empty()
        else [],
        notes=notes,
    )


# ---- incrementality -----------------------------------------------------------------------------


def _share(e: Any) -> ShareEstimate | None:
    return None if e is None else ShareEstimate(new_share=e.new_share, lower=e.lower, upper=e.upper, se=e.se)


def _verdict(e: ShareEstimate | None) -> Verdict:
    if e is None:
        return "unclear"
    if e.lower > 0.5:  # mostly new, and certainly not all moved
        return "new" if e.upper >= 1.0 or e.lower > 0.8 else "mixed"
    if e.upper < 0.5:
        return "moved" if e.lower <= 0.0 or e.upper < 0.2 else "mixed"
    return "mixed" if e.lower > 0.0 and e.upper < 1.0 else "unclear"


def growth_incrementality(
    store: EventStore, tenant: str, request: IncrementalityRequest, econ: Economics
) -> IncrementalityReport:
    """Per brand with store streams: the share of their GMV that is new demand, with an interval."""
    from kuaifan.growth.incrementality import brand_incrementality, daily_panel
    from kuaifan.growth.orders import paid_orders

    events = read_growth_events(store, tenant, None, None, 0)
    panel = daily_panel(paid_orders(events, econ.brands, tenant))
    brands = sorted(panel["brand"].unique().to_list())
    if request.brand:
        if request.brand not in brands:
            raise NotFoundError(
                f"没有品牌 {request.brand!r}（有：{', '.join(brands)}）",
                f"no brand {request.brand!r} (brands: {', '.join(brands)})",
            )
        brands = [request.brand]
    start = china_day_of(_day(request.start, "start")) if request.start else None
    rows: list[BrandIncrementalityRow] = []
    skipped: list[SkippedBrand] = []
    for brand in brands:
        r = brand_incrementality(
            panel, brand, start_day=start, alpha=request.alpha, draws=request.draws, seed=request.seed
        )
        if r is None:
            skipped.append(
                SkippedBrand(brand=brand, reason="no_store_streams", zh="没有店播", en="no store streams")
            )
            continue
        if r.combined is None:
            skipped.append(
                SkippedBrand(
                    brand=brand,
                    reason="too_few_days",
                    zh=f"天数太少：开播前 {r.pre_days} 天，开播后 {r.post_days} 天",
                    en=f"too few days: {r.pre_days} before the start, {r.post_days} from it",
                )
            )
            continue
        combined = _share(r.combined)
        rows.append(
            BrandIncrementalityRow(
                brand=brand,
                start=day_date(r.start_day).isoformat(),
                first_day=day_date(r.first_day).isoformat(),
                last_day=day_date(r.last_day).isoformat(),
                pre_days=r.pre_days,
                post_days=r.post_days,
                on_days=r.on_days,
                off_days=r.off_days,
                store_gmv_fen=r.store_gmv_fen,
                shelf_effect_fen=_fen(r.shelf_effect_fen),
                shelf_effect_lower_fen=_fen(r.shelf_effect_lower_fen),
                shelf_effect_upper_fen=_fen(r.shelf_effect_upper_fen),
                controls=list(r.controls),
                around_start=_share(r.around_start),
                on_off_days=_share(r.on_off_days),
                combined=combined,
                verdict=_verdict(combined),
            )
        )
    return IncrementalityReport(tenant=tenant, alpha=request.alpha, brands=rows, skipped=skipped)
