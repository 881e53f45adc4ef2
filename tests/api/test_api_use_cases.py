"""The use cases the API shares with the CLI: text report, forecast → plan, and a declared response for
every route (what /openapi.json tells a client)."""

from __future__ import annotations

import tomllib
from pathlib import Path

from apihelpers import Api
from test_api_errors import assert_error_shape
from test_api_signals import fill

from kuaifan.app.text import text_report
from kuaifan.plan.model import PlanInput

ROOT = Path(__file__).resolve().parents[2]


def test_text_report_is_the_cli_s(api: Api) -> None:
    fill(api)
    r = api.a.get("/v1/text/report")
    assert r.status_code == 200, r.text
    assert r.json() == text_report(api.settings, api.store, tenant="acme").model_dump(mode="json")
    assert r.json()["comments"] == 2
    assert_error_shape(api.b.get("/v1/text/report"), 404, "not_found")  # the other tenant has no comments


def test_forecast_then_plan_over_http(api: Api) -> None:
    fill(api)
    costs = tomllib.loads((ROOT / "examples" / "costs.toml").read_text(encoding="utf-8"))
    r = api.a.post("/v1/forecast", json={"costs": costs, "top": 2, "scenarios": 3, "horizon": 7})
    assert r.status_code == 200, r.text
    body = r.json()
    assert {s["item"] for s in body["summary"]["styles"]} == {"A", "B"} and body["summary"][
        "tenant"
    ] == "acme"
    inp = PlanInput.model_validate(body["plan_input"])
    assert inp.horizon_days == 7 and all(len(v.demand_scenarios) == 3 for v in inp.variants)
    planned = api.a.post("/v1/plan", params={"time_limit": 20}, json=body["plan_input"])
    assert planned.status_code == 200, planned.text
    assert planned.json()["expected"]["fill_rate"] >= 0
    bad = api.a.post("/v1/forecast", json={"costs": {"factories": []}})
    assert_error_shape(bad, 400, "invalid_input")
    assert "costs.factories" in bad.json()["error"]["message_en"]
    assert_error_shape(api.a.post("/v1/plan", content=b"{"), 400, "invalid_input")


def test_every_route_declares_its_response(api: Api) -> None:
    spec = api.anon.get("/openapi.json").json()
    missing = []
    for path, methods in spec["paths"].items():
        for method, op in methods.items():
            ok = op.get("responses", {}).get("200", op.get("responses", {}).get("201", {}))
            content = ok.get("content", {})
            if path.endswith("/live") or path.startswith("/hooks/"):
                continue  # an event stream, and the platforms' own reply formats (docs/platforms.md)
            if not any(c.get("schema") for c in content.values()):
                missing.append(f"{method.upper()} {path}")
    assert missing == []
