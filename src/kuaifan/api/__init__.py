"""kuaifan.api — the HTTP API, live hub and dashboard behind ``kuaifan serve``.

from kuaifan.api import create_app
app = create_app(settings)          # FastAPI app; run it with uvicorn
"""

from kuaifan.api.app import create_app

__all__ = ["create_app"]
