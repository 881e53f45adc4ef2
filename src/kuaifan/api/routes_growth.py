"""/v1/growth: the growth use cases over HTTP. Thin: parse, call ``kuaifan.app.growth``, return its model.

- ``GET /v1/growth/channels`` and ``GET /v1/growth/incrementality`` read the caller's stored events,
  with the commission, cost and brand settings of the tenant (``[tenants.NAME.growth]``);
  ``POST`` to the same paths takes the same options plus inline economics (commission rules, ad
  spend per stream, unit costs, brands) as JSON, for data that lives in files on the caller's side.
- ``POST /v1/growth/uplift`` and ``POST /v1/growth/impact`` take the analysis table as the request
  body (CSV, UTF-8 or GBK) and the options as query parameters, like the CLI's.
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Final

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field, ValidationError

from kuaifan.api.deps import Tenant, get_ctx
from kuaifan.api.errors import PayloadTooLarge
from kuaifan.api.responses import JsonResponse
from kuaifan.app.growth_models import (
    ChannelsReport,
    ChannelsRequest,
    Correction,
    ImpactReport,
    ImpactRequest,
    IncrementalityReport,
    IncrementalityRequest,
    InlineEconomics,
    UpliftReport,
    UpliftRequest,
)
from kuaifan.errors import InputError, first_problem

if TYPE_CHECKING:
    from kuaifan.app.growth import Economics

MAX_TABLE: Final = 32 << 20  # 32 MB of CSV
router = APIRouter(prefix="/v1/growth", default_response_class=JsonResponse)


class ChannelsBody(ChannelsRequest):
    economics: InlineEconomics = Field(default_factory=InlineEconomics)


class IncrementalityBody(IncrementalityRequest):
    economics: InlineEconomics = Field(default_factory=InlineEconomics)


def _economics(request: Request, tenant: str, inline: InlineEconomics | None = None) -> Economics:
    from kuaifan.app.growth import tenant_economics

    cfg = get_ctx(request).settings.tenants[tenant]
    return tenant_economics(cfg.growth, f"tenants.{tenant}.growth", inline=inline)


def _model(model: type[BaseModel], **values: Any) -> Any:
    try:
        return model(**values)
    except ValidationError as exc:
        name, msg = first_problem(exc)
        raise InputError(f"参数 {name} 无效：{msg}", f"bad parameter {name}: {msg}", field=name) from None


async def _channels(request: Request, tenant: str, req: ChannelsRequest, econ: Economics) -> ChannelsReport:
    from kuaifan.app.growth import growth_channels

    return await asyncio.to_thread(growth_channels, get_ctx(request).store, tenant, req, econ)


@router.get("/channels", response_model=ChannelsReport)
async def channels(
    request: Request,
    tenant: Tenant,
    since: Annotated[str | None, Query(max_length=10)] = None,
    until: Annotated[str | None, Query(max_length=10)] = None,
    days: Annotated[int, Query(ge=0, le=3660)] = 0,
    brand: Annotated[str | None, Query(max_length=128)] = None,
    warmup_days: Annotated[int, Query(ge=0, le=365)] = 0,
) -> ChannelsReport:
    """The JSON of ``kuaifan growth channels --json`` for the caller's tenant."""
    req = _model(ChannelsRequest, since=since, until=until, days=days, brand=brand, warmup_days=warmup_days)
    return await _channels(request, tenant, req, _economics(request, tenant))


@router.post("/channels", response_model=ChannelsReport)
async def channels_with_economics(request: Request, tenant: Tenant, body: ChannelsBody) -> ChannelsReport:
    req = ChannelsRequest(**body.model_dump(exclude={"economics"}))
    return await _channels(request, tenant, req, _economics(request, tenant, body.economics))


async def _incrementality(
    request: Request, tenant: str, req: IncrementalityRequest, econ: Economics
) -> IncrementalityReport:
    from kuaifan.app.growth import growth_incrementality

    return await asyncio.to_thread(growth_incrementality, get_ctx(request).store, tenant, req, econ)


@router.get("/incrementality", response_model=IncrementalityReport)
async def incrementality(
    request: Request,
    tenant: Tenant,
    brand: Annotated[str | None, Query(max_length=128)] = None,
    start: Annotated[str | None, Query(max_length=10)] = None,
    alpha: Annotated[float, Query(gt=0.0, lt=0.5)] = 0.05,
) -> IncrementalityReport:
    """The JSON of ``kuaifan growth incrementality --json`` for the caller's tenant."""
    req = _model(IncrementalityRequest, brand=brand, start=start, alpha=alpha)
    return await _incrementality(request, tenant, req, _economics(request, tenant))


@router.post("/incrementality", response_model=IncrementalityReport)
async def incrementality_with_economics(
    request: Request, tenant: Tenant, body: IncrementalityBody
) -> IncrementalityReport:
    req = IncrementalityRequest(**body.model_dump(exclude={"economics"}))
    return await _incrementality(request, tenant, req, _economics(request, tenant, body.economics))


async def _table(request: Request) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_TABLE:
        raise PayloadTooLarge("表格超过 32 MB", "table over 32 MB", limit_bytes=MAX_TABLE)
    chunks, total = [], 0
    async for chunk in request.stream():
        total += len(chunk)
        if total > MAX_TABLE:
            raise PayloadTooLarge("表格超过 32 MB", "table over 32 MB", limit_bytes=MAX_TABLE)
        chunks.append(chunk)
    if not total:
        raise InputError("请求体为空：请发送 CSV 表格", "empty body: send the table as CSV")
    return b"".join(chunks)


def _with_csv(data: bytes, run: Any) -> Any:
    """Run ``run(path)`` on the body saved as a temporary CSV file (deleted afterwards)."""
    with tempfile.TemporaryDirectory(prefix="kuaifan-growth-") as tmp:
        path = Path(tmp) / "table.csv"
        path.write_bytes(data)
        try:
            return run(path)
        except InputError as exc:  # name the upload, not the temporary file
            raise InputError(
                exc.zh.replace(str(path), "CSV"), exc.en.replace(str(path), "CSV"), **exc.details
            ) from None


@router.post("/uplift", response_model=UpliftReport)
async def uplift(
    request: Request,
    tenant: Tenant,
    treatment: Annotated[str, Query(min_length=1, max_length=200)],
    control: Annotated[str, Query(min_length=1, max_length=200)],
    outcome: Annotated[str, Query(min_length=1, max_length=200)],
    by: Annotated[str | None, Query(max_length=200)] = None,
    alpha: Annotated[float, Query(gt=0.0, lt=0.5)] = 0.05,
    correction: Correction = "holm",
) -> UpliftReport:
    """The JSON of ``kuaifan growth uplift FILE --json``; the body is the experiment table (CSV)."""
    from kuaifan.app.growth import growth_uplift

    req = _model(
        UpliftRequest,
        treatment=treatment,
        control=control,
        outcome=outcome,
        by=by,
        alpha=alpha,
        correction=correction,
    )
    data = await _table(request)
    report: UpliftReport = await asyncio.to_thread(_with_csv, data, lambda p: growth_uplift(p, req))
    return report


@router.post("/impact", response_model=ImpactReport)
async def impact(
    request: Request,
    tenant: Tenant,
    y: Annotated[str, Query(min_length=1, max_length=200)],
    pre: Annotated[str, Query(max_length=100)],
    post: Annotated[str, Query(max_length=100)],
    x: Annotated[list[str] | None, Query()] = None,
    time: Annotated[str | None, Query(max_length=200)] = None,
    season: Annotated[int | None, Query(ge=2, le=366)] = None,
    alpha: Annotated[float, Query(gt=0.0, lt=0.5)] = 0.05,
    draws: Annotated[int, Query(ge=100, le=20_000)] = 1000,
    seed: Annotated[int, Query(ge=0)] = 0,
) -> ImpactReport:
    """The JSON of ``kuaifan growth impact FILE --json``; the body is the time-series table (CSV)."""
    from kuaifan.app.growth import growth_impact

    req = _model(
        ImpactRequest,
        y=y,
        x=tuple(x or ()),
        time=time,
        pre=pre,
        post=post,
        season=season,
        alpha=alpha,
        draws=draws,
        seed=seed,
    )
    data = await _table(request)
    report: ImpactReport = await asyncio.to_thread(_with_csv, data, lambda p: growth_impact(p, req))
    return report
