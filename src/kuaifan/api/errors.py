"""The one JSON error shape of the API, for our errors and for the framework's own.

Every error response is ``KuaifanError.to_json(lang)``:
``{"error": {"code", "message", "message_zh", "message_en", "details"}}``. ``message`` follows the
request's ``Accept-Language`` (``en…`` → English, else the server's KUAIFAN_LANG).
Nothing a client sends can produce a 5xx: unexpected exceptions are logged and answered with a
500 in the same shape, and are bugs.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from kuaifan.api.responses import JsonResponse
from kuaifan.errors import AuthError, InputError, KuaifanError, NotFoundError
from kuaifan.i18n import Lang

log = logging.getLogger("kuaifan.api")


class PayloadTooLarge(InputError):
    code = "payload_too_large"
    http_status = 413


class MethodNotAllowed(KuaifanError):
    code = "method_not_allowed"
    exit_code = 64
    http_status = 405


class ListenError(KuaifanError):
    """The server cannot listen on the requested address."""

    code = "cannot_listen"
    exit_code = 69  # EX_UNAVAILABLE
    http_status = 503


class InternalError(KuaifanError):
    code = "internal_error"
    http_status = 500


def request_lang(request: Request, default: Lang) -> Lang:
    accept = request.headers.get("accept-language", "").strip().lower()
    if accept.startswith("en"):
        return "en"
    if accept.startswith("zh"):
        return "zh"
    return default


def error_response(request: Request, exc: KuaifanError, default_lang: Lang) -> JsonResponse:
    headers = {"WWW-Authenticate": 'ApiKey header="X-API-Key"'} if isinstance(exc, AuthError) else None
    return JsonResponse(
        exc.to_json(request_lang(request, default_lang)), status_code=exc.http_status, headers=headers
    )


def _validation_error(exc: RequestValidationError) -> InputError:
    problems: list[dict[str, Any]] = []
    for e in exc.errors()[:20]:
        loc = ".".join(str(p) for p in e.get("loc", ()))
        problems.append({"loc": loc, "reason": str(e.get("msg", ""))})
    first = problems[0] if problems else {"loc": "", "reason": "invalid request"}
    return InputError(
        f"请求无效：{first['loc']}：{first['reason']}",
        f"invalid request: {first['loc']}: {first['reason']}",
        errors=problems,
    )


def _http_error(request: Request, exc: StarletteHTTPException) -> KuaifanError:
    path = request.url.path
    if exc.status_code == 404:
        return NotFoundError(f"没有这个地址：{path}", f"no such resource: {path}", path=path)
    if exc.status_code == 405:
        method = request.method
        return MethodNotAllowed(
            f"{path} 不支持 {method} 方法", f"{method} is not allowed on {path}", path=path, method=method
        )
    if exc.status_code == 401:
        return AuthError("需要有效的 API 密钥", "a valid API key is required")
    if exc.status_code == 413:
        return PayloadTooLarge("请求体过大", "request body too large")
    return InputError(f"请求无效：{exc.detail}", f"invalid request: {exc.detail}", status=exc.status_code)


def install_error_handlers(app: FastAPI, default_lang: Lang) -> None:
    """Route every error through the one shape."""

    async def on_kuaifan(request: Request, exc: Exception) -> JsonResponse:
        assert isinstance(exc, KuaifanError)
        return error_response(request, exc, default_lang)

    async def on_validation(request: Request, exc: Exception) -> JsonResponse:
        assert isinstance(exc, RequestValidationError)
        return error_response(request, _validation_error(exc), default_lang)

    async def on_http(request: Request, exc: Exception) -> JsonResponse:
        assert isinstance(exc, StarletteHTTPException)
        return error_response(request, _http_error(request, exc), default_lang)

    async def on_unexpected(request: Request, exc: Exception) -> JsonResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        err = InternalError("服务器内部错误（已记录）", "internal server error (logged)")
        return error_response(request, err, default_lang)

    app.add_exception_handler(KuaifanError, on_kuaifan)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(Exception, on_unexpected)
