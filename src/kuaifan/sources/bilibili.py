"""bilibili live open platform (直播开放平台): the long-connection codec and its commands → raw items.

Packet (PLATFORMS.md §3.3), big-endian: packet length (u32, header + body), header length (u16,
16), protocol version (u16: 0 plain JSON, 1 heartbeat/auth, 2 zlib batch, 3 brotli batch),
operation (u32: 2 heartbeat, 3 heartbeat reply, 5 message, 7 auth, 8 auth reply), sequence (u32).
A version 2/3 body decompresses into one or more whole packets. Flow: send op 7 with the
``auth_body`` of ``/v2/app/start`` → op 8 ``{"code": 0}`` → op 2 every ~30 s (answered by op 3)
→ op 5 messages, each one JSON command ``{cmd, data}``.

Commands → raw items (``platform`` bilibili, ``room_id`` = ``data.room_id``, ``stream_id`` = the
game session, user id = ``open_id``; ``timestamp`` is in **seconds**, a value in ms is accepted too):

- ``LIVE_OPEN_PLATFORM_DM`` → ``comment``; ``_SUPER_CHAT`` → ``comment`` (a paid one);
- ``_SEND_GIFT`` → ``gift`` with qty = ``gift_num`` and amount_fen = ``r_price`` × ``gift_num`` / 10
  when ``paid`` (金瓜子: 1000 = 1 元; a free gift is 0 分; whether ``r_price`` is per unit is
  **unconfirmed**); ``_GUARD`` → ``gift`` (price × guard_num / 10);
- ``_LIKE`` → ``like`` (qty = ``like_count``); ``_LIVE_ROOM_ENTER`` (or ``_ENTER_ROOM``) → ``enter``;
- ``_LIVE_START`` (or ``_LIVE``) → ``stream_start``, ``_LIVE_END`` (or ``_LIVE_OFF``) → ``stream_end``
  (both spellings are accepted: which one is current is **unconfirmed**);
- ``_INTERACTION_END``, ``_SUPER_CHAT_DEL``: ignored (the session's end is handled by the client).

``msg_id`` is the command's ``msg_id`` (or ``message_id``), prefixed with the command's short name;
a command without one gets ``<name>:<room>:<timestamp>:<open_id>``.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from typing import Any, Final

import orjson

from kuaifan.sources.push import as_id, as_int, epoch_ms

HEADER: Final = struct.Struct(">IHHII")
HEADER_LEN: Final = 16
OP_HEARTBEAT, OP_HEARTBEAT_REPLY, OP_MESSAGE, OP_AUTH, OP_AUTH_REPLY = 2, 3, 5, 7, 8
VER_PLAIN, VER_CONTROL, VER_ZLIB, VER_BROTLI = 0, 1, 2, 3
MAX_PACKET: Final = 16 << 20
MAX_BROTLI_INPUT: Final = 1 << 20
MAX_DEPTH: Final = 2  # a compressed batch holds plain packets; nested batches are refused
PREFIX: Final = "LIVE_OPEN_PLATFORM_"


class ProtocolError(ValueError):
    """Bytes that are not a valid packet stream."""


@dataclass(frozen=True, slots=True)
class Packet:
    ver: int
    op: int
    seq: int
    body: bytes


def pack(op: int, body: bytes = b"", *, ver: int = VER_CONTROL, seq: int = 1) -> bytes:
    return HEADER.pack(HEADER_LEN + len(body), HEADER_LEN, ver, op, seq) + body


def compress(packets: bytes, ver: int) -> bytes:
    """A batch body as the server sends it (for the tests' server)."""
    if ver == VER_ZLIB:
        return zlib.compress(packets)
    import brotli

    out: bytes = brotli.compress(packets)
    return out


def _decompress(body: bytes, ver: int) -> bytes:
    if ver == VER_ZLIB:
        d = zlib.decompressobj()
        try:
            out = d.decompress(body, MAX_PACKET)
        except zlib.error as exc:
            raise ProtocolError(f"cannot decompress a zlib batch: {exc}") from None
        if d.unconsumed_tail:
            raise ProtocolError("zlib batch larger than 16 MB")
        return out
    import brotli

    if len(body) > MAX_BROTLI_INPUT:  # brotli has no output cap here: bound what it may expand
        raise ProtocolError("brotli batch over 1 MB compressed")
    try:
        data: bytes = brotli.decompress(body)
    except brotli.error as exc:
        raise ProtocolError(f"cannot decompress a brotli batch: {exc}") from None
    if len(data) > MAX_PACKET:
        raise ProtocolError("brotli batch larger than 16 MB")
    return data


def unpack(data: bytes, depth: int = 0) -> list[Packet]:
    """Every packet in ``data``, with compressed batches expanded; ProtocolError on bad framing."""
    packets: list[Packet] = []
    offset = 0
    while offset < len(data):
        if len(data) - offset < HEADER_LEN:
            raise ProtocolError(f"{len(data) - offset} bytes left, less than a 16-byte header")
        length, header_len, ver, op, seq = HEADER.unpack_from(data, offset)
        if header_len < HEADER_LEN or length < header_len or offset + length > len(data):
            raise ProtocolError(f"bad packet framing: length {length}, header {header_len}")
        body = data[offset + header_len : offset + length]
        offset += length
        if op == OP_MESSAGE and ver in (VER_ZLIB, VER_BROTLI):
            if depth >= MAX_DEPTH:
                raise ProtocolError("compressed batch nested too deep")
            packets.extend(unpack(_decompress(body, ver), depth + 1))
        else:
            packets.append(Packet(ver, op, seq, body))
    return packets


# ---- commands -> raw items ------------------------------------------------------------------------------

_KINDS: Final = {
    "DM": "comment", "SUPER_CHAT": "comment", "SEND_GIFT": "gift", "GUARD": "gift", "LIKE": "like",
    "LIVE_ROOM_ENTER": "enter", "ENTER_ROOM": "enter", "LIVE_START": "stream_start", "LIVE": "stream_start",
    "LIVE_END": "stream_end", "LIVE_OFF": "stream_end",
}  # fmt: skip
IGNORED: Final = frozenset({"INTERACTION_END", "SUPER_CHAT_DEL"})
_IGNORE: Final = "\0ignored"


def command_item(command: Any, stream_id: str) -> dict[str, Any] | str | None:
    """One op-5 command → a raw item, None (ignored), or the reason it is refused."""
    if not isinstance(command, dict):
        return f"expected a JSON object, got {type(command).__name__}"
    cmd = command.get("cmd")
    if not isinstance(cmd, str) or not cmd.startswith(PREFIX):
        return f"unknown cmd {str(cmd)[:60]!r}"
    short = cmd.removeprefix(PREFIX)
    if short in IGNORED:
        return None
    kind = _KINDS.get(short)
    if kind is None:
        return f"unknown cmd {cmd[:60]!r}"
    data = command.get("data")
    if not isinstance(data, dict):
        return f"{cmd}: data is missing"
    room = as_id(data.get("room_id"))
    ts_ms = epoch_ms(data.get("timestamp")) or epoch_ms(data.get("start_time"))
    if room is None:
        return f"{cmd}: room_id is missing"
    if ts_ms is None:
        return f"{cmd}: timestamp is missing"
    info = data.get("user_info")
    user: dict[str, Any] = info if isinstance(info, dict) else data
    open_id = user.get("open_id") if isinstance(user.get("open_id"), str) and user.get("open_id") else None
    msg = as_id(data.get("msg_id")) or as_id(data.get("message_id"))
    msg_id = f"{short.lower()}:{msg}" if msg else f"{short.lower()}:{room}:{ts_ms}:{open_id or '-'}"
    item: dict[str, Any] = {
        "kind": kind, "platform": "bilibili", "room_id": room, "stream_id": stream_id,
        "ts_ms": ts_ms, "msg_id": msg_id,
    }  # fmt: skip
    if open_id is not None:
        item["user_id"] = open_id
    for src, dst in (("uname", "nickname"), ("uface", "avatar_url")):
        if isinstance(user.get(src), str) and user[src]:
            item[dst] = user[src]
    return _fields(short, data, item)


def _fields(short: str, data: dict[str, Any], item: dict[str, Any]) -> dict[str, Any] | str:
    if short in ("DM", "SUPER_CHAT"):
        text = data.get("msg") if short == "DM" else data.get("message")
        if not isinstance(text, str) or not text:
            return f"{short}: the message text is missing"
        return item | {"text": text}
    if short == "SEND_GIFT":
        num, price = as_int(data.get("gift_num")), as_int(data.get("r_price"))
        if num is None:
            return "SEND_GIFT: gift_num is missing"
        paid = data.get("paid") is True and price is not None
        return item | {"qty": num, "amount_fen": (price or 0) * num // 10 if paid else 0}
    if short == "GUARD":
        num, price = as_int(data.get("guard_num")) or 1, as_int(data.get("price")) or 0
        return item | {"qty": num, "amount_fen": price * num // 10}
    if short == "LIKE":
        return item | {"qty": as_int(data.get("like_count")) or 1}
    return item


def message_items(packet: Packet, stream_id: str) -> tuple[dict[str, Any] | str | None, Any]:
    """A plain op-5 packet → (item / reason / None, the decoded command for a dead letter)."""
    try:
        command = orjson.loads(packet.body)
    except orjson.JSONDecodeError as exc:
        return f"malformed JSON: {exc}", packet.body
    return command_item(command, stream_id), command
