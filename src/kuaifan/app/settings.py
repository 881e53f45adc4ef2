"""Loading the settings for a command or the server: the environment and kuaifan.toml, then the parts
whose meaning a domain package owns (a tenant's categories and lexicon), so every mistake stops
kuaifan at start-up with one line naming the key."""

from __future__ import annotations

from collections.abc import Mapping

from kuaifan.config import Settings, init_config, load_settings
from kuaifan.errors import ConfigError


def load(env: Mapping[str, str] | None = None) -> Settings:
    """The validated settings (ConfigError naming the bad key otherwise)."""
    settings = load_settings(dict(env) if env is not None else None)
    check_tenants(settings)
    return settings


def check_tenants(settings: Settings) -> None:
    """Build each tenant's comment classifier and read its growth and platform settings once: a bad
    category, lexicon entry, commission rate or platform key fails here."""
    from kuaifan.growth.settings import GrowthSettings
    from kuaifan.sources.platforms import tenant_platforms
    from kuaifan.text.classifier import classifier_from_config

    for name, tenant in settings.tenants.items():
        try:
            GrowthSettings.of(tenant.growth, f"tenants.{name}.growth")
            tenant_platforms(tenant, name)
        except ConfigError as exc:
            where = f"{settings.config_path}: "
            raise ConfigError(where + exc.zh, where + exc.en, **exc.details) from None
        try:
            classifier_from_config(tenant.text)
        except ConfigError as exc:
            where = f"{settings.config_path}: tenants.{name}."
            zh, en = (m if m.startswith("text.") else "text: " + m for m in (exc.zh, exc.en))
            raise ConfigError(where + zh, where + en, **exc.details) from None


def ensure_config(settings: Settings) -> tuple[Settings, bool]:
    """First use on a machine: write a kuaifan.toml with a demo tenant and fresh secrets. Returns the
    settings (reloaded when written) and whether the file was written now."""
    if settings.config_path.exists():
        return settings, False
    init_config(settings.config_path)
    return load(), True
