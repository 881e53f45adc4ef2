"""``kuaifan replay``: stream stored or simulated events into a running server as if live.

Events are read from a simulator output directory (``events/*.jsonl`` or ``*.parquet``), JSONL files
or Parquet exports (``kuaifan export``), merged across files in event-time order, and POSTed to
``/v1/events`` paced by event time divided by ``speed`` (``speed <= 0``: as fast as the server takes
them), in batches of at most ``batch_max`` events or ``batch_bytes`` bytes, one batch per ``tick_s``.

By default events keep their identity, so a second replay of the same data is all duplicates (the
server is idempotent on msg_id). ``as_new=True`` (``--now``) replays them as a new broadcast that
starts now: event times are shifted so the first event is at the current time, and ``stream_id``,
``msg_id`` and ``order_id`` get a ``~r<start>`` suffix.

Failed POSTs (connection errors, 5xx, 429) are retried with backoff: retries are safe because the
server drops duplicate msg_ids. Lines that are not JSON objects are reported (file, line), not sent.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import httpx
import orjson
import polars as pl

from kuaifan.errors import AuthError, InputError, KuaifanError

BATCH_MAX: Final = 500
BATCH_BYTES: Final = 512 << 10  # well under the server's 1 MB body limit
TICK_S: Final = 0.1
RETRIES: Final = 5
_SUFFIX_FIELDS: Final = ("stream_id", "msg_id", "order_id")


class ServerUnavailable(KuaifanError):
    code = "server_unavailable"
    exit_code = 69  # EX_UNAVAILABLE
    http_status = 502


@dataclass(frozen=True, slots=True)
class LocalReject:
    path: str
    line: int
    reason: str


@dataclass(slots=True)
class ReplayReport:
    sent: int = 0
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    batches: int = 0
    wall_s: float = 0.0
    local_rejects: list[LocalReject] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "sent": self.sent,
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "rejected": self.rejected,
            "batches": self.batches,
            "wall_s": round(self.wall_s, 3),
            "unreadable_lines": len(self.local_rejects),
        }


# ---- reading -------------------------------------------------------------------------------------
def event_files(paths: Sequence[Path]) -> list[Path]:
    """JSONL / Parquet files under ``paths``; a simulator directory contributes ``events/`` only."""
    files: list[Path] = []
    for p in paths:
        if not p.exists():
            raise InputError(f"路径不存在：{p}", f"no such file or directory: {p}", path=str(p))
        if p.is_dir():
            root = p / "events" if (p / "events").is_dir() else p
            files.extend(
                f
                for f in sorted(root.rglob("*"))
                if f.is_file()
                and not any(part.startswith(".") for part in f.relative_to(root).parts)
                and f.suffix in (".jsonl", ".ndjson", ".parquet")
            )
        else:
            files.append(p)
    if not files:
        shown = ", ".join(str(p) for p in paths)
        raise InputError(
            f"没有找到事件文件（.jsonl / .parquet）：{shown}",
            f"no event files (.jsonl / .parquet) in {shown}",
        )
    return files


def _read_jsonl(path: Path, rejects: list[LocalReject]) -> Iterator[dict[str, Any]]:
    with path.open("rb") as f:
        for no, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                obj = orjson.loads(line)
            except orjson.JSONDecodeError as exc:
                rejects.append(LocalReject(str(path), no, f"malformed JSON: {exc}"))
                continue
            if not isinstance(obj, dict):
                rejects.append(LocalReject(str(path), no, "not a JSON object"))
                continue
            yield obj


def _read_parquet(path: Path) -> Iterator[dict[str, Any]]:
    df = pl.read_parquet(path)
    for row in df.iter_rows(named=True):
        yield {k: v for k, v in row.items() if v is not None and k != "ingest_ms"}


def load_events(paths: Sequence[Path]) -> tuple[list[dict[str, Any]], list[LocalReject]]:
    """Every event of ``paths`` in event-time order (stable: file order, then line order)."""
    rejects: list[LocalReject] = []
    events: list[dict[str, Any]] = []
    for f in event_files(paths):
        try:
            if f.suffix == ".parquet":
                events.extend(_read_parquet(f))
            else:
                events.extend(_read_jsonl(f, rejects))
        except (OSError, pl.exceptions.PolarsError) as exc:
            raise InputError(f"无法读取 {f}：{exc}", f"cannot read {f}: {exc}", path=str(f)) from None
    events.sort(key=_ts)
    return events, rejects


def _ts(event: dict[str, Any]) -> int:
    ts = event.get("ts_ms")
    return ts if isinstance(ts, int) and not isinstance(ts, bool) else -(2**62)


def as_new_broadcast(events: Sequence[dict[str, Any]], start_ms: int) -> list[dict[str, Any]]:
    """The events shifted to start at ``start_ms``, with ids suffixed so they form a new broadcast."""
    first = next((_ts(e) for e in events if _ts(e) > -(2**62)), start_ms)
    shift = start_ms - first
    tag = f"~r{start_ms}"
    out = []
    for e in events:
        e = dict(e)
        if isinstance(e.get("ts_ms"), int):
            e["ts_ms"] += shift
        for name in _SUFFIX_FIELDS:
            if isinstance(e.get(name), str):
                e[name] += tag
        out.append(e)
    return out


# ---- sending -------------------------------------------------------------------------------------
def _post(client: httpx.Client, url: str, api_key: str, body: bytes, retries: int) -> dict[str, Any]:
    delay = 0.2
    for attempt in range(retries + 1):
        try:
            r = client.post(
                url, content=body, headers={"X-API-Key": api_key, "Content-Type": "application/json"}
            )
        except httpx.TransportError as exc:
            if attempt == retries:
                raise ServerUnavailable(
                    f"无法连接服务器 {url}：{exc}；`kuaifan serve` 是否在运行？",
                    f"cannot reach the server at {url}: {exc}; is `kuaifan serve` running?",
                    url=url,
                ) from None
        else:
            if r.status_code == 200:
                data: dict[str, Any] = r.json()
                return data
            if r.status_code == 401:
                raise AuthError(
                    "服务器拒绝了 API 密钥（--api-key 或 kuaifan.toml 中的租户密钥）",
                    "the server refused the API key (--api-key or the tenant key in kuaifan.toml)",
                )
            if r.status_code < 500 and r.status_code != 429:
                raise InputError(
                    f"服务器拒绝了这批事件（HTTP {r.status_code}）：{r.text[:300]}",
                    f"the server refused a batch (HTTP {r.status_code}): {r.text[:300]}",
                )
            if attempt == retries:
                raise ServerUnavailable(
                    f"服务器一直返回 HTTP {r.status_code}", f"the server kept answering HTTP {r.status_code}"
                )
        time.sleep(delay)
        delay = min(delay * 2, 5.0)
    raise AssertionError("unreachable")


def _batches(
    events: Sequence[dict[str, Any]], batch_max: int, batch_bytes: int
) -> Iterator[tuple[int, bytes, int]]:
    """(index of the first event, body, count) of consecutive batches, each within both limits."""
    i = 0
    n = len(events)
    while i < n:
        parts: list[bytes] = []
        size = 2
        j = i
        while j < n and j - i < batch_max:
            b = orjson.dumps(events[j])
            if parts and size + len(b) + 1 > batch_bytes:
                break
            parts.append(b)
            size += len(b) + 1
            j += 1
        yield i, b"[" + b",".join(parts) + b"]", j - i
        i = j


def replay_events(
    events: Sequence[dict[str, Any]],
    *,
    url: str,
    api_key: str,
    speed: float = 60.0,
    batch_max: int = BATCH_MAX,
    batch_bytes: int = BATCH_BYTES,
    tick_s: float = TICK_S,
    stop: threading.Event | None = None,
    on_batch: Callable[[ReplayReport], None] | None = None,
    client: httpx.Client | None = None,
    retries: int = RETRIES,
) -> ReplayReport:
    """POST ``events`` (in event-time order) to ``url``/v1/events, paced by event time / ``speed``."""
    endpoint = url.rstrip("/") + "/v1/events"
    report = ReplayReport()
    own = client is None
    http = client or httpx.Client(timeout=30.0)
    t0 = time.monotonic()
    first_ts = next((_ts(e) for e in events if _ts(e) > -(2**62)), 0)
    try:
        i = 0
        n = len(events)
        while i < n:
            if stop is not None and stop.is_set():
                break
            if speed > 0:
                due_ts = first_ts + (time.monotonic() - t0) * speed * 1000
                j = i
                while j < n and _ts(events[j]) <= due_ts:
                    j += 1
                if j == i:  # nothing due yet: sleep until the next event (at most one tick)
                    wait = (_ts(events[i]) - first_ts) / (speed * 1000) - (time.monotonic() - t0)
                    _sleep(min(max(wait, 0.0), tick_s), stop)
                    continue
            else:
                j = n
            for _, body, count in _batches(events[i:j], batch_max, batch_bytes):
                res = _post(http, endpoint, api_key, body, retries)
                report.sent += count
                report.accepted += int(res.get("accepted", 0))
                report.duplicates += int(res.get("duplicates", 0))
                report.rejected += int(res.get("rejected", 0))
                report.batches += 1
                if on_batch is not None:
                    on_batch(report)
                if stop is not None and stop.is_set():
                    break
            i = j
    finally:
        if own:
            http.close()
        report.wall_s = time.monotonic() - t0
    return report


def _sleep(seconds: float, stop: threading.Event | None) -> None:
    if stop is not None:
        stop.wait(seconds)
    else:
        time.sleep(seconds)


def replay_paths(
    paths: Sequence[Path],
    *,
    url: str,
    api_key: str,
    speed: float = 60.0,
    as_new: bool = False,
    stop: threading.Event | None = None,
    on_batch: Callable[[ReplayReport], None] | None = None,
) -> ReplayReport:
    """Load ``paths`` and replay them (see the module doc)."""
    events, rejects = load_events(paths)
    if as_new:
        events = as_new_broadcast(events, int(time.time() * 1000))
    report = replay_events(events, url=url, api_key=api_key, speed=speed, stop=stop, on_batch=on_batch)
    report.local_rejects = rejects
    return report
