"""The local link: ``/v1/local/store/…``, the server's store for commands on the same machine.

Only a ``kuaifan serve`` started from the command line has it (its run file holds the secret); the
caller must connect from loopback and send the secret in ``X-Kuaifan-Link``. It is the store's own
interface over HTTP (frames as Arrow IPC), for ``kuaifan.store.remote``; not a public API, so it is
left out of ``/openapi.json`` (``docs/store.md`` describes it).
"""

from __future__ import annotations

import asyncio
import hmac
import os
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import Response, StreamingResponse

from kuaifan.api.deps import get_ctx
from kuaifan.app import store_link as link
from kuaifan.errors import AuthError, NotFoundError

ARROW = "application/vnd.apache.arrow.stream"
LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})


async def require_link(
    request: Request, x_kuaifan_link: Annotated[str | None, Header(alias="X-Kuaifan-Link")] = None
) -> None:
    secret = get_ctx(request).link_secret
    if secret is None:
        path = request.url.path
        raise NotFoundError(f"没有这个地址：{path}", f"no such resource: {path}", path=path)
    host = request.client.host if request.client is not None else ""
    if host not in LOOPBACK or not x_kuaifan_link or not hmac.compare_digest(x_kuaifan_link, secret):
        raise AuthError(
            "本地链路只接受本机上持有运行文件密钥的调用",
            "the local link takes calls from this machine with the run file's secret only",
        )


router = APIRouter(prefix="/v1/local/store", include_in_schema=False, dependencies=[Depends(require_link)])


@router.get("/ping")
async def ping() -> dict[str, Any]:
    """What a command checks before it uses the link (``kuaifan.app.runfile.running_server``)."""
    return {"ok": True, "pid": os.getpid()}


@router.post("/append")
async def append(request: Request) -> Response:
    ctx = get_ctx(request)
    return Response(await link.append(ctx.service, await request.body()), media_type=ARROW)


@router.post("/dead-letters")
async def add_dead_letters(request: Request) -> dict[str, int]:
    ctx = get_ctx(request)
    return {"added": await link.add_dead_letters(ctx.service, await request.body())}


@router.post("/scan")
async def scan(request: Request) -> StreamingResponse:
    ctx = get_ctx(request)
    return StreamingResponse(link.scan(ctx.store, await request.body()), media_type=ARROW)


@router.get("/stats")
async def stats(request: Request, tenant: str | None = None) -> dict[str, Any]:
    got = await asyncio.to_thread(link.stats, get_ctx(request).store, tenant)
    return dict(got)


@router.get("/last-event")
async def last_event(request: Request, tenant: Annotated[str, Query(min_length=1)]) -> dict[str, Any]:
    return {"ts_ms": await asyncio.to_thread(link.last_event_ms, get_ctx(request).store, tenant)}


@router.get("/dead-letters")
async def dead_letters(
    request: Request, tenant: str | None = None, limit: Annotated[int, Query(ge=0)] = 1000
) -> Response:
    data = await asyncio.to_thread(link.dead_letters, get_ctx(request).store, tenant, limit)
    return Response(data, media_type=ARROW)


@router.post("/tags/lookup")
async def lookup_tags(request: Request) -> Response:
    data = await asyncio.to_thread(link.lookup_tags, get_ctx(request).store, await request.body())
    return Response(data, media_type=ARROW)


@router.post("/tags/add")
async def add_tags(
    request: Request, tenant: Annotated[str, Query(min_length=1)], tagger: Annotated[str, Query(min_length=1)]
) -> dict[str, int]:
    body = await request.body()
    return {"added": await asyncio.to_thread(link.add_tags, get_ctx(request).store, tenant, tagger, body)}


@router.post("/names")
async def add_names(request: Request) -> dict[str, int]:
    return {"kept": await asyncio.to_thread(link.add_names, get_ctx(request).store, await request.body())}


@router.get("/names")
async def names(request: Request, tenant: Annotated[str, Query(min_length=1)]) -> dict[str, dict[str, str]]:
    return {"names": await asyncio.to_thread(link.names, get_ctx(request).store, tenant)}
