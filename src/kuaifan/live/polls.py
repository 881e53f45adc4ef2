"""Live polls for co-creation (用户共创): "黑色扣1 白色扣2", tallied from comments as they arrive.

The operator opens a poll with option text (``parse_options("黑色扣1 白色扣2")``) or with link
numbers (``Poll.for_links``). Each comment is read as a vote when, once normalised (NFKC, lower
case, spaces / punctuation / emoji dropped, a leading 扣 / 打 / 刷 / 选 / 要 / 投 removed), it is
an option code repeated ("1", "111", "扣1", "1 1 1") or an option label ("黑色", "要黑色").
Anything else ("1号链接还能拍吗", "12") is not a vote.

Rules: one viewer (``user_key``), one vote — **the first vote counts**; later comments by the same
viewer, for any option, are ignored (counted as ``repeats``). Viewers cannot change their vote:
that keeps the tally monotone and a "扣1" flood from one account harmless. Comments without a
``user_key`` cannot be deduplicated and are not counted; comments before the poll opened are
ignored. ``close`` freezes the poll and returns a JSON-able ``PollResult`` for storage.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from kuaifan.errors import InputError

MAX_OPTIONS: Final = 20
_VERBS: Final = ("扣", "打", "刷", "选", "要", "投")
_SEP: Final = r"\s,，;；、/|。!！"
_CODE: Final = r"[0-9A-Za-z]{1,4}"
# label + 扣/打/刷/回复 + code: "黑色扣1", "想要白色的扣 2", "M码打A"
_LABEL_FIRST = re.compile(
    rf"(?P<label>[^{_SEP}]+?)\s*(?:扣|打|刷|回复|回|选)\s*(?P<code>{_CODE})(?![0-9A-Za-z])"
)
# code + . 、 : ) + label: "1.黑色 2.白色"
_CODE_FIRST = re.compile(rf"(?<![0-9A-Za-z])(?P<code>[0-9]{{1,2}})\s*[.、:：)）]\s*(?P<label>[^{_SEP}]+)")
_LABEL_PREFIXES: Final = ("想要", "喜欢", "要", "选")


@dataclass(frozen=True, slots=True)
class PollOption:
    code: str
    label: str


def _norm(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def _clean_label(label: str) -> str:
    label = label.strip()
    for p in _LABEL_PREFIXES:
        if label.startswith(p) and len(label) > len(p):
            label = label[len(p) :]
            break
    if label.endswith("的") and len(label) > 1:
        label = label[:-1]
    return label


def parse_options(text: str) -> list[PollOption]:
    """Options from operator text: "黑色扣1 白色扣2", "1.黑色 2.白色" (full-width digits too)."""
    t = unicodedata.normalize("NFKC", text)
    found = [(m.group("code").lower(), _clean_label(m.group("label"))) for m in _LABEL_FIRST.finditer(t)]
    if len(found) < 2:
        found = [(m.group("code"), _clean_label(m.group("label"))) for m in _CODE_FIRST.finditer(t)]
    options = [PollOption(code, label) for code, label in found if label]
    _check(options, text)
    return options


def _check(options: Sequence[PollOption], source: str) -> None:
    if len(options) < 2:
        raise InputError(
            f"投票选项无法识别：{source!r}；请写成「黑色扣1 白色扣2」或「1.黑色 2.白色」",
            f"cannot read poll options from {source!r}; write them like '黑色扣1 白色扣2' or '1.黑色 2.白色'",
        )
    if len(options) > MAX_OPTIONS:
        raise InputError(f"投票选项最多 {MAX_OPTIONS} 个", f"at most {MAX_OPTIONS} poll options")
    codes = [o.code for o in options]
    labels = [_strip(o.label) for o in options]
    if len(set(codes)) != len(codes) or len(set(labels)) != len(labels):
        raise InputError(
            f"投票选项重复：{source!r}", f"poll options repeat a code or a label: {source!r}", options=codes
        )


def _strip(text: str) -> str:
    t = "".join(ch for ch in _norm(text) if ch.isalnum())
    while t and t[0] in _VERBS and len(t) > 1:
        t = t[1:]
    return t


@dataclass(frozen=True, slots=True)
class PollResult:
    poll_id: str
    question: str
    room_id: str | None
    stream_id: str | None
    opened_ms: int
    closed_ms: int
    options: tuple[PollOption, ...]
    votes: tuple[int, ...]
    repeats: int

    @property
    def voters(self) -> int:
        return sum(self.votes)

    @property
    def winners(self) -> list[str]:
        """Codes with the most votes (several on a tie; none without votes)."""
        top = max(self.votes, default=0)
        return [o.code for o, v in zip(self.options, self.votes, strict=True) if top and v == top]

    def to_json(self) -> dict[str, Any]:
        total = self.voters
        return {
            "poll_id": self.poll_id,
            "question": self.question,
            "room_id": self.room_id,
            "stream_id": self.stream_id,
            "opened_ms": self.opened_ms,
            "closed_ms": self.closed_ms,
            "options": [
                {"code": o.code, "label": o.label, "votes": v, "share": v / total if total else None}
                for o, v in zip(self.options, self.votes, strict=True)
            ],
            "voters": total,
            "repeats": self.repeats,
            "winners": self.winners,
            "rule": "first_vote_counts",
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PollResult:
        opts = data["options"]
        return cls(
            poll_id=str(data["poll_id"]),
            question=str(data["question"]),
            room_id=data.get("room_id"),
            stream_id=data.get("stream_id"),
            opened_ms=int(data["opened_ms"]),
            closed_ms=int(data["closed_ms"]),
            options=tuple(PollOption(str(o["code"]), str(o["label"])) for o in opts),
            votes=tuple(int(o["votes"]) for o in opts),
            repeats=int(data["repeats"]),
        )


class Poll:
    """One open poll in one room; feed it comment rows with ``observe``."""

    def __init__(
        self,
        poll_id: str,
        options: Sequence[PollOption],
        opened_ms: int,
        *,
        question: str = "",
        room_id: str | None = None,
        stream_id: str | None = None,
    ) -> None:
        _check(options, question or poll_id)
        self.poll_id = poll_id
        self.question = question
        self.options = tuple(options)
        self.opened_ms = opened_ms
        self.room_id = room_id
        self.stream_id = stream_id
        self.closed_ms: int | None = None
        self._counts = [0] * len(self.options)
        self._voters: dict[str, int] = {}  # user_key -> option index (the first vote)
        self.repeats = 0
        self._by_code = {o.code: i for i, o in enumerate(self.options)}
        self._by_label = {_strip(o.label): i for i, o in enumerate(self.options) if _strip(o.label)}

    @classmethod
    def from_text(cls, poll_id: str, text: str, opened_ms: int, **kwargs: Any) -> Poll:
        """A poll from operator text such as "黑色扣1 白色扣2"."""
        return cls(poll_id, parse_options(text), opened_ms, question=text, **kwargs)

    @classmethod
    def for_links(
        cls, poll_id: str, link_nos: Sequence[int], opened_ms: int, labels: Mapping[int, str] | None = None,
        **kwargs: Any,
    ) -> Poll:  # fmt: skip
        """A poll whose options are product links: viewers type the link number."""
        options = [PollOption(str(n), (labels or {}).get(n, f"{n}号链接")) for n in link_nos]
        question = kwargs.pop("question", " ".join(f"{o.label}扣{o.code}" for o in options))
        return cls(poll_id, options, opened_ms, question=question, **kwargs)

    @property
    def is_open(self) -> bool:
        return self.closed_ms is None

    def vote_of(self, text: str) -> int | None:
        """The option index a comment votes for, or None."""
        t = _strip(text)
        if not t:
            return None
        exact = self._by_code.get(t)
        if exact is not None:
            return exact
        hit = self._by_label.get(t)
        if hit is not None:
            return hit
        runs = [i for c, i in self._by_code.items() if len(t) % len(c) == 0 and t == c * (len(t) // len(c))]
        return runs[0] if len(runs) == 1 else None

    def observe(self, row: Mapping[str, Any]) -> str | None:
        """Count a comment row; return the option code it added a vote to (None: no new vote)."""
        if self.closed_ms is not None or row.get("kind") != "comment":
            return None
        if row.get("ts_ms", self.opened_ms) < self.opened_ms:
            return None
        text, user = row.get("text"), row.get("user_key")
        if not text or user is None:
            return None
        idx = self.vote_of(text)
        if idx is None:
            return None
        if user in self._voters:
            self.repeats += 1
            return None
        self._voters[user] = idx
        self._counts[idx] += 1
        return self.options[idx].code

    def tally(self) -> dict[str, int]:
        return {o.code: n for o, n in zip(self.options, self._counts, strict=True)}

    def result(self, closed_ms: int | None = None) -> PollResult:
        """The result so far (or final, once closed)."""
        end = self.closed_ms if self.closed_ms is not None else closed_ms
        return PollResult(
            poll_id=self.poll_id,
            question=self.question,
            room_id=self.room_id,
            stream_id=self.stream_id,
            opened_ms=self.opened_ms,
            closed_ms=self.opened_ms if end is None else end,
            options=self.options,
            votes=tuple(self._counts),
            repeats=self.repeats,
        )

    def close(self, closed_ms: int) -> PollResult:
        """Stop counting; the final result."""
        if self.closed_ms is None:
            self.closed_ms = max(closed_ms, self.opened_ms)
        return self.result()
