"""The tenant-and-privacy gate: every record from every source passes here before the log.

One policy, two forms (a record at a time for pushes and the API, a polars frame at a time for
files), the same rules:

- the record belongs to the tenant we ingest for: a missing ``tenant`` becomes it, another one is
  refused (``tenant mismatch``);
- a raw platform user id (``user_id``) becomes ``user_key`` = HMAC-SHA256 with the tenant's salt
  (``events.pseudonymise``) and is never stored; sending both is refused;
- avatars are always dropped, nicknames too unless the tenant set ``store_nicknames`` (PIPL);
- then the canonical event rules (``events.Event`` / ``events.validate_frame``, strict types:
  ``"5"`` is not an integer).

A refused record becomes a ``DeadLetter`` with a precise reason: nothing is lost.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

import orjson
import polars as pl
from pydantic import ValidationError

from kuaifan.errors import ConfigError
from kuaifan.events import (
    EVENT_COLUMNS,
    TENANT_NAME,
    DeadLetter,
    Event,
    now_ms,
    pseudonymise,
    validate_frame,
)

if TYPE_CHECKING:
    from kuaifan.config import TenantConfig

RAW_LIMIT: Final = 64 << 10  # bytes of a refused record kept as its raw text
# Keys a record may carry besides the canonical fields: dropped by the gate.
DROPPED: Final = ("avatar", "avatar_url", "ingest_ms")


@dataclass(slots=True)
class Admitted:
    """Canonical rows (EVENT_COLUMNS dicts, the first copy of each (platform, msg_id)) and the
    records refused, as dead letters and as ``{"index", "reason"}`` (0-based) for a response."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    dead: list[DeadLetter] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    batch_duplicates: int = 0  # later copies of a (platform, msg_id) inside this batch


@dataclass(frozen=True, slots=True)
class TenantGate:
    """The gate for one tenant."""

    tenant: str
    salt: str
    store_nicknames: bool = False

    def __post_init__(self) -> None:
        if not TENANT_NAME.match(self.tenant):
            raise ConfigError(f"租户名不合法：{self.tenant!r}", f"bad tenant name: {self.tenant!r}")

    @classmethod
    def of(cls, tenant: str, config: TenantConfig) -> TenantGate:
        return cls(tenant, config.salt, config.store_nicknames)

    # -- the parts, for sources that build rows themselves ---------------------------------------

    def user_key(self, platform_user_id: str | None) -> str | None:
        """The stored key of a raw platform user id (None for none)."""
        return pseudonymise(self.salt, platform_user_id) if platform_user_id else None

    def nickname(self, value: str | None) -> str | None:
        return value if self.store_nicknames else None

    def mismatch(self, claimed: object) -> str | None:
        """The reason a record that names ``claimed`` as its tenant is refused, or None."""
        if claimed is None or claimed == self.tenant:
            return None
        shown = claimed if isinstance(claimed, str) else repr(claimed)
        return f"tenant mismatch: record is for {shown[:64]!r}, ingesting for {self.tenant!r}"

    # -- a record at a time ----------------------------------------------------------------------

    def admit(self, item: Any) -> dict[str, Any] | str:
        """One record (a JSON value) to a canonical row, or the reason it is refused."""
        if not isinstance(item, dict):
            kind = "null" if item is None else type(item).__name__
            return f"expected a JSON object, got {kind}"
        obj = {k: v for k, v in item.items() if v is not None and k not in DROPPED}
        reason = self.mismatch(obj.get("tenant"))
        if reason is not None:
            return reason
        obj["tenant"] = self.tenant
        if "user_id" in obj:
            user_id = obj.pop("user_id")
            if "user_key" in obj:
                return "both user_id and user_key given (send one)"
            if not isinstance(user_id, str) or not user_id:
                return "user_id: expected a non-empty string"
            obj["user_key"] = pseudonymise(self.salt, user_id)
        if not self.store_nicknames:
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

    def admit_all(self, items: Sequence[Any], source: str) -> Admitted:
        """Every record of a batch (a request body, a platform push); ``line`` of a dead letter is the
        record's 1-based position."""
        out = Admitted()
        seen: set[tuple[str, str]] = set()
        for index, item in enumerate(items):
            checked = self.admit(item)
            if isinstance(checked, str):
                out.errors.append({"index": index, "reason": checked})
                out.dead.append(DeadLetter(source, checked, raw_text(item), index + 1, self.tenant))
                continue
            key = (checked["platform"], checked["msg_id"])
            if key in seen:
                out.batch_duplicates += 1
                continue
            seen.add(key)
            out.rows.append(checked)
        return out

    # -- a frame at a time -----------------------------------------------------------------------

    def admit_frame(
        self, df: pl.DataFrame, *, line: str, now: int | None = None
    ) -> tuple[pl.DataFrame, pl.DataFrame]:
        """Input-shaped rows (EVENT_COLUMNS plus ``user_id``, each String / Int64, and the ``line``
        column numbering them) to ``(good, bad)``: good rows in EVENT_COLUMNS order, ``bad`` with
        ``line`` and ``reason`` of each refused row."""
        user_ids = df["user_id"].drop_nulls().unique().to_list()
        hashed = {u: pseudonymise(self.salt, u) for u in user_ids if u != ""}
        claimed = pl.col("tenant").is_not_null() & (pl.col("tenant") != self.tenant)
        checks: list[tuple[pl.Expr, pl.Expr]] = [
            (pl.col("kind").is_null(), pl.lit("kind is required")),
            (pl.col("platform").is_null(), pl.lit("platform is required")),
            (
                claimed,
                pl.format(
                    "tenant mismatch: record is for {}, ingesting for '" + self.tenant + "'", quoted("tenant")
                ),
            ),
            (
                pl.col("user_id").is_not_null() & pl.col("user_key").is_not_null(),
                pl.lit("both user_id and user_key given (send one)"),
            ),
        ]
        reason: pl.Expr = pl.lit(None, dtype=pl.String)
        for cond, text in reversed(checks):
            reason = pl.when(cond.fill_null(False)).then(text).otherwise(reason)
        keyed = pl.col("user_id").replace_strict(hashed, default=None, return_dtype=pl.String)
        df = df.with_columns(
            reason.alias("reason"),
            pl.col("tenant").fill_null(self.tenant),
            pl.when(pl.col("user_id").is_not_null())
            .then(keyed)
            .otherwise(pl.col("user_key"))
            .alias("user_key"),
            pl.col("nickname") if self.store_nicknames else pl.lit(None, dtype=pl.String).alias("nickname"),
        )
        pre_bad = df.filter(pl.col("reason").is_not_null()).select(line, "reason")
        rows = df if pre_bad.height == 0 else df.filter(pl.col("reason").is_null())  # no copy when all pass
        good, bad = validate_frame(rows.select(*EVENT_COLUMNS, line), now=now_ms() if now is None else now)
        bad = bad.select(line, _named_reason())
        return good.drop(line), pl.concat([pre_bad, bad]).sort(line)


def quoted(col: str) -> pl.Expr:
    """A column's value in quotes, cut at 60 characters, for a reason text."""
    return pl.concat_str(pl.lit("'"), pl.col(col).str.slice(0, 60), pl.lit("'"))


def _named_reason() -> pl.Expr:
    """``unknown kind`` → ``unknown kind 'x'`` (and platform, channel): the value that was refused."""
    which = (
        pl.when(pl.col("reason") == "unknown kind")
        .then(quoted("kind"))
        .when(pl.col("reason") == "unknown platform")
        .then(quoted("platform"))
        .otherwise(quoted("channel"))
    )
    named = pl.col("reason").is_in(["unknown kind", "unknown platform", "unknown channel"])
    return (
        pl.when(named).then(pl.format("{} {}", "reason", which)).otherwise(pl.col("reason")).alias("reason")
    )


def _reason(err: ValidationError) -> str:
    e = err.errors()[0]
    loc = ".".join(str(p) for p in e["loc"])
    msg = str(e["msg"]).removeprefix("Value error, ")
    return f"{loc}: {msg}" if loc else msg


def raw_text(item: Any) -> str:
    """A record as JSON text (cut at RAW_LIMIT), for its dead letter."""
    try:
        text = orjson.dumps(item).decode()
    except TypeError:
        text = repr(item)
    return text if len(text) <= RAW_LIMIT else text[:RAW_LIMIT]
