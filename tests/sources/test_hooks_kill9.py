"""Durability: kill -9 the server while signed pushes stream in; every acknowledged message is stored
exactly once, and the platform's retries of the unacknowledged ones are deduplicated."""

from __future__ import annotations

import threading
from pathlib import Path

import httpx
import pytest
from pushkit import douyin_message, douyin_request, write_settings

from kuaifan.store.duckdb import DuckStore
from serverproc import ServerProcess

BATCH = 20
SENDERS = 4
BATCHES_PER_SENDER = 60


@pytest.mark.slow
def test_kill9_mid_stream_loses_no_acknowledged_message(tmp_path: Path) -> None:
    home = tmp_path / "home"
    write_settings(home)
    server = ServerProcess(home).start()
    acked: list[list[str]] = []
    unacked: list[list[dict[str, object]]] = []
    lock = threading.Lock()
    killed = threading.Event()

    def send(sender: int) -> None:
        with httpx.Client(base_url=server.url, timeout=10.0) as client:
            for b in range(BATCHES_PER_SENDER):
                messages = [
                    douyin_message("live_comment", (sender * 10_000 + b) * BATCH + i) for i in range(BATCH)
                ]
                headers, body = douyin_request(messages, room="room-k9")
                try:
                    ok = (
                        client.post("/hooks/douyin/live/acme", headers=headers, content=body).status_code
                        == 200
                    )
                except httpx.HTTPError:
                    ok = False
                with lock:
                    if ok:
                        acked.append([f"live_comment:{m['msg_id']}" for m in messages])
                    else:
                        unacked.append(messages)
                    if len(acked) == 40 and not killed.is_set():
                        killed.set()
                        server.kill9()

    threads = [threading.Thread(target=send, args=(s,)) for s in range(SENDERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert killed.is_set() and len(acked) >= 40 and unacked, (len(acked), len(unacked))

    # Restart; the platform sends again what it saw fail, and (at-least-once) some acknowledged ones too.
    server = ServerProcess(home, server.port).start()
    try:
        with httpx.Client(base_url=server.url, timeout=10.0) as client:
            for messages in unacked + [
                [douyin_message("live_comment", int(a[0].rsplit("-", 1)[1]))] for a in acked[:5]
            ]:
                headers, body = douyin_request(messages, room="room-k9")
                assert (
                    client.post("/hooks/douyin/live/acme", headers=headers, content=body).status_code == 200
                )
    finally:
        server.stop()

    with DuckStore(home / "kuaifan.duckdb", read_only=True) as store:
        stored = store.read("acme")["msg_id"].to_list()
    counts: dict[str, int] = {}
    for msg_id in stored:
        counts[msg_id] = counts.get(msg_id, 0) + 1
    acked_ids = {m for batch in acked for m in batch}
    assert all(counts.get(m) == 1 for m in acked_ids), "an acknowledged message is missing or stored twice"
    retried = {f"live_comment:{m['msg_id']}" for batch in unacked for m in batch}
    assert all(counts.get(m) == 1 for m in retried)
    assert set(counts) == acked_ids | retried and max(counts.values()) == 1
