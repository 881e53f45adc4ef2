"""The FastAPI app of ``kuaifan serve``: the /v1 API, the live hub and the dashboard.

    app = create_app(settings)                 # opens the store named by the settings
    app = create_app(settings, store=store)    # or uses yours (you close it)

Alerts are evaluated about once a second (``alert_interval_s``); ``on_alert(tenant, alert)`` is
called in a worker thread for each alert change (fired, escalated, resolved). By default it sends
them to the tenant's group bots (``webhooks`` in kuaifan.toml: 企业微信 / 钉钉 / 飞书), if any.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

from fastapi import FastAPI

from kuaifan.api.context import ApiContext
from kuaifan.api.deps import TOKEN_TTL_S, StreamTokens
from kuaifan.api.errors import install_error_handlers
from kuaifan.api.hub import LiveHub, default_classify
from kuaifan.api.pollbook import PollBook
from kuaifan.api.responses import JsonResponse
from kuaifan.api.routes import MAX_BODY
from kuaifan.api.routes import router as api_router
from kuaifan.api.routes_match import router as match_router
from kuaifan.api.service import IngestService
from kuaifan.api.web import router as web_router
from kuaifan.api.web import static_files
from kuaifan.config import Settings
from kuaifan.errors import ConfigError
from kuaifan.live.alerts import AlertEvent, AlertThresholds
from kuaifan.store.log import EventStore, open_store

log = logging.getLogger("kuaifan.api")
AlertHook = Callable[[str, AlertEvent], Any]


def _thresholds(settings: Settings) -> Callable[[str], AlertThresholds]:
    # Validate every tenant's thresholds at start-up: a typo fails `kuaifan serve`, not an alert.
    table = {name: AlertThresholds.for_tenant(cfg, name) for name, cfg in settings.tenants.items()}
    return lambda tenant: table.get(tenant) or AlertThresholds()


def webhook_hook(settings: Settings) -> AlertHook | None:
    """Send alert changes to each tenant's group bots (``webhooks`` in kuaifan.toml), if any."""
    from kuaifan.live.webhooks import WebhookTarget, notify

    targets = {
        name: [WebhookTarget.model_validate(t) for t in cfg.webhooks]
        for name, cfg in settings.tenants.items()
        if cfg.webhooks
    }
    if not targets:
        return None

    def send(tenant: str, alert: AlertEvent) -> None:
        for target, result in zip(
            targets.get(tenant, []), notify(targets.get(tenant, []), alert), strict=True
        ):
            if not result.ok:
                log.warning("alert %s to %s bot failed: %s", alert.id, target.platform, result.to_json())

    return send


def _in_thread(hook: AlertHook) -> Callable[[str, AlertEvent], None]:
    def schedule(tenant: str, alert: AlertEvent) -> None:
        fut = asyncio.get_running_loop().run_in_executor(None, hook, tenant, alert)
        fut.add_done_callback(_log_failure)

    return schedule


def _log_failure(fut: asyncio.Future[Any]) -> None:
    if not fut.cancelled() and fut.exception() is not None:
        log.error("alert hook failed: %s", fut.exception())


async def _alert_loop(hub: LiveHub, interval_s: float) -> None:
    while True:
        await asyncio.sleep(interval_s)
        try:
            hub.tick_alerts()
        except Exception:  # a bug in one evaluation must not stop the alerts of every room
            log.exception("alert evaluation failed")


async def _tag_loop(settings: Settings, store: EventStore, interval_s: float) -> None:
    """Keep the stored comments tagged with their intents while the server takes events."""
    try:
        from kuaifan.text.tagging import tag_comments
    except ImportError:  # installed without the text extra
        return
    watermarks: dict[str, int] = {}
    while True:
        for name, cfg in settings.tenants.items():
            try:
                done = await asyncio.to_thread(
                    tag_comments, store, name, cfg.text, since_ms=watermarks.get(name, 0)
                )
            except Exception:  # a bad text config or a store hiccup must not stop the server
                log.exception("comment tagging failed for tenant %s", name)
                continue
            watermarks[name] = done.watermark
        await asyncio.sleep(interval_s)


def create_app(
    settings: Settings,
    store: EventStore | None = None,
    *,
    on_alert: AlertHook | None = None,
    alert_interval_s: float = 1.0,
    tag_interval_s: float = 5.0,
    max_body: int = MAX_BODY,
    token_ttl_s: float = TOKEN_TTL_S,
    use_text_classifier: bool = True,
) -> FastAPI:
    """The app; ``store`` defaults to ``open_store(settings)`` (closed when the app stops)."""
    if not settings.tenants:
        raise ConfigError(
            f"{settings.config_path}: 没有配置任何租户，无人能调用 API；先运行 `kuaifan init`",
            f"{settings.config_path}: no tenants configured, nobody could call the API; run `kuaifan init`",
        )
    classify, classify_many = default_classify() if use_text_classifier else (None, None)
    if on_alert is None:
        on_alert = webhook_hook(settings)
    hub = LiveHub(
        _thresholds(settings),
        classify=classify,
        classify_many=classify_many,
        on_alert=_in_thread(on_alert) if on_alert is not None else None,
    )
    owns_store = store is None

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        nonlocal store
        if store is None:
            store = open_store(settings)
        book = PollBook(settings.home / "polls.jsonl")
        ctx = ApiContext(
            settings=settings, store=store, hub=hub, service=IngestService(store, hub),
            tokens=StreamTokens.fresh(token_ttl_s), polls=book, max_body=max_body,
        )  # fmt: skip
        for tenant, result in await asyncio.to_thread(book.load):
            if tenant in settings.tenants and result.get("room_id"):
                hub.restore_closed_poll(tenant, str(result["room_id"]), result)
        app.state.kuaifan = ctx
        ticker = asyncio.create_task(_alert_loop(hub, alert_interval_s))
        tagger = asyncio.create_task(_tag_loop(settings, store, tag_interval_s))
        try:
            yield
        finally:
            for task in (ticker, tagger):
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await ctx.service.close()
            if owns_store:
                store.close()

    app = FastAPI(
        title="kuaifan",
        lifespan=lifespan,
        default_response_class=JsonResponse,
        docs_url="/docs",
        redoc_url=None,
    )
    install_error_handlers(app, settings.lang)
    app.include_router(api_router)
    app.include_router(match_router)
    app.include_router(web_router)
    app.mount("/static", static_files(), name="static")
    return app
