"""The server's write path and its store reads: append, then feed the live hub exactly once.

One asyncio lock orders every append and every warm-up of a stream, so the hub sees each stored
event exactly once: a stream is rebuilt from the store *before* its first live event (so a restart
mid-broadcast keeps its numbers), and events are applied only after the store acknowledged them.

Which events of a batch were new: the store reports counts, not rows. All new, or none, is the
common case; for a mixed batch the new rows are read back — rows of this batch's keys whose
``ingest_ms`` is at or after the moment this append began. Appends are serialised and each begins
strictly after the previous one ended (to the millisecond), so an earlier copy of a key cannot
carry a later ``ingest_ms``. The server is the store's only writer (DuckDB allows one process).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

import polars as pl

from kuaifan.api.hub import NO_STREAM, LiveHub, stream_key
from kuaifan.api.intake import Intake
from kuaifan.events import POLARS_SCHEMA, now_ms
from kuaifan.sources.base import DeadLetter
from kuaifan.store.log import EventStore

_ROOM_KINDS: Final = ("stream_start", "stream_end")


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


def _frame(rows: Sequence[dict[str, Any]]) -> pl.DataFrame:
    return pl.DataFrame(list(rows), schema=POLARS_SCHEMA)


class IngestService:
    """Appends to the store and feeds the hub; reads rooms back from the store when asked."""

    def __init__(self, store: EventStore, hub: LiveHub) -> None:
        self.store = store
        self.hub = hub
        self._lock = asyncio.Lock()
        self._last_end_ms = 0
        self._store_rooms: dict[str, dict[str, dict[str, Any]]] = {}

    # ---- writing -----------------------------------------------------------------------------
    async def ingest(self, tenant: str, intake: Intake) -> IngestResult:
        rows = intake.rows
        async with self._lock:
            for room_id, key in dict.fromkeys(
                (r["room_id"], stream_key(r)) for r in rows if r.get("room_id")
            ):
                if not self.hub.has_stream(tenant, room_id, key):
                    await self._warm(tenant, room_id, key)
            start = now_ms()
            while start <= self._last_end_ms:  # strictly after the previous append ended
                await asyncio.sleep(0.001)
                start = now_ms()
            accepted = duplicates = 0
            try:
                if rows:
                    result = await asyncio.to_thread(self.store.append, _frame(rows))
                    accepted, duplicates = result.accepted, result.duplicates
                if intake.dead:
                    await asyncio.to_thread(self.store.add_dead_letters, intake.dead)
            finally:
                self._last_end_ms = now_ms()
            if accepted == len(rows):
                new = rows
            elif accepted == 0:
                new = []
            else:
                new = await self._new_rows(tenant, rows, start)
            self.hub.apply(tenant, new)
        return IngestResult(accepted, duplicates + intake.batch_duplicates, len(intake.dead), intake.errors)

    async def dead_letter(self, items: Sequence[DeadLetter]) -> None:
        """Record a request that could not be read at all (e.g. malformed JSON)."""
        async with self._lock:
            await asyncio.to_thread(self.store.add_dead_letters, list(items))

    async def _new_rows(self, tenant: str, rows: list[dict[str, Any]], start_ms: int) -> list[dict[str, Any]]:
        new_keys: set[tuple[str, str]] = set()
        groups: dict[tuple[str, str], list[int]] = {}
        for r in rows:
            if r.get("room_id"):
                groups.setdefault((r["room_id"], stream_key(r)), []).append(r["ts_ms"])
        for (room_id, key), ts in groups.items():
            df = await asyncio.to_thread(
                self.store.read,
                tenant,
                room_id=room_id,
                stream_id=key or None,
                start_ms=min(ts),
                end_ms=max(ts) + 1,
            )
            df = df.filter(pl.col("ingest_ms") >= start_ms)
            new_keys.update(zip(df["platform"].to_list(), df["msg_id"].to_list(), strict=True))
        return [r for r in rows if r.get("room_id") and (r["platform"], r["msg_id"]) in new_keys]

    # ---- warming streams from the store ------------------------------------------------------
    async def _warm(self, tenant: str, room_id: str, key: str) -> int:
        df = await asyncio.to_thread(self.store.read, tenant, room_id=room_id, stream_id=key or None)
        if key == NO_STREAM:
            df = df.filter(pl.col("stream_id").is_null())
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
