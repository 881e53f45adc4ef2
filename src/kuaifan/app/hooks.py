"""Use cases of platform hooks: list and check the hooks to register, and take one push.

``hooks_report`` is what ``kuaifan hooks`` shows (and ``--json`` prints): per tenant and platform, the
URL to register on the platform's console, whether it is on and ready, and what is missing. It
never contains a secret.

``check_push`` is the first half of a hook request: the tenant's adapter verifies the raw request
(signature, send-time window, replayed nonce and message ids), parses it into raw items, and the
items pass the one tenant-and-privacy gate. The face then hands the result to the store
(``LiveService.ingest``) and answers the platform only after the rows are durable
(``acknowledge`` remembers the replay pairs at that moment).
"""

from __future__ import annotations

import asyncio
import dataclasses
import threading
from collections.abc import Mapping
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict

from kuaifan.config import Settings, TenantConfig
from kuaifan.errors import ConfigError, KuaifanError
from kuaifan.sources.adapters import HOOK_PATHS, push_source, replay_window_ms
from kuaifan.sources.errors import BadSignature, HookNotFound, ReplayedPush
from kuaifan.sources.gate import Admitted, TenantGate
from kuaifan.sources.platforms import (
    PLATFORM_NAMES,
    DoudianSettings,
    PlatformName,
    TenantPlatforms,
    tenant_platforms,
)
from kuaifan.sources.push import (
    MAX_PUSH_BODY,
    PushBatch,
    PushRejected,
    PushRequest,
    PushSource,
    Reply,
    Verified,
    accept_push,
)
from kuaifan.sources.push import acknowledge as remember_pairs
from kuaifan.sources.replay import ReplayGuard

# What the hooks' faces need of the platforms: their names, the body limit and the reply shape.
__all__ = [
    "MAX_PUSH_BODY", "PLATFORM_NAMES", "HookGuards", "PlatformName", "Reply", "acknowledge", "hooks_report",
    "prepare_push", "receipt",
]  # fmt: skip


class Problem(BaseModel):
    model_config = ConfigDict(frozen=True)

    zh: str
    en: str


class HookInfo(BaseModel):
    model_config = ConfigDict(frozen=True)

    tenant: str
    platform: PlatformName
    url: str | None  # None: not a hook (bilibili is a long connection kuaifan opens)
    enabled: bool
    ready: bool
    problems: list[Problem]


class HooksReport(BaseModel):
    model_config = ConfigDict(frozen=True)

    base_url: str
    ok: bool
    hooks: list[HookInfo]


def hook_url(base_url: str, name: PlatformName, tenant: str) -> str | None:
    path = HOOK_PATHS.get(name)
    return None if path is None else base_url.rstrip("/") + path.format(tenant=tenant)


def hooks_report(settings: Settings, base_url: str, tenant: str | None = None) -> HooksReport:
    """Every configured platform of every tenant (or one), with its URL and what is missing."""
    names = [tenant] if tenant is not None else sorted(settings.tenants)
    hooks: list[HookInfo] = []
    for name in names:
        _, cfg = settings.tenant(name)
        platforms = tenant_platforms(cfg, name)
        for platform in PLATFORM_NAMES:
            value = platforms.get(platform)
            if value is None:
                continue
            problems = [] if value.ready() else [_missing_keys(platform)]
            if platform == "doudian" and not value.own_author_ids:
                problems.append(
                    Problem(
                        zh="未配置 own_author_ids：所有带达人ID的订单都会算作达播",
                        en="own_author_ids is empty: every order with an author id counts as 达播",
                    )
                )
            if not base_url.startswith("https://") and platform in ("tiktok_shop", "kuaishou", "doudian"):
                problems.append(Problem(zh="平台要求 HTTPS 地址", en="the platform requires an HTTPS URL"))
            hooks.append(
                HookInfo(
                    tenant=name, platform=platform, url=hook_url(base_url, platform, name),
                    enabled=value.enabled, ready=value.ready(), problems=problems,
                )
            )  # fmt: skip
    ok = all(h.ready for h in hooks if h.enabled)
    return HooksReport(base_url=base_url, ok=ok, hooks=hooks)


_KEYS: dict[str, str] = {
    "douyin_live": "secret",
    "doudian": "app_key, app_secret",
    "kuaishou": "message_key",
    "tiktok_shop": "app_key, app_secret",
    "bilibili": "app_id, access_key_id, access_key_secret",
}


def _missing_keys(platform: str) -> Problem:
    keys = _KEYS[platform]
    return Problem(zh=f"缺少 {keys}", en=f"missing {keys}")


# ---- taking one push --------------------------------------------------------------------------------


DOUDIAN_LOOKUP_TIMEOUT_S = 1.5  # the push wants its answer within a few seconds


class HookGuards:
    """One replay guard per (tenant, platform), with that tenant's window; lives as long as the server."""

    def __init__(self) -> None:
        self._guards: dict[tuple[str, str], ReplayGuard] = {}
        self._lock = threading.Lock()

    def get(self, tenant: str, name: PlatformName, window_ms: int) -> ReplayGuard:
        with self._lock:
            guard = self._guards.get((tenant, name))
            if guard is None or guard.window_ms != window_ms:
                guard = self._guards[(tenant, name)] = ReplayGuard(window_ms)
            return guard


@dataclass(slots=True)
class CheckedPush:
    """A verified push, gated: what to store, and what to answer once it is stored."""

    tenant: str
    source: PushSource
    verified: Verified
    batch: PushBatch
    intake: Admitted
    guard: ReplayGuard

    @property
    def ok_reply(self) -> Reply:
        return self.source.ok_reply()

    @property
    def fail_reply(self) -> Reply:
        return self.source.fail_reply()


class PushReceipt(BaseModel):
    """What one push became (for logs and tests; the platform gets its own documented reply)."""

    model_config = ConfigDict(frozen=True)

    tenant: str
    platform: PlatformName
    accepted: int
    duplicates: int
    rejected: int
    ignored: int


def check_push(
    settings: Settings,
    tenant: str,
    name: PlatformName,
    headers: Mapping[str, str],
    body: bytes,
    received_ms: int,
    guards: HookGuards,
) -> CheckedPush:
    """Verify, parse and gate one push (see the module doc); raises KuaifanError subclasses only."""
    accepted = _accept(settings, tenant, name, headers, body, received_ms, guards)
    return _gated(accepted)


async def prepare_push(
    settings: Settings,
    tenant: str,
    name: PlatformName,
    headers: Mapping[str, str],
    body: bytes,
    received_ms: int,
    guards: HookGuards,
) -> CheckedPush:
    """``check_push``, plus the 抖店 order-detail lookup of paid notices when the tenant configured
    an ``access_token`` (in a worker thread: the lookups are HTTP calls to the open API)."""
    accepted = _accept(settings, tenant, name, headers, body, received_ms, guards)
    doudian = accepted.platforms.doudian
    if name == "doudian" and doudian is not None and doudian.access_token is not None and accepted.batch.dead:
        await asyncio.to_thread(_enrich_doudian, accepted, doudian)
    return _gated(accepted)


@dataclass(slots=True)
class _Accepted:
    tenant: str
    cfg: TenantConfig
    platforms: TenantPlatforms
    source: PushSource
    verified: Verified
    batch: PushBatch
    guard: ReplayGuard


def _accept(
    settings: Settings,
    tenant: str,
    name: PlatformName,
    headers: Mapping[str, str],
    body: bytes,
    received_ms: int,
    guards: HookGuards,
) -> _Accepted:
    cfg = settings.tenants.get(tenant)
    if cfg is None:
        raise HookNotFound(f"没有这个租户：{tenant}", f"no such tenant: {tenant}", tenant=tenant)
    platforms = tenant_platforms(cfg, tenant)
    source = push_source(name, platforms)
    if source is None:
        raise HookNotFound(
            f"租户 {tenant} 未启用 {name}", f"{name} is not enabled for tenant {tenant}", platform=name
        )
    guard = guards.get(tenant, name, replay_window_ms(name, platforms))
    request = PushRequest.of(headers, body, received_ms)
    try:
        verified, batch = accept_push(source, request, guard, scope=f"{tenant}/{name}")
    except PushRejected as exc:
        raise _rejection(name, exc) from None
    return _Accepted(tenant, cfg, platforms, source, verified, batch, guard)


def _enrich_doudian(accepted: _Accepted, doudian: DoudianSettings) -> None:
    import httpx

    from kuaifan.sources.doudian_api import DoudianApi, enrich

    with httpx.Client(timeout=DOUDIAN_LOOKUP_TIMEOUT_S) as http:
        items, kept = enrich(accepted.batch.dead, DoudianApi(doudian, http), doudian.own_author_ids)
    accepted.batch.items.extend(items)
    accepted.batch.dead = kept


def _gated(accepted: _Accepted) -> CheckedPush:
    tenant, name = accepted.tenant, accepted.source.name
    gated = TenantGate.of(tenant, accepted.cfg).admit_all(accepted.batch.items, name)
    gated.dead = gated.dead + [dataclasses.replace(d, tenant=tenant) for d in accepted.batch.dead]
    return CheckedPush(tenant, accepted.source, accepted.verified, accepted.batch, gated, accepted.guard)


def acknowledge(checked: CheckedPush, now_ms: int) -> None:
    """Call once the push is durably stored: its (nonce, msg_id) pairs count as received."""
    remember_pairs(
        checked.source, checked.verified, checked.batch, checked.guard, now_ms,
        scope=f"{checked.tenant}/{checked.source.name}",
    )  # fmt: skip


def receipt(checked: CheckedPush, accepted: int, duplicates: int, rejected: int) -> PushReceipt:
    return PushReceipt(
        tenant=checked.tenant, platform=checked.source.name,
        accepted=accepted, duplicates=duplicates, rejected=rejected, ignored=checked.batch.ignored,
    )  # fmt: skip


def _rejection(name: str, exc: PushRejected) -> KuaifanError:
    if exc.kind == "replay":
        return ReplayedPush(f"{name}：重复的推送（nonce 与 msg_id 已收到）", f"{name}: {exc.reason}")
    if exc.kind == "config":
        return ConfigError(
            f"{name} 配置不完整：{exc.reason}", f"{name} is not fully configured: {exc.reason}"
        )
    if exc.kind == "stale":
        return BadSignature(f"{name}：时间戳超出允许窗口，已拒绝", f"{name}: {exc.reason}")
    return BadSignature(f"{name}：签名校验失败，已拒绝", f"{name}: {exc.reason}")
