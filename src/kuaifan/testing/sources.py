"""The contract every source runs: ``check_source`` for file sources, ``check_push_source`` for pushes.

A push adapter is checked through a ``PushKit``: the adapter plus what only its platform knows
(how to sign a body, the documented example payloads, a message of an unknown type, messages with
given texts). The checks:

1. every documented example round-trips: it verifies, parses into the expected numbers of items,
   dead letters and ignored notices, and every item passes the tenant-and-privacy gate as a valid
   ``Event`` of the adapter's platform;
2. a message delivered twice yields the same message ids (the store deduplicates on them) and
   different messages yield different ones;
3. a wrong secret and a tampered body are refused by ``verify`` (``PushRejected``);
4. a send time outside the replay window is refused, and so is the same request played twice
   (for platforms that sign a send time and a nonce);
5. a malformed body, an empty body and a message of an unknown type become dead letters (or are
   refused as unauthentic), never items and never an exception;
6. Unicode and emoji text arrives byte for byte; a huge body of many messages parses completely;
7. fuzzing (hypothesis, when installed): any bytes and any JSON value, correctly signed, give only
   items, dead letters, ignored notices or ``PushRejected``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import orjson
from pydantic import ValidationError

from kuaifan.events import Event, now_ms, pseudonymise
from kuaifan.sources.base import Batch, FileSource
from kuaifan.sources.gate import TenantGate
from kuaifan.sources.push import PushBatch, PushRejected, PushRequest, PushSource, accept_push, acknowledge
from kuaifan.sources.replay import ReplayGuard

CONTRACT_TENANT = "contract"
CONTRACT_SALT = "contract-salt-0123456789"
UNICODE_TEXTS: tuple[str, ...] = (
    "黑色L有吗😀",
    "宝宝1米2穿几码🙏🏻",
    "ｍ码 全角",
    "👨‍👩‍👧 family",
    "é\u0301",
    "扣1" * 200,
)


@dataclass(frozen=True, slots=True)
class Expected:
    items: int
    dead: int = 0
    ignored: int = 0


@dataclass(frozen=True, slots=True)
class Example:
    """A documented example payload (the plain body) and what it must become."""

    name: str
    payload: bytes
    expected: Expected
    headers: dict[str, str] = field(default_factory=dict)  # extra headers, e.g. x-msg-type


class PushKit(Protocol):
    """What the contract needs to know about one platform."""

    source: PushSource
    signs_time: bool  # the platform signs a send time and a nonce (window and replay checks apply)

    def request(
        self,
        payload: bytes,
        *,
        valid: bool = True,
        sent_ms: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> PushRequest:
        """A request carrying ``payload`` as the platform sends it (signed, encrypted …)."""
        ...

    def examples(self) -> Sequence[Example]: ...

    def unknown_type(self) -> tuple[bytes, dict[str, str]]:
        """A payload (and headers) of a message type the adapter does not know."""
        ...

    def with_texts(self, texts: Sequence[str]) -> tuple[bytes, dict[str, str]] | None:
        """A payload of one text message per text, or None if the platform has no text messages."""
        ...

    def many(self, n: int) -> tuple[bytes, dict[str, str]] | None:
        """A payload of ``n`` distinct messages that each become one item; None when the platform sends
        one notice per request or its notices never become items on their own."""
        ...


def _one(kit: PushKit) -> tuple[bytes, dict[str, str]]:
    """A small valid payload: one message, or the first documented example."""
    made = kit.many(1)
    if made is not None:
        return made
    example = kit.examples()[0]
    return example.payload, example.headers


def gate(items: list[dict[str, Any]]) -> list[Event]:
    """The tenant-and-privacy gate as ``POST /v1/events`` applies it, reduced to what the contract needs."""
    events = []
    for item in items:
        assert isinstance(item, dict), f"an item must be a JSON object, got {type(item).__name__}"
        assert "tenant" not in item, "adapters leave the tenant to the gate"
        assert "user_key" not in item, "adapters never pseudonymise: send the raw id as user_id"
        obj = {k: v for k, v in item.items() if v is not None and k not in ("avatar_url", "nickname")}
        if "user_id" in obj:
            obj["user_key"] = pseudonymise(CONTRACT_SALT, obj.pop("user_id"))
        obj["tenant"] = CONTRACT_TENANT
        try:
            events.append(Event.model_validate_json(orjson.dumps(obj), strict=True))
        except ValidationError as exc:
            raise AssertionError(f"item is not a valid event: {exc.errors()[0]['msg']}: {item}") from None
    return events


def _parse(kit: PushKit, request: PushRequest, what: str) -> PushBatch:
    try:
        kit.source.verify(request)
    except PushRejected as exc:
        raise AssertionError(
            f"{kit.source.name}: {what}: a correctly signed request was refused: {exc.reason}"
        ) from None
    return kit.source.parse(request)


def _outcome(kit: PushKit, request: PushRequest) -> PushBatch | None:
    """Parse, allowing verify to refuse (e.g. a body that does not decrypt); any other exception fails."""
    try:
        kit.source.verify(request)
    except PushRejected:
        return None
    return kit.source.parse(request)


def check_push_source(kit: PushKit, *, fuzz_examples: int = 60) -> None:
    """Run the push contract (module doc) on one adapter; AssertionError on the first broken rule."""
    name = kit.source.name
    for example in kit.examples():
        batch = _parse(kit, kit.request(example.payload, headers=example.headers), example.name)
        got = Expected(len(batch.items), len(batch.dead), batch.ignored)
        assert got == example.expected, (
            f"{name}: example {example.name}: expected {example.expected}, got {got}"
        )
        events = gate(batch.items)
        assert all(e.platform == kit.source.platform for e in events), f"{name}: items of another platform"
        assert all(d.reason for d in batch.dead), f"{name}: a dead letter without a reason"
    _check_dedup(kit)
    _check_signatures(kit)
    if kit.signs_time:
        _check_replay(kit)
    _check_bad_bodies(kit)
    _check_texts(kit)
    made = kit.many(2000)
    if made is not None:
        batch = _parse(kit, kit.request(made[0], headers=made[1]), "2000 messages")
        assert len(batch.items) == 2000, f"{name}: a body of 2000 messages gave {len(batch.items)} items"
        gate(batch.items)
    huge = b'[{"msg_id": "huge", "content": "' + b"\xe5\xa4\xa7" * 700_000 + b'"}]'
    outcome = _outcome(kit, kit.request(huge, headers=_one(kit)[1]))
    if outcome is not None:  # 2 MB of text: refused, dead-lettered or an item the gate refuses; never a crash
        gate_or_dead(outcome)
    if fuzz_examples:
        fuzz_push_source(kit, fuzz_examples)


def _check_dedup(kit: PushKit) -> None:
    made = kit.many(3)
    payload, headers = made if made is not None else _one(kit)
    first = _parse(kit, kit.request(payload, headers=headers), "first delivery")
    again = _parse(kit, kit.request(payload, headers=headers), "second delivery")
    ids = [i["msg_id"] for i in first.items]
    assert ids == [i["msg_id"] for i in again.items], f"{kit.source.name}: a redelivery changed the msg_ids"
    stable = first.msg_ids and first.msg_ids == again.msg_ids
    assert stable, f"{kit.source.name}: no stable platform message ids"
    if made is not None:
        assert len(set(ids)) == len(ids) == 3, f"{kit.source.name}: distinct messages share a msg_id: {ids}"


def _check_signatures(kit: PushKit) -> None:
    payload, headers = _one(kit)
    bad = kit.request(payload, valid=False, headers=headers)
    try:
        kit.source.verify(bad)
    except PushRejected as exc:
        assert exc.kind == "signature", f"{kit.source.name}: a wrong secret was refused as {exc.kind}"
    else:
        raise AssertionError(f"{kit.source.name}: a request signed with a wrong secret was accepted")
    good = kit.request(payload, headers=headers)
    body = bytearray(good.body)
    body[len(body) // 3] ^= 0x01
    tampered = PushRequest(good.headers, bytes(body), good.received_ms)
    try:
        kit.source.verify(tampered)
    except PushRejected:
        pass
    else:
        raise AssertionError(f"{kit.source.name}: a tampered body was accepted")


def _check_replay(kit: PushKit) -> None:
    payload, headers = _one(kit)
    guard = ReplayGuard()
    now = now_ms()
    for skew in (-(guard.window_ms + 60_000), guard.window_ms + 60_000):
        request = kit.request(payload, sent_ms=now + skew, headers=headers)
        try:
            accept_push(kit.source, request, guard)
        except PushRejected as exc:
            assert exc.kind == "stale", (
                f"{kit.source.name}: a send time {skew} ms off was refused as {exc.kind}"
            )
        else:
            raise AssertionError(f"{kit.source.name}: a send time {skew} ms off was accepted")
    request = kit.request(payload, headers=headers)
    verified, batch = accept_push(kit.source, request, guard)
    acknowledge(kit.source, verified, batch, guard, now_ms())
    try:
        accept_push(kit.source, request, guard)
    except PushRejected as exc:
        assert exc.kind == "replay", f"{kit.source.name}: a replayed request was refused as {exc.kind}"
    else:
        raise AssertionError(f"{kit.source.name}: the same request was accepted twice")


def _check_bad_bodies(kit: PushKit) -> None:
    payload, headers = kit.unknown_type()
    for what, body, extra in (
        ("malformed JSON", b'[{"msg_id": "1", ', headers),
        ("empty body", b"", headers),
        ("unknown message type", payload, headers),
        ("a JSON null", b"null", headers),
        ("an array of numbers", b"[1, 2, 3]", headers),
    ):
        batch = _outcome(kit, kit.request(body, headers=extra))
        if batch is None:
            continue
        assert not batch.items, f"{kit.source.name}: {what} produced items"
        assert batch.dead or batch.ignored, f"{kit.source.name}: {what} left no dead letter"


def _check_texts(kit: PushKit) -> None:
    made = kit.with_texts(UNICODE_TEXTS)
    if made is None:
        return
    payload, headers = made
    batch = _parse(kit, kit.request(payload, headers=headers), "unicode texts")
    texts = [e.text for e in gate(batch.items)]
    assert texts == list(UNICODE_TEXTS), f"{kit.source.name}: texts changed on the way: {texts}"


def fuzz_push_source(kit: PushKit, examples: int = 60) -> None:
    """Any bytes and any JSON, correctly signed: only items, dead letters, ignored or PushRejected."""
    try:
        from hypothesis import HealthCheck, given, settings
        from hypothesis import strategies as st
    except ImportError:  # the contract's other checks still ran
        return
    headers = _one(kit)[1]  # a known message type: the fuzzed bodies reach the type's parser
    json_values = st.recursive(
        st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.floats(allow_nan=False) | st.text(),
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=6),
        max_leaves=20,
    )

    def run(body: bytes) -> None:
        batch = _outcome(kit, kit.request(body, headers=headers))
        if batch is not None:
            assert isinstance(batch.items, list) and isinstance(batch.dead, list)
            gate(batch.items)

    check = settings(max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck))
    check(given(st.binary(max_size=2048))(run))()
    check(given(json_values)(lambda v: run(orjson.dumps(v, option=orjson.OPT_NON_STR_KEYS))))()
    example = kit.examples()[0] if kit.examples() else None
    if example is not None:  # mutations of a real message: one field replaced by any JSON value
        base = orjson.loads(example.payload) if example.payload.strip() else None
        first = base[0] if isinstance(base, list) and base and isinstance(base[0], dict) else base
        if isinstance(first, dict) and first:
            keys = sorted(first)

            def mutate(key: str, value: Any) -> None:
                message = {**first, key: value}
                body = orjson.dumps([message] if isinstance(base, list) else message)
                batch = _outcome(kit, kit.request(body, headers=example.headers))
                if batch is not None:
                    gate_or_dead(batch)

            check(given(st.sampled_from(keys), json_values)(mutate))()


def gate_or_dead(batch: PushBatch) -> None:
    """Every item is a valid event, or it would be a dead letter at the gate: never an exception."""
    for item in batch.items:
        try:
            gate([item])
        except AssertionError as exc:
            if "not a valid event" not in str(exc):
                raise


# ---- file sources -------------------------------------------------------------------------------------


def check_source(
    source: FileSource,
    good: Path,
    *,
    expected_rows: int | None = None,
    bad: Path | None = None,
    raw_user_ids: Sequence[str] = (),
    fuzz_dir: Path | None = None,
    fuzz_examples: int = 30,
) -> list[Batch]:
    """The file-source contract: ``good`` is recognised and read into valid, tenant-scoped events whose
    message ids are the same on every read; no raw user id and no nickname is kept; ``bad`` (if given)
    yields dead letters with a reason and, where the format has lines, a line number; with
    ``fuzz_dir``, random bytes under the source's file name never raise anything but a KuaifanError."""
    from kuaifan.errors import KuaifanError

    assert source.sniff(good), f"{source.name}: does not recognise {good.name}"
    batches = list(source.read(good, TenantGate(CONTRACT_TENANT, CONTRACT_SALT)))
    again = list(source.read(good, TenantGate(CONTRACT_TENANT, CONTRACT_SALT)))
    rows = [r for b in batches for r in b.good.to_dicts()]
    if expected_rows is not None:
        assert len(rows) == expected_rows, (
            f"{source.name}: {good.name}: expected {expected_rows} rows, got {len(rows)}"
        )
    assert [r["msg_id"] for b in again for r in b.good.to_dicts()] == [r["msg_id"] for r in rows], (
        f"{source.name}: message ids differ between two reads (the store could not deduplicate)"
    )
    for row in rows:
        assert row["tenant"] == CONTRACT_TENANT, f"{source.name}: a row of tenant {row['tenant']!r}"
        assert row["nickname"] is None, f"{source.name}: a nickname was kept without store_nicknames"
        assert row["user_key"] not in raw_user_ids, f"{source.name}: a raw user id was stored"
        _as_event(source.name, row)
    if bad is not None:
        dead = [d for b in source.read(bad, TenantGate(CONTRACT_TENANT, CONTRACT_SALT)) for d in b.bad]
        assert dead, f"{source.name}: {bad.name} gave no dead letter"
        assert all(d.reason and d.raw is not None for d in dead), (
            f"{source.name}: a dead letter without reason"
        )
    if fuzz_dir is not None and fuzz_examples:
        _fuzz_file(source, good, fuzz_dir, fuzz_examples, KuaifanError)
    return batches


def _as_event(name: str, row: dict[str, Any]) -> None:
    fields = {k: v for k, v in row.items() if v is not None and k != "ingest_ms"}
    if isinstance(fields.get("spec"), str):
        fields["spec"] = orjson.loads(fields["spec"])
    try:
        Event.model_validate(fields)
    except ValidationError as exc:
        raise AssertionError(
            f"{name}: a stored row is not a valid event: {exc.errors()[0]['msg']}: {row}"
        ) from None


def _fuzz_file(source: FileSource, good: Path, folder: Path, examples: int, allowed: type[Exception]) -> None:
    try:
        from hypothesis import HealthCheck, given, settings
        from hypothesis import strategies as st
    except ImportError:
        return
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"fuzz{good.suffix}"
    head = good.read_bytes()[:512]

    def run(prefix_len: int, noise: bytes) -> None:
        target.write_bytes(head[:prefix_len] + noise)
        try:
            for batch in source.read(target, TenantGate(CONTRACT_TENANT, CONTRACT_SALT)):
                for row in batch.good.to_dicts():
                    _as_event(source.name, row)
        except allowed:
            pass

    check = settings(max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck))
    check(given(st.integers(0, len(head)), st.binary(max_size=1024))(run))()
