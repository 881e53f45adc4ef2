"""The server's write path and its store reads: append, then feed the live hub exactly once.

Requests are queued for one writer task (group commit): everything that arrived while the previous
append ran is merged into the next append, because an append has a fixed cost (~10 ms) whatever
its size. Each request still gets its own exact counts, and is answered only after its rows are in
the store and in the live hub.

One asyncio lock orders every append and every warm-up of a stream, so the hub sees each stored
event exactly once: a stream is rebuilt from the store *before* its first live event (so a restart
mid-broadcast keeps its numbers), and events are applied only after the store acknowledged them.

Which events of a group were new: the store reports counts, not rows. All new, or none, is the
common case; for a mixed group the new rows are read back — rows of this group's keys whose
``ingest_ms`` is at or after the moment this append began. Appends are serialised and each begins
strictly after the previous one ended (to the millisecond), so an earlier copy of a key cannot
carry a later ``ingest_ms``. The server is the store's only writer (DuckDB allows one process).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

import polars as pl

from kuaifan.api.hub import NO_STREAM, LiveHub, stream_key
from kuaifan.api.intake import Intake
from kuaifan.events import POLARS_SCHEMA, DeadLetter, now_ms
from kuaifan.store.log import EventStore

_ROOM_KINDS: Final = ("stream_start", "stream_end")
GROUP_ROWS: Final = 20_000  # rows per group commit
APPEND_INTERVAL_S: Final = 0.05


@dataclass(frozen=True, slots=True)
class IngestResult:
    accepted: int
    duplicates: int
    rejected: int
    errors: list[dict[str, Any]]

    def to_json(self) -> dict[str, Any]:
        return {
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "rejected": self.rejected,
            "errors": self.errors,
        }


@dataclass(slots=True)
class _Job:
    tenant: str
    intake: Intake
    future: asyncio.Future[IngestResult]


def _frame(rows: Sequence[dict[str, Any]]) -> pl.DataFrame:
    return pl.DataFrame(list(rows), schema=POLARS_SCHEMA)


class IngestService:
    """Appends to the store and feeds the hub; reads rooms back from the store when asked."""

    def __init__(self, store: EventStore, hub: LiveHub) -> None:
        self.store = store
        self.hub = hub
        self._lock = asyncio.Lock()
        self._jobs: deque[_Job] = deque()
        self._wake = asyncio.Event()
        self._writer: asyncio.Task[None] | None = None
        self._last_end_ms = 0
        self._last_group_s = 0.0
        self._store_rooms: dict[str, dict[str, dict[str, Any]]] = {}

    # ---- writing -----------------------------------------------------------------------------
    async def ingest(self, tenant: str, intake: Intake) -> IngestResult:
        """Queue a checked request for the writer; return once its rows are stored and applied."""
        job = _Job(tenant, intake, asyncio.get_running_loop().create_future())
        self._jobs.append(job)
        self._wake.set()
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_loop(), name="kuaifan-ingest-writer")
        return await job.future

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._writer

    async def _write_loop(self) -> None:
        # Group commit: whatever queued up while the previous append ran goes in one append
        # (an append has a fixed cost of ~10 ms, whatever its size).
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._jobs:
                # Under load, at most one append per APPEND_INTERVAL_S: the wait gathers a bigger
                # group (an append costs ~10 ms of CPU whatever its size); idle, no wait at all.
                wait = self._last_group_s + APPEND_INTERVAL_S - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                self._last_group_s = time.monotonic()
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
            start = now_ms()
            while start <= self._last_end_ms:  # strictly after the previous append ended
                await asyncio.sleep(0.001)
                start = now_ms()
            accepted = 0
            try:
                if merged:
                    accepted = (await asyncio.to_thread(self.store.append, _frame(merged))).accepted
                if dead:
                    await asyncio.to_thread(self.store.add_dead_letters, dead)
            finally:
                self._last_end_ms = now_ms()
            if accepted == len(merged):
                is_new = [True] * len(merged)
            elif accepted == 0:
                is_new = [False] * len(merged)
            else:
                keys = await self._new_keys(merged, start)
                is_new = [(r["tenant"], r["platform"], r["msg_id"]) in keys for r in merged]
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
                new_count[i],
                sent[i] - new_count[i] + later_copies[i] + job.intake.batch_duplicates,
                len(job.intake.dead),
                job.intake.errors,
            )
            for i, job in enumerate(jobs)
        ]

    async def dead_letter(self, items: Sequence[DeadLetter]) -> None:
        """Record a request that could not be read at all (e.g. malformed JSON)."""
        async with self._lock:
            await asyncio.to_thread(self.store.add_dead_letters, list(items))

    async def _new_keys(self, rows: list[dict[str, Any]], start_ms: int) -> set[tuple[str, str, str]]:
        """Keys of ``rows`` the append that began at ``start_ms`` stored (read back, see module doc)."""
        groups: dict[tuple[str, str | None, str], list[int]] = {}
        for r in rows:
            groups.setdefault((r["tenant"], r.get("room_id"), stream_key(r)), []).append(r["ts_ms"])
        keys: set[tuple[str, str, str]] = set()
        for (tenant, room_id, key), ts in groups.items():
            df = await asyncio.to_thread(
                self.store.read,
                tenant,
                room_id=room_id,
                stream_id=(key or None) if room_id else None,
                start_ms=min(ts),
                end_ms=max(ts) + 1,
            )
            df = df.filter(pl.col("ingest_ms") >= start_ms)
            keys.update(
                zip(df["tenant"].to_list(), df["platform"].to_list(), df["msg_id"].to_list(), strict=True)
            )
        return keys

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
