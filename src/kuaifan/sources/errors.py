"""Errors of platform pushes, in the KuaifanError hierarchy (zh + en, exit code, HTTP status)."""

from __future__ import annotations

from kuaifan.errors import AuthError, KuaifanError, NotFoundError


class BadSignature(AuthError):
    """The request is not authentic (signature, key, decryption) or too old: 401, nothing stored."""

    code = "bad_signature"


class ReplayedPush(KuaifanError):
    """The same (nonce, msg_id) was already received and stored: 409, nothing stored again."""

    code = "replayed"
    exit_code = 65
    http_status = 409


class HookNotFound(NotFoundError):
    """No such tenant, or the platform is off for it."""

    code = "hook_not_found"
