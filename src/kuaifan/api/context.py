"""What the request handlers share: settings, store, live hub, ingest service, tokens, poll book."""

from __future__ import annotations

from dataclasses import dataclass

from kuaifan.api.deps import StreamTokens
from kuaifan.api.hub import LiveHub
from kuaifan.api.pollbook import PollBook
from kuaifan.api.service import IngestService
from kuaifan.config import Settings
from kuaifan.store.log import EventStore


@dataclass(slots=True)
class ApiContext:
    settings: Settings
    store: EventStore
    hub: LiveHub
    service: IngestService
    tokens: StreamTokens
    polls: PollBook
    max_body: int
