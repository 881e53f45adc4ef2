"""Property tests: no crash on any input, values in range, both batch paths agree."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kuaifan.text import INTENTS, TextClassifier, classify

# Text that looks like comments: CJK, digits (ASCII and full-width), size letters, units, emoji.
ALPHABET = st.sampled_from(
    list("一二两三四五六七八九十百米斤码号链接有没还吗黑白红色的拍已收到退换多少钱穿我身高体重宝")
    + list("0123456789.#/ ")
    + list("０１２３４５６７８９ＭＬ")
    + list("smlxSMLX")
    + ["kg", "cm", "😭", "❤️", "[爱心]"]
)
COMMENTS = st.lists(ALPHABET, max_size=30).map("".join)
clf = TextClassifier()


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_never_crashes_on_arbitrary_unicode(text: str) -> None:
    c = classify(text)
    assert c.intent in INTENTS
    assert -1.0 <= c.sentiment <= 1.0
    assert 0.0 <= c.confidence <= 1.0


@settings(max_examples=400, deadline=None)
@given(COMMENTS)
def test_attributes_are_plausible_or_none(text: str) -> None:
    c = classify(text)
    assert c.height_cm is None or 50 <= c.height_cm <= 230
    assert c.weight_kg is None or 8 <= c.weight_kg <= 200
    assert c.link_no is None or 0 < c.link_no < 1000
    assert c.color is None or c.color.endswith("色")
    assert -1.0 <= c.sentiment <= 1.0


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(COMMENTS | st.text(max_size=20), min_size=1, max_size=40))
def test_polars_and_python_paths_agree(texts: list[str]) -> None:
    one_by_one = [clf.classify(t) for t in texts]
    assert clf.classify_many(texts, method="python") == one_by_one
    assert clf.classify_many(texts, method="polars") == one_by_one
