"""From a request body to canonical rows and dead letters (pure functions, no I/O).

Same rules as file ingest (``kuaifan.sources.jsonl``): each item must be a JSON object that
``Event`` accepts in strict JSON mode (``"5"`` is not an integer); a ``tenant`` naming another
tenant is refused, a missing one becomes the caller's; a raw ``user_id`` is pseudonymised with the
tenant's salt and never stored; avatars are dropped, nicknames too unless the tenant keeps them;
``ingest_ms`` of a re-imported export is ignored. A refused item becomes a ``DeadLetter`` (source
``api``, ``line`` = its 1-based position in the array) and an ``{"index", "reason"}`` entry
(0-based index) in the response.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

import orjson
from pydantic import ValidationError

from kuaifan.config import TenantConfig
from kuaifan.errors import InputError
from kuaifan.events import DeadLetter, Event, pseudonymise

SOURCE: Final = "api"
RAW_LIMIT: Final = 64 << 10
_DROPPED: Final = ("avatar", "avatar_url", "ingest_ms")


@dataclass(slots=True)
class Intake:
    """Valid rows (EVENT_COLUMNS dicts, first copy of each msg key) and the refused items."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    dead: list[DeadLetter] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    batch_duplicates: int = 0  # later copies of a (platform, msg_id) inside this request


def parse_body(body: bytes) -> list[Any]:
    """The JSON array of a POST /v1/events body; InputError when it is not one."""
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


def _reason(err: ValidationError) -> str:
    e = err.errors()[0]
    loc = ".".join(str(p) for p in e["loc"])
    msg = str(e["msg"]).removeprefix("Value error, ")
    return f"{loc}: {msg}" if loc else msg


def _raw(item: Any) -> str:
    try:
        text = orjson.dumps(item).decode()
    except TypeError:
        text = repr(item)
    return text if len(text) <= RAW_LIMIT else text[:RAW_LIMIT]


def check_item(item: Any, tenant: str, cfg: TenantConfig) -> dict[str, Any] | str:
    """One array item to a canonical row, or the reason it is refused."""
    if not isinstance(item, dict):
        kind = "null" if item is None else type(item).__name__
        return f"expected a JSON object, got {kind}"
    obj = {k: v for k, v in item.items() if v is not None and k not in _DROPPED}
    claimed = obj.get("tenant")
    if claimed is None:
        obj["tenant"] = tenant
    elif claimed != tenant:
        shown = claimed if isinstance(claimed, str) else repr(claimed)
        return f"tenant mismatch: event is for {shown[:64]!r}, the API key is for {tenant!r}"
    if "user_id" in obj:
        user_id = obj.pop("user_id")
        if "user_key" in obj:
            return "both user_id and user_key given (send one)"
        if not isinstance(user_id, str) or not user_id:
            return "user_id: expected a non-empty string"
        obj["user_key"] = pseudonymise(cfg.salt, user_id)
    if not cfg.store_nicknames:
        obj.pop("nickname", None)
    try:
        payload = orjson.dumps(obj)
    except TypeError as exc:  # e.g. an integer beyond 64 bits
        return f"unsupported value: {exc}"
    try:
        event = Event.model_validate_json(payload, strict=True)
    except ValidationError as err:
        return _reason(err)
    return event.to_row()


def intake(items: list[Any], tenant: str, cfg: TenantConfig) -> Intake:
    """Check every item; see the module doc."""
    out = Intake()
    seen: set[tuple[str, str]] = set()
    for index, item in enumerate(items):
        checked = check_item(item, tenant, cfg)
        if isinstance(checked, str):
            out.errors.append({"index": index, "reason": checked})
            out.dead.append(DeadLetter(SOURCE, checked, _raw(item), index + 1, tenant))
            continue
        key = (checked["platform"], checked["msg_id"])
        if key in seen:
            out.batch_duplicates += 1
            continue
        seen.add(key)
        out.rows.append(checked)
    return out
