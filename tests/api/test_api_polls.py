"""POST/GET /v1/rooms/{room_id}/polls: open, tally from comments, close, keep the result."""

from __future__ import annotations

import orjson
import pytest
from apihelpers import T0, Api, ev, running_api


def _open(api: Api, body: object) -> dict[str, object]:
    r = api.a.post("/v1/rooms/r1/polls", content=orjson.dumps(body))
    assert r.status_code == 201, r.text
    data: dict[str, object] = r.json()
    return data


def test_poll_lifecycle_and_result_is_kept(api: Api) -> None:
    api.post([ev("enter", T0, user_key="u0")])
    poll = _open(api, {"text": "黑色扣1 白色扣2"})
    assert poll["status"] == "open" and poll["question"] == "黑色扣1 白色扣2"
    assert poll["opened_ms"] == T0  # the room's event time, not the wall clock
    before = ev("comment", T0 - 1, user_key="early", text="1")  # before the poll opened: ignored
    api.post([
        before,
        ev("comment", T0 + 10, user_key="u1", text="1"),
        ev("comment", T0 + 11, user_key="u2", text="黑色"),
        ev("comment", T0 + 12, user_key="u3", text="２"),
        ev("comment", T0 + 13, user_key="u3", text="1"),
        ev("comment", T0 + 14, user_key="u4", text="1号链接还有吗"),
    ])  # fmt: skip
    listed = api.a.get("/v1/rooms/r1/polls").json()
    assert [p["poll_id"] for p in listed["open"]] == [poll["poll_id"]]
    assert {o["code"]: o["votes"] for o in listed["open"][0]["options"]} == {"1": 2, "2": 1}

    closed = api.a.post(f"/v1/rooms/r1/polls/{poll['poll_id']}/close").json()
    assert closed["status"] == "closed" and closed["winners"] == ["1"] and closed["voters"] == 3
    assert closed["repeats"] == 1
    # Closed polls stop counting.
    api.post([ev("comment", T0 + 20, user_key="u9", text="2")])
    after = api.a.get("/v1/rooms/r1/polls").json()
    assert after["open"] == [] and after["closed"][0]["voters"] == 3
    assert api.a.post(f"/v1/rooms/r1/polls/{poll['poll_id']}/close").status_code == 404

    # The result is on disk and survives a restart.
    lines = (api.settings.home / "polls.jsonl").read_bytes().splitlines()
    assert [orjson.loads(x)["result"]["poll_id"] for x in lines] == [poll["poll_id"]]
    api.server.stop()
    api.store.close()
    with running_api(api.settings.home) as again:
        kept = again.a.get("/v1/rooms/r1/polls").json()["closed"]
        assert [(p["poll_id"], p["voters"]) for p in kept] == [(poll["poll_id"], 3)]


def test_poll_by_link_numbers(api: Api) -> None:
    api.post([ev("enter", T0, user_key="u0")])
    poll = _open(api, {"links": [3, 5]})
    assert [o["code"] for o in poll["options"]] == ["3", "5"]  # type: ignore[index]
    api.post(
        [ev("comment", T0 + 1, user_key="u1", text="5"), ev("comment", T0 + 2, user_key="u2", text="555")]
    )
    open_polls = api.a.get("/v1/rooms/r1/polls").json()["open"]
    assert {o["code"]: o["votes"] for o in open_polls[0]["options"]} == {"3": 0, "5": 2}


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        (b"{}", "text"),
        ('{"text": "随便说说"}'.encode(), "poll options"),
        (b'{"links": [1]}', "links"),
        (b'{"links": ["1", "2"]}', "links"),
        (b'{"text": "a1 b2", "extra": 1}', "extra"),
        (b"[1", "invalid poll request"),
    ],
)
def test_bad_poll_requests_are_400(api: Api, body: bytes, needle: str) -> None:
    api.post([ev("enter", T0, user_key="u0")])
    r = api.a.post("/v1/rooms/r1/polls", content=body)
    assert r.status_code == 400, r.text
    assert needle in r.json()["error"]["message_en"]
