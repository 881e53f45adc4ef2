"""The FastAPI app of ``kuaifan serve``: the /v1 API and the dashboard, over the live service of
``kuaifan.app.live`` (the hub, the write path, alerts, tagging).

    app = create_app(settings)                 # opens the store named by the settings
    app = create_app(settings, store=store)    # or uses yours (you close it)

Alerts are evaluated about once a second (``alert_interval_s``); ``on_alert(tenant, alert)`` is
called in a worker thread for each alert change (fired, escalated, resolved). By default it sends
them to the tenant's group bots (``webhooks`` in kuaifan.toml: 企业微信 / 钉钉 / 飞书), if any.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from fastapi import FastAPI

from kuaifan.api.context import ApiContext
from kuaifan.api.errors import install_error_handlers
from kuaifan.api.hooks import router as hooks_router
from kuaifan.api.link import router as link_router
from kuaifan.api.responses import JsonResponse
from kuaifan.api.routes import MAX_BODY
from kuaifan.api.routes import router as api_router
from kuaifan.api.routes_growth import router as growth_router
from kuaifan.api.routes_match import router as match_router
from kuaifan.api.tokens import TOKEN_TTL_S, StreamTokens
from kuaifan.api.web import router as web_router
from kuaifan.api.web import static_files
from kuaifan.app.live import AlertHook, LiveService
from kuaifan.app.store import Store, open_store
from kuaifan.config import Settings
from kuaifan.errors import ConfigError


def create_app(
    settings: Settings,
    store: Store | None = None,
    *,
    on_alert: AlertHook | None = None,
    alert_interval_s: float = 1.0,
    max_body: int = MAX_BODY,
    token_ttl_s: float = TOKEN_TTL_S,
    use_text_classifier: bool = True,
    link_secret: str | None = None,
) -> FastAPI:
    """The app; ``store`` defaults to ``open_store(settings)`` (closed when the app stops).
    ``link_secret``: serve the local link (``kuaifan.api.link``) to callers that send it."""
    if not settings.tenants:
        raise ConfigError(
            f"{settings.config_path}: 没有配置任何租户，无人能调用 API；先运行 `kuaifan init`",
            f"{settings.config_path}: no tenants configured, nobody could call the API; run `kuaifan init`",
        )
    owns_store = store is None

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        opened = store if store is not None else open_store(settings, through_server=False)
        service = LiveService(settings, opened, on_alert=on_alert, use_text_classifier=use_text_classifier)
        app.state.kuaifan = ApiContext(
            settings=settings, store=opened, service=service, tokens=StreamTokens.fresh(token_ttl_s),
            max_body=max_body, link_secret=link_secret,
        )  # fmt: skip
        await service.start(alert_interval_s=alert_interval_s)
        try:
            yield
        finally:
            await service.close()
            if owns_store:
                opened.close()

    app = FastAPI(
        title="kuaifan",
        lifespan=lifespan,
        default_response_class=JsonResponse,
        docs_url="/docs",
        redoc_url=None,
    )
    install_error_handlers(app, settings.lang)
    # the platform pushes first: routes are matched in order, and they are the busiest
    app.include_router(hooks_router)
    app.include_router(api_router)
    app.include_router(growth_router)
    app.include_router(match_router)
    app.include_router(web_router)
    app.include_router(link_router)
    app.mount("/static", static_files(), name="static")
    return app
