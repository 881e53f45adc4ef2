from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

import pytest

from kuaifan.errors import ConfigError
from kuaifan.text import CATEGORIES, Lexicon, TextClassifier, classify, load_lexicon


def test_lexicon_files_ship_in_the_package() -> None:
    folder = resources.files("kuaifan.text").joinpath("lexicon")
    names = {p.name for p in folder.iterdir()}
    assert {f"{c}.toml" for c in CATEGORIES} | {"common.toml"} <= names


def test_a_tenant_extends_the_lexicon() -> None:
    assert classify("米米多少").intent == "price"  # built in: 米米 is money
    assert classify("蹦迪款有吗").color is None
    extra = {
        "intents": {"link": {"车车": 4}},
        "colors": {"bare": ["蹦迪"]},
        "typos": {"链jie": "链接"},
    }
    clf = TextClassifier(extra_lexicon=extra)
    assert clf.classify("车车呢").intent == "link"
    assert classify("车车呢").intent != "link"
    assert clf.classify("蹦迪色有吗").color == "蹦迪色"
    assert clf.classify("链jie在哪").intent == "link"


def test_a_weight_of_zero_removes_a_cue() -> None:
    # the rules alone: without any cue left, the learned intent model would answer instead
    clf = TextClassifier(extra_lexicon={"intents": {"praise": {"好看": 0}}}, intent_model=None)
    assert clf.classify("好看").intent == "other"


def test_categories_narrow_the_lexicon() -> None:
    food = TextClassifier(categories=["food"])
    assert food.classify("有没有原味的").intent == "variant"
    assert "原味" not in load_lexicon(["apparel"]).intents.get("variant", {})


@pytest.mark.parametrize(
    ("mapping", "key"),
    [
        ({"intents": {"pricey": {"x": 1}}}, "intents"),
        ({"intents": {"price": {"x": 99}}}, "intents"),
        ({"colours": {}}, "colours"),
    ],
)
def test_bad_lexicon_is_a_config_error_naming_the_key(mapping: dict[str, object], key: str) -> None:
    with pytest.raises(ConfigError) as err:
        Lexicon.from_mapping(mapping, source="tenant demo")
    assert key in err.value.en and "tenant demo" in err.value.zh


def test_unknown_category_is_a_config_error() -> None:
    with pytest.raises(ConfigError):
        load_lexicon(["cars"])


def test_lexicon_from_toml(tmp_path: Path) -> None:
    p = tmp_path / "extra.toml"
    p.write_text('[intents.price]\n"几米" = 3\n', encoding="utf-8")
    assert Lexicon.from_toml(p).intents == {"price": {"几米": 3.0}}
    bad = tmp_path / "bad.toml"
    bad.write_text("[intents\n", encoding="utf-8")
    with pytest.raises(ConfigError):
        Lexicon.from_toml(bad)


def test_classifier_from_a_tenant_text_config() -> None:
    from kuaifan.text import classifier_from_config, default_classifier

    assert classifier_from_config(None) is default_classifier()
    clf = classifier_from_config({"categories": ["food"], "lexicon": {"intents": {"link": {"车车": 4}}}})
    assert clf.classify("车车呢").intent == "link"
    with pytest.raises(ConfigError) as err:
        classifier_from_config({"lexicons": {}})
    assert "text.lexicons" in err.value.en
    with pytest.raises(ConfigError):
        classifier_from_config({"categories": "food"})


def test_every_digit_cue_can_match_normalised_text() -> None:
    # A cue is matched against normalised text. Normalisation turns 一 into 1 only before a unit
    # (一米, 一号) or after a trigger (第一), so a cue such as "上1下" would never match "上一下".
    from kuaifan.text.lexicon import default_compiled

    lex = default_compiled()
    to_chinese = str.maketrans("0123456789", "零一二三四五六七八九")
    # a digit between two Chinese characters was meant as a converted numeral: it must round-trip
    inside = re.compile(r"[\u4e00-\u9fff][0-9]+[\u4e00-\u9fff]")
    unreachable = [
        cue for cue in lex.intent_cues if inside.search(cue) and lex.norm(cue.translate(to_chinese)) != cue
    ]
    assert unreachable == []
