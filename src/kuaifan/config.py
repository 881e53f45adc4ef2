"""One Settings object, validated at start-up.

Environment (prefix ``KUAIFAN_``):

- ``KUAIFAN_HOME``      data directory (default ``./.kuaifan``)
- ``KUAIFAN_CONFIG``    path of ``kuaifan.toml`` (default ``$KUAIFAN_HOME/kuaifan.toml``)
- ``KUAIFAN_LANG``      ``zh`` or ``en`` for user-facing messages (default ``zh``)
- ``KUAIFAN_STORE_URL`` the event store (default ``duckdb:///$KUAIFAN_HOME/kuaifan.duckdb``)

``kuaifan.toml`` holds the tenants::

    default_tenant = "demo"

    [tenants.demo]
    api_key = "…"           # for the HTTP API (X-API-Key)
    salt = "…"              # HMAC key that pseudonymises platform user ids
    store_nicknames = false # PIPL: nicknames/avatars are dropped unless true

    [tenants.demo.thresholds]   # 场控 alert thresholds (AlertThresholds), any subset
    low_stock = 5

    [[tenants.demo.webhooks]]   # group bots that get the alerts (WebhookTarget)
    platform = "wecom"
    url = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…"

    [tenants.demo.text]         # comment understanding (TextSettings)
    categories = ["apparel"]

A bad value fails with one line that names the key, e.g.
``kuaifan.toml: tenants.demo.salt: String should have at least 16 characters``. The parts whose
meaning belongs to a domain package (a lexicon's entries, the product categories) are checked by
the application layer right after loading (``kuaifan.app.settings``), before any command runs.
"""

from __future__ import annotations

import os
import secrets
import tomllib
import urllib.parse
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from kuaifan.errors import ConfigError
from kuaifan.events import TENANT_NAME
from kuaifan.i18n import Lang

BotPlatform = Literal["wecom", "dingtalk", "feishu"]
MessageFormat = Literal["markdown", "text"]


class AlertThresholds(BaseModel):
    """Per-tenant 场控 alert thresholds (``[tenants.NAME.thresholds]``; any subset overrides)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    window_minutes: int = Field(
        5, ge=1, le=120, description="N: compare the last N minutes with the N before"
    )
    history_minutes: int = Field(
        240, ge=10, le=24 * 60, description="how far back the room's own history goes"
    )
    min_history_windows: int = Field(5, ge=1, description="earlier windows needed before percentiles apply")
    low_stock: int = Field(10, ge=1, description="stock below this is 库存告急")
    eta_minutes: float = Field(5.0, gt=0, description="sell-out ETA under this is 库存告急")
    eta_critical_minutes: float = Field(2.0, gt=0)
    live_minutes: int = Field(30, ge=1, description="a link is live if shown/clicked/sold within this")
    sold_out_min_clicks: int = Field(10, ge=1)
    sold_out_min_asks: int = Field(3, ge=1)
    clicks_no_orders: int = Field(30, ge=1)
    conversion_drop: float = Field(0.3, gt=0, lt=1, description="relative drop vs the previous window")
    online_drop: float = Field(0.3, gt=0, lt=1)
    drop_percentile: float = Field(20.0, ge=0, le=100)
    min_viewer_minutes: int = Field(30, ge=1, description="viewer-minutes a window needs for a conversion")
    min_online: int = Field(20, ge=1, description="average online a window needs before a drop counts")
    refund_spike_ratio: float = Field(2.0, gt=1)
    min_refunds: int = Field(3, ge=1)
    complaint_spike_ratio: float = Field(2.0, gt=1)
    min_complaints: int = Field(3, ge=1)
    spike_percentile: float = Field(90.0, ge=0, le=100)
    cooldown_s: float = Field(300.0, ge=0)


class WebhookTarget(BaseModel):
    """One group bot that receives a tenant's alerts (``[[tenants.NAME.webhooks]]``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    platform: BotPlatform
    url: str = Field(min_length=8, max_length=2000)
    secret: str | None = Field(default=None, min_length=1, max_length=256)
    format: MessageFormat = "markdown"
    lang: Lang = "zh"

    @field_validator("url")
    @classmethod
    def _http(cls, v: str) -> str:
        scheme = urllib.parse.urlsplit(v).scheme
        if scheme not in ("http", "https"):
            raise ValueError("url must start with https:// (or http:// for a local receiver)")
        return v


class TextSettings(BaseModel):
    """A tenant's comment understanding (``[tenants.NAME.text]``): the product categories whose
    built-in lexicons apply (default: all) and extra lexicon entries in the format of the built-in
    ``common.toml``. Their entries are checked by ``kuaifan.text`` when the settings load."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    categories: tuple[str, ...] | None = None
    lexicon: dict[str, Any] | None = None

    def fingerprint_data(self) -> dict[str, Any]:
        """What identifies the classifier these settings build (empty for the default one)."""
        return self.model_dump(exclude_none=True, mode="json")


class TenantConfig(BaseModel):
    """One tenant: a brand, seller or agency account."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    api_key: str = Field(min_length=16, max_length=256)
    salt: str = Field(min_length=16, max_length=256)
    store_nicknames: bool = False
    thresholds: AlertThresholds = Field(default_factory=AlertThresholds)
    text: TextSettings = Field(default_factory=TextSettings)
    webhooks: tuple[WebhookTarget, ...] = ()
    # Growth economics (kuaifan.growth.settings.GrowthSettings): commission rates, cost share, brands;
    # checked by the application layer when the settings load.
    growth: dict[str, Any] = Field(default_factory=dict)
    # Platform pushes and order APIs, one table per platform (kuaifan.sources.platforms): which are on,
    # app keys and secrets, the shop's own author ids; checked by the application layer at start-up.
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
    lang: Lang = "zh"
    store_url: str | None = Field(default=None, min_length=1, max_length=2000)


class Settings(BaseModel):
    """Everything kuaifan needs to know at start-up."""

    model_config = ConfigDict(frozen=True)

    home: Path
    config_path: Path
    lang: Lang = "zh"
    file: FileConfig = Field(default_factory=FileConfig)
    store_url_setting: str | None = None  # KUAIFAN_STORE_URL as given

    @property
    def db_path(self) -> Path:
        """The embedded store's file (the default store)."""
        return self.home / "kuaifan.duckdb"

    @property
    def store_url(self) -> str:
        """Which store to open (``kuaifan.store.open_store``): KUAIFAN_STORE_URL, else the DuckDB file."""
        return self.store_url_setting or f"duckdb:///{self.db_path.absolute()}"

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


def config_key(loc: tuple[int | str, ...]) -> str:
    """A pydantic location as the key a user reads in kuaifan.toml: ``tenants.a.webhooks[0].url``."""
    key = ""
    for part in loc:
        key += f"[{part}]" if isinstance(part, int) else (f".{part}" if key else str(part))
    return key or "(root)"


def _first_error_line(where: str, err: ValidationError) -> ConfigError:
    e = err.errors()[0]
    key = config_key(tuple(e["loc"]))
    msg = str(e["msg"]).removeprefix("Value error, ")
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
    return Settings(
        home=es.home, config_path=config_path, lang=es.lang, file=file, store_url_setting=es.store_url
    )


def _env_kwargs(environ: dict[str, str]) -> dict[str, Any]:
    # pydantic-settings reads os.environ itself; passing values explicitly keeps
    # load_settings a pure function of its argument (tests pass their own env).
    out: dict[str, Any] = {}
    for field in ("home", "config", "lang", "store_url"):
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
