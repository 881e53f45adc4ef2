"""The KuaifanError hierarchy.

Every error a user can cause is a KuaifanError: it carries a stable machine code,
a message in Chinese and in English, a CLI exit code and an HTTP status. The CLI
prints ``message(lang)`` without a stack trace; the API turns it into the one JSON
error shape ``{"error": {"code", "message", "message_zh", "message_en", "details"}}``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from pydantic import ValidationError

from kuaifan.i18n import Lang


class KuaifanError(Exception):
    """Base class: a user-facing error with a zh and an en message."""

    code: ClassVar[str] = "error"
    exit_code: ClassVar[int] = 1
    http_status: ClassVar[int] = 500

    def __init__(self, zh: str, en: str, **details: Any) -> None:
        super().__init__(en)
        self.zh = zh
        self.en = en
        self.details: dict[str, Any] = details

    def message(self, lang: Lang = "zh") -> str:
        return self.zh if lang == "zh" else self.en

    def to_json(self, lang: Lang = "zh") -> dict[str, Any]:
        return {
            "error": {
                "code": self.code,
                "message": self.message(lang),
                "message_zh": self.zh,
                "message_en": self.en,
                "details": self.details,
            }
        }


class ConfigError(KuaifanError):
    """A setting or the kuaifan.toml is wrong; raised at start-up."""

    code = "config_error"
    exit_code = 78  # EX_CONFIG
    http_status = 500


class InputError(KuaifanError):
    """Input the user gave us cannot be read at all (missing file, unknown format)."""

    code = "invalid_input"
    exit_code = 65  # EX_DATAERR
    http_status = 400


def first_problem(exc: ValidationError, root: str = "(root)") -> tuple[str, str]:
    """The dotted location and the message of a pydantic error's first problem, for one clear line."""
    first = exc.errors()[0]
    return ".".join(str(p) for p in first["loc"]) or root, str(first["msg"])


# Chinese for pydantic's error types, for the zh half of a validation message (en: pydantic's own).
PYDANTIC_ZH: dict[str, str] = {
    "missing": "缺少必填字段",
    "extra_forbidden": "未知字段",
    "greater_than_equal": "数值过小",
    "greater_than": "数值过小",
    "less_than_equal": "数值过大",
    "less_than": "数值过大",
    "too_short": "太短或为空",
    "too_long": "太长",
    "int_parsing": "应为整数",
    "int_from_float": "应为整数",
    "int_type": "应为整数",
    "float_parsing": "应为数字",
    "float_type": "应为数字",
    "finite_number": "应为有限数字",
    "list_type": "应为列表",
    "model_type": "应为对象",
    "dict_type": "应为对象",
    "string_type": "应为字符串",
    "bool_parsing": "应为 true 或 false",
    "bool_type": "应为 true 或 false",
    "date_from_datetime_parsing": "应为日期 YYYY-MM-DD",
    "date_parsing": "应为日期 YYYY-MM-DD",
    "date_type": "应为日期 YYYY-MM-DD",
}


def field_path(loc: tuple[int | str, ...]) -> str:
    """('variants', 0, 'on_hand') -> 'variants[0].on_hand'."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(root)"


def zh_problem(error: Mapping[str, Any], names: Mapping[str, str] = PYDANTIC_ZH) -> str:
    """One pydantic error (an item of ``ValidationError.errors()``) in Chinese, with its bound if any:
    ``数值过小（ge 0）``."""
    zh = names.get(str(error["type"]), "取值不合法")
    ctx = error.get("ctx") or {}
    limit = next((f"{k} {v}" for k, v in ctx.items() if k in ("ge", "gt", "le", "lt")), "")
    return f"{zh}（{limit}）" if limit else zh


def cannot_write(path: object, exc: OSError) -> InputError:
    """An output file or folder that cannot be written (zh + en), naming it and the OS reason."""
    reason = exc.strerror or str(exc)
    return InputError(f"无法写入 {path}：{reason}", f"cannot write {path}: {reason}", path=str(path))


class RejectedInput(InputError):
    """Some records were rejected (only fatal with --strict)."""

    code = "rejected_input"


class NotFoundError(KuaifanError):
    code = "not_found"
    exit_code = 66  # EX_NOINPUT
    http_status = 404


class AuthError(KuaifanError):
    code = "unauthorized"
    exit_code = 77  # EX_NOPERM
    http_status = 401


class StoreError(KuaifanError):
    """The embedded store cannot be opened or written (disk, lock)."""

    code = "store_error"
    exit_code = 74  # EX_IOERR
    http_status = 503
