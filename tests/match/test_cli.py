"""``kuaifan match`` from the command line: the plan, the factory view, sharing, errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from rich.console import Console
from typer.testing import CliRunner

from kuaifan.cli import app
from kuaifan.cli.match import demo_step
from kuaifan.errors import KuaifanError
from kuaifan.match import schema_texts
from kuaifan.plan import parse_plan_input, plan

from .test_loop import plan_input

ROOT = Path(__file__).resolve().parents[2]
ORDERS = ROOT / "examples" / "match_orders.json"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    home = tmp_path / "home"
    home.mkdir()
    (home / "kuaifan.toml").write_text(
        'default_tenant = "acme"\n[tenants.acme]\n'
        'api_key = "acme-key-0123456789abcdef"\nsalt = "acme-salt-0123456789"\n',
        encoding="utf-8",
    )
    return {"KUAIFAN_HOME": str(home), "KUAIFAN_LANG": "zh"}


class Run:
    """A CliRunner result as the entry point (kuaifan.cli.main) turns it into an exit and stderr."""

    def __init__(self, env: dict[str, str], args: tuple[str, ...]) -> None:
        res = CliRunner().invoke(app, ["match", *args], env=env)
        self.stdout = res.stdout
        self.stderr = res.stderr
        self.exit_code = res.exit_code
        if isinstance(res.exception, KuaifanError):  # main() prints this line and exits with its code
            self.exit_code = res.exception.exit_code
            self.stderr += "✗ " + res.exception.message("en" if env.get("KUAIFAN_LANG") == "en" else "zh")
        elif res.exception is not None and not isinstance(res.exception, SystemExit):
            raise res.exception


def run(env: dict[str, str], *args: str) -> Run:
    return Run(env, args)


def test_json_follows_the_schema_and_unmatched_orders_exit_65(env: dict[str, str], tmp_path: Path) -> None:
    res = run(
        env,
        "--orders",
        str(ORDERS),
        "--factories",
        "builtin:belts",
        "--json",
        "--po-dir",
        str(tmp_path / "po"),
    )
    assert res.exit_code == 65
    out = json.loads(res.stdout)
    jsonschema.validate(out, json.loads(schema_texts()["match_result.schema.json"]))
    assert [u["order_id"] for u in out["unmatched"]] == ["PO0602-0011"]
    assert "PO0602-0011" in res.stderr and "起订量" in res.stderr
    assert sorted(p.name for p in (tmp_path / "po").iterdir()) == sorted(
        {f"PO-{a['factory_id']}.{ext}" for a in out["assignments"] for ext in ("csv", "xlsx")}
    )


def test_tables_and_explanations_in_english(env: dict[str, str]) -> None:
    res = run(
        {**env, "KUAIFAN_LANG": "en", "COLUMNS": "200"},
        "--orders",
        str(ORDERS),
        "--factories",
        "builtin:belts",
    )
    text = res.stdout
    assert "orders → factories" in text and "solver:" in text and "cheaper than greedy" in text
    assert "quotes ¥" in text and "wins over" in text
    assert "below the MOQ" in res.stderr


def test_the_registry_is_the_default_factories(env: dict[str, str]) -> None:
    res = run(env, "--orders", str(ORDERS))
    assert res.exit_code == 65 and "--factories" in res.stderr
    registry = Path(env["KUAIFAN_HOME"]) / "match"
    registry.mkdir()
    (registry / "factories.csv").write_bytes((ROOT / "examples" / "factories" / "belts.csv").read_bytes())
    res = run(env, "--orders", str(ORDERS), "--json")
    assert len(json.loads(res.stdout)["assignments"]) == 11


def test_share_then_the_factory_view(env: dict[str, str]) -> None:
    res = run(env, "--orders", str(ORDERS), "--share-with", "belt:杭州女装", "--json")
    assert res.exit_code == 0, res.stderr
    shared = json.loads(res.stdout)
    assert shared["tenant"] == "demo" and shared["share_with"] == ["belt:杭州女装"] and shared["orders"] == 12
    view = run(env, "--for-factory", "HZ-002", "--factories", "builtin:belts", "--json")
    data = json.loads(view.stdout)
    jsonschema.validate(data, json.loads(schema_texts()["match_factory_view.schema.json"]))
    assert data["brands_sharing"] == 1 and data["items"]
    assert all(x["brand"].startswith("品牌-") for x in data["items"])
    other_belt = json.loads(
        run(env, "--for-factory", "GZ-001", "--factories", "builtin:belts", "--json").stdout
    )
    assert other_belt["items"] == [] and other_belt["brands_sharing"] == 0
    human = run(env, "--for-factory", "HZ-002", "--factories", "builtin:belts")
    assert "最佳组合" in human.stdout
    gone = json.loads(run(env, "--orders", str(ORDERS), "--unshare", "--json").stdout)
    assert gone["share_with"] == []
    assert (
        json.loads(run(env, "--for-factory", "HZ-002", "--factories", "builtin:belts", "--json").stdout)[
            "items"
        ]
        == []
    )


def test_a_reorder_round_from_the_first_rounds_output(env: dict[str, str], tmp_path: Path) -> None:
    first = run(env, "--orders", str(ORDERS), "--factories", "builtin:belts", "--json")
    (tmp_path / "round1.json").write_text(first.stdout, encoding="utf-8")
    again = run(
        env,
        "--orders",
        str(ORDERS),
        "--factories",
        "builtin:belts",
        "--after",
        str(tmp_path / "round1.json"),
        "--json",
    )
    out = json.loads(again.stdout)
    # the same orders again, on factories now loaded with them: they cost more (or cannot all be made)
    assert out["solver"]["objective"] > json.loads(first.stdout)["solver"]["objective"]


def test_bad_inputs_are_one_clear_line(env: dict[str, str], tmp_path: Path) -> None:
    res = run(env, "--orders", str(tmp_path / "nope.json"), "--factories", "builtin:belts")
    assert res.exit_code == 66 and "nope.json" in res.stderr
    bad = tmp_path / "bad.json"
    bad.write_text('{"start_date": "2025-06-02", "orders": [{"id": "x"}]}', encoding="utf-8")
    res = run(env, "--orders", str(bad), "--factories", "builtin:belts", "--json")
    assert res.exit_code == 65
    err = json.loads(res.stdout)["error"]
    assert (
        err["code"] == "invalid_input"
        and "orders[0]" in err["message_zh"]
        and "orders[0]" in err["message_en"]
    )


def test_the_installed_entry_point_exits_with_the_code(env: dict[str, str], tmp_path: Path) -> None:
    exe = Path(sys.executable).parent / "kuaifan"
    res = subprocess.run(
        [str(exe), "match", "--orders", str(tmp_path / "nope.json"), "--factories", "builtin:belts"],
        env={**env, "PATH": "/usr/bin:/bin", "COLUMNS": "300"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert res.returncode == 66 and "nope.json" in res.stderr


def test_demo_step_sends_the_plans_orders_to_matched_factories(tmp_path: Path) -> None:
    result = plan(parse_plan_input(plan_input()))
    console = Console(record=True, width=160)
    got = demo_step(result, tmp_path / "po", console=console, lang="zh")
    text = console.export_text()
    assert got["factories"] and got["explained_order"] == "b1-p1-20250602"
    assert sorted(Path(p).name for p in got["purchase_orders"]) == sorted(
        f"PO-{f}.{ext}" for f in got["factories"] for ext in ("csv", "xlsx")
    )
    assert Path(got["match_json"]).is_file() and got["units"] == sum(x.qty for x in result.orders)
    assert "产业带工厂" in text and "法式碎花连衣裙" in text and "报价" in text


def test_a_tenant_name_never_escapes_the_shared_folder(env: dict[str, str]) -> None:
    res = run(env, "--orders", str(ORDERS), "--share-with", "*", "--tenant", "../../etc/x")
    assert res.exit_code in (65, 77)
    assert not any(Path(env["KUAIFAN_HOME"]).rglob("x.json"))
