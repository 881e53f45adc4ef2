"""Response models of the routes that answer from the live hub (the use cases bring their own).

The live room's state is wide and grows with the dashboard, so these models type the parts a client
relies on and keep the rest (``extra="allow"``): ``/openapi.json`` documents the shape, and a new
field reaches the client without a schema change here.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict


class Health(BaseModel):
    ok: bool


class StreamToken(BaseModel):
    token: str
    expires_ms: int


class RoomEntry(BaseModel):
    """One room of ``GET /v1/rooms``: headline numbers of its latest broadcast (null when only stored)."""

    model_config = ConfigDict(extra="allow")

    room_id: str
    stream_id: str | None = None
    live: bool
    channel: str | None = None
    author_id: str | None = None
    platform: str | None = None
    events: int | None = None
    gmv_fen: int | None = None
    uv: int | None = None
    online_now: int | None = None
    conversion: float | None = None
    alerts_active: int = 0
    started_ms: int | None = None
    ended_ms: int | None = None


class RoomsPage(BaseModel):
    tenant: str
    rooms: list[RoomEntry]


class PollOption(BaseModel):
    code: str
    label: str
    votes: int
    share: float | None


class PollResult(BaseModel):
    """A poll (共创投票) as it stands: open (tally so far) or closed (final)."""

    model_config = ConfigDict(extra="allow")

    poll_id: str
    question: str
    room_id: str | None
    stream_id: str | None
    opened_ms: int | None
    closed_ms: int | None
    options: list[PollOption]
    voters: int
    repeats: int
    winners: list[str]
    rule: str


class PollsPage(BaseModel):
    open: list[PollResult]
    closed: list[PollResult]


class RoomView(BaseModel):
    """``GET /v1/rooms/{id}/state`` and the SSE ``snapshot``: everything the dashboard shows."""

    model_config = ConfigDict(extra="allow")

    room_id: str
    stream_id: str | None
    live: bool
    streams: list[dict[str, Any]]
    state: dict[str, Any]  # RoomState.snapshot(): headline metrics, minutes, links, variants
    intents: list[dict[str, Any]]
    asked: list[dict[str, Any]]
    alerts: dict[str, list[dict[str, Any]]]
    polls: PollsPage
    server_ms: int
