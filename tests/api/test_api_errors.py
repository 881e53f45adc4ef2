"""Bad input through the API: one JSON error shape, the right 4xx, never a 5xx."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from apihelpers import KEY_A, T0, Api, ev, running_api
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st


def assert_error_shape(r: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert set(body) == {"error"}
    err: dict[str, Any] = body["error"]
    assert set(err) == {"code", "message", "message_zh", "message_en", "details"}
    assert err["code"] == code
    assert err["message_zh"] and err["message_en"]
    return err


def test_malformed_json_is_400_and_dead_lettered(api: Api) -> None:
    r = api.a.post("/v1/events", content=b'[{"kind": "enter",')
    err = assert_error_shape(r, 400, "invalid_input")
    assert "malformed JSON" in err["message_en"]
    assert err["message"] == err["message_zh"]  # the server's language (zh) by default
    dead = api.store.dead_letters("acme")
    assert dead.height == 1 and dead["raw"][0] == '[{"kind": "enter",'


@pytest.mark.parametrize(
    ("body", "needle"),
    [(b"", "empty body"), (b'{"kind": "enter"}', "got dict"), (b"null", "got null"), (b'"x"', "got str")],
)
def test_body_must_be_a_json_array(api: Api, body: bytes, needle: str) -> None:
    err = assert_error_shape(api.a.post("/v1/events", content=body), 400, "invalid_input")
    assert needle in err["message_en"]


def test_wrong_types_inside_the_array_are_per_item_rejects(api: Api) -> None:
    res = api.post([1, "x", None, [], {"kind": 3}])
    assert res["accepted"] == 0 and res["rejected"] == 5
    assert [e["index"] for e in res["errors"]] == [0, 1, 2, 3, 4]


def test_unknown_room_is_404_everywhere(api: Api) -> None:
    for method, path in [
        ("GET", "/v1/rooms/nope/state"),
        ("GET", "/v1/rooms/nope/live"),
        ("GET", "/v1/rooms/nope/polls"),
        ("POST", "/v1/rooms/nope/polls/poll-1/close"),
    ]:
        err = assert_error_shape(api.a.request(method, path), 404, "not_found")
        assert err["details"]
    r = api.a.post("/v1/rooms/nope/polls", content='{"text": "黑色扣1 白色扣2"}'.encode())
    assert_error_shape(r, 404, "not_found")
    # A known room with an unknown broadcast: 404, and the room is left as it was.
    api.post([ev("enter", T0, user_key="u1")])
    assert_error_shape(api.a.get("/v1/rooms/r1/state", params={"stream_id": "zzz"}), 404, "not_found")
    assert [s["stream_id"] for s in api.a.get("/v1/rooms/r1/state").json()["streams"]] == ["s1"]


def test_oversize_body_declared_is_413(api: Api) -> None:
    body = b"[" + b",".join([orjson.dumps(ev("like", T0))] * 12_000) + b"]"
    assert len(body) > 1 << 20
    err = assert_error_shape(api.a.post("/v1/events", content=body), 413, "payload_too_large")
    assert "1 MB" in err["message_en"]
    assert api.store.read("acme").height == 0


def test_oversize_body_streamed_without_length_is_413(api: Api) -> None:
    def chunks() -> Iterator[bytes]:
        yield b"["
        for _ in range(40):
            yield b" " * 32_768
        yield b"]"

    r = api.a.post("/v1/events", content=chunks())  # chunked transfer: no Content-Length
    assert_error_shape(r, 413, "payload_too_large")


def test_oversize_with_a_lying_content_length_is_refused(api: Api) -> None:
    # Declares 10 bytes and sends 2 MB on a raw socket: the server must not read it all as a body.
    host, port = api.url.removeprefix("http://").split(":")
    payload = b"[" + b" " * (2 << 20) + b"]"
    head = (
        f"POST /v1/events HTTP/1.1\r\nHost: {host}\r\nX-API-Key: {KEY_A}\r\nContent-Length: 10\r\n"
        "Content-Type: application/json\r\n\r\n"
    ).encode()
    with socket.create_connection((host, int(port)), timeout=10) as s:
        s.sendall(head + payload[:10])
        reply = s.recv(65536)
    assert reply.startswith(b"HTTP/1.1 400")  # only the 10 declared bytes are read: malformed JSON


def test_wrong_or_missing_key_is_401(api: Api) -> None:
    with httpx.Client(base_url=api.url, headers={"X-API-Key": "not-a-key"}) as wrong:
        for client in (api.anon, wrong):
            for method, path in [("GET", "/v1/rooms"), ("POST", "/v1/events"), ("GET", "/v1/stats")]:
                r = client.request(method, path, content=b"[]" if method == "POST" else None)
                assert_error_shape(r, 401, "unauthorized")
                assert "X-API-Key" in r.headers["www-authenticate"]


def test_framework_errors_use_the_same_shape(api: Api) -> None:
    assert_error_shape(api.a.get("/v2/nothing"), 404, "not_found")
    err = assert_error_shape(api.a.delete("/v1/events"), 405, "method_not_allowed")
    assert err["details"]["method"] == "DELETE"
    r = api.a.get("/v1/rooms/r1/state", params={"stream_id": "x" * 300})
    err = assert_error_shape(r, 400, "invalid_input")
    assert "stream_id" in err["message_en"]


def test_message_follows_accept_language(api: Api) -> None:
    r = api.a.get("/v1/rooms/nope/state", headers={"Accept-Language": "en-US,en;q=0.9"})
    err = assert_error_shape(r, 404, "not_found")
    assert err["message"] == err["message_en"] == "no such room: nope"


@pytest.fixture(scope="module")
def shared_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    with running_api(Path(tmp_path_factory.mktemp("fuzz")) / "home") as a:
        yield a


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)
event_like = st.fixed_dictionaries(
    {"kind": st.sampled_from(["enter", "comment", "order_paid", "x"]), "ts_ms": st.integers()},
    optional={
        "platform": st.sampled_from(["sim", "douyin", 3]),
        "msg_id": st.text(max_size=5) | st.integers(),
        "room_id": st.text(max_size=5),
        "qty": json_values,
        "spec": json_values,
        "tenant": st.sampled_from(["acme", "beta", "", 1]),
    },
)


def _dumps(value: Any) -> bytes:
    return json.dumps(value).encode()  # big integers too (orjson refuses them)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.binary(max_size=200) | json_values.map(_dumps) | st.lists(event_like, max_size=5).map(_dumps))
def test_no_input_gives_a_5xx(shared_api: Api, body: bytes) -> None:
    r = shared_api.a.post("/v1/events", content=body)
    assert r.status_code in (200, 400), r.text
    if r.status_code == 200:
        res = r.json()
        items = json.loads(body)
        assert res["accepted"] + res["duplicates"] + res["rejected"] == len(items)
    else:
        assert_error_shape(r, 400, "invalid_input")
