"""Which push adapter serves which hook path, built from a tenant's platform settings."""

from __future__ import annotations

from typing import Final

from kuaifan.sources.platforms import (
    DoudianSettings,
    DouyinLiveSettings,
    KuaishouSettings,
    PlatformName,
    TenantPlatforms,
    TiktokShopSettings,
)
from kuaifan.sources.push import PushSource

# Hook path per push platform (under the server's base URL); bilibili is a long connection we open.
HOOK_PATHS: Final[dict[PlatformName, str]] = {
    "douyin_live": "/hooks/douyin/live/{tenant}",
    "doudian": "/hooks/doudian/{tenant}",
    "kuaishou": "/hooks/kuaishou/{tenant}",
    "tiktok_shop": "/hooks/tiktok/{tenant}",
}


def push_source(name: PlatformName, platforms: TenantPlatforms) -> PushSource | None:
    """The adapter of ``name`` for a tenant, or None when the platform is off for it."""
    settings = platforms.get(name)
    if settings is None or not settings.enabled:
        return None
    if isinstance(settings, DouyinLiveSettings):
        from kuaifan.sources.douyin_live import DouyinLiveSource

        return DouyinLiveSource(settings)
    if isinstance(settings, DoudianSettings):
        from kuaifan.sources.doudian import DoudianSource

        return DoudianSource(settings)
    if isinstance(settings, KuaishouSettings):
        from kuaifan.sources.kuaishou import KuaishouSource

        return KuaishouSource(settings)
    if isinstance(settings, TiktokShopSettings):
        from kuaifan.sources.tiktok_shop import TiktokShopSource

        return TiktokShopSource(settings)
    return None


def replay_window_ms(name: PlatformName, platforms: TenantPlatforms) -> int:
    settings = platforms.get(name)
    window = getattr(settings, "replay_window_s", 300)
    return int(window) * 1000
