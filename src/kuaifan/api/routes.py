"""The /v1 HTTP API. Handlers stay thin: read the request, call a use case of ``kuaifan.app`` (or the
live hub for a room's state), return its model. Every response is declared, so ``/openapi.json``
describes it; every error has the one JSON shape (``kuaifan.api.errors``)."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any, Final, TypeVar

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field, ValidationError
from starlette.responses import StreamingResponse

from kuaifan.api.deps import StreamTenant, Tenant, get_ctx
from kuaifan.api.errors import PayloadTooLarge
from kuaifan.api.responses import JsonResponse
from kuaifan.api.schemas import (
    Health,
    PollResult,
    PollsPage,
    RoomsPage,
    RoomView,
    StreamToken,
)
from kuaifan.app import live as polls
from kuaifan.app.events import StatsReport
from kuaifan.app.forecast import CostsConfig, ForecastOptions, ForecastSummary, forecast_plan_input
from kuaifan.app.live import IngestResult, admit_body, live_stream, room_view
from kuaifan.app.plan import PlanInput, PlanResult, parse_plan_json
from kuaifan.app.plan import plan as solve_plan
from kuaifan.app.signals import SignalsReport
from kuaifan.app.text import TextReport
from kuaifan.errors import InputError

MAX_BODY: Final = 1 << 20  # 1 MB
POLL_BODY: Final = 64 << 10
HEARTBEAT_S: Final = 15.0
RoomId = Annotated[str, Field(min_length=1, max_length=128)]

router = APIRouter(prefix="/v1", default_response_class=JsonResponse)
M = TypeVar("M", bound=BaseModel)


def parse_json_body(model: type[M], body: bytes) -> M:
    """A JSON request body as ``model``; InputError naming the first bad field (zh + en)."""
    try:
        return model.model_validate_json(body or b"{}")
    except ValidationError as err:
        e = err.errors()[0]
        where = ".".join(str(p) for p in e["loc"]) or "body"
        raise InputError(
            f"请求无效：{where}：{e['msg']}", f"invalid request: {where}: {e['msg']}", field=where
        ) from None


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refused with 413 past ``limit`` bytes (declared or streamed)."""
    declared = request.headers.get("content-length")
    if declared is not None:
        try:
            size = int(declared)
        except ValueError:
            raise InputError("Content-Length 无效", "invalid Content-Length header") from None
        if size > limit:
            raise _too_large(limit, size)
    chunks: list[bytes] = []
    total = 0
    async for chunk in request.stream():
        total += len(chunk)
        if total > limit:
            raise _too_large(limit, None)
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large(limit: int, size: int | None) -> PayloadTooLarge:
    mb = limit / (1 << 20)
    return PayloadTooLarge(
        f"请求体超过 {mb:g} MB：请分批发送", f"request body over {mb:g} MB: send smaller batches",
        limit_bytes=limit, content_length=size,
    )  # fmt: skip


@router.get("/health", response_model=Health)
async def health() -> Health:
    return Health(ok=True)


@router.post("/events", response_model=IngestResult)
async def post_events(request: Request, tenant: Tenant) -> IngestResult:
    """A JSON array of canonical events; acknowledged once the valid ones are in the store."""
    ctx = get_ctx(request)
    body = await read_body(request, ctx.max_body)
    admitted = await admit_body(ctx.service, ctx.settings, tenant, body)
    return await ctx.service.ingest(tenant, admitted)


@router.get("/stats", response_model=StatsReport)
async def stats(request: Request, tenant: Tenant) -> StatsReport:
    """The same JSON as ``kuaifan stats --json`` for the caller's tenant."""
    from kuaifan.app.events import stats as count

    return await asyncio.to_thread(count, get_ctx(request).store, tenant)


@router.get("/signals", response_model=SignalsReport)
async def signals(
    request: Request,
    tenant: Tenant,
    room: Annotated[str | None, Query(min_length=1, max_length=128)] = None,
    stream: Annotated[str | None, Query(min_length=1, max_length=128)] = None,
    since: Annotated[str | None, Query(max_length=10, description="first day, China time")] = None,
    until: Annotated[str | None, Query(max_length=10, description="last day, included")] = None,
    days: Annotated[int, Query(ge=0, le=3660, description="without dates: the last N days; 0: all")] = 30,
    top: Annotated[int, Query(ge=1, le=1000)] = 10,
) -> SignalsReport:
    """The same JSON as ``kuaifan signals --json`` for the caller's tenant: the 选品 ranking, the
    sold-out variants with demand left over and the size / colour mix of the ranked products."""
    from kuaifan.app.signals import SignalsQuery
    from kuaifan.app.signals import signals as compute

    ctx = get_ctx(request)
    query = SignalsQuery(
        tenant=tenant, room=room, stream=stream, since=since, until=until, days=days, top=top
    )
    report, _ = await asyncio.to_thread(compute, ctx.settings, ctx.store, query)
    return report


@router.get("/text/report", response_model=TextReport)
async def text_report(
    request: Request,
    tenant: Tenant,
    room: Annotated[str | None, Query(min_length=1, max_length=128)] = None,
    stream: Annotated[str | None, Query(min_length=1, max_length=128)] = None,
) -> TextReport:
    """The same JSON as ``kuaifan text report --json``: what the stored comments asked for."""
    from kuaifan.app.text import text_report as summarise

    ctx = get_ctx(request)
    return await asyncio.to_thread(
        summarise, ctx.settings, ctx.store, tenant=tenant, room=room, stream=stream
    )


@router.get("/rooms", response_model=RoomsPage)
async def rooms(request: Request, tenant: Tenant) -> RoomsPage:
    """The tenant's rooms: live now, or known from the store (broadcasts marked by stream start / end)."""
    return RoomsPage.model_validate({"tenant": tenant, "rooms": await get_ctx(request).service.rooms(tenant)})


@router.get("/rooms/{room_id}/state", response_model=RoomView)
async def room_state(
    request: Request,
    tenant: Tenant,
    room_id: str,
    stream_id: Annotated[str | None, Query(min_length=1, max_length=128)] = None,
) -> Any:
    return await room_view(get_ctx(request).service, tenant, room_id, stream_id)


@router.post("/stream-token", response_model=StreamToken)
async def stream_token(request: Request, tenant: Tenant) -> StreamToken:
    """A short-lived token that opens the live streams of the caller's tenant (for EventSource)."""
    token, expires_ms = get_ctx(request).tokens.issue(tenant)
    return StreamToken(token=token, expires_ms=expires_ms)


@router.get("/rooms/{room_id}/live")
async def room_live(request: Request, tenant: StreamTenant, room_id: str) -> StreamingResponse:
    """Server-Sent Events: ``snapshot`` first, then ``metrics`` deltas, ``alert`` and ``poll``."""
    events = await live_stream(get_ctx(request).service, tenant, room_id, HEARTBEAT_S)
    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(events, media_type="text/event-stream", headers=headers)


@router.post("/rooms/{room_id}/polls", status_code=201, response_model=PollResult)
async def open_poll(request: Request, tenant: Tenant, room_id: str) -> Any:
    """Open a poll (共创投票) in a live room: operator text ("黑色扣1 白色扣2") or link numbers."""
    ctx = get_ctx(request)
    return await polls.open_poll(ctx.service, tenant, room_id, await read_body(request, POLL_BODY))


@router.get("/rooms/{room_id}/polls", response_model=PollsPage)
async def list_polls(request: Request, tenant: Tenant, room_id: str) -> Any:
    return await polls.list_polls(get_ctx(request).service, tenant, room_id)


@router.post("/rooms/{room_id}/polls/{poll_id}/close", response_model=PollResult)
async def close_poll(request: Request, tenant: Tenant, room_id: str, poll_id: str) -> Any:
    return await polls.close_poll(get_ctx(request).service, tenant, room_id, poll_id)


PLAN_BODY: Final = 16 << 20  # a plan input of a shop at real size (500 SKUs × 20 scenarios) fits


class ForecastBody(ForecastOptions):
    """``POST /v1/forecast``: the options of ``kuaifan forecast`` and the costs file's content as JSON."""

    costs: CostsConfig


class ForecastAnswer(BaseModel):
    summary: ForecastSummary
    plan_input: PlanInput  # what POST /v1/plan (or kuaifan plan --input) solves


@router.post("/forecast", response_model=ForecastAnswer)
async def forecast(request: Request, tenant: Tenant) -> ForecastAnswer:
    """The caller's stored demand forecast per variant, as a plan input (nothing is written)."""
    ctx = get_ctx(request)
    body = parse_json_body(ForecastBody, await read_body(request, PLAN_BODY))
    options = ForecastOptions.model_validate({**body.model_dump(exclude={"costs"}), "tenant": tenant})
    done = await asyncio.to_thread(forecast_plan_input, ctx.settings, ctx.store, body.costs, options)
    return ForecastAnswer(summary=done.summary, plan_input=done.plan_input)


@router.post("/plan", response_model=PlanResult)
async def plan(
    request: Request,
    tenant: Tenant,
    time_limit: Annotated[float, Query(gt=0, le=300, description="solver time limit, seconds")] = 60.0,
) -> PlanResult:
    """The first batch and re-order policy of a plan input (the JSON of ``POST /v1/forecast`` or
    ``schemas/plan_input.schema.json``): the same answer as ``kuaifan plan --json``."""
    body = await read_body(request, PLAN_BODY)
    inp = parse_plan_json(body.decode("utf-8", errors="replace"))
    return await asyncio.to_thread(solve_plan, inp, time_limit_s=time_limit)
