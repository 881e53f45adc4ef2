"""Factories and orders files: JSON, CSV and Excel with Chinese headers, errors with line and field,
the committed JSON Schemas, the shipped belt data set."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from kuaifan.errors import InputError, NotFoundError
from kuaifan.match import FactorySet, MatchResult, load_factories, load_orders, match, schema_texts
from kuaifan.match.data import BELTS_SEED, BELTS_SIZE, belts_path
from kuaifan.match.synth import belts_json
from kuaifan.match.tables import factories_to_rows, write_factories_csv

from .helpers import factory, order, orders_set

ROOT = Path(__file__).resolve().parents[2]


def write_json(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def test_schema_files_are_the_models_schemas() -> None:
    for name, text in schema_texts().items():
        assert (ROOT / "schemas" / name).read_text(encoding="utf-8") == text, name


def test_examples_follow_the_schemas() -> None:
    orders = json.loads((ROOT / "examples" / "match_orders.json").read_text(encoding="utf-8"))
    jsonschema.validate(orders, json.loads(schema_texts()["match_orders.schema.json"]))
    belts = json.loads(belts_path().read_text(encoding="utf-8"))
    jsonschema.validate(belts, json.loads(schema_texts()["match_factories.schema.json"]))


def test_the_result_follows_its_schema() -> None:
    result = match(load_orders(ROOT / "examples" / "match_orders.json"), load_factories(belts_path()))
    jsonschema.validate(
        json.loads(result.model_dump_json()), json.loads(schema_texts()["match_result.schema.json"])
    )
    assert MatchResult.model_validate_json(result.model_dump_json()) == result


def test_shipped_belts_are_the_generator_output() -> None:
    assert belts_path().read_text(encoding="utf-8") == belts_json(BELTS_SEED, BELTS_SIZE)
    belts = load_factories(belts_path())
    assert len({f.belt for f in belts.factories}) == 9 and len(belts.factories) == BELTS_SIZE
    assert (belts_path().parent / "README.md").is_file()


def test_sourcing_sheet_csv_is_the_shipped_set() -> None:
    assert (
        load_factories(ROOT / "examples" / "factories" / "belts.csv").factories
        == load_factories(belts_path()).factories
    )


def test_order_sheet_csv_is_the_json_example() -> None:
    a = load_orders(ROOT / "examples" / "match_orders.json")
    b = load_orders(ROOT / "examples" / "match_orders.csv")
    assert [o.model_dump(exclude={"tenant"}) for o in a.orders] == [
        o.model_dump(exclude={"tenant"}) for o in b.orders
    ]
    assert b.start_date == a.start_date


def test_excel_sheets_read_like_csv(tmp_path: Path) -> None:
    fs = FactorySet.model_validate(
        {"factories": [factory("A", load_by_day=[3, 4]), factory("B", account="acme")]}
    )
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    for row in factories_to_rows(fs):
        ws.append(row)
    wb.save(tmp_path / "f.xlsx")
    assert load_factories(tmp_path / "f.xlsx").factories == fs.factories


def test_gbk_csv_and_percent_scores(tmp_path: Path) -> None:
    text = (
        "工厂编号,工厂名称,产业带,品类,工艺,起订量(件/款),日产能(件),备料天数,阶梯报价,质量评分,准时交货率,外贸经验\n"
        "HZ-9,杭州测试服饰,杭州女装,女装,梭织、印花,100,500,3,0:1.1;300:1.0,92%,88,有\n"
    )
    (tmp_path / "f.csv").write_bytes(text.encode("gb18030"))
    f = load_factories(tmp_path / "f.csv").factories[0]
    assert f.processes == ["woven", "print"] and f.categories == ["womenswear"]
    assert f.quality_score == pytest.approx(0.92) and f.on_time_rate == pytest.approx(0.88)
    assert f.export_experience and [t.min_qty for t in f.price_tiers] == [0, 300]


def test_a_bad_cell_names_file_line_and_column(tmp_path: Path) -> None:
    text = (
        "工厂编号,工厂名称,产业带,品类,工艺,起订量,日产能,备料天数,阶梯报价\n"
        "A,甲,杭州女装,女装,梭织,100,500,3,0:1\n"
        "B,乙,杭州女装,女装,梭织,100,很多,3,0:1\n"
    )
    (tmp_path / "f.csv").write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_factories(tmp_path / "f.csv")
    assert "第 3 行" in err.value.zh and "capacity_per_day" in err.value.zh
    assert "line 3" in err.value.en and err.value.details["line"] == 3


def test_unknown_process_lists_the_known_ones(tmp_path: Path) -> None:
    path = write_json(tmp_path / "f.json", {"factories": [factory("A", processes=["激光雕刻"])]})
    with pytest.raises(InputError) as err:
        load_factories(path)
    assert "未知工艺" in err.value.zh and "'激光雕刻'" in err.value.zh and "knit (针织)" in err.value.zh
    assert "factories[0].processes" in err.value.en


def test_missing_columns_are_named(tmp_path: Path) -> None:
    (tmp_path / "o.csv").write_text("订单号,数量\nO1,10\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_orders(tmp_path / "o.csv")
    assert "款号" in err.value.zh and "核价" in err.value.zh and "missing columns" in err.value.en


def test_rows_of_one_order_must_agree(tmp_path: Path) -> None:
    text = (
        "订单号,款号,品类,颜色,尺码,数量,核价,交货日期\n"
        "O1,S1,女装,黑色,M,10,50,2025-06-20\nO1,S1,女装,黑色,L,12,55,2025-06-20\n"
    )
    (tmp_path / "o.csv").write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_orders(tmp_path / "o.csv")
    assert "第 3 行" in err.value.zh and "O1" in err.value.zh


def test_order_rules() -> None:
    with pytest.raises(Exception, match="qty 5 differs"):
        load_orders_data(orders_set(order("O1", 5, due_day=3, lines=[{"sku": "a", "qty": 4}])))
    with pytest.raises(Exception, match="exactly one of due_date and due_day"):
        load_orders_data(orders_set({**order("O1", 5, due_day=3), "due_date": "2025-06-09"}))
    with pytest.raises(Exception, match="duplicate order id"):
        load_orders_data(orders_set(order("O1", 5, due_day=3), order("O1", 6, due_day=3)))


def load_orders_data(data: dict[str, Any]) -> Any:
    from kuaifan.match.orders import OrderSet

    return OrderSet.model_validate(data)


def test_missing_file_and_broken_json(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError):
        load_factories(tmp_path / "nope.json")
    (tmp_path / "bad.json").write_text("{", encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_orders(tmp_path / "bad.json")
    assert "JSON" in err.value.zh and err.value.details["line"] == 1


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.fixed_dictionaries(
            {
                "moq": st.integers(1, 5000),
                "cap": st.integers(1, 50000),
                "prep": st.integers(0, 30),
                "load": st.lists(st.integers(0, 900), max_size=10),
                "q": st.floats(0, 1).map(lambda x: round(x, 3)),
                "export": st.booleans(),
                "name": st.text('锦华盛鑫嘉瑞丰美雅 ,"', min_size=1, max_size=12).filter(str.strip),
            }
        ),
        min_size=1,
        max_size=5,
    )
)
def test_sourcing_sheets_round_trip(
    tmp_path_factory: pytest.TempPathFactory, rows: list[dict[str, Any]]
) -> None:
    fs = FactorySet.model_validate(
        {
            "factories": [
                factory(
                    f"F{k}",
                    name=r["name"].strip(),
                    moq_per_style=r["moq"],
                    capacity_per_day=r["cap"],
                    prep_days=r["prep"],
                    load_by_day=r["load"],
                    quality_score=r["q"],
                    export_experience=r["export"],
                )
                for k, r in enumerate(rows)
            ]
        }
    )
    path = write_factories_csv(fs, tmp_path_factory.mktemp("sheet") / "f.csv")
    assert load_factories(path).factories == fs.factories
