"""The server's write path and its store reads: append, then feed the live hub exactly once.

Requests are queued for one writer task (group commit): everything that arrived while the previous
append ran is merged into the next append, because an append has a fixed cost whatever its size
(DuckDB's statements and its commit: 2-4 ms of CPU, and an fsync). Pacing adapts to that cost:
idle, a request is appended at once; under load, the next group starts only once the last one's
CPU is at most ``WRITER_SHARE`` of the time since it started (never more than ``MAX_PACING_S``
later), so the groups grow with the load instead of the commits eating the cores. Each request
still gets its own exact counts, and is answered only after its rows are in the store and in the
live hub.

Comments are tagged as they are stored: each distinct text is classified once per tenant
(``kuaifan.live.texts.CommentTexts``, shared with the live hub), when its request is admitted, and
the tags of texts not yet kept go into the same transaction as the events
(``Store.append_tagged``), so the dashboard, ``kuaifan signals`` and exports find them at once.

One asyncio lock orders every append and every warm-up of a stream, so the hub sees each stored
event exactly once: a stream is rebuilt from the store *before* its first live event (so a restart
mid-broadcast keeps its numbers), and events are applied only after the store acknowledged them.

Which events of a group were new is what the store's ``append_new`` answers, row by row, so
other writers of the same store cannot confuse it. Every record passes the tenant-and-privacy gate
(``kuaifan.sources.gate``) before it is queued.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Final

import orjson
import polars as pl
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from kuaifan.app.settings import check_tenants
from kuaifan.config import AlertThresholds, Settings
from kuaifan.errors import InputError, NotFoundError
from kuaifan.events import EVENT_COLUMNS, POLARS_SCHEMA, DeadLetter
from kuaifan.live.alerts import AlertEvent
from kuaifan.live.hub import CLOSE, NO_STREAM, RESYNC, LiveHub, sse_message, stream_key
from kuaifan.live.pollbook import PollBook
from kuaifan.live.texts import ClassifyMany, CommentTexts
from kuaifan.sources.gate import RAW_LIMIT, Admitted, TenantGate
from kuaifan.store import Store, TagRows

log = logging.getLogger("kuaifan.live")
_ROOM_KINDS: Final = ("stream_start", "stream_end")
GROUP_ROWS: Final = 8_192  # rows per group commit (the store's indexed append takes up to 8,192)
WRITER_SHARE: Final = 0.25  # of a core, for the group commits' fixed cost under load
MAX_PACING_S: Final = 0.02


class RefusedItem(BaseModel):
    model_config = ConfigDict(frozen=True)

    index: int  # 0-based position in the request
    reason: str


class IngestResult(BaseModel):
    """The answer to a batch of pushed events: each is new, a duplicate or refused (with why)."""

    model_config = ConfigDict(frozen=True)

    accepted: int
    duplicates: int
    rejected: int
    errors: list[RefusedItem]


@dataclass(slots=True)
class _Job:
    tenant: str
    intake: Admitted
    future: asyncio.Future[IngestResult]


def _frame(rows: Sequence[dict[str, Any]]) -> pl.DataFrame:
    return pl.DataFrame(list(rows), schema=POLARS_SCHEMA)


def _timed_append(store: Store, df: pl.DataFrame, tags: list[TagRows]) -> tuple[pl.Series, float]:
    """``append_tagged`` and the CPU time it took on its thread (for the writer's pacing)."""
    t0 = time.thread_time()
    mask = store.append_tagged(df, tags)
    return mask, time.thread_time() - t0


class LiveService:
    """The live rooms of a running server: appends pushed events (and their comment tags) to the
    store and feeds the hub, reads rooms back from the store when asked, answers the dashboard
    (views, live streams, polls) and runs the alerts (about once a second).

    ``use_text_classifier=False``: no comment is classified on the write path (the hub counts
    keyword tags; reads tag the comments they need, as after a file ingest).

    ``on_alert(tenant, alert)`` is called in a worker thread for each alert change (fired, escalated,
    resolved); by default the tenant's group bots (``webhooks`` in kuaifan.toml) get it."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        *,
        on_alert: AlertHook | None = None,
        use_text_classifier: bool = True,
    ) -> None:
        check_tenants(settings)  # a bad text setting fails the server's start, not a request later
        self.settings = settings
        self.store = store
        self.texts = CommentTexts(self._classifier_for) if use_text_classifier else None
        hook = on_alert if on_alert is not None else webhook_hook(settings)
        thresholds = {name: cfg.thresholds for name, cfg in settings.tenants.items()}
        self.hub = LiveHub(
            lambda tenant: thresholds.get(tenant) or AlertThresholds(),
            texts=self.texts,
            on_alert=_in_thread(hook) if hook is not None else None,
        )
        self.polls_book = PollBook(settings.home / "polls.jsonl")
        self._tasks: list[asyncio.Task[None]] = []
        self._lock = asyncio.Lock()
        self._jobs: deque[_Job] = deque()
        self._wake = asyncio.Event()
        self._writer: asyncio.Task[None] | None = None
        self._next_group_s = 0.0  # monotonic time before which the next group waits (pacing)
        self._store_rooms: dict[str, dict[str, dict[str, Any]]] = {}
        self._taggers: dict[str, str] = {}  # tenant -> fingerprint of its classifier (tags kept under it)

    # ---- writing -----------------------------------------------------------------------------
    def _classifier_for(self, tenant: str) -> ClassifyMany:
        from kuaifan.text.classifier import classifier_from_config

        return classifier_from_config(self.settings.tenants[tenant].text).classify_many

    async def ingest(self, tenant: str, intake: Admitted) -> IngestResult:
        """Queue a checked request for the writer; return once its rows are stored and applied."""
        if self.texts is not None:  # classified now, while the writer's append runs in its thread
            texts = [r["text"] for r in intake.rows if r["kind"] == "comment" and r.get("text")]
            if texts:
                self.texts.classify(tenant, list(dict.fromkeys(texts)))
        job = _Job(tenant, intake, asyncio.get_running_loop().create_future())
        self._jobs.append(job)
        self._wake.set()
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_loop(), name="kuaifan-ingest-writer")
        return await job.future

    async def start(self, *, alert_interval_s: float = 1.0) -> None:
        """Restore closed polls and start the alerts (call on the server's event loop)."""
        for tenant, result in await asyncio.to_thread(self.polls_book.load):
            if tenant in self.settings.tenants and result.get("room_id"):
                self.hub.restore_closed_poll(tenant, str(result["room_id"]), result)
        self._tasks = [asyncio.create_task(_alert_loop(self.hub, alert_interval_s), name="kuaifan-alerts")]

    async def close(self) -> None:
        tasks = [*self._tasks, *([self._writer] if self._writer is not None else [])]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []

    def close_streams(self) -> int:
        """End every open live stream (the server is shutting down); returns how many."""
        return self.hub.close_streams()

    async def _write_loop(self) -> None:
        # Group commit: whatever queued up while the previous append ran goes in the next one (an
        # append has a fixed cost whatever its size). Paced by that cost (see the module doc).
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._jobs:
                wait = self._next_group_s - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                jobs: list[_Job] = []
                rows = 0
                while self._jobs and (not jobs or rows + len(self._jobs[0].intake.rows) <= GROUP_ROWS):
                    job = self._jobs.popleft()
                    rows += len(job.intake.rows)
                    jobs.append(job)
                try:
                    results = await self._write(jobs)
                except Exception as exc:  # a store failure answers every request of the group
                    for job in jobs:
                        if not job.future.done():
                            job.future.set_exception(exc)
                else:
                    for job, result in zip(jobs, results, strict=True):
                        if not job.future.done():
                            job.future.set_result(result)

    async def _write(self, jobs: list[_Job]) -> list[IngestResult]:
        async with self._lock:
            for job in jobs:
                for room_id, key in dict.fromkeys(
                    (r["room_id"], stream_key(r)) for r in job.intake.rows if r.get("room_id")
                ):
                    if not self.hub.has_stream(job.tenant, room_id, key):
                        await self._warm(job.tenant, room_id, key)
            seen: set[tuple[str, str, str]] = set()
            merged: list[dict[str, Any]] = []
            owner: list[int] = []
            later_copies = [0] * len(jobs)  # a key an earlier request of the group already sent
            for i, job in enumerate(jobs):
                for r in job.intake.rows:
                    k = (r["tenant"], r["platform"], r["msg_id"])
                    if k in seen:
                        later_copies[i] += 1
                        continue
                    seen.add(k)
                    merged.append(r)
                    owner.append(i)
            dead = [d for job in jobs for d in job.intake.dead]
            is_new: list[bool] = []
            if merged:
                tags = self._tags_to_keep(merged)
                mask, cpu_s = await asyncio.to_thread(_timed_append, self.store, _frame(merged), tags)
                self._next_group_s = time.monotonic() + min(MAX_PACING_S, cpu_s / WRITER_SHARE - cpu_s)
                is_new = mask.to_list()
                if self.texts is not None:
                    for t in tags:
                        self.texts.mark_tagged(t.tenant, t.tags.get_column("text").to_list())
            if dead:
                await asyncio.to_thread(self.store.add_dead_letters, dead)
            by_tenant: dict[str, list[dict[str, Any]]] = {}
            for r, new in zip(merged, is_new, strict=True):
                if new:
                    by_tenant.setdefault(r["tenant"], []).append(r)
            for tenant, new_rows in by_tenant.items():
                self.hub.apply(tenant, new_rows)
        sent = [0] * len(jobs)
        new_count = [0] * len(jobs)
        for i, new in zip(owner, is_new, strict=True):
            sent[i] += 1
            new_count[i] += new
        return [
            IngestResult(
                accepted=new_count[i],
                duplicates=sent[i] - new_count[i] + later_copies[i] + job.intake.batch_duplicates,
                rejected=len(job.intake.dead),
                errors=[RefusedItem.model_validate(e) for e in job.intake.errors],
            )
            for i, job in enumerate(jobs)
        ]

    def _tags_to_keep(self, rows: Sequence[dict[str, Any]]) -> list[TagRows]:
        """Per tenant, the tags of the group's comment texts that this process has not stored yet."""
        if self.texts is None:
            return []
        from kuaifan.text.tagging import tagger_id, tags_frame

        texts: dict[str, dict[str, None]] = {}
        for r in rows:
            if r["kind"] == "comment" and r.get("text"):
                texts.setdefault(r["tenant"], {})[r["text"]] = None
        out = []
        for tenant, distinct in texts.items():
            self.texts.classify(tenant, list(distinct))  # cached when the request was admitted
            untagged = self.texts.untagged(tenant, distinct)
            if not untagged:
                continue
            comments = self.texts.classify(tenant, untagged)
            tagger = self._taggers.get(tenant)
            if tagger is None:
                tagger = self._taggers[tenant] = tagger_id(self.settings.tenants[tenant].text)
            out.append(TagRows(tenant, tagger, tags_frame(untagged, comments)))
        return out

    async def append_stored(self, df: pl.DataFrame) -> pl.Series:
        """Append rows that came another way than a push (a command's file ingest through the local
        link): in the same order as the pushes, and fed to the streams the hub holds, so a room on
        screen counts them; a stream it does not hold is rebuilt from the store when next needed."""
        async with self._lock:
            mask = await asyncio.to_thread(self.store.append_new, df)
            new = df.filter(mask) if mask.any() else df.clear()
            for tenant in new.get_column("tenant").unique().to_list():
                self._store_rooms.pop(tenant, None)  # the room list re-reads the store
                rows = new.filter(pl.col("tenant") == tenant)
                held = [
                    (room_id, key)
                    for room_id in rows.get_column("room_id").drop_nulls().unique().to_list()
                    if (room := self.hub.room(tenant, room_id)) is not None
                    for key in room.streams
                ]
                if held:
                    pairs = pl.DataFrame(held, schema={"room_id": pl.String, "_key": pl.String}, orient="row")
                    live = (
                        rows.with_columns(pl.col("stream_id").fill_null(NO_STREAM).alias("_key"))
                        .join(pairs, on=["room_id", "_key"], how="semi", maintain_order="left")
                        .select(EVENT_COLUMNS)
                    )
                    self.hub.apply(tenant, live.iter_rows(named=True))
        return mask

    async def dead_letter(self, items: Sequence[DeadLetter]) -> None:
        """Record a request that could not be read at all (e.g. malformed JSON)."""
        async with self._lock:
            await asyncio.to_thread(self.store.add_dead_letters, list(items))

    # ---- warming streams from the store ------------------------------------------------------
    async def _warm(self, tenant: str, room_id: str, key: str) -> int:
        df = await asyncio.to_thread(self.store.read, tenant, room_id=room_id, stream_id=key or None)
        if key == NO_STREAM:
            df = df.filter(pl.col("stream_id").is_null())
        if df.height:  # a new stream starts empty with its first live event
            self.hub.install(tenant, room_id, key, df.iter_rows(named=True))
        return df.height

    async def ensure_room(self, tenant: str, room_id: str, stream_id: str | None = None) -> bool:
        """Make sure the hub holds the room (its latest broadcast, or the named one); False if unknown."""
        room = self.hub.room(tenant, room_id)
        if room is not None and room.streams and (stream_id is None or stream_id in room.streams):
            return True
        async with self._lock:
            room = self.hub.room(tenant, room_id)
            if room is not None and room.streams and (stream_id is None or stream_id in room.streams):
                return True
            if stream_id is not None:
                return await self._warm(tenant, room_id, stream_id) > 0
            marks = await asyncio.to_thread(self.store.read, tenant, room_id=room_id, kinds=_ROOM_KINDS)
            if marks.height == 0:
                marks = await asyncio.to_thread(self.store.read, tenant, room_id=room_id)
            if marks.height == 0:
                return False
            latest = marks.sort("ts_ms").tail(1).row(0, named=True)
            return await self._warm(tenant, room_id, stream_key(latest)) > 0

    # ---- room list ---------------------------------------------------------------------------
    async def rooms(self, tenant: str) -> list[dict[str, Any]]:
        """Rooms in the store (broadcasts marked by stream_start/stream_end) and rooms seen live."""
        stored = self._store_rooms.get(tenant)
        if stored is None:
            df = await asyncio.to_thread(self.store.read, tenant, kinds=_ROOM_KINDS)
            stored = {}
            for row in df.sort("ts_ms").iter_rows(named=True):
                room_id = row["room_id"]
                if not room_id:
                    continue
                entry = stored.setdefault(room_id, {"room_id": room_id, "first_ts_ms": row["ts_ms"]})
                entry.update(
                    stream_id=row["stream_id"], max_ts_ms=row["ts_ms"], channel=row["channel"],
                    author_id=row["author_id"], platform=row["platform"],
                )  # fmt: skip
            self._store_rooms[tenant] = stored
        merged: dict[str, dict[str, Any]] = {}
        for room_id, entry in stored.items():
            merged[room_id] = {
                **entry, "live": False, "events": None, "gmv_fen": None, "uv": None, "online_now": None,
                "conversion": None, "alerts_active": 0, "ended_ms": None, "started_ms": None,
            }  # fmt: skip
        for entry in self.hub.rooms(tenant):
            merged[entry["room_id"]] = entry
        return sorted(
            merged.values(), key=lambda e: (not e["live"], -(e.get("max_ts_ms") or 0), e["room_id"])
        )


SOURCE: Final = "api"


def parse_events_body(body: bytes) -> list[Any]:
    """The JSON array of a ``POST /v1/events`` body; InputError when it is not one."""
    if not body.strip():
        raise InputError(
            "请求体为空：需要一个事件的 JSON 数组", "empty body: expected a JSON array of events"
        )
    try:
        value = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise InputError(f"JSON 格式错误：{exc}", f"malformed JSON: {exc}") from None
    if not isinstance(value, list):
        kind = "null" if value is None else type(value).__name__
        raise InputError(
            f"需要一个事件的 JSON 数组，收到的是 {kind}", f"expected a JSON array of events, got {kind}"
        )
    return value


async def admit_body(service: LiveService, settings: Settings, tenant: str, body: bytes) -> Admitted:
    """A request body through the tenant's gate. A body that is no JSON array is kept as one dead
    letter and refused (InputError)."""
    try:
        items = parse_events_body(body)
    except InputError as exc:
        raw = body[:RAW_LIMIT].decode("utf-8", errors="backslashreplace")
        await service.dead_letter([DeadLetter(SOURCE, exc.en, raw, None, tenant)])
        raise
    return TenantGate.of(tenant, settings.tenants[tenant]).admit_all(items, SOURCE)


# ---- the dashboard's reads -------------------------------------------------------------------------


def _unknown_room(room_id: str) -> NotFoundError:
    return NotFoundError(f"没有这个直播间：{room_id}", f"no such room: {room_id}", room_id=room_id)


async def room_view(
    service: LiveService, tenant: str, room_id: str, stream_id: str | None = None
) -> dict[str, Any]:
    """Everything the dashboard shows for a room (its latest broadcast unless one is named)."""
    if not await service.ensure_room(tenant, room_id, stream_id):
        raise _unknown_room(room_id)
    view = service.hub.view(tenant, room_id, stream_id)
    if view is None:
        raise _unknown_room(room_id)
    return view


async def live_stream(
    service: LiveService, tenant: str, room_id: str, heartbeat_s: float
) -> AsyncIterator[bytes]:
    """Server-Sent Events of a room: ``snapshot`` first, then ``metrics`` deltas, ``alert`` and ``poll``;
    a comment line every ``heartbeat_s`` when quiet. NotFoundError before anything is sent when the
    room is unknown."""
    if not await service.ensure_room(tenant, room_id):
        raise _unknown_room(room_id)
    hub = service.hub
    sub = hub.subscribe(tenant, room_id)

    def snapshot() -> bytes:
        return sse_message("snapshot", hub.view(tenant, room_id), hub.next_seq())

    first = snapshot()

    async def events() -> AsyncIterator[bytes]:
        try:
            yield b"retry: 2000\n\n" + first
            queue = sub.queue
            while True:
                try:
                    async with asyncio.timeout(heartbeat_s):
                        message = await queue.get()
                except TimeoutError:
                    yield b": ping\n\n"
                    continue
                # Whatever else is already queued goes out in the same write.
                chunk = [message]
                while not queue.empty() and len(chunk) < 64:
                    chunk.append(queue.get_nowait())
                parts: list[bytes] = []
                for m in chunk:
                    if m == CLOSE:
                        if parts:
                            yield b"".join(parts)
                        return
                    if m is RESYNC:
                        sub.resync = False
                        parts = [snapshot()]  # the snapshot holds everything before it
                    else:
                        parts.append(m)
                yield b"".join(parts)
        finally:
            hub.unsubscribe(tenant, room_id, sub)

    return events()


class PollRequest(BaseModel):
    """Open a poll (共创投票): operator text ("黑色扣1 白色扣2") or link numbers."""

    model_config = ConfigDict(extra="forbid")

    text: str | None = Field(None, min_length=1, max_length=500)
    links: list[Annotated[int, Field(ge=0, le=10_000)]] | None = Field(None, min_length=2, max_length=20)
    question: str | None = Field(None, max_length=500)


async def open_poll(service: LiveService, tenant: str, room_id: str, body: bytes) -> dict[str, Any]:
    try:
        req = PollRequest.model_validate_json(body or b"{}", strict=True)
    except ValidationError as err:
        e = err.errors()[0]
        where = ".".join(str(p) for p in e["loc"]) or "body"
        raise InputError(
            f"投票请求无效：{where}：{e['msg']}", f"invalid poll request: {where}: {e['msg']}"
        ) from None
    if not await service.ensure_room(tenant, room_id):
        raise _unknown_room(room_id)
    return service.hub.open_poll(tenant, room_id, text=req.text, links=req.links, question=req.question)


async def list_polls(service: LiveService, tenant: str, room_id: str) -> dict[str, Any]:
    if not await service.ensure_room(tenant, room_id):
        raise _unknown_room(room_id)
    return service.hub.polls(tenant, room_id)


async def close_poll(service: LiveService, tenant: str, room_id: str, poll_id: str) -> dict[str, Any]:
    """Close an open poll; its result is kept (``polls.jsonl``) before the answer."""
    result = service.hub.close_poll(tenant, room_id, poll_id)
    await asyncio.to_thread(service.polls_book.record, tenant, result)
    return result


# ---- background work -------------------------------------------------------------------------------

AlertHook = Callable[[str, AlertEvent], Any]


def webhook_hook(settings: Settings) -> AlertHook | None:
    """Send alert changes to each tenant's group bots (``webhooks`` in kuaifan.toml), if any."""
    from kuaifan.live.webhooks import notify

    targets = {name: list(cfg.webhooks) for name, cfg in settings.tenants.items() if cfg.webhooks}
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
