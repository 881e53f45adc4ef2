"""The one interface of platform pushes: verify the raw request, then parse it into raw items.

An adapter (``douyin_live``, ``doudian``, ``kuaishou``, ``tiktok_shop``; bilibili's long connection
decodes into the same items) turns a request into a ``PushBatch``:

- ``items``: raw items in exactly the JSON shape ``POST /v1/events`` accepts (canonical event
  fields, the platform's raw user id in ``user_id``, ``nickname`` / ``avatar_url`` as received, no
  ``tenant``). They still pass the one tenant-and-privacy gate, which pseudonymises ``user_id`` and
  drops nicknames and avatars; adapters never do that themselves.
- ``dead``: messages of an authentic request that cannot become events (unknown type, malformed
  message, missing field): a ``DeadLetter`` with the precise reason and the raw message, never a
  crash;
- ``ignored``: authentic notices that carry no event (a heartbeat, an order shipped, platform test
  data): acknowledged, not stored.

A request that is not authentic raises ``PushRejected`` from ``verify``: nothing of it is stored.
``accept_push`` adds the replay rules (send-time window, repeated (nonce, msg_id) pairs) that are
the same for every platform that signs a send time and a nonce.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal, Protocol

import orjson

from kuaifan.sources.base import DeadLetter
from kuaifan.sources.replay import ReplayGuard

RAW_LIMIT: Final = 64 << 10  # raw text kept in a dead letter
MAX_PUSH_BODY: Final = 4 << 20  # a push larger than this is refused before it is read

RejectKind = Literal["signature", "stale", "replay", "config"]


class PushRejected(Exception):
    """A request refused before parsing: bad signature, stale or replayed. Nothing is stored."""

    def __init__(self, kind: RejectKind, reason: str) -> None:
        super().__init__(reason)
        self.kind: RejectKind = kind
        self.reason = reason


@dataclass(frozen=True, slots=True)
class PushRequest:
    """One HTTP request as received: header names in lower case, the raw body bytes."""

    headers: Mapping[str, str]
    body: bytes
    received_ms: int

    @classmethod
    def of(cls, headers: Mapping[str, str], body: bytes, received_ms: int) -> PushRequest:
        return cls({k.lower(): v for k, v in headers.items()}, body, received_ms)


@dataclass(frozen=True, slots=True)
class Verified:
    """What a valid signature vouches for: the signed send time and nonce, when the platform has them."""

    sent_ms: int | None = None
    nonce: str | None = None


@dataclass(slots=True)
class PushBatch:
    items: list[dict[str, Any]] = field(default_factory=list)
    dead: list[DeadLetter] = field(default_factory=list)
    ignored: int = 0
    msg_ids: list[str] = field(default_factory=list)  # the platform ids of the messages (replay pairs)


@dataclass(frozen=True, slots=True)
class Reply:
    """What the platform expects back: status and body (JSON value, or None for an empty body)."""

    status: int
    body: Any


class PushSource(Protocol):
    """A platform push adapter, built from one tenant's settings of that platform."""

    name: str  # settings key and dead-letter source: "douyin_live", "doudian" …
    platform: str  # events.Platform value of the items

    def verify(self, request: PushRequest) -> Verified:
        """Check the signature over the raw body bytes; raise ``PushRejected`` if it is wrong."""
        ...

    def parse(self, request: PushRequest) -> PushBatch:
        """Items, dead letters and ignored notices of a verified request; never raises."""
        ...

    def ok_reply(self) -> Reply:
        """The body the platform documents for "received"."""
        ...

    def fail_reply(self) -> Reply:
        """The body the platform documents for "not received, send again"."""
        ...


def accept_push(
    source: PushSource, request: PushRequest, guard: ReplayGuard | None = None, *, scope: str = ""
) -> tuple[Verified, PushBatch]:
    """Verify, check the replay rules, parse. Raises ``PushRejected`` (nothing to store)."""
    verified = source.verify(request)
    if guard is not None and verified.sent_ms is not None:
        stale = guard.check_time(verified.sent_ms, request.received_ms)
        if stale is not None:
            raise PushRejected("stale", stale)
    batch = source.parse(request)
    if guard is not None and verified.nonce is not None:
        seen = guard.repeated(scope or source.name, verified.nonce, batch.msg_ids, request.received_ms)
        if seen is not None:
            raise PushRejected("replay", f"replayed request: nonce and msg_id {seen[:64]!r} already received")
    return verified, batch


def acknowledge(
    source: PushSource, verified: Verified, batch: PushBatch, guard: ReplayGuard | None, now_ms: int,
    *, scope: str = "",
) -> None:  # fmt: skip
    """Remember the pairs of a request once it is durably stored (see ``sources.replay``)."""
    if guard is not None and verified.nonce is not None:
        guard.remember(scope or source.name, verified.nonce, batch.msg_ids, now_ms)


# ---- helpers the adapters share -------------------------------------------------------------------


def raw_text(value: Any) -> str:
    """A message as text for a dead letter (bounded)."""
    if isinstance(value, bytes | bytearray):
        text = bytes(value).decode("utf-8", errors="backslashreplace")
    elif isinstance(value, str):
        text = value
    else:
        try:
            text = orjson.dumps(value).decode()
        except TypeError:
            text = repr(value)
    return text[:RAW_LIMIT]


def dead(source: str, reason: str, raw: Any, position: int | None = None) -> DeadLetter:
    """A dead letter of a push message (``position``: 1-based index of the message in the body)."""
    return DeadLetter(source, reason, raw_text(raw), position)


def json_body(source: str, body: bytes) -> tuple[Any, DeadLetter | None]:
    """The parsed JSON body, or a dead letter saying why it is not JSON."""
    if not body.strip():
        return None, dead(source, "empty body", body)
    try:
        return orjson.loads(body), None
    except orjson.JSONDecodeError as exc:
        return None, dead(source, f"malformed JSON: {exc}", body)


def as_id(value: Any) -> str | None:
    """A platform id as a string (ids are int64 in some payloads, strings in others); '' and 0 → None."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return str(value) if value != 0 else None
    if isinstance(value, str):
        value = value.strip()
        return value if value and value != "0" else None
    return None


def as_int(value: Any) -> int | None:
    """An integer field that some platforms send as a number and others as a decimal string."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return None


SECONDS_BELOW: Final = 100_000_000_000  # epoch values below this (year 5138 in s, 1973 in ms) are seconds


def epoch_ms(value: Any) -> int | None:
    """An event time in ms from a field documented in ms or in s: tolerant of the other unit."""
    number = as_int(value)
    if number is None or number <= 0:
        return None
    return number * 1000 if number < SECONDS_BELOW else number
