"""One Settings object, validated at start-up.

Environment (prefix ``KUAIFAN_``):

- ``KUAIFAN_HOME``   data directory (default ``./.kuaifan``)
- ``KUAIFAN_CONFIG`` path of ``kuaifan.toml`` (default ``$KUAIFAN_HOME/kuaifan.toml``)
- ``KUAIFAN_LANG``   ``zh`` or ``en`` for user-facing messages (default ``zh``)

``kuaifan.toml`` holds the tenants::

    default_tenant = "demo"

    [tenants.demo]
    api_key = "…"           # for the HTTP API (X-API-Key)
    salt = "…"              # HMAC key that pseudonymises platform user ids
    store_nicknames = false # PIPL: nicknames/avatars are dropped unless true

    [tenants.demo.secrets]  # platform push secrets, per adapter
    douyin = "…"

A bad value fails with one line that names the key, e.g.
``kuaifan.toml: tenants.demo.salt: 至少 16 个字符 / at least 16 characters``.
"""

from __future__ import annotations

import os
import re
import secrets
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from kuaifan.errors import ConfigError

TENANT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


class TenantConfig(BaseModel):
    """One tenant: a brand, seller or agency account."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    api_key: str = Field(min_length=16, max_length=256)
    salt: str = Field(min_length=16, max_length=256)
    store_nicknames: bool = False
    secrets: dict[str, str] = Field(default_factory=dict)
    # Per-tenant alert thresholds (validated by kuaifan.live.alerts.AlertThresholds).
    thresholds: dict[str, float] = Field(default_factory=dict)
    # Comment understanding: {"categories": [...], "lexicon": {...}} (kuaifan.text.classifier_from_config).
    text: dict[str, Any] = Field(default_factory=dict)
    # Group-bot targets for alerts: [{platform, url, secret?, format?, lang?}] (kuaifan.live.webhooks).
    webhooks: list[dict[str, Any]] = Field(default_factory=list)
    # Platform pushes and order APIs, one table per platform (kuaifan.sources.platforms).
    platforms: dict[str, Any] = Field(default_factory=dict)


class FileConfig(BaseModel):
    """The parsed kuaifan.toml."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    default_tenant: str | None = None
    tenants: dict[str, TenantConfig] = Field(default_factory=dict)

    @field_validator("tenants")
    @classmethod
    def _names(cls, v: dict[str, TenantConfig]) -> dict[str, TenantConfig]:
        for name in v:
            if not TENANT_NAME.match(name):
                raise ValueError(f"bad tenant name {name!r}: letters, digits, _ . - only")
        keys = [t.api_key for t in v.values()]
        if len(set(keys)) != len(keys):
            raise ValueError("two tenants share one api_key")
        return v


class EnvSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KUAIFAN_", extra="ignore")

    home: Path = Path(".kuaifan")
    config: Path | None = None
    lang: Literal["zh", "en"] = "zh"


class Settings(BaseModel):
    """Everything kuaifan needs to know at start-up."""

    model_config = ConfigDict(frozen=True)

    home: Path
    config_path: Path
    lang: Literal["zh", "en"] = "zh"
    file: FileConfig = Field(default_factory=FileConfig)

    @property
    def db_path(self) -> Path:
        return self.home / "kuaifan.duckdb"

    @property
    def tenants(self) -> dict[str, TenantConfig]:
        return self.file.tenants

    def default_tenant(self) -> str:
        if self.file.default_tenant:
            return self.file.default_tenant
        if self.file.tenants:
            return next(iter(self.file.tenants))
        raise ConfigError(
            f"{self.config_path}: 没有配置任何租户 (tenants)；先运行 `kuaifan init`",
            f"{self.config_path}: no tenants configured; run `kuaifan init` first",
        )

    def tenant(self, name: str | None = None) -> tuple[str, TenantConfig]:
        name = name or self.default_tenant()
        try:
            return name, self.file.tenants[name]
        except KeyError:
            known = ", ".join(sorted(self.file.tenants)) or "-"
            raise ConfigError(
                f"未知租户 {name!r}（已配置：{known}）",
                f"unknown tenant {name!r} (configured: {known})",
            ) from None

    def tenant_by_api_key(self, api_key: str) -> str | None:
        for name, t in self.file.tenants.items():
            if secrets.compare_digest(t.api_key.encode(), api_key.encode()):
                return name
        return None


def _first_error_line(where: str, err: ValidationError) -> ConfigError:
    e = err.errors()[0]
    key = ".".join(str(p) for p in e["loc"]) or "(root)"
    msg = e["msg"]
    return ConfigError(f"{where}: {key}: {msg}", f"{where}: {key}: {msg}", key=key)


def load_settings(env: dict[str, str] | None = None) -> Settings:
    """Read the environment and kuaifan.toml; raise ConfigError naming the bad key."""
    environ = dict(os.environ if env is None else env)
    try:
        es = EnvSettings(**_env_kwargs(environ))
    except ValidationError as err:
        e = err.errors()[0]
        key = "KUAIFAN_" + str(e["loc"][0]).upper()
        raise ConfigError(f"{key}: {e['msg']}", f"{key}: {e['msg']}", key=key) from None
    config_path = es.config or es.home / "kuaifan.toml"
    file = FileConfig()
    if es.config is not None and not config_path.exists():
        raise ConfigError(
            f"KUAIFAN_CONFIG: 文件不存在 {config_path}",
            f"KUAIFAN_CONFIG: file does not exist: {config_path}",
            key="KUAIFAN_CONFIG",
        )
    if config_path.exists():
        file = _read_config_file(config_path)
    if file.default_tenant and file.default_tenant not in file.tenants:
        raise ConfigError(
            f"{config_path}: default_tenant: 租户 {file.default_tenant!r} 未在 [tenants] 中定义",
            f"{config_path}: default_tenant: tenant {file.default_tenant!r} is not defined in [tenants]",
            key="default_tenant",
        )
    _check_tenant_parts(config_path, file)
    return Settings(home=es.home, config_path=config_path, lang=es.lang, file=file)


def _check_tenant_parts(path: Path, file: FileConfig) -> None:
    """Validate the tables that later packages own, so a bad value still fails at start-up."""
    from kuaifan.live.alerts import AlertThresholds
    from kuaifan.live.webhooks import WebhookTarget
    from kuaifan.sources.platforms import tenant_platforms

    for name, tenant in file.tenants.items():
        try:
            AlertThresholds.for_tenant(tenant, name)
        except ConfigError as exc:
            raise ConfigError(f"{path}: {exc.zh}", f"{path}: {exc.en}", **exc.details) from None
        for i, target in enumerate(tenant.webhooks):
            try:
                WebhookTarget.model_validate(target)
            except ValidationError as err:
                raise _first_error_line(f"{path}: tenants.{name}.webhooks[{i}]", err) from None
        try:
            tenant_platforms(tenant, name)
        except ConfigError as exc:
            raise ConfigError(f"{path}: {exc.zh}", f"{path}: {exc.en}", **exc.details) from None


def _env_kwargs(environ: dict[str, str]) -> dict[str, Any]:
    # pydantic-settings reads os.environ itself; passing values explicitly keeps
    # load_settings a pure function of its argument (tests pass their own env).
    out: dict[str, Any] = {}
    for field in ("home", "config", "lang"):
        v = environ.get("KUAIFAN_" + field.upper())
        if v is not None and v != "":
            out[field] = v
    return out


def _read_config_file(path: Path) -> FileConfig:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: TOML 语法错误：{exc}", f"{path}: TOML syntax error: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: 无法读取：{exc}", f"{path}: cannot read: {exc}") from None
    try:
        return FileConfig.model_validate(raw)
    except ValidationError as err:
        raise _first_error_line(str(path), err) from None


def init_config(path: Path, tenant: str = "demo") -> bool:
    """Write a kuaifan.toml with one tenant and fresh random secrets; False if it exists."""
    if path.exists():
        return False
    if not TENANT_NAME.match(tenant):
        raise ConfigError(f"租户名不合法：{tenant!r}", f"bad tenant name: {tenant!r}")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "# kuaifan configuration — see README.md\n"
        f'default_tenant = "{tenant}"\n\n'
        f"[tenants.{tenant}]\n"
        f'api_key = "{secrets.token_urlsafe(24)}"\n'
        f'salt = "{secrets.token_hex(16)}"\n'
        "store_nicknames = false\n",
        encoding="utf-8",
    )
    path.chmod(0o600)
    return True
