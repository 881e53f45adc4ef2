"""Alerts to where Chinese live teams already are: 企业微信, 钉钉 and 飞书 group bots.

Formats (from the platforms' public robot docs, as quoted by third-party copies found with the
project's search tool; checked against them, not against the live services):

- 企业微信 group robot: POST JSON to ``https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…``;
  ``{"msgtype": "markdown", "markdown": {"content": …}}`` or ``{"msgtype": "text", "text":
  {"content": …}}``. No signing (the key in the URL is the credential). Reply ``{"errcode": 0}``;
  45009 = frequency limit (20 messages/minute per robot).
- 钉钉 custom robot: POST ``{"msgtype": "markdown", "markdown": {"title", "text"}}`` (or text) to
  ``https://oapi.dingtalk.com/robot/send?access_token=…``. With 加签: string_to_sign =
  f"{timestamp_ms}\\n{secret}", sign = urlencode(base64(HMAC-SHA256(key=secret, msg=string_to_sign))),
  appended as ``&timestamp=…&sign=…`` (timestamp within 1 h). Reply ``{"errcode": 0}``;
  130101 = sending too fast (20/minute, then throttled).
- 飞书 custom bot: POST ``{"msg_type": "text", "content": {"text": …}}`` or ``{"msg_type":
  "interactive", "card": {…}}`` to ``https://open.feishu.cn/open-apis/bot/v2/hook/…``. With
  签名校验: body also carries ``"timestamp"`` (seconds, as a string) and ``"sign"`` =
  base64(HMAC-SHA256(key=f"{timestamp}\\n{secret}", msg=b"")) — note the key/message order
  differs from 钉钉. Reply ``{"code": 0}``; 11232 = frequency limit; 19021 = bad signature.

Retries: timeouts, connection errors, HTTP 5xx and 429, and the rate-limit codes above, with
exponential backoff (honouring ``Retry-After``), bounded by ``max_attempts``. Everything else
(bad key, bad signature, keyword mismatch) fails at once: retrying cannot fix it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, Final

import orjson

from kuaifan.config import BotPlatform, WebhookTarget
from kuaifan.i18n import Lang
from kuaifan.live.alerts import AlertEvent

RATE_LIMIT_CODES: Final[dict[str, frozenset[int]]] = {
    "wecom": frozenset({45009, -1}),  # -1: "system busy"
    "dingtalk": frozenset({130101, -1}),
    "feishu": frozenset({11232}),
}
_SHANGHAI: Final = timezone(timedelta(hours=8))
_SEVERITY: Final = {
    "critical": ("严重", "critical", "red", "warning"),
    "warning": ("警告", "warning", "orange", "warning"),
    "info": ("提示", "info", "blue", "info"),
}
_WECOM_MAX_BYTES: Final = 4096  # markdown content limit (text is 2048)


# ---- signing -------------------------------------------------------------------------------------
def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """钉钉 加签: base64(HMAC-SHA256(secret, f"{ts}\\n{secret}")), not yet URL-encoded."""
    msg = f"{timestamp_ms}\n{secret}".encode()
    return base64.b64encode(hmac.new(secret.encode(), msg, hashlib.sha256).digest()).decode()


def feishu_sign(secret: str, timestamp_s: int) -> str:
    """飞书 签名校验: base64(HMAC-SHA256(key=f"{ts}\\n{secret}", msg=b""))."""
    key = f"{timestamp_s}\n{secret}".encode()
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()


# ---- rendering -----------------------------------------------------------------------------------
def _when(ts_ms: int, lang: Lang) -> str:
    if lang == "zh":
        return datetime.fromtimestamp(ts_ms / 1000, _SHANGHAI).strftime("%Y-%m-%d %H:%M:%S（北京时间）")
    return datetime.fromtimestamp(ts_ms / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _number_text(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    if isinstance(v, list):
        return ",".join(str(x) for x in v[:8]) + ("…" if len(v) > 8 else "")
    return str(v)


def render(alert: AlertEvent, lang: Lang = "zh") -> tuple[str, str, str]:
    """(title, markdown, plain text) of one alert event."""
    sev_zh, sev_en, _, _ = _SEVERITY[alert.severity]
    resolved = alert.status == "resolved"
    if lang == "zh":
        tag = "已恢复" if resolved else f"告警·{sev_zh}"
        title = f"【{tag}】{alert.title_zh}"
        room = f"直播间 {alert.room_id or '-'}（场次 {alert.stream_id or '-'}）"
    else:
        tag = "RESOLVED" if resolved else sev_en.upper()
        title = f"[{tag}] {alert.title_en}"
        room = f"room {alert.room_id or '-'} (stream {alert.stream_id or '-'})"
    reason = alert.reason(lang)
    numbers = " · ".join(f"{k}={_number_text(v)}" for k, v in alert.numbers.items() if v is not None)
    when = _when(alert.ts_ms, lang)
    md = f"### {title}\n> {room}\n\n{reason}\n\n`{numbers}`\n\n{when}"
    text = f"{title}\n{room}\n{reason}\n{numbers}\n{when}"
    return title, md, text


def _clip(text: str, max_bytes: int) -> str:
    raw = text.encode()
    if len(raw) <= max_bytes:
        return text
    return raw[: max_bytes - 3].decode(errors="ignore") + "…"


def build_payload(target: WebhookTarget, alert: AlertEvent) -> dict[str, Any]:
    """The unsigned JSON body for ``target``'s platform and format."""
    title, md, text = render(alert, target.lang)
    if target.platform == "wecom":
        if target.format == "markdown":
            sev = _SEVERITY[alert.severity][3] if alert.status == "firing" else "info"
            md = md.replace(f"### {title}", f'### <font color="{sev}">{title}</font>', 1)
            return {"msgtype": "markdown", "markdown": {"content": _clip(md, _WECOM_MAX_BYTES)}}
        return {"msgtype": "text", "text": {"content": _clip(text, 2048)}}
    if target.platform == "dingtalk":
        if target.format == "markdown":
            return {"msgtype": "markdown", "markdown": {"title": title, "text": md}}
        return {"msgtype": "text", "text": {"content": text}}
    if target.format == "markdown":  # feishu: a message card with lark_md content
        color = _SEVERITY[alert.severity][2] if alert.status == "firing" else "green"
        body = md.split("\n", 1)[1] if "\n" in md else md
        return {
            "msg_type": "interactive",
            "card": {
                "header": {"title": {"tag": "plain_text", "content": title}, "template": color},
                "elements": [{"tag": "div", "text": {"tag": "lark_md", "content": body}}],
            },
        }
    return {"msg_type": "text", "content": {"text": text}}


def signed_request(target: WebhookTarget, payload: dict[str, Any], now_s: float) -> tuple[str, bytes]:
    """(url, body) ready to POST, signed for the platform when the target has a secret."""
    url = target.url
    body = dict(payload)
    if target.secret is not None:
        if target.platform == "dingtalk":
            ts_ms = int(now_s * 1000)
            sign = urllib.parse.quote_plus(dingtalk_sign(target.secret, ts_ms))
            url += ("&" if urllib.parse.urlsplit(url).query else "?") + f"timestamp={ts_ms}&sign={sign}"
        elif target.platform == "feishu":
            ts_s = int(now_s)
            body["timestamp"] = str(ts_s)
            body["sign"] = feishu_sign(target.secret, ts_s)
        # wecom group robots have no signing: the key in the URL is the credential.
    return url, orjson.dumps(body)


# ---- sending -------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class SendResult:
    ok: bool
    attempts: int
    status: int | None  # last HTTP status (None: no response)
    code: int | None  # the platform's errcode / code, when the body had one
    message: str  # the platform's message or the transport error

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "attempts": self.attempts, "status": self.status, "code": self.code,
                "message": self.message}  # fmt: skip


def _reply_code(platform: BotPlatform, body: bytes) -> tuple[int | None, str]:
    try:
        data = orjson.loads(body) if body else {}
    except orjson.JSONDecodeError:
        return None, body[:200].decode(errors="replace")
    if not isinstance(data, dict):
        return None, ""
    if platform == "feishu":
        code = data.get("code", data.get("StatusCode"))
        msg = data.get("msg", data.get("StatusMessage", ""))
    else:
        code = data.get("errcode")
        msg = data.get("errmsg", "")
    return (int(code) if isinstance(code, int) else None), str(msg)


def _retry_after(headers: Any) -> float | None:
    value = headers.get("Retry-After") if headers is not None else None
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def send(
    target: WebhookTarget,
    payload: dict[str, Any],
    *,
    max_attempts: int = 4,
    base_delay_s: float = 0.5,
    max_delay_s: float = 8.0,
    timeout_s: float = 5.0,
    clock: Callable[[], float] = time.time,
    sleep: Callable[[float], None] = time.sleep,
) -> SendResult:
    """POST ``payload`` (signed afresh on every attempt) with bounded retries and backoff."""
    if max_attempts < 1:
        raise ValueError("max_attempts must be >= 1")
    status: int | None = None
    code: int | None = None
    message = ""
    for attempt in range(1, max_attempts + 1):
        url, body = signed_request(target, payload, clock())
        req = urllib.request.Request(
            url, data=body, method="POST", headers={"Content-Type": "application/json; charset=utf-8"}
        )
        wait: float | None = None
        try:
            with urllib.request.urlopen(req, timeout=timeout_s) as resp:
                status = int(resp.status)
                code, message = _reply_code(target.platform, resp.read())
            if code is None or code == 0:
                return SendResult(True, attempt, status, code, message)
            if code not in RATE_LIMIT_CODES[target.platform]:
                return SendResult(False, attempt, status, code, message)
        except urllib.error.HTTPError as err:
            status = err.code
            code, message = _reply_code(target.platform, err.read())
            retryable = status >= 500 or status == 429 or (code in RATE_LIMIT_CODES[target.platform])
            if not retryable:
                return SendResult(False, attempt, status, code, message or str(err.reason))
            wait = _retry_after(err.headers)
        except (urllib.error.URLError, TimeoutError, ConnectionError) as err:
            status, code = None, None
            message = str(getattr(err, "reason", err))
        if attempt < max_attempts:
            delay = min(max_delay_s, base_delay_s * 2 ** (attempt - 1))
            sleep(min(max_delay_s, max(delay, wait or 0.0)))
    return SendResult(False, max_attempts, status, code, message)


def notify(targets: list[WebhookTarget], alert: AlertEvent, **send_kwargs: Any) -> list[SendResult]:
    """Send one alert event to every target; one result per target, in order."""
    return [send(t, build_payload(t, alert), **send_kwargs) for t in targets]
