"""Who is calling: the tenant behind the ``X-API-Key`` header, or behind a short-lived stream token.

Browsers cannot put headers on an ``EventSource``, and an API key in a URL ends up in access logs
and browser history. So the dashboard keeps the key in ``sessionStorage``, sends it as a header on
``fetch`` calls, and for the live stream first trades it (``POST /v1/stream-token``) for a signed
token that only opens ``GET /v1/rooms/{room_id}/live`` of that tenant and expires after
``TOKEN_TTL_S``. The API key itself is never accepted in a URL.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Query, Request

from kuaifan.api.context import ApiContext
from kuaifan.errors import AuthError


def get_ctx(request: Request) -> ApiContext:
    ctx: ApiContext = request.app.state.kuaifan
    return ctx


def _missing_key() -> AuthError:
    return AuthError(
        "缺少或无效的 API 密钥（请求头 X-API-Key）",
        "missing or invalid API key (X-API-Key header)",
    )


async def require_tenant(
    request: Request, x_api_key: Annotated[str | None, Header(alias="X-API-Key")] = None
) -> str:
    """The caller's tenant, from the X-API-Key header; 401 otherwise."""
    if not x_api_key:
        raise _missing_key()
    tenant = get_ctx(request).settings.tenant_by_api_key(x_api_key)
    if tenant is None:
        raise _missing_key()
    return tenant


async def stream_tenant(
    request: Request,
    x_api_key: Annotated[str | None, Header(alias="X-API-Key")] = None,
    token: Annotated[str | None, Query(max_length=400)] = None,
) -> str:
    """The tenant for the live stream: the header, or a stream token from the query string."""
    if x_api_key:
        return await require_tenant(request, x_api_key)
    if token:
        tenant = get_ctx(request).tokens.verify(token)
        if tenant is not None and tenant in get_ctx(request).settings.tenants:
            return tenant
        raise AuthError("流令牌无效或已过期，请重新获取", "stream token invalid or expired; get a new one")
    raise _missing_key()


Tenant = Annotated[str, Depends(require_tenant)]
StreamTenant = Annotated[str, Depends(stream_tenant)]
