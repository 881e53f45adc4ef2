"""What the request handlers share: settings, store, the live service, stream tokens, limits."""

from __future__ import annotations

from dataclasses import dataclass

from kuaifan.api.tokens import StreamTokens
from kuaifan.app.live import LiveService
from kuaifan.app.store import Store
from kuaifan.config import Settings


@dataclass(slots=True)
class ApiContext:
    settings: Settings
    store: Store
    service: LiveService
    tokens: StreamTokens
    max_body: int
    link_secret: str | None = None  # the local link's secret (kuaifan.api.link); None: no link
