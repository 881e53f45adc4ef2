"""Operating hooks: a bilibili game session feeding a running server, and a signed probe of a deployed
hook (what ``kuaifan hooks bilibili`` and ``kuaifan hooks probe`` do)."""

from __future__ import annotations

import threading
from typing import Any

import orjson
from pydantic import BaseModel, ConfigDict

from kuaifan.app.hooks import Problem, hook_url
from kuaifan.config import Settings
from kuaifan.errors import KuaifanError
from kuaifan.sources.errors import HookNotFound
from kuaifan.sources.platforms import PlatformName, TenantPlatforms, tenant_platforms

# ---- bilibili: a long connection kuaifan opens, feeding a running server -----------------------------


class BilibiliRun(BaseModel):
    """What one bilibili game session delivered (``kuaifan hooks bilibili --json``)."""

    model_config = ConfigDict(frozen=True)

    tenant: str
    game_id: str
    room_id: str | None
    items: int
    accepted: int
    duplicates: int
    rejected: int
    dead: int
    ignored: int
    heartbeats_answered: int
    dead_reasons: list[str]


def bilibili_session(
    settings: Settings,
    tenant: str | None,
    code: str,
    server_url: str,
    stop: threading.Event,
    *,
    ws_heartbeat_s: float = 30.0,
) -> BilibiliRun:
    """Start a game session with the anchor's 身份码 ``code``, post its messages to the running server's
    ``POST /v1/events`` (the server's gate pseudonymises them) until ``stop`` is set or the platform
    closes the connection, keep the session alive with HTTP heartbeats, and always end it."""
    import asyncio

    import httpx

    from kuaifan.sources.bilibili_client import BilibiliClient, run_session

    name, cfg = settings.tenant(tenant)
    bili = tenant_platforms(cfg, name).bilibili
    if bili is None or not bili.enabled:
        raise HookNotFound(f"租户 {name} 未启用 bilibili", f"bilibili is not enabled for tenant {name}")
    totals = {"accepted": 0, "duplicates": 0, "rejected": 0}
    reasons: list[str] = []

    async def main() -> BilibiliRun:
        with httpx.Client(timeout=10.0) as http:
            client = BilibiliClient(bili, http)
            session = await asyncio.to_thread(client.start, code)
            try:
                async with httpx.AsyncClient(
                    base_url=server_url, headers={"X-API-Key": cfg.api_key}, timeout=30.0
                ) as api:

                    async def post(items: list[dict[str, Any]], dead: list[Any]) -> None:
                        reasons.extend(d.reason for d in dead)
                        if items:
                            r = await api.post("/v1/events", content=orjson.dumps(items))
                            if r.status_code != 200:
                                raise KuaifanError(
                                    f"服务器拒收：HTTP {r.status_code}",
                                    f"server refused: HTTP {r.status_code}",
                                )
                            for key in totals:
                                totals[key] += int(r.json()[key])

                    async def keep_alive() -> None:
                        while True:
                            await asyncio.sleep(bili.heartbeat_s)
                            await asyncio.to_thread(client.heartbeat, session.game_id)

                    stopped = asyncio.Event()

                    async def watch() -> None:
                        while not stop.is_set():
                            await asyncio.sleep(0.05)
                        stopped.set()

                    helpers = [asyncio.create_task(keep_alive()), asyncio.create_task(watch())]
                    try:
                        stats = await run_session(session, post, stopped, ws_heartbeat_s=ws_heartbeat_s)
                    finally:
                        for task in helpers:
                            task.cancel()
            finally:
                await asyncio.to_thread(client.end, session.game_id)
        return BilibiliRun(
            tenant=name, game_id=session.game_id, room_id=session.room_id, items=stats.items,
            dead=stats.dead, ignored=stats.ignored, heartbeats_answered=stats.heartbeats_answered,
            dead_reasons=reasons[:20], **totals,
        )  # fmt: skip

    return asyncio.run(main())


# ---- checking a deployed hook end to end ----------------------------------------------------------------


class ProbeFailed(KuaifanError):
    """The deployed hook did not acknowledge a correctly signed probe."""

    code = "probe_failed"
    exit_code = 69  # EX_UNAVAILABLE
    http_status = 502


class HookProbe(BaseModel):
    """What a hook answered to a signed probe (``kuaifan hooks probe --json``)."""

    model_config = ConfigDict(frozen=True)

    tenant: str
    platform: PlatformName
    url: str
    status: int | None
    ok: bool
    answer: str
    problem: Problem | None


def probe_request(
    name: PlatformName, platforms: TenantPlatforms, now_ms: int
) -> tuple[dict[str, str], bytes]:
    """A correctly signed request that the platform's adapter acknowledges and ignores (nothing is
    stored): 抖音 gift test data, 抖店 tag 102 (shipped), 快手 an encrypted order-shipped event, TikTok
    an UNPAID status change."""
    import secrets as token

    from kuaifan.sources import doudian, douyin_live, kuaishou, tiktok_shop

    if name == "douyin_live" and platforms.douyin_live is not None:
        gift = {"msg_id": f"probe-{now_ms}", "sec_openid": "probe", "sec_gift_id": "probe", "gift_num": 1,
                "gift_value": 0, "timestamp": now_ms, "test": True}  # fmt: skip
        body = orjson.dumps([gift])
        headers = {"x-nonce-str": token.token_hex(8), "x-timestamp": str(now_ms), "x-roomid": "probe",
                   "x-msg-type": "live_gift", "content-type": "application/json"}  # fmt: skip
        secret = platforms.douyin_live.secret_for("live_gift")
        headers["x-signature"] = douyin_live.sign(headers, body, secret.get_secret_value() if secret else "")
        return headers, body
    if name == "doudian" and platforms.doudian is not None:
        s = platforms.doudian
        body = orjson.dumps([{"tag": "102", "msg_id": f"probe-{now_ms}", "data": '{"p_id":0}'}])
        key, secret_value = s.app_key or "", s.app_secret.get_secret_value() if s.app_secret else ""
        return {"app-id": key, "event-sign": doudian.sign(key, body, secret_value)}, body
    if name == "kuaishou" and platforms.kuaishou is not None:
        k = platforms.kuaishou
        message = {"eventId": f"probe-{now_ms}", "bizId": 0, "appKey": k.app_key or "",
                   "event": "kwaishop_order_delivering", "info": "{}", "createTime": now_ms}  # fmt: skip
        key = k.message_key.get_secret_value() if k.message_key else ""
        return {"content-type": "text/plain;charset=utf-8"}, kuaishou.encrypt(orjson.dumps(message), key)
    if name == "tiktok_shop" and platforms.tiktok_shop is not None:
        t = platforms.tiktok_shop
        data = {"order_id": "probe", "order_status": "UNPAID", "update_time": now_ms // 1000}
        body = orjson.dumps({"type": 1, "tts_notification_id": f"probe-{now_ms}", "shop_id": "probe",
                             "timestamp": now_ms // 1000, "data": data})  # fmt: skip
        secret_value = t.app_secret.get_secret_value() if t.app_secret else ""
        return {"authorization": tiktok_shop.sign(t.app_key or "", body, secret_value)}, body
    raise HookNotFound(f"{name} 不是可探测的回调", f"{name} is not a hook that can be probed", platform=name)


def probe_hook(settings: Settings, name: PlatformName, base_url: str, tenant: str | None = None) -> HookProbe:
    """Send a signed probe to the hook as the platform would, and report what came back."""
    import httpx

    from kuaifan.events import now_ms

    tenant_name, cfg = settings.tenant(tenant)
    platforms = tenant_platforms(cfg, tenant_name)
    value = platforms.get(name)
    if value is None or not value.ready():
        raise HookNotFound(
            f"租户 {tenant_name} 的 {name} 未配置完整",
            f"{name} is not fully configured for tenant {tenant_name}",
        )
    url = hook_url(base_url, name, tenant_name)
    assert url is not None
    headers, body = probe_request(name, platforms, now_ms())
    try:
        r = httpx.post(url, headers=headers, content=body, timeout=10.0)
    except httpx.HTTPError as exc:
        unreachable = Problem(zh=f"无法连接 {url}：{exc}", en=f"cannot reach {url}: {exc}")
        return HookProbe(
            tenant=tenant_name, platform=name, url=url, status=None, ok=False, answer="", problem=unreachable
        )
    ok = r.status_code == 200
    problem: Problem | None = None
    if r.status_code == 401:
        problem = Problem(
            zh="签名不符：服务器上的密钥与本机配置不同", en="signature refused: the server's secret differs"
        )
    elif not ok:
        problem = Problem(zh=f"HTTP {r.status_code}", en=f"HTTP {r.status_code}")
    return HookProbe(
        tenant=tenant_name,
        platform=name,
        url=url,
        status=r.status_code,
        ok=ok,
        answer=r.text[:500],
        problem=problem,
    )
