"""Platform push hooks: ``POST /hooks/<platform>/{tenant}``. Thin: read the raw body, call the use case,
store, answer the platform in its documented format.

The answer comes only after the rows are durably appended and applied to the live hub
(``LiveService.ingest``): a crash before it makes the platform send again, and the store
deduplicates the retry. A bad signature, a stale send time or a replayed request gets a 401 / 409
in the API's JSON error shape with nothing stored; a store failure gets the platform's "fail" body
with a 503 so that it retries. Request headers and secrets are never logged.
"""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Path, Request
from starlette.responses import Response

from kuaifan.api.deps import get_ctx
from kuaifan.api.responses import JsonResponse, dumps
from kuaifan.api.routes import read_body
from kuaifan.app.hooks import (
    MAX_PUSH_BODY,
    HookGuards,
    PlatformName,
    Reply,
    acknowledge,
    prepare_push,
    receipt,
)
from kuaifan.events import now_ms

log = logging.getLogger("kuaifan.hooks")
router = APIRouter(prefix="/hooks", include_in_schema=True)
TenantPath = Annotated[str, Path(min_length=1, max_length=64)]


def _guards(request: Request) -> HookGuards:
    guards = getattr(request.app.state, "hook_guards", None)
    if guards is None:
        guards = request.app.state.hook_guards = HookGuards()
    return guards


def _reply(reply: Reply) -> Response:
    if reply.body is None:
        return Response(status_code=reply.status)
    return JsonResponse(reply.body, status_code=reply.status)


async def _take(request: Request, tenant: str, name: PlatformName) -> Response:
    ctx = get_ctx(request)
    received = now_ms()
    body = await read_body(request, min(ctx.max_body * 4, MAX_PUSH_BODY))
    checked = await prepare_push(
        ctx.settings, tenant, name, request.headers, body, received, _guards(request)
    )
    try:
        result = await ctx.service.ingest(tenant, checked.intake)
    except Exception:  # the store failed: nothing acknowledged, the platform sends again
        log.exception("%s push for tenant %s could not be stored", name, tenant)
        return _reply(checked.fail_reply)
    acknowledge(checked, now_ms())
    done = receipt(checked, result.accepted, result.duplicates, result.rejected)
    log.debug("push %s", dumps(done.model_dump()).decode())
    return _reply(checked.ok_reply)


@router.post("/douyin/live/{tenant}", summary="抖音 直播间数据推送 (comments, gifts, likes, fans club)")
async def douyin_live(request: Request, tenant: TenantPath) -> Response:
    return await _take(request, tenant, "douyin_live")


@router.post("/doudian/{tenant}", summary="抖店 消息推送 (orders, after-sales)")
async def doudian(request: Request, tenant: TenantPath) -> Response:
    return await _take(request, tenant, "doudian")


@router.post("/kuaishou/{tenant}", summary="快手电商 消息推送 (AES-encrypted)")
async def kuaishou(request: Request, tenant: TenantPath) -> Response:
    return await _take(request, tenant, "kuaishou")


@router.post("/tiktok/{tenant}", summary="TikTok Shop webhooks")
async def tiktok(request: Request, tenant: TenantPath) -> Response:
    return await _take(request, tenant, "tiktok_shop")
