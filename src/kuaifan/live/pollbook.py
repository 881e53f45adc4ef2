"""Closed poll results, kept: one JSON line per result in ``$KUAIFAN_HOME/polls.jsonl``.

A result is written (flushed and fsynced) before the close request is answered; the server loads
the file at start so closed polls stay visible. Open polls live in memory only: a restart closes
nothing and keeps nothing of a poll still open (documented gap).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

import orjson


class PollBook:
    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._lock = threading.Lock()

    def load(self) -> list[tuple[str, dict[str, Any]]]:
        """(tenant, result) pairs in the order they were closed; unreadable lines are skipped."""
        if self.path is None or not self.path.exists():
            return []
        out: list[tuple[str, dict[str, Any]]] = []
        with self.path.open("rb") as f:
            for line in f:
                try:
                    rec = orjson.loads(line)
                except orjson.JSONDecodeError:
                    continue
                if (
                    isinstance(rec, dict)
                    and isinstance(rec.get("tenant"), str)
                    and isinstance(rec.get("result"), dict)
                ):
                    out.append((rec["tenant"], rec["result"]))
        return out

    def record(self, tenant: str, result: dict[str, Any]) -> None:
        if self.path is None:
            return
        line = orjson.dumps({"tenant": tenant, "result": result}) + b"\n"
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("ab") as f:
                f.write(line)
                f.flush()
                os.fsync(f.fileno())
