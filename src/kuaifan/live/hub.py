"""``LiveHub``: the server's live view — one ``RoomState`` per stream, fanned out to SSE subscribers.

The hub is plain synchronous code that runs on the server's event loop; it does no I/O. The ingest
path (``kuaifan.api.service``) feeds it only events the store has just accepted (duplicates never
reach it), and warms a stream from the store before its first live event, so its numbers are the
numbers of the stored stream (RoomState's replay-equals-batch guarantee).

Per room it keeps up to ``max_streams`` broadcasts (the most recent by event time), the open and
recently closed polls, the alert feed and the subscribers. After each applied batch every touched
stream with subscribers gets one ``metrics`` message holding only what changed; alerts are evaluated
by ``tick_alerts`` (called about once a second, not per batch, so their cost does not grow with the
event rate) with the stream's own event time as the clock, so a replay raises the alerts the live
run raised.

Each stream also counts the variants its comments ask for (``kuaifan.live.asked``): ``asked`` in the
snapshot, and in a ``metrics`` delta when it changed since the last delta of that stream; and its
restock asks (没抢到 / 求补货 / 还有吗) per product, placed by the one comment resolver: ``restock``
beside ``asked``, and the count of the link's own restock asks in its ``sold_out_demand`` alert.

Comments are classified once per distinct text and tenant (``CommentTexts``, shared with the
server's write path, which stores the tags), each batch's new texts in one ``classify_many`` call.

SSE message types: ``snapshot`` (everything, sent first and after a subscriber fell behind),
``metrics`` (deltas), ``alert`` (fired / escalated / resolved) and ``poll`` (tally or result).
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import orjson

from kuaifan.config import AlertThresholds
from kuaifan.errors import InputError, NotFoundError
from kuaifan.events import PRODUCT_KINDS
from kuaifan.live import RoomState
from kuaifan.live.alerts import AlertEngine, AlertEvent
from kuaifan.live.asked import AskedVariants
from kuaifan.live.metrics import CommentTagger, classifier_tagger, keyword_tags
from kuaifan.live.polls import Poll
from kuaifan.live.resolver import restock_ask
from kuaifan.live.texts import ClassifyMany, CommentTexts
from kuaifan.live.windows import Change

LIVE_WINDOW_S: Final = 300.0  # a stream with an event arriving within this is "live"
MAX_STREAMS: Final = 3
RECENT_ALERTS: Final = 100
RECENT_POLLS: Final = 20
QUEUE_MAX: Final = 512
NO_STREAM: Final = ""  # key of events without a stream_id

Classify = Callable[[str], Any]


def default_classify() -> tuple[Classify | None, Callable[[Sequence[str]], list[Any]] | None]:
    """``kuaifan.text`` classify / classify_many when that package is installed."""
    try:
        from kuaifan.text import classify, classify_many
    except ImportError:  # pragma: no cover - the text extra is not installed
        return None, None
    return classify, classify_many


def _one_by_one(classify: Classify | None) -> ClassifyMany:
    assert classify is not None

    def many(texts: Sequence[str]) -> list[Any]:
        return [classify(t) for t in texts]

    return many


def sse_message(kind: str, data: Any, seq: int) -> bytes:
    """One Server-Sent Events message (data is one line of JSON)."""
    body = orjson.dumps(data, option=orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY)
    return b"event: " + kind.encode() + b"\nid: " + str(seq).encode() + b"\ndata: " + body + b"\n\n"


RESYNC: Final = None  # queued instead of messages a subscriber was too slow to take
CLOSE: Final = b""  # the server is stopping: end the stream


class Subscriber:
    """One SSE client's queue of encoded messages; on overflow it gets one snapshot instead."""

    def __init__(self, maxsize: int = QUEUE_MAX) -> None:
        self.queue: asyncio.Queue[bytes | None] = asyncio.Queue(maxsize)
        self.resync = False

    def push(self, message: bytes) -> None:
        if self.resync:
            return  # a snapshot is coming: it will hold this change too
        try:
            self.queue.put_nowait(message)
        except asyncio.QueueFull:
            while not self.queue.empty():
                self.queue.get_nowait()
            self.queue.put_nowait(RESYNC)
            self.resync = True

    def close(self) -> None:
        while not self.queue.empty():
            self.queue.get_nowait()
        self.resync = True  # nothing more is queued
        self.queue.put_nowait(CLOSE)


class _Intents:
    """Counts the intents of a stream's comments and tags them for RoomState; ``lookup`` gives a
    comment text's classification (the hub's cache), None: keyword tags only."""

    def __init__(self, lookup: Classify | None) -> None:
        self.counts: Counter[str] = Counter()
        self._lookup = lookup
        self._last: tuple[str, Any] | None = None  # the comment RoomState's tagger classified last
        self.tagger: CommentTagger = classifier_tagger(self._count) if lookup is not None else keyword_tags

    def _count(self, text: str) -> Any:
        assert self._lookup is not None
        c = self._lookup(text)
        self.counts[str(c.intent)] += 1
        self._last = (text, c)
        return c

    def comment(self, text: str) -> Any | None:
        """The classification of a comment just tagged (None without a classifier)."""
        if self._lookup is None:
            return None
        last = self._last
        return last[1] if last is not None and last[0] == text else self._lookup(text)

    def top(self, n: int = 12) -> list[dict[str, Any]]:
        total = sum(self.counts.values())
        return [{"intent": k, "count": v, "share": v / total} for k, v in self.counts.most_common(n) if v > 0]


@dataclass(slots=True)
class StreamLive:
    key: str
    state: RoomState
    intents: _Intents
    asked: AskedVariants = field(default_factory=AskedVariants)
    asked_sent: int = 0  # asked.version in the last metrics delta
    arrived_s: float = 0.0
    alert_dirty: bool = False

    def update(self, row: Mapping[str, Any]) -> list[Change]:
        """One event into the room state and the asked-for variants."""
        changes = self.state.update(row)
        kind = row["kind"]
        if kind == "comment":
            text = row["text"]
            if not text:
                return changes
            c = self.intents.comment(text)
            if c is None:  # keyword tags only
                if restock_ask(None, text):
                    self.asked.restock(row["ts_ms"], row.get("link_no"))
                return changes
            link_no = c.link_no if c.link_no is not None else row.get("link_no")
            if not c.spam and (c.size is not None or c.color is not None):
                self.asked.comment(row["ts_ms"], link_no, c.size, c.color)
            if restock_ask(c.intent, text):
                self.asked.restock(row["ts_ms"], link_no)
        elif kind in PRODUCT_KINDS:
            self.asked.product(row)
        return changes

    def summary(self, now_s: float) -> dict[str, Any]:
        st = self.state
        return {
            "stream_id": st.meta.get("stream_id"),
            "first_ts_ms": st.first_ts_ms,
            "max_ts_ms": st.max_ts_ms,
            "started_ms": st.started_ms,
            "ended_ms": st.ended_ms,
            "events": st.header()["events"],
            "live": st.ended_ms is None and now_s - self.arrived_s < LIVE_WINDOW_S,
        }


def _recency(s: StreamLive) -> tuple[int, float]:
    return (s.state.first_ts_ms or 0, s.arrived_s)


@dataclass(slots=True)
class RoomLive:
    room_id: str
    streams: dict[str, StreamLive] = field(default_factory=dict)
    polls: dict[str, Poll] = field(default_factory=dict)
    closed_polls: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=RECENT_POLLS))
    alerts: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=RECENT_ALERTS))
    active: dict[tuple[str, str, str], dict[str, Any]] = field(default_factory=dict)
    subscribers: set[Subscriber] = field(default_factory=set)

    def current(self) -> StreamLive | None:
        """The broadcast that started last (a late refund on an earlier one does not make it current)."""
        if not self.streams:
            return None
        return max(self.streams.values(), key=_recency)


@dataclass(slots=True)
class _Tenant:
    engine: AlertEngine
    rooms: dict[str, RoomLive] = field(default_factory=dict)


def stream_key(row: Mapping[str, Any]) -> str:
    sid = row.get("stream_id")
    return sid if sid else NO_STREAM


class LiveHub:
    """Live room states of every tenant, their polls and alerts, and the SSE fan-out."""

    def __init__(
        self,
        thresholds_for: Callable[[str], AlertThresholds],
        *,
        classify: Classify | None = None,
        classify_many: ClassifyMany | None = None,
        texts: CommentTexts | None = None,
        max_streams: int = MAX_STREAMS,
        on_alert: Callable[[str, AlertEvent], None] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._thresholds_for = thresholds_for
        if texts is None and (classify is not None or classify_many is not None):
            many = classify_many if classify_many is not None else _one_by_one(classify)
            texts = CommentTexts(lambda _tenant: many)
        self.texts = texts
        self._primed: dict[str, Any] = {}  # the classifications of the batch being applied
        self._max_streams = max_streams
        self._on_alert = on_alert
        self._clock = clock
        self._tenants: dict[str, _Tenant] = {}
        self._seq = 0

    # ---- structure ---------------------------------------------------------------------------
    def _tenant(self, tenant: str) -> _Tenant:
        t = self._tenants.get(tenant)
        if t is None:
            t = self._tenants[tenant] = _Tenant(AlertEngine(self._thresholds_for(tenant)))
        return t

    def room(self, tenant: str, room_id: str) -> RoomLive | None:
        t = self._tenants.get(tenant)
        return None if t is None else t.rooms.get(room_id)

    def _room(self, tenant: str, room_id: str) -> RoomLive:
        rooms = self._tenant(tenant).rooms
        r = rooms.get(room_id)
        if r is None:
            r = rooms[room_id] = RoomLive(room_id)
        return r

    def has_stream(self, tenant: str, room_id: str, key: str) -> bool:
        r = self.room(tenant, room_id)
        return r is not None and key in r.streams

    def _lookup(self, tenant: str) -> Classify | None:
        texts = self.texts
        if texts is None:
            return None
        primed = self._primed

        def lookup(text: str) -> Any:
            c = primed.get(text)
            return c if c is not None else texts.get(tenant, text)

        return lookup

    def _prime(self, tenant: str, rows: Sequence[Mapping[str, Any]]) -> None:
        """Classify the batch's comment texts at once (one classify_many call for the new ones)."""
        texts = self.texts
        if texts is None:
            return
        distinct = list(
            dict.fromkeys(r["text"] for r in rows if r.get("kind") == "comment" and r.get("text"))
        )
        if distinct:
            self._primed.update(zip(distinct, texts.classify(tenant, distinct), strict=True))

    def _new_stream(self, tenant: str, room: RoomLive, key: str) -> StreamLive:
        intents = _Intents(self._lookup(tenant))
        live = StreamLive(key, RoomState(room.room_id, key or None, tagger=intents.tagger), intents)
        if len(room.streams) >= self._max_streams:  # keep the most recent broadcasts in memory
            oldest = min(room.streams.values(), key=_recency)
            del room.streams[oldest.key]
        room.streams[key] = live
        return live

    def install(self, tenant: str, room_id: str, key: str, rows: Iterable[Mapping[str, Any]]) -> StreamLive:
        """A stream rebuilt from stored events (before its first live event, or on first view)."""
        rows = list(rows)
        room = self._room(tenant, room_id)
        live = room.streams.get(key) or self._new_stream(tenant, room, key)
        self._prime(tenant, rows)
        try:
            update = live.update
            for row in rows:
                update(row)
        finally:
            self._primed.clear()
        live.alert_dirty = bool(rows)
        return live

    # ---- the live path -----------------------------------------------------------------------
    def apply(self, tenant: str, rows: Iterable[Mapping[str, Any]]) -> int:
        """Feed new (deduplicated, stored) events; push deltas and poll tallies. Returns rows used."""
        rows = rows if isinstance(rows, list) else list(rows)
        self._prime(tenant, rows)
        try:
            return self._apply(tenant, rows)
        finally:
            self._primed.clear()

    def _apply(self, tenant: str, rows: list[Mapping[str, Any]]) -> int:
        now_s = self._clock()
        touched: dict[tuple[str, str], set[Any]] = {}
        polls_touched: dict[str, set[str]] = {}
        used = 0
        for row in rows:
            room_id = row.get("room_id")
            if not room_id:
                continue  # shop orders and stock without a room: stored, not live
            key = stream_key(row)
            room = self._room(tenant, room_id)
            live = room.streams.get(key) or self._new_stream(tenant, room, key)
            changes = touched.setdefault((room_id, key), set())
            changes.update(live.update(row))
            live.arrived_s = now_s
            live.alert_dirty = True
            used += 1
            if row.get("kind") == "comment" and room.polls:
                for poll in room.polls.values():
                    if poll.observe(row) is not None:
                        polls_touched.setdefault(room_id, set()).add(poll.poll_id)
        for (room_id, key), changes in touched.items():
            room = self._room(tenant, room_id)
            if room.subscribers and key in room.streams:
                self._publish(room, "metrics", self._delta(room, room.streams[key], changes))
        for room_id, poll_ids in polls_touched.items():
            room = self._room(tenant, room_id)
            for pid in sorted(poll_ids):
                self._publish(room, "poll", self._poll_json(room.polls[pid]))
        return used

    @staticmethod
    def _delta(room: RoomLive, live: StreamLive, changes: set[Any]) -> dict[str, Any]:
        st = live.state
        minutes: dict[int, Any] = {}
        links: dict[str, Any] = {}
        variants: dict[str, Any] = {}
        for ch in changes:
            scope, key = ch.scope, ch.key
            if scope in ("minute", "closed") and isinstance(key, int):
                minutes[key] = st.minute(key)
            elif scope == "link" and isinstance(key, str):
                links[key] = st.link(key)
            elif scope == "variant" and isinstance(key, str):
                variants[key] = st.variant(key)
        out: dict[str, Any] = {
            "room_id": room.room_id,
            "stream_id": st.meta.get("stream_id"),
            "header": st.header(),
            "overall": st.overall(),
            "minutes": [minutes[m] for m in sorted(minutes)],
            "links": [links[k] for k in sorted(links)],
            "variants": [variants[k] for k in sorted(variants)],
            "intents": live.intents.top(),
        }
        if live.asked.version != live.asked_sent:
            out["asked"] = live.asked.top()
            out["restock"] = live.asked.restock_top()
            live.asked_sent = live.asked.version
        return out

    def _publish(self, room: RoomLive, kind: str, data: Any) -> None:
        self._seq += 1
        message = sse_message(kind, data, self._seq)
        for sub in room.subscribers:
            sub.push(message)

    # ---- alerts ------------------------------------------------------------------------------
    def tick_alerts(self) -> list[tuple[str, AlertEvent]]:
        """Evaluate alerts on streams that changed since the last tick; publish what changed."""
        out: list[tuple[str, AlertEvent]] = []
        for tenant, t in self._tenants.items():
            for room in t.rooms.values():
                for live in room.streams.values():
                    if not live.alert_dirty:
                        continue
                    live.alert_dirty = False
                    clock = live.state.max_ts_ms
                    if clock is None:
                        continue
                    for ev in t.engine.observe(live.state, clock, live.asked.restock_window):
                        self._record_alert(room, ev)
                        out.append((tenant, ev))
        if self._on_alert is not None:
            for tenant, ev in out:
                self._on_alert(tenant, ev)
        return out

    def _record_alert(self, room: RoomLive, ev: AlertEvent) -> None:
        data = ev.to_json()
        akey = (ev.stream_id or "", ev.kind, ev.subject)
        if ev.status == "firing":
            room.active[akey] = data
        else:
            room.active.pop(akey, None)
        room.alerts.append(data)
        self._publish(room, "alert", data)

    # ---- polls -------------------------------------------------------------------------------
    @staticmethod
    def _poll_json(poll: Poll) -> dict[str, Any]:
        data = poll.result().to_json()
        data["status"] = "open" if poll.is_open else "closed"
        if poll.is_open:
            data["closed_ms"] = None
        return data

    def open_poll(
        self, tenant: str, room_id: str, *, text: str | None = None, links: Sequence[int] | None = None,
        question: str | None = None,
    ) -> dict[str, Any]:  # fmt: skip
        """Open a poll in a live room from operator text or link numbers; returns its JSON."""
        room = self.room(tenant, room_id)
        if room is None or room.current() is None:
            raise NotFoundError(f"没有这个直播间：{room_id}", f"no such room: {room_id}", room_id=room_id)
        live = room.current()
        assert live is not None
        opened = live.state.max_ts_ms or int(self._clock() * 1000)
        poll_id = "poll-" + secrets.token_hex(5)
        stream_id = live.state.meta.get("stream_id")
        if text:
            poll = Poll.from_text(poll_id, text, opened, room_id=room_id, stream_id=stream_id)
        elif links:
            kw: dict[str, Any] = {"room_id": room_id, "stream_id": stream_id}
            if question:
                kw["question"] = question
            poll = Poll.for_links(poll_id, list(links), opened, **kw)
        else:
            raise InputError(
                "请给出投票选项：text（如「黑色扣1 白色扣2」）或 links（链接号）",
                "give the poll options: text (e.g. '黑色扣1 白色扣2') or links (link numbers)",
            )
        room.polls[poll_id] = poll
        data = self._poll_json(poll)
        self._publish(room, "poll", data)
        return data

    def close_poll(self, tenant: str, room_id: str, poll_id: str) -> dict[str, Any]:
        """Close an open poll at the room's current event time; returns the final result JSON."""
        room = self.room(tenant, room_id)
        poll = None if room is None else room.polls.get(poll_id)
        if room is None or poll is None:
            raise NotFoundError(
                f"没有这个进行中的投票：{poll_id}", f"no such open poll: {poll_id}", poll_id=poll_id
            )
        live = room.current()
        end = (live.state.max_ts_ms if live is not None else None) or int(self._clock() * 1000)
        poll.close(end)
        del room.polls[poll_id]
        data = self._poll_json(poll)
        room.closed_polls.append(data)
        self._publish(room, "poll", data)
        return data

    def restore_closed_poll(self, tenant: str, room_id: str, data: dict[str, Any]) -> None:
        self._room(tenant, room_id).closed_polls.append(data)

    def polls(self, tenant: str, room_id: str) -> dict[str, list[dict[str, Any]]]:
        room = self.room(tenant, room_id)
        if room is None:
            return {"open": [], "closed": []}
        return {
            "open": [self._poll_json(p) for p in room.polls.values()],
            "closed": list(reversed(room.closed_polls)),
        }

    # ---- reads -------------------------------------------------------------------------------
    def view(self, tenant: str, room_id: str, stream_id: str | None = None) -> dict[str, Any] | None:
        """Everything the dashboard shows for a room (its latest broadcast unless one is named)."""
        room = self.room(tenant, room_id)
        if room is None:
            return None
        live = room.streams.get(stream_id) if stream_id is not None else room.current()
        if live is None:
            return None
        now_s = self._clock()
        return {
            "room_id": room_id,
            "stream_id": live.state.meta.get("stream_id"),
            "live": live.summary(now_s)["live"],
            "streams": [s.summary(now_s) for s in room.streams.values()],
            "state": live.state.snapshot(),
            "intents": live.intents.top(),
            "asked": live.asked.top(),
            "restock": live.asked.restock_top(),
            "alerts": {"active": list(room.active.values()), "recent": list(reversed(room.alerts))},
            "polls": self.polls(tenant, room_id),
            "server_ms": int(now_s * 1000),
        }

    def rooms(self, tenant: str) -> list[dict[str, Any]]:
        """Rooms of a tenant known live (headline numbers of each room's latest broadcast)."""
        t = self._tenants.get(tenant)
        if t is None:
            return []
        now_s = self._clock()
        out = []
        for room in t.rooms.values():
            live = room.current()
            if live is None:
                continue
            st = live.state
            o = st.overall()
            out.append(
                {
                    "room_id": room.room_id,
                    **live.summary(now_s),
                    "channel": st.meta.get("channel"),
                    "author_id": st.meta.get("author_id"),
                    "platform": st.meta.get("platform"),
                    "gmv_fen": o["gmv_fen"],
                    "uv": o["uv"],
                    "online_now": o["online_now"],
                    "conversion": o["conversion"],
                    "alerts_active": len(room.active),
                }
            )
        return out

    # ---- subscribers -------------------------------------------------------------------------
    def subscribe(self, tenant: str, room_id: str) -> Subscriber:
        sub = Subscriber()
        self._room(tenant, room_id).subscribers.add(sub)
        return sub

    def unsubscribe(self, tenant: str, room_id: str, sub: Subscriber) -> None:
        room = self.room(tenant, room_id)
        if room is not None:
            room.subscribers.discard(sub)

    def close_streams(self) -> int:
        """End every open live stream (the server is shutting down); returns how many."""
        n = 0
        for t in self._tenants.values():
            for room in t.rooms.values():
                for sub in room.subscribers:
                    sub.close()
                    n += 1
        return n

    def next_seq(self) -> int:
        self._seq += 1
        return self._seq
