"""kuaifan.api — the HTTP API, live hub and dashboard behind ``kuaifan serve``.

    from kuaifan.api import create_app
    app = create_app(settings)          # FastAPI app; run it with uvicorn (see kuaifan.api.server)

Endpoints (JSON unless noted; every /v1 call but /v1/health needs ``X-API-Key``; every query is
scoped to the key's tenant):

- ``POST /v1/events``: a JSON array of canonical events (≤ 1 MB) → ``{"accepted", "duplicates",
  "rejected", "errors": [{"index", "reason"}]}``, answered once the valid events are in the store.
- ``GET /v1/rooms``, ``GET /v1/rooms/{room_id}/state[?stream_id=]``, ``GET /v1/stats``.
- ``GET /v1/rooms/{room_id}/live``: Server-Sent Events (``snapshot``, ``metrics``, ``alert``, ``poll``).
- ``POST /v1/rooms/{room_id}/polls`` (``{"text": "黑色扣1 白色扣2"}`` or ``{"links": [1, 2]}``),
  ``GET /v1/rooms/{room_id}/polls``, ``POST /v1/rooms/{room_id}/polls/{poll_id}/close``.
- ``POST /v1/stream-token``: a 10-minute token for ``/live?token=…`` (EventSource cannot send headers).
- ``GET /`` and ``GET /rooms/{room_id}``: the dashboard (static files, ECharts vendored).

Errors always have the shape ``KuaifanError.to_json``: 400 bad input, 401 key, 404 unknown room or
path, 405 method, 413 body over 1 MB; never a 5xx for anything a client sends.

Browser authentication: the page asks for the tenant's API key once and keeps it in
``sessionStorage`` (this tab only, gone when it closes); ``fetch`` calls send it as ``X-API-Key``;
the live stream uses a token from ``POST /v1/stream-token`` (HMAC-signed with a per-process secret,
bound to the tenant, valid 10 minutes for opening streams only), so the key never appears in a URL,
a log line or the browser history. ``kuaifan demo --serve`` may hand the key over in the URL
*fragment* (``/#key=…``), which browsers never send to a server; the page moves it to
``sessionStorage`` and removes it from the address bar at once. Pages are served with a strict
Content-Security-Policy (scripts from the server only) and every server value is inserted as text.
"""

from kuaifan.api.app import create_app

__all__ = ["create_app"]
