"""The /v1 HTTP API. Handlers stay thin: read the request, call the service or hub, shape JSON."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Annotated, Any, Final

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.responses import StreamingResponse

from kuaifan.api.deps import StreamTenant, Tenant, get_ctx
from kuaifan.api.errors import PayloadTooLarge
from kuaifan.api.hub import CLOSE, RESYNC, Subscriber, sse_message
from kuaifan.api.intake import RAW_LIMIT, SOURCE, intake, parse_body
from kuaifan.api.responses import JsonResponse
from kuaifan.errors import InputError, NotFoundError
from kuaifan.events import DeadLetter

MAX_BODY: Final = 1 << 20  # 1 MB
POLL_BODY: Final = 64 << 10
HEARTBEAT_S: Final = 15.0
RoomId = Annotated[str, Field(min_length=1, max_length=128)]

router = APIRouter(prefix="/v1", default_response_class=JsonResponse)


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


def _unknown_room(room_id: str) -> NotFoundError:
    return NotFoundError(f"没有这个直播间：{room_id}", f"no such room: {room_id}", room_id=room_id)


@router.get("/health")
async def health() -> dict[str, Any]:
    return {"ok": True}


@router.post("/events")
async def post_events(request: Request, tenant: Tenant) -> dict[str, Any]:
    """A JSON array of canonical events; acknowledged once the valid ones are in the store."""
    ctx = get_ctx(request)
    body = await read_body(request, ctx.max_body)
    try:
        items = parse_body(body)
    except InputError as exc:
        raw = body[:RAW_LIMIT].decode("utf-8", errors="backslashreplace")
        await ctx.service.dead_letter([DeadLetter(SOURCE, exc.en, raw, None, tenant)])
        raise
    checked = intake(items, tenant, ctx.settings.tenants[tenant])
    result = await ctx.service.ingest(tenant, checked)
    return result.to_json()


@router.get("/stats")
async def stats(request: Request, tenant: Tenant) -> Any:
    """The same JSON as ``kuaifan stats --json`` for the caller's tenant."""
    return await asyncio.to_thread(get_ctx(request).store.stats, tenant)


@router.get("/signals")
async def signals(
    request: Request,
    tenant: Tenant,
    room: Annotated[str | None, Query(min_length=1, max_length=128)] = None,
    stream: Annotated[str | None, Query(min_length=1, max_length=128)] = None,
    since: Annotated[str | None, Query(max_length=10, description="first day, China time")] = None,
    until: Annotated[str | None, Query(max_length=10, description="last day, included")] = None,
    days: Annotated[int, Query(ge=0, le=3660, description="without dates: the last N days; 0: all")] = 30,
    top: Annotated[int, Query(ge=1, le=1000)] = 10,
) -> Any:
    """The same JSON as ``kuaifan signals --json`` for the caller's tenant: the 选品 ranking, the
    sold-out variants with demand left over and the size / colour mix of the ranked products."""
    from kuaifan.signals.report import signals_report
    from kuaifan.signals.stored import store_signals

    ctx = get_ctx(request)
    text = ctx.settings.tenants[tenant].text

    def compute() -> dict[str, Any]:
        sig = store_signals(
            ctx.store, tenant, text, room=room, stream=stream, since=since, until=until, days=days
        )
        return signals_report(sig, top=top, names=ctx.store.product_names(tenant))

    return await asyncio.to_thread(compute)


@router.get("/rooms")
async def rooms(request: Request, tenant: Tenant) -> dict[str, Any]:
    return {"tenant": tenant, "rooms": await get_ctx(request).service.rooms(tenant)}


@router.get("/rooms/{room_id}/state")
async def room_state(
    request: Request,
    tenant: Tenant,
    room_id: str,
    stream_id: Annotated[str | None, Query(min_length=1, max_length=128)] = None,
) -> Any:
    ctx = get_ctx(request)
    if not await ctx.service.ensure_room(tenant, room_id, stream_id):
        raise _unknown_room(room_id)
    view = ctx.hub.view(tenant, room_id, stream_id)
    if view is None:
        raise _unknown_room(room_id)
    return view


@router.post("/stream-token")
async def stream_token(request: Request, tenant: Tenant) -> dict[str, Any]:
    """A short-lived token that opens the live streams of the caller's tenant (for EventSource)."""
    token, expires_ms = get_ctx(request).tokens.issue(tenant)
    return {"token": token, "expires_ms": expires_ms}


@router.get("/rooms/{room_id}/live")
async def room_live(request: Request, tenant: StreamTenant, room_id: str) -> StreamingResponse:
    """Server-Sent Events: ``snapshot`` first, then ``metrics`` deltas, ``alert`` and ``poll``."""
    ctx = get_ctx(request)
    if not await ctx.service.ensure_room(tenant, room_id):
        raise _unknown_room(room_id)
    hub = ctx.hub
    sub = hub.subscribe(tenant, room_id)

    def snapshot() -> bytes:
        return sse_message("snapshot", hub.view(tenant, room_id), hub.next_seq())

    first = snapshot()

    async def events(sub: Subscriber) -> AsyncIterator[bytes]:
        try:
            yield b"retry: 2000\n\n" + first
            queue = sub.queue
            while True:
                try:
                    async with asyncio.timeout(HEARTBEAT_S):
                        message = await queue.get()
                except TimeoutError:
                    yield b": ping\n\n"
                    continue
                # Whatever else is already queued goes out in the same write.
                chunk = [message]
                while not queue.empty() and len(chunk) < 64:
                    chunk.append(queue.get_nowait())
                parts: list[bytes] = []
                for m in chunk:
                    if m == CLOSE:
                        if parts:
                            yield b"".join(parts)
                        return
                    if m is RESYNC:
                        sub.resync = False
                        parts = [snapshot()]  # the snapshot holds everything before it
                    else:
                        parts.append(m)
                yield b"".join(parts)
        finally:
            hub.unsubscribe(tenant, room_id, sub)

    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(events(sub), media_type="text/event-stream", headers=headers)


class PollRequest(BaseModel):
    """Open a poll: operator text ("黑色扣1 白色扣2") or link numbers."""

    model_config = ConfigDict(extra="forbid")

    text: str | None = Field(None, min_length=1, max_length=500)
    links: list[Annotated[int, Field(ge=0, le=10_000)]] | None = Field(None, min_length=2, max_length=20)
    question: str | None = Field(None, max_length=500)


@router.post("/rooms/{room_id}/polls", status_code=201)
async def open_poll(request: Request, tenant: Tenant, room_id: str) -> dict[str, Any]:
    ctx = get_ctx(request)
    body = await read_body(request, POLL_BODY)
    try:
        req = PollRequest.model_validate_json(body or b"{}", strict=True)
    except ValidationError as err:
        e = err.errors()[0]
        where = ".".join(str(p) for p in e["loc"]) or "body"
        raise InputError(
            f"投票请求无效：{where}：{e['msg']}", f"invalid poll request: {where}: {e['msg']}"
        ) from None
    if not await ctx.service.ensure_room(tenant, room_id):
        raise _unknown_room(room_id)
    return ctx.hub.open_poll(tenant, room_id, text=req.text, links=req.links, question=req.question)


@router.get("/rooms/{room_id}/polls")
async def list_polls(request: Request, tenant: Tenant, room_id: str) -> dict[str, Any]:
    ctx = get_ctx(request)
    if not await ctx.service.ensure_room(tenant, room_id):
        raise _unknown_room(room_id)
    return ctx.hub.polls(tenant, room_id)


@router.post("/rooms/{room_id}/polls/{poll_id}/close")
async def close_poll(request: Request, tenant: Tenant, room_id: str, poll_id: str) -> dict[str, Any]:
    ctx = get_ctx(request)
    result = ctx.hub.close_poll(tenant, room_id, poll_id)
    await asyncio.to_thread(ctx.polls.record, tenant, result)
    return result
