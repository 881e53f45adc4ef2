"""Short-lived stream tokens: the dashboard trades its API key for one (``POST /v1/stream-token``) to
open a tenant's live stream, since an ``EventSource`` cannot send headers and keys never go in URLs."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from typing import Final

TOKEN_TTL_S: Final = 600


@dataclass(frozen=True, slots=True)
class StreamTokens:
    """HMAC-signed ``tenant.expiry_ms.signature`` tokens; the secret lives only in this process."""

    secret: bytes
    ttl_s: float = TOKEN_TTL_S

    @classmethod
    def fresh(cls, ttl_s: float = TOKEN_TTL_S) -> StreamTokens:
        return cls(secrets.token_bytes(32), ttl_s)

    def _sign(self, payload: str) -> str:
        return hmac.new(self.secret, payload.encode(), hashlib.sha256).hexdigest()[:40]

    def issue(self, tenant: str, now_s: float | None = None) -> tuple[str, int]:
        expires_ms = int(((time.time() if now_s is None else now_s) + self.ttl_s) * 1000)
        payload = f"{tenant}.{expires_ms}"
        return f"{payload}.{self._sign(payload)}", expires_ms

    def verify(self, token: str, now_s: float | None = None) -> str | None:
        """The tenant of a valid, unexpired token, else None."""
        parts = token.rsplit(".", 2)
        if len(parts) != 3 or not parts[1].isdigit():
            return None
        tenant, expires, sig = parts
        if not hmac.compare_digest(sig, self._sign(f"{tenant}.{expires}")):
            return None
        if int(expires) < (time.time() if now_s is None else now_s) * 1000:
            return None
        return tenant
