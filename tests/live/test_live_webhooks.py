"""Group-bot webhooks against a real HTTP receiver on 127.0.0.1 that checks signatures like the
platforms do and can fail the first requests (5xx, 429, rate-limit codes, slow answers)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import socket
import threading
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import orjson
import pytest
from pydantic import ValidationError

from kuaifan.live.alerts import AlertEvent
from kuaifan.live.webhooks import (
    WebhookTarget,
    build_payload,
    dingtalk_sign,
    feishu_sign,
    notify,
    render,
    send,
)


@dataclass
class Receiver:
    """What the fake bot endpoint does; ``failures`` answers the first requests, in order."""

    platform: str
    secret: str | None = None
    failures: list[tuple[int, dict[str, Any], float]] = field(default_factory=list)  # status, body, delay
    requests: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""

    def handle(self, path: str, body: bytes) -> tuple[int, dict[str, Any], float, dict[str, str]]:
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(path).query)
        data = orjson.loads(body)
        self.requests.append({"path": path, "query": query, "body": data})
        if self.failures:
            status, reply, delay = self.failures.pop(0)
            headers = {"Retry-After": "0.05"} if status == 429 else {}
            return status, reply, delay, headers
        if self.secret is not None and not self._signed(query, data):
            return 200, self._bad_sign(), 0.0, {}
        return (
            200,
            ({"code": 0, "msg": "success"} if self.platform == "feishu" else {"errcode": 0, "errmsg": "ok"}),
            0.0,
            {},
        )

    def _signed(self, query: dict[str, list[str]], data: dict[str, Any]) -> bool:
        assert self.secret is not None
        if self.platform == "dingtalk":  # timestamp (ms) and sign in the query, sign URL-encoded
            ts, sign = query["timestamp"][0], query["sign"][0]
            mac = hmac.new(self.secret.encode(), f"{ts}\n{self.secret}".encode(), hashlib.sha256).digest()
            fresh = abs(int(ts) / 1000 - time.time()) < 3600
            return fresh and hmac.compare_digest(base64.b64encode(mac).decode(), sign)
        if self.platform == "feishu":  # timestamp (s) and sign in the body; key = "ts\nsecret", msg empty
            ts, sign = data["timestamp"], data["sign"]
            mac = hmac.new(f"{ts}\n{self.secret}".encode(), b"", hashlib.sha256).digest()
            fresh = abs(int(ts) - time.time()) < 3600
            return fresh and hmac.compare_digest(base64.b64encode(mac).decode(), sign)
        return True

    def _bad_sign(self) -> dict[str, Any]:
        if self.platform == "feishu":
            return {
                "code": 19021,
                "msg": "sign match fail or timestamp is not within one hour from current time",
            }
        return {"errcode": 310000, "errmsg": "sign not match"}


@pytest.fixture
def receiver(request: pytest.FixtureRequest) -> Iterator[Receiver]:
    platform, secret = request.param
    rec = Receiver(platform, secret)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            status, reply, delay, headers = rec.handle(self.path, body)
            if delay:
                time.sleep(delay)
            raw = orjson.dumps(reply)
            try:
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timeout test)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    path = {"wecom": "/cgi-bin/webhook/send?key=abc", "dingtalk": "/robot/send?access_token=abc",
            "feishu": "/open-apis/bot/v2/hook/abc"}[platform]  # fmt: skip
    rec.url = f"http://127.0.0.1:{server.server_address[1]}{path}"
    try:
        yield rec
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def alert(status: str = "firing") -> AlertEvent:
    return AlertEvent(
        id="s1:low_stock:i3:1", kind="low_stock", subject="i3", severity="critical", status=status,  # type: ignore[arg-type]
        room_id="room-001", stream_id="s1", ts_ms=1_791_460_800_000, event_ts_ms=1_791_460_800_000,
        numbers={"stock": 3, "eta_min": 1.25, "skus": ["s3-m", "s3-l"]},
        reason_zh="库存告急：3号链接 M 剩3", reason_en="Low stock: link #3 M: 3",
    )  # fmt: skip


class Sleeps(list[float]):
    def __call__(self, s: float) -> None:
        self.append(s)


@pytest.mark.parametrize("receiver", [("wecom", None)], indirect=True)
def test_wecom_markdown_and_text(receiver: Receiver) -> None:
    md = WebhookTarget(platform="wecom", url=receiver.url)
    result = send(md, build_payload(md, alert()))
    assert result.ok and result.attempts == 1 and result.code == 0
    body = receiver.requests[0]["body"]
    assert body["msgtype"] == "markdown" and "库存告急：3号链接 M 剩3" in body["markdown"]["content"]
    assert (
        '<font color="warning">' in body["markdown"]["content"] and "stock=3" in body["markdown"]["content"]
    )
    assert receiver.requests[0]["query"]["key"] == ["abc"]
    text = WebhookTarget(platform="wecom", url=receiver.url, format="text", lang="en")
    assert send(text, build_payload(text, alert("resolved"))).ok
    body = receiver.requests[1]["body"]
    assert body["msgtype"] == "text" and body["text"]["content"].startswith("[RESOLVED] Low stock")


@pytest.mark.parametrize("receiver", [("dingtalk", "SEC-test-secret")], indirect=True)
def test_dingtalk_signed_markdown(receiver: Receiver) -> None:
    target = WebhookTarget(platform="dingtalk", url=receiver.url, secret="SEC-test-secret")
    result = send(target, build_payload(target, alert()))
    assert result.ok, result
    req = receiver.requests[0]
    assert req["query"]["access_token"] == ["abc"] and "timestamp" in req["query"]
    assert req["body"]["msgtype"] == "markdown"
    assert req["body"]["markdown"]["title"] == "【告警·严重】库存告急"
    wrong = WebhookTarget(platform="dingtalk", url=receiver.url, secret="SEC-wrong")
    bad = send(wrong, build_payload(wrong, alert()), sleep=Sleeps())
    assert (bad.ok, bad.attempts, bad.code) == (False, 1, 310000)  # a bad signature is not retried


@pytest.mark.parametrize("receiver", [("feishu", "feishu-secret")], indirect=True)
def test_feishu_signed_card_and_text(receiver: Receiver) -> None:
    card = WebhookTarget(platform="feishu", url=receiver.url, secret="feishu-secret")
    assert send(card, build_payload(card, alert())).ok
    body = receiver.requests[0]["body"]
    assert body["msg_type"] == "interactive" and body["card"]["header"]["template"] == "red"
    assert "库存告急：3号链接 M 剩3" in body["card"]["elements"][0]["text"]["content"]
    assert isinstance(body["timestamp"], str) and body["sign"]
    text = WebhookTarget(platform="feishu", url=receiver.url, secret="feishu-secret", format="text")
    assert send(text, build_payload(text, alert())).ok
    assert receiver.requests[1]["body"]["content"]["text"].startswith("【告警·严重】")
    wrong = WebhookTarget(platform="feishu", url=receiver.url, secret="nope")
    bad = send(wrong, build_payload(wrong, alert()))
    assert (bad.ok, bad.attempts, bad.code) == (False, 1, 19021)


@pytest.mark.parametrize("receiver", [("dingtalk", "s3cret")], indirect=True)
def test_retries_5xx_with_exponential_backoff_and_fresh_signatures(receiver: Receiver) -> None:
    receiver.failures = [(500, {"errmsg": "oops"}, 0.0), (502, {}, 0.0), (503, {}, 0.0)]
    target = WebhookTarget(platform="dingtalk", url=receiver.url, secret="s3cret")
    sleeps = Sleeps()
    clock = iter([1_000.0, 1_001.0, 1_003.0, time.time()])  # each attempt signs with its own time
    result = send(
        target, build_payload(target, alert()), sleep=sleeps, base_delay_s=0.25, clock=lambda: next(clock)
    )
    assert result.ok and result.attempts == 4
    assert sleeps == [0.25, 0.5, 1.0]
    stamps = [r["query"]["timestamp"][0] for r in receiver.requests]
    assert stamps[:3] == ["1000000", "1001000", "1003000"]


@pytest.mark.parametrize("receiver", [("wecom", None)], indirect=True)
def test_rate_limit_codes_and_429_are_retried(receiver: Receiver) -> None:
    receiver.failures = [
        (200, {"errcode": 45009, "errmsg": "api freq out of limit"}, 0.0),
        (429, {"errcode": 45009}, 0.0),
    ]
    target = WebhookTarget(platform="wecom", url=receiver.url)
    sleeps = Sleeps()
    result = send(target, build_payload(target, alert()), sleep=sleeps, base_delay_s=0.01)
    assert result.ok and result.attempts == 3
    assert sleeps == [0.01, 0.05]  # the second wait honours Retry-After


@pytest.mark.parametrize("receiver", [("feishu", None)], indirect=True)
def test_feishu_frequency_limit_then_give_up_bounded(receiver: Receiver) -> None:
    receiver.failures = [(200, {"code": 11232, "msg": "frequency limited"}, 0.0)] * 5
    target = WebhookTarget(platform="feishu", url=receiver.url)
    sleeps = Sleeps()
    result = send(
        target, build_payload(target, alert()), sleep=sleeps, max_attempts=3, base_delay_s=1, max_delay_s=1.5
    )
    assert (result.ok, result.attempts, result.code) == (False, 3, 11232)
    assert sleeps == [1, 1.5] and len(receiver.requests) == 3


@pytest.mark.parametrize("receiver", [("wecom", None)], indirect=True)
def test_timeout_is_retried(receiver: Receiver) -> None:
    receiver.failures = [(200, {"errcode": 0}, 1.0)]  # answers after the client gave up
    target = WebhookTarget(platform="wecom", url=receiver.url)
    result = send(target, build_payload(target, alert()), timeout_s=0.3, sleep=Sleeps())
    assert result.ok and result.attempts == 2


@pytest.mark.parametrize("receiver", [("dingtalk", None)], indirect=True)
def test_client_errors_are_not_retried(receiver: Receiver) -> None:
    receiver.failures = [(400, {"errcode": 300001, "errmsg": "token is not exist"}, 0.0)]
    target = WebhookTarget(platform="dingtalk", url=receiver.url)
    result = send(target, build_payload(target, alert()), sleep=Sleeps())
    assert (result.ok, result.attempts, result.status, result.code) == (False, 1, 400, 300001)
    assert result.to_json()["message"] == "token is not exist"


def test_unreachable_bot_fails_after_bounded_attempts() -> None:
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    target = WebhookTarget(platform="wecom", url=f"http://127.0.0.1:{port}/cgi-bin/webhook/send?key=x")
    sleeps = Sleeps()
    result = send(target, build_payload(target, alert()), max_attempts=3, sleep=sleeps, timeout_s=1)
    assert (result.ok, result.attempts, result.status) == (False, 3, None) and len(sleeps) == 2


@pytest.mark.parametrize("receiver", [("wecom", None)], indirect=True)
def test_notify_many_targets(receiver: Receiver) -> None:
    targets = [
        WebhookTarget(platform="wecom", url=receiver.url),
        WebhookTarget(platform="wecom", url=receiver.url, lang="en"),
    ]
    results = notify(targets, alert())
    assert [r.ok for r in results] == [True, True] and len(receiver.requests) == 2


def test_signatures_match_the_documented_recipes() -> None:
    # 钉钉: key = secret, message = "ts\nsecret"; 飞书: key = "ts\nsecret", message = "".
    ding = hmac.new(b"abc", b"1700000000000\nabc", hashlib.sha256).digest()
    assert dingtalk_sign("abc", 1_700_000_000_000) == base64.b64encode(ding).decode()
    fei = hmac.new(b"1700000000\nabc", b"", hashlib.sha256).digest()
    assert feishu_sign("abc", 1_700_000_000) == base64.b64encode(fei).decode()
    assert dingtalk_sign("abc", 1) != feishu_sign("abc", 1)


def test_targets_are_validated_and_messages_render_both_languages() -> None:
    with pytest.raises(ValidationError):
        WebhookTarget(platform="wecom", url="ftp://example.com/x")
    with pytest.raises(ValidationError):
        WebhookTarget(platform="slack", url="https://example.com/x")  # type: ignore[arg-type]
    title_zh, md_zh, _ = render(alert(), "zh")
    title_en, _, text_en = render(alert(), "en")
    assert title_zh == "【告警·严重】库存告急" and "北京时间" in md_zh and "2026-10-08 20:00:00" in md_zh
    assert title_en == "[CRITICAL] Low stock" and "2026-10-08 12:00:00 UTC" in text_en
    long = replace(alert(), reason_zh="长" * 3000)
    payload = build_payload(WebhookTarget(platform="wecom", url="https://x.example/send?key=k"), long)
    assert len(payload["markdown"]["content"].encode()) <= 4096
