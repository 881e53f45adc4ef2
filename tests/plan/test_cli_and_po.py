"""`kuaifan plan` end to end (real solver, real files) and the purchase orders it writes."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from openpyxl import load_workbook

from clirun import invoke
from kuaifan.plan import PlanResult, parse_plan_input, plan, write_purchase_orders
from kuaifan.plan.model import output_json_schema
from kuaifan.plan.purchase_orders import HEADERS

from .helpers import factory, variant

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "plan_input.json"


def small_input() -> dict[str, Any]:
    return {
        "horizon_days": 10,
        "review_days": [0, 4],
        "start_date": "2025-06-02",
        "variants": [
            variant(
                "DRESS-黑色-M",
                [[3, 4, 5, 2, 3, 4, 2, 3, 1, 2], [6, 8, 7, 9, 6, 5, 7, 8, 6, 7]],
                style="DRESS",
                price=199,
                unit_cost=62,
                salvage_value=25,
            ),
            variant(
                "DRESS-白色-M",
                [[1, 2, 1, 2, 1, 0, 1, 2, 1, 1], [3, 2, 4, 3, 2, 3, 4, 2, 3, 3]],
                style="DRESS",
                price=199,
                unit_cost=62,
                salvage_value=25,
            ),
            variant(
                "TEE-白色-L",
                [[2, 2, 2, 2, 2, 2, 2, 2, 2, 2], [4, 4, 4, 4, 4, 4, 4, 4, 4, 4]],
                style="TEE",
                price=89,
                unit_cost=28,
                salvage_value=10,
            ),
        ],
        "factories": [
            factory("F1-杭州", lead=2, cap=50, moq_per_style=10, fixed_cost_per_order=100),
            factory("F2", lead=1, cap=20, moq_per_style=5, fixed_cost_per_order=50, unit_cost_factor=1.2),
        ],
        "mip_rel_gap": 0.0001,
    }


def write(tmp_path: Path, data: dict[str, Any]) -> Path:
    path = tmp_path / "in.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def test_json_output_follows_the_schema_and_the_plan(tmp_path: Path) -> None:
    res = invoke("plan", "--input", str(write(tmp_path, small_input())), "--json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    jsonschema.validate(out, output_json_schema())
    assert set(out) >= {"orders", "reorder_policy", "expected", "solver"}
    assert {"profit", "fill_rate", "leftover_rate"} <= set(out["expected"])
    same = plan(parse_plan_input(small_input()))
    assert out["expected"]["profit"] == pytest.approx(same.expected.profit)
    for o in out["orders"]:
        assert set(o) >= {"day", "factory", "variant", "qty"} and o["day"] == 0 and o["qty"] > 0
    assert out["solver"]["optimal"] is True


def test_example_file_plans_with_purchase_orders(tmp_path: Path) -> None:
    po = tmp_path / "po"
    res = invoke("plan", "--input", str(EXAMPLE), "--json", "--po-dir", str(po))
    assert res.exit_code == 0, res.output
    out = PlanResult.model_validate_json(res.stdout)
    assert out.orders and out.demand_mode == "presale"
    factories = {o.factory for o in out.orders}
    assert sorted(p.name for p in po.iterdir()) == sorted(
        f"PO-{f}.{ext}" for f in factories for ext in ("csv", "xlsx")
    )


@pytest.mark.parametrize(("lang", "word"), [("zh", "现在下单"), ("en", "Orders to place now")])
def test_table_output_in_both_languages(tmp_path: Path, lang: str, word: str) -> None:
    res = invoke(
        "plan", "--input", str(write(tmp_path, small_input())), env={"KUAIFAN_LANG": lang, "COLUMNS": "200"}
    )
    assert res.exit_code == 0, res.output
    assert word in res.stdout and "DRESS-黑色-M" in res.stdout


def test_bad_input_is_one_clear_line_with_exit_code(tmp_path: Path) -> None:
    data = small_input()
    data["variants"][1]["demand_scenarios"][0] = [1, 2, 3]
    path = write(tmp_path, data)
    res = invoke("plan", "--input", str(path), env={"KUAIFAN_LANG": "en", "COLUMNS": "300"})
    assert res.exit_code == 65
    assert "variants[1].demand_scenarios[0]" in res.stderr and "expected horizon_days = 10" in res.stderr
    assert "Traceback" not in res.output
    res = invoke("plan", "--input", str(path), "--json", env={"KUAIFAN_LANG": "zh"})
    assert res.exit_code == 65
    err = json.loads(res.stdout)["error"]
    assert err["code"] == "invalid_input" and "长度 3 天" in err["message"]
    assert err["details"]["field"] == "variants[1].demand_scenarios[0]"


def test_missing_file_and_broken_json(tmp_path: Path) -> None:
    res = invoke("plan", "--input", str(tmp_path / "nope.json"))
    assert res.exit_code == 66 and "nope.json" in res.stderr
    bad = tmp_path / "bad.json"
    bad.write_text("{", encoding="utf-8")
    res = invoke("plan", "--input", str(bad))
    assert res.exit_code == 65 and "JSON" in res.stderr


def test_purchase_orders_read_back(tmp_path: Path) -> None:
    result = plan(parse_plan_input(small_input()))
    paths = write_purchase_orders(result, tmp_path)
    lines_by_factory: dict[str, list[Any]] = {}
    for o in result.orders:
        lines_by_factory.setdefault(o.factory, []).append(o)
    assert len(paths) == 2 * len(lines_by_factory)
    lead = {"F1-杭州": 2, "F2": 1}
    for fid, lines in lines_by_factory.items():
        expected = sorted(
            (
                o.style,
                o.variant,
                o.qty,
                o.unit_price,
                round(o.unit_price * o.qty, 2),
                date(2025, 6, 2 + lead[fid]).isoformat(),
            )
            for o in lines
        )
        with (tmp_path / f"PO-{fid}.csv").open(encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.reader(fh))
        assert rows[0] == HEADERS
        got = sorted((r[0], r[1], int(r[2]), float(r[3]), float(r[4]), r[5]) for r in rows[1:])
        assert got == expected
        ws = load_workbook(tmp_path / f"PO-{fid}.xlsx").active
        assert ws is not None
        cells = [tuple(row) for row in ws.iter_rows(values_only=True)]
        assert cells[0][0] == "采购单 Purchase order" and cells[1][:2] == ("工厂 Factory", fid)
        assert cells[2][:2] == ("下单日期 Order date", "2025-06-02")
        header_at = next(i for i, r in enumerate(cells) if r[0] == HEADERS[0])
        assert list(cells[header_at]) == HEADERS
        body = cells[header_at + 1 : -1]
        assert sorted((r[0], r[1], r[2], r[3], r[4], r[5]) for r in body) == expected
        total = cells[-1]
        assert total[0] == "合计 Total" and total[2] == sum(o.qty for o in lines)
        assert total[4] == pytest.approx(sum(o.amount for o in lines))


def test_purchase_orders_without_start_date_use_the_given_one(tmp_path: Path) -> None:
    data = small_input()
    del data["start_date"]
    result = plan(parse_plan_input(data))
    assert result.start_date is None and all(o.delivery_date is None for o in result.orders)
    paths = write_purchase_orders(result.model_dump(mode="json"), tmp_path, start_date=date(2025, 1, 30))
    csv_path = next(p for p in paths if p.suffix == ".csv")
    with csv_path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))[1:]
    assert rows and all(r[5] in ("2025-02-01", "2025-01-31") for r in rows)
