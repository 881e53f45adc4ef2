"""Input validation, the committed JSON Schema and the example file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kuaifan.errors import InputError
from kuaifan.plan.milp import partition
from kuaifan.plan.model import input_json_schema, parse_plan_input, parse_plan_json, schema_text

from .helpers import factory, variant

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = ROOT / "schemas" / "plan_input.schema.json"
EXAMPLE = ROOT / "examples" / "plan_input.json"


def good() -> dict[str, Any]:
    return {
        "horizon_days": 3,
        "variants": [variant("A", [[1, 2, 3], [0, 1, 1]]), variant("B", [[2, 2, 2], [1, 0, 0]])],
        "factories": [factory(lead=1)],
    }


def test_schema_file_is_the_model_schema() -> None:
    assert json.loads(SCHEMA.read_text(encoding="utf-8")) == input_json_schema()
    assert SCHEMA.read_text(encoding="utf-8") == schema_text()


def test_example_validates_against_schema_and_model() -> None:
    data = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    jsonschema.validate(data, json.loads(SCHEMA.read_text(encoding="utf-8")))
    inp = parse_plan_input(data)
    assert inp.horizon_days == 28 and len(inp.variants) == 12


def test_schema_rejects_what_the_model_rejects() -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    bad = good()
    bad["variants"][0]["on_hand"] = -1
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema)
    with pytest.raises(InputError):
        parse_plan_input(bad)


@pytest.mark.parametrize(
    ("mutate", "field", "zh_word"),
    [
        (lambda d: d["variants"][0].__setitem__("on_hand", -5), "variants[0].on_hand", "数值过小"),
        (
            lambda d: d["variants"][1]["demand_scenarios"].__setitem__(1, [1, 2]),
            "variants[1].demand_scenarios[1]",
            "长度 2 天",
        ),
        (lambda d: d["variants"][1]["demand_scenarios"].pop(), "variants[1].demand_scenarios", "情景"),
        (lambda d: d.__setitem__("review_days", [0, 5]), "review_days[1]", "不在"),
        (lambda d: d.__setitem__("review_days", [1, 1]), "review_days[1]", "递增"),
        (lambda d: d["factories"][0].__setitem__("lead_time", 3), "factories[0].lead_time", "未知字段"),
        (lambda d: d["factories"].append(factory("F1")), "factories[1].id", "重复"),
        (lambda d: d["variants"][0].__setitem__("salvage_value", 50), "variants[0].salvage_value", "无界"),
        (lambda d: d.pop("horizon_days"), "horizon_days", "缺少"),
        (lambda d: d["factories"][0].__setitem__("styles", ["NOPE"]), "factories[0].styles[0]", "未知款式"),
    ],
)
def test_bad_input_names_the_field(mutate: Any, field: str, zh_word: str) -> None:
    data = good()
    mutate(data)
    with pytest.raises(InputError) as info:
        parse_plan_input(data)
    err = info.value
    assert err.details["field"] == field
    assert field in err.en and field in err.zh
    assert zh_word in err.zh
    assert err.exit_code == 65


def test_bad_json_text() -> None:
    with pytest.raises(InputError, match="line 1"):
        parse_plan_json('{"horizon_days": 3,,}')


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 30), min_size=1, max_size=60), st.integers(1, 8))
def test_partition_is_a_readable_rule(values: list[int], n: int) -> None:
    arr = np.array(values, dtype=np.float64)
    part = partition(arr, n)
    n_b = len(part.lows)
    assert 1 <= n_b <= n
    # every bucket is non-empty and equal values share a bucket
    assert set(part.bucket_of.tolist()) == set(range(n_b))
    for v in set(values):
        assert len(set(part.bucket_of[arr == v].tolist())) == 1
    # the thresholds reproduce the buckets: lows inclusive, highs exclusive
    for b in range(n_b):
        lo, hi = part.lows[b], part.highs[b]
        hit = np.ones(len(arr), dtype=bool)
        if lo is not None:
            hit &= arr >= lo
        if hi is not None:
            hit &= arr < hi
        assert np.array_equal(hit, part.bucket_of == b)
