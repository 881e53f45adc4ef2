"""bilibili live open platform: the signed HTTP API (start / heartbeat / end a game session) and the
long connection that receives a room's messages.

Signature (PLATFORMS.md §3.1, official demo): every call carries ``x-bili-accesskeyid``,
``x-bili-content-md5`` (hex MD5 of the raw body), ``x-bili-signature-method: HMAC-SHA256``,
``x-bili-signature-nonce``, ``x-bili-signature-version: 1.0`` and ``x-bili-timestamp`` (Unix
seconds); the canonical string is those headers sorted by name as ``name:value`` joined with
``\\n``; ``Authorization`` = hex HMAC-SHA256(access_key_secret, canonical string).

A session: ``POST /v2/app/start {code, app_id}`` → game id, the websocket links and the
``auth_body``; ``/v2/app/heartbeat {game_id}`` every ~20 s (the platform closes a game after about
a minute without one — **unconfirmed**); ``/v2/app/end {app_id, game_id}`` always at the end.
``run_session`` connects to a link, authenticates (op 7 → op 8 code 0), sends op 2 every
``ws_heartbeat_s`` and hands decoded items to ``on_items`` batch by batch. Items still pass the
tenant-and-privacy gate (``kuaifan hooks bilibili`` posts them to ``POST /v1/events``).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

import httpx
import orjson

from kuaifan.errors import InputError, KuaifanError
from kuaifan.sources import bilibili
from kuaifan.sources.base import DeadLetter
from kuaifan.sources.platforms import BilibiliSettings
from kuaifan.sources.push import dead

SIGNATURE_VERSION: Final = "1.0"
NAME: Final = "bilibili"


class BilibiliApiError(KuaifanError):
    """The open platform answered with an error code (or not at all)."""

    code = "platform_error"
    exit_code = 69
    http_status = 502


def sign_headers(
    body: bytes, key_id: str, secret: str, *, nonce: str | None = None, timestamp: int | None = None
) -> dict[str, str]:
    """The x-bili-* headers and Authorization of a request body."""
    headers = {
        "x-bili-accesskeyid": key_id,
        "x-bili-content-md5": hashlib.md5(body, usedforsecurity=False).hexdigest(),
        "x-bili-signature-method": "HMAC-SHA256",
        "x-bili-signature-nonce": nonce or str(uuid.uuid4()),
        "x-bili-signature-version": SIGNATURE_VERSION,
        "x-bili-timestamp": str(int(time.time()) if timestamp is None else timestamp),
    }
    canonical = "\n".join(f"{k}:{headers[k]}" for k in sorted(headers))
    headers["Authorization"] = hmac.new(secret.encode(), canonical.encode(), hashlib.sha256).hexdigest()
    return headers


def check_signature(headers: Mapping[str, str], body: bytes, secret: str) -> bool:
    """What the platform checks (used by the tests' server): the signature and the body MD5."""
    lower = {k.lower(): v for k, v in headers.items()}
    signed = {k: v for k, v in lower.items() if k.startswith("x-bili-")}
    canonical = "\n".join(f"{k}:{signed[k]}" for k in sorted(signed))
    expected = hmac.new(secret.encode(), canonical.encode(), hashlib.sha256).hexdigest()
    md5_ok = signed.get("x-bili-content-md5") == hashlib.md5(body, usedforsecurity=False).hexdigest()
    return md5_ok and hmac.compare_digest(expected, lower.get("authorization", ""))


@dataclass(frozen=True, slots=True)
class GameSession:
    game_id: str
    auth_body: str
    wss_links: list[str]
    room_id: str | None
    anchor_open_id: str | None


class BilibiliClient:
    """The signed HTTP API of one app (``settings``), over an httpx client."""

    def __init__(self, settings: BilibiliSettings, http: httpx.Client | None = None) -> None:
        if not settings.ready():
            raise InputError(
                "bilibili 未配置 app_id / access_key_id / access_key_secret",
                "bilibili app_id / access_key_id / access_key_secret are not configured",
            )
        self.settings = settings
        self.http = http or httpx.Client(timeout=10.0)

    def call(self, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        body = orjson.dumps(payload)
        secret = self.settings.access_key_secret
        assert secret is not None and self.settings.access_key_id is not None  # ready() checked
        headers = sign_headers(body, self.settings.access_key_id, secret.get_secret_value())
        headers |= {"Content-Type": "application/json", "Accept": "application/json"}
        url = self.settings.api_base.rstrip("/") + path
        try:
            r = self.http.post(url, content=body, headers=headers)
            answer = r.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise BilibiliApiError(
                f"bilibili 接口 {path} 无法访问：{exc}", f"bilibili {path} failed: {exc}"
            ) from None
        if not isinstance(answer, dict) or answer.get("code") != 0:
            code = answer.get("code") if isinstance(answer, dict) else None
            message = answer.get("message") if isinstance(answer, dict) else r.text[:200]
            zh = f"bilibili 接口 {path} 返回错误 {code}：{message}"
            raise BilibiliApiError(zh, f"bilibili {path} returned {code}: {message}", code=code)
        data = answer.get("data")
        return data if isinstance(data, dict) else {}

    def start(self, code: str) -> GameSession:
        data = self.call("/v2/app/start", {"code": code, "app_id": self.settings.app_id})
        game = data.get("game_info") or {}
        ws = data.get("websocket_info") or {}
        anchor = data.get("anchor_info") or {}
        links = [x for x in ws.get("wss_link") or [] if isinstance(x, str)]
        if not game.get("game_id") or not links or not isinstance(ws.get("auth_body"), str):
            raise BilibiliApiError("bilibili 开始游戏的应答不完整", "bilibili app/start answer is incomplete")
        room = anchor.get("room_id")
        return GameSession(
            str(game["game_id"]), ws["auth_body"], links, str(room) if room else None, anchor.get("open_id")
        )

    def heartbeat(self, game_id: str) -> None:
        self.call("/v2/app/heartbeat", {"game_id": game_id})

    def end(self, game_id: str) -> None:
        self.call("/v2/app/end", {"app_id": self.settings.app_id, "game_id": game_id})


@dataclass(slots=True)
class SessionStats:
    items: int = 0
    dead: int = 0
    ignored: int = 0
    heartbeats_answered: int = 0
    dead_letters: list[DeadLetter] = field(default_factory=list)


ItemsHandler = Callable[[list[dict[str, Any]], list[DeadLetter]], Awaitable[None]]


async def run_session(
    session: GameSession,
    on_items: ItemsHandler,
    stop: asyncio.Event,
    *,
    ws_heartbeat_s: float = 30.0,
    connect_timeout_s: float = 10.0,
) -> SessionStats:
    """Receive one game session's messages until ``stop`` is set or the server closes the connection."""
    from websockets.asyncio.client import connect
    from websockets.exceptions import ConnectionClosed

    stats = SessionStats()
    async with connect(
        session.wss_links[0], open_timeout=connect_timeout_s, max_size=bilibili.MAX_PACKET
    ) as ws:
        await ws.send(bilibili.pack(bilibili.OP_AUTH, session.auth_body.encode()))
        first = bilibili.unpack(await asyncio.wait_for(ws.recv(decode=False), connect_timeout_s))
        reply = next((p for p in first if p.op == bilibili.OP_AUTH_REPLY), None)
        if reply is None or orjson.loads(reply.body or b"{}").get("code") != 0:
            raise BilibiliApiError(
                "bilibili 长连接鉴权失败", "bilibili long connection: authentication refused"
            )

        async def beat() -> None:
            while True:
                await ws.send(bilibili.pack(bilibili.OP_HEARTBEAT, b"{}"))
                await asyncio.sleep(ws_heartbeat_s)

        beating = asyncio.create_task(beat())
        stopping = asyncio.create_task(stop.wait())
        try:
            while not stop.is_set():
                receiving = asyncio.create_task(ws.recv(decode=False))
                done, _ = await asyncio.wait({receiving, stopping}, return_when=asyncio.FIRST_COMPLETED)
                if receiving not in done:
                    receiving.cancel()
                    break
                try:
                    frame = receiving.result()
                except ConnectionClosed:
                    break
                await _handle(frame if isinstance(frame, bytes) else frame.encode(), session, stats, on_items)
        finally:
            beating.cancel()
            stopping.cancel()
    return stats


async def _handle(frame: bytes, session: GameSession, stats: SessionStats, on_items: ItemsHandler) -> None:
    items: list[dict[str, Any]] = []
    bad: list[DeadLetter] = []
    try:
        packets = bilibili.unpack(frame)
    except bilibili.ProtocolError as exc:
        bad.append(dead(NAME, f"bad packet: {exc}", frame))
        packets = []
    for packet in packets:
        if packet.op == bilibili.OP_HEARTBEAT_REPLY:
            stats.heartbeats_answered += 1
        elif packet.op == bilibili.OP_MESSAGE:
            item, raw = bilibili.message_items(packet, session.game_id)
            if isinstance(item, dict):
                items.append(item)
            elif item is None:
                stats.ignored += 1
            else:
                bad.append(dead(NAME, item, raw))
    stats.items += len(items)
    stats.dead += len(bad)
    if items or bad:
        await on_items(items, bad)
