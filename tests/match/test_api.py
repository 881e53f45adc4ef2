"""/v1/match on a real server (loopback, real store): the caller's tenant decides what it sees."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest

from kuaifan.api import create_app
from kuaifan.api.server import BackgroundServer
from kuaifan.config import load_settings
from kuaifan.match import load_factories, schema_texts
from kuaifan.match.data import belts_path
from kuaifan.store.duckdb import DuckStore

ROOT = Path(__file__).resolve().parents[2]
KEY_A = "acme-key-0123456789abcdef"
KEY_B = "beta-key-0123456789abcdef"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    home = tmp_path_factory.mktemp("home")
    (home / "kuaifan.toml").write_text(
        f'default_tenant = "acme"\n[tenants.acme]\napi_key = "{KEY_A}"\nsalt = "acme-salt-0123456789"\n'
        f'[tenants.beta]\napi_key = "{KEY_B}"\nsalt = "beta-salt-0123456789"\n',
        encoding="utf-8",
    )
    settings = load_settings({"KUAIFAN_HOME": str(home)})
    store = DuckStore(home / "kuaifan.duckdb", threads=1)
    app = create_app(settings, store=store, use_text_classifier=False)
    with BackgroundServer(app) as srv:
        yield srv.url, home
    store.close()


def client(url: str, key: str | None) -> httpx.Client:
    return httpx.Client(base_url=url, headers={"X-API-Key": key} if key else {}, timeout=60.0)


def orders(tenant: str | None = None) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((ROOT / "examples" / "match_orders.json").read_text(encoding="utf-8"))
    data["tenant"] = tenant
    return data


def factories() -> dict[str, Any]:
    return load_factories(belts_path()).model_dump(mode="json")


def test_post_match_returns_the_cli_json(server: tuple[str, Path]) -> None:
    url, _ = server
    with client(url, KEY_A) as c:
        r = c.post(
            "/v1/match", json={"orders": orders(), "factories": factories(), "settings": {"time_limit_s": 5}}
        )
    assert r.status_code == 200, r.text
    out = r.json()
    jsonschema.validate(out, json.loads(schema_texts()["match_result.schema.json"]))
    assert out["tenant"] == "acme" and all(a["tenant"] == "acme" for a in out["assignments"])
    assert [u["order_id"] for u in out["unmatched"]] == ["PO0602-0011"]


def test_orders_of_another_tenant_are_refused(server: tuple[str, Path]) -> None:
    url, _ = server
    with client(url, KEY_A) as c:
        r = c.post("/v1/match", json={"orders": orders("beta"), "factories": factories()})
    assert r.status_code == 401 and "beta" in r.json()["error"]["message_en"]


def test_no_key_and_no_factories(server: tuple[str, Path]) -> None:
    url, _ = server
    with client(url, None) as c:
        assert c.post("/v1/match", json={"orders": orders()}).status_code == 401
    with client(url, KEY_A) as c:
        r = c.post("/v1/match", json={"orders": orders()})
    assert r.status_code == 400 and "--factories" in r.json()["error"]["message_en"]


def test_bad_body_is_a_clear_400(server: tuple[str, Path]) -> None:
    url, _ = server
    bad = orders()
    bad["orders"][0]["category"] = "spaceships"
    with client(url, KEY_A) as c:
        r = c.post("/v1/match", json={"orders": bad, "factories": factories()})
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "invalid_input"


def test_shared_demand_reaches_only_the_factorys_operator(server: tuple[str, Path]) -> None:
    url, home = server
    registry = load_factories(belts_path())
    ops = [f.model_copy(update={"account": "beta"}) if f.id == "HZ-002" else f for f in registry.factories]
    (home / "match").mkdir(exist_ok=True)
    (home / "match" / "factories.json").write_text(
        registry.model_copy(update={"factories": ops}).model_dump_json(), encoding="utf-8"
    )
    demand = {**orders(), "sharing": {"share_with": ["belt:杭州女装"], "show_brand": True}}
    with client(url, KEY_A) as a, client(url, KEY_B) as b:
        r = a.put("/v1/match/shared", json=demand)
        assert r.status_code == 200 and r.json()["tenant"] == "acme" and r.json()["orders"] == 12
        view = b.get("/v1/match/factories/HZ-002/demand")
        assert view.status_code == 200, view.text
        items = view.json()["items"]
        assert items and {x["brand"] for x in items} == {"acme"}
        # acme does not operate HZ-002, and HZ-001 has no account: both look like no factory at all
        assert a.get("/v1/match/factories/HZ-002/demand").status_code == 404
        assert b.get("/v1/match/factories/HZ-001/demand").status_code == 404
        # with the registry, POST /v1/match needs no factories
        assert (
            a.post("/v1/match", json={"orders": orders(), "settings": {"time_limit_s": 5}}).status_code == 200
        )
        assert a.delete("/v1/match/shared").json()["share_with"] == []
        assert b.get("/v1/match/factories/HZ-002/demand").json()["items"] == []


def test_oversized_and_broken_bodies(server: tuple[str, Path]) -> None:
    url, _ = server
    with client(url, KEY_A) as c:
        r = c.post(
            "/v1/match", content=b"{" + b" " * (17 << 20) + b"}", headers={"Content-Type": "application/json"}
        )
        assert r.status_code == 413
        r = c.post("/v1/match", content=b"{not json", headers={"Content-Type": "application/json"})
        assert r.status_code == 400 and "JSON" in r.json()["error"]["message_en"]
        r = c.put("/v1/match/shared", json={"start_date": "2025-06-02", "orders": []})
        assert r.status_code == 400 and "orders" in r.json()["error"]["message_zh"]
