"""Per-tenant platform settings: which platforms are on, their keys and secrets, the shop's own accounts.

They live in kuaifan.toml under ``[tenants.NAME.platforms.<platform>]``::

    [tenants.acme.platforms.douyin_live]      # 抖音开放平台 直播间数据推送
    secret = "…"                              # the push secret of 开发配置
    replay_window_s = 300                     # x-timestamp must be within ±5 min of our clock

    [tenants.acme.platforms.doudian]          # 抖店开放平台 消息推送 + 订单
    app_key = "7000000000000000001"
    app_secret = "…"
    own_author_ids = ["1234567890"]           # the shop's own Douyin accounts: their rooms are 店播

    [tenants.acme.platforms.kuaishou]         # 快手电商开放平台 消息推送 (AES) + 订单
    app_key = "ks000000000000000000"
    message_key = "…"                         # the Base64 AES key of 应用中心 → 详情

    [tenants.acme.platforms.tiktok_shop]      # TikTok Shop Partner API webhooks
    app_key = "…"
    app_secret = "…"

    [tenants.acme.platforms.bilibili]         # bilibili 直播开放平台 (long connection)
    app_id = 1234567890123
    access_key_id = "…"
    access_key_secret = "…"

Secrets are ``SecretStr``: they never appear in a repr, a log line or an API response. A table
with ``enabled = false`` keeps its values but its hook answers 404 and its data is not taken.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator
from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from kuaifan.errors import ConfigError

PlatformName = Literal["douyin_live", "doudian", "kuaishou", "tiktok_shop", "bilibili"]
PLATFORM_NAMES: Final[tuple[PlatformName, ...]] = (
    "douyin_live", "doudian", "kuaishou", "tiktok_shop", "bilibili",
)  # fmt: skip


class _Base(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = True
    # The shop's own accounts (author ids / anchor ids): an order or room of one of them is 店播.
    own_author_ids: frozenset[str] = frozenset()

    def ready(self) -> bool:
        """Every key the platform needs is set."""
        return True

    @field_validator("own_author_ids", mode="before")
    @classmethod
    def _ids(cls, v: Any) -> Any:
        if isinstance(v, list | tuple | set | frozenset):
            return frozenset(str(x) for x in v)
        return v


class DouyinLiveSettings(_Base):
    app_id: str | None = Field(default=None, max_length=64)
    secret: SecretStr | None = None
    # Per message type secrets, when the console has one per type (x-msg-type → secret).
    secrets: dict[str, SecretStr] = Field(default_factory=dict)
    replay_window_s: int = Field(default=300, ge=10, le=3600)
    # Channel of the tenant's rooms (店播 unless the tenant is an agency pushing an influencer's room).
    channel: Literal["store", "influencer"] = "store"

    def secret_for(self, msg_type: str) -> SecretStr | None:
        return self.secrets.get(msg_type, self.secret)

    def ready(self) -> bool:
        return self.secret is not None or bool(self.secrets)


class DoudianSettings(_Base):
    app_key: str | None = Field(default=None, max_length=64)
    app_secret: SecretStr | None = None
    # Order detail lookups for paid notices (they carry no SKU); optional.
    api_base: str = "https://openapi-fxg.jinritemai.com"
    access_token: SecretStr | None = None

    def ready(self) -> bool:
        return self.app_key is not None and self.app_secret is not None


class KuaishouSettings(_Base):
    app_key: str | None = Field(default=None, max_length=64)
    message_key: SecretStr | None = None  # Base64 of a 16/24/32-byte AES key

    @field_validator("message_key")
    @classmethod
    def _aes_key(cls, v: SecretStr | None) -> SecretStr | None:
        if v is None:
            return v
        try:
            key = base64.b64decode(v.get_secret_value(), validate=True)
        except (binascii.Error, ValueError):
            raise ValueError("message_key: not Base64") from None
        if len(key) not in (16, 24, 32):
            raise ValueError(f"message_key: an AES key is 16, 24 or 32 bytes, this one is {len(key)}")
        return v

    def ready(self) -> bool:
        return self.message_key is not None


class TiktokShopSettings(_Base):
    app_key: str | None = Field(default=None, max_length=128)
    app_secret: SecretStr | None = None

    def ready(self) -> bool:
        return self.app_key is not None and self.app_secret is not None


class BilibiliSettings(_Base):
    app_id: int | None = Field(default=None, ge=1)
    access_key_id: str | None = Field(default=None, max_length=128)
    access_key_secret: SecretStr | None = None
    api_base: str = "https://live-open.biliapi.com"
    heartbeat_s: float = Field(default=20.0, ge=1.0, le=55.0)

    def ready(self) -> bool:
        return None not in (self.app_id, self.access_key_id, self.access_key_secret)


class TenantPlatforms(BaseModel):
    """Every platform table of one tenant (absent: off)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    douyin_live: DouyinLiveSettings | None = None
    doudian: DoudianSettings | None = None
    kuaishou: KuaishouSettings | None = None
    tiktok_shop: TiktokShopSettings | None = None
    bilibili: BilibiliSettings | None = None

    def get(self, name: PlatformName) -> _Base | None:
        value: _Base | None = getattr(self, name)
        return value

    def enabled(self) -> Iterator[tuple[PlatformName, _Base]]:
        for name in PLATFORM_NAMES:
            value = self.get(name)
            if value is not None and value.enabled:
                yield name, value


def parse_platforms(raw: dict[str, Any] | None, where: str = "platforms") -> TenantPlatforms:
    """Validate a ``platforms`` table; ConfigError naming the bad key (never echoing a secret)."""
    try:
        return TenantPlatforms.model_validate(raw or {})
    except ValidationError as err:
        e = err.errors()[0]
        key = ".".join(str(p) for p in e["loc"])
        msg = str(e["msg"]).removeprefix("Value error, ")
        raise ConfigError(f"{where}.{key}: {msg}", f"{where}.{key}: {msg}", key=f"{where}.{key}") from None


def tenant_platforms(tenant_cfg: Any, tenant: str = "") -> TenantPlatforms:
    """The platforms of a ``TenantConfig`` (its ``platforms`` table; none → all off)."""
    raw = getattr(tenant_cfg, "platforms", None)
    return parse_platforms(raw, f"tenants.{tenant}.platforms" if tenant else "platforms")
