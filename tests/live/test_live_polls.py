"""Live polls: option parsing, vote reading, first-vote-counts tallies, stored results."""

from __future__ import annotations

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from live_streams import T0, row

from kuaifan.errors import InputError
from kuaifan.live.polls import Poll, PollOption, PollResult, parse_options


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("黑色扣1 白色扣2", [("1", "黑色"), ("2", "白色")]),
        ("想要黑色的扣1，想要白色的扣2", [("1", "黑色"), ("2", "白色")]),
        ("黑色扣１白色扣２", [("1", "黑色"), ("2", "白色")]),
        ("1.黑色 2.白色 3.杏色", [("1", "黑色"), ("2", "白色"), ("3", "杏色")]),
        ("M码打A  L码打B", [("a", "M码"), ("b", "L码")]),
        ("短款扣666 长款扣888", [("666", "短款"), ("888", "长款")]),
    ],
)
def test_parse_options(text: str, expected: list[tuple[str, str]]) -> None:
    assert parse_options(text) == [PollOption(c, label) for c, label in expected]


@pytest.mark.parametrize("text", ["", "大家好", "黑色扣1", "黑色扣1 黑色扣2", "黑色扣1 白色扣1"])
def test_unreadable_or_ambiguous_options_are_rejected(text: str) -> None:
    with pytest.raises(InputError) as err:
        parse_options(text)
    assert err.value.zh and err.value.en


LABEL_CHARS = "黑白红粉蓝灰杏绿紫棕长短宽松款色码"
labels = st.text(alphabet=LABEL_CHARS, min_size=1, max_size=4).filter(
    lambda s: not s.startswith(("要", "选", "喜欢", "想要")) and not s.endswith("的")
)


@settings(max_examples=150)
@given(
    st.lists(labels, min_size=2, max_size=6, unique=True),
    st.lists(st.sampled_from([" ", "，", "、", "  ", "；", ""]), min_size=6, max_size=6),
    st.sampled_from(["扣", "打", "刷"]),
)
def test_parse_round_trip(names: list[str], seps: list[str], verb: str) -> None:
    text = "".join(f"{name}{verb}{i + 1}{seps[i]}" for i, name in enumerate(names))
    assert parse_options(text) == [PollOption(str(i + 1), n) for i, n in enumerate(names)]


def comment(user: str | None, text: str, dt: int = 1_000) -> dict[str, object]:
    return row("comment", T0 + dt, user_key=user, text=text)


def test_votes_first_vote_counts_repeats_ignored() -> None:
    poll = Poll.from_text("p1", "黑色扣1 白色扣2", opened_ms=T0, room_id="r1")
    feed = [
        comment("a", "1"), comment("a", "2"), comment("a", "1111"),  # a: first vote 1 counts
        comment("b", "扣2"), comment("c", "2 2 2"), comment("d", "白色！"), comment("e", "要黑色"),
        comment(None, "1"),  # anonymous: cannot be deduplicated
        comment("f", "12"), comment("g", "1号链接还能拍吗"), comment("h", "主播好美"),  # not votes
        comment("i", "1", dt=-5_000),  # before the poll opened
        row("like", T0 + 2_000, user_key="j", qty=3),
    ]  # fmt: skip
    counted = [poll.observe(r) for r in feed]
    assert counted == ["1", None, None, "2", "2", "2", "1", None, None, None, None, None, None]
    assert poll.tally() == {"1": 2, "2": 3} and poll.repeats == 2
    result = poll.close(T0 + 60_000)
    assert poll.observe(comment("z", "1")) is None and not poll.is_open
    data = result.to_json()
    assert data["voters"] == 5 and data["winners"] == ["2"] and data["rule"] == "first_vote_counts"
    assert [o["share"] for o in data["options"]] == [pytest.approx(0.4), pytest.approx(0.6)]
    stored = orjson.loads(orjson.dumps(data))
    assert PollResult.from_json(stored) == result


def test_poll_by_link_numbers_and_ties() -> None:
    poll = Poll.for_links("p2", [3, 5], opened_ms=T0, labels={5: "5号 白T"})
    assert [o.label for o in poll.options] == [
        "3号链接",
        "5号 白T",
    ] and poll.question == "3号链接扣3 5号 白T扣5"
    poll.observe(comment("a", "3"))
    poll.observe(comment("b", "５５"))
    res = poll.close(T0 + 1)
    assert res.winners == ["3", "5"] and res.voters == 2
    assert Poll.for_links("p3", [1, 2], opened_ms=T0).close(T0).winners == []


def test_bad_polls_are_rejected() -> None:
    with pytest.raises(InputError):
        Poll("p", [PollOption("1", "黑色")], opened_ms=T0)
    with pytest.raises(InputError):
        Poll.for_links("p", [1, 1], opened_ms=T0)


@settings(max_examples=100)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["a", "b", "c", "d", None]), st.sampled_from(["1", "2", "11", "扣2", "x", "黑色"])
        ),
        max_size=40,
    )
)
def test_tally_invariants(feed: list[tuple[str | None, str]]) -> None:
    poll = Poll.from_text("p", "黑色扣1 白色扣2", opened_ms=T0)
    for user, text in feed:
        poll.observe(comment(user, text))
    voters = {u for u, t in feed if u is not None and poll.vote_of(t) is not None}
    assert sum(poll.tally().values()) == len(voters)  # one vote per viewer
    vote_comments = sum(1 for u, t in feed if u is not None and poll.vote_of(t) is not None)
    assert sum(poll.tally().values()) + poll.repeats == vote_comments
    expected = {"1": 0, "2": 0}
    for user in voters:  # each viewer's vote is their first vote-like comment
        first = next(idx for u, t in feed if u == user and (idx := poll.vote_of(t)) is not None)
        expected[poll.options[first].code] += 1
    assert poll.tally() == expected
