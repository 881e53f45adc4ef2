"""GET /v1/signals: the demand signals of the caller's stored events, the same JSON as the CLI's."""

from __future__ import annotations

import time

from apihelpers import MIN, T0, Api, ev, order
from test_api_errors import assert_error_shape

from kuaifan.app.signals import SignalsQuery, signals


def spec(color: str, size: str) -> str:
    return f'{{"颜色":"{color}","尺码":"{size}"}}'


def fill(api: Api) -> None:
    events = [
        ev("stream_start", T0),
        ev("product_show", T0, sku_id="A-1", item_id="A"),
        ev("stock_level", T0 + MIN, sku_id="A-1", item_id="A", stock=0, spec=spec("黑色", "M")),
        ev("comment", T0 + 2 * MIN, text="黑色M没抢到 求补货"),
        ev("comment", T0 + 3 * MIN, text="有L码吗"),
        ev("product_show", T0 + 10 * MIN, sku_id="B-1", item_id="B"),
        ev("stream_end", T0 + 20 * MIN),
    ]
    events += [
        order(T0 + MIN // 2, 9900, sku_id="A-1", item_id="A", spec=spec("黑色", "M")),
        order(T0 + 12 * MIN, 4900, sku_id="B-1", item_id="B", spec=spec("白色", "L")),
    ]
    assert api.post(events)["accepted"] == len(events)


def test_signals_come_back_as_the_cli_computes_them(api: Api) -> None:
    fill(api)
    deadline = time.monotonic() + 10
    while True:  # the server appends in the background: wait until the orders are stored
        r = api.a.get("/v1/signals", params={"top": 5})
        if (r.status_code == 200 and len(r.json()["products"]) == 2) or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body == signals(api.settings, api.store, SignalsQuery(tenant="acme", top=5))[0].model_dump(
        mode="json"
    )
    assert [p["item"] for p in body["products"]] == ["A", "B"]  # A earned more per minute on air
    assert body["products"][0]["asks"] >= 1 and body["streams"] == 1
    assert api.a.get("/v1/signals", params={"room": "r1", "top": 1}).json()["products"][0]["item"] == "A"


def test_signals_are_scoped_and_errors_have_one_shape(api: Api) -> None:
    fill(api)
    assert_error_shape(api.b.get("/v1/signals"), 404, "not_found")  # beta stored nothing
    assert_error_shape(api.anon.get("/v1/signals"), 401, "unauthorized")
    err = assert_error_shape(api.a.get("/v1/signals", params={"since": "2026-13-01"}), 400, "invalid_input")
    assert "since: expected a date YYYY-MM-DD" in err["message_en"]
    assert_error_shape(api.a.get("/v1/signals", params={"top": 0}), 400, "invalid_input")
    assert_error_shape(api.a.get("/v1/signals", params={"room": "nowhere"}), 404, "not_found")
