"""The dashboard pages: static files from ``kuaifan/web`` with a strict Content-Security-Policy.

The pages hold no data: they ask for the API key once (kept in ``sessionStorage`` for the tab),
call the JSON API with the ``X-API-Key`` header and open the live stream with a short-lived stream
token (see ``kuaifan.api.deps``). Everything, ECharts included, is served from here: no CDN.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from fastapi import APIRouter
from starlette.responses import FileResponse
from starlette.staticfiles import StaticFiles

WEB_DIR: Final = Path(__file__).resolve().parent.parent / "web"
SECURITY_HEADERS: Final = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-cache",
}

router = APIRouter(include_in_schema=False)


def _page(name: str) -> FileResponse:
    return FileResponse(WEB_DIR / name, media_type="text/html; charset=utf-8", headers=SECURITY_HEADERS)


@router.get("/")
async def index() -> FileResponse:
    return _page("index.html")


@router.get("/rooms/{room_id}")
async def room_page(room_id: str) -> FileResponse:
    return _page("room.html")


def static_files() -> StaticFiles:
    return StaticFiles(directory=WEB_DIR, check_dir=True)
