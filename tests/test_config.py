"""Settings: defaults, the kuaifan.toml, and one clear line naming each bad key."""

from __future__ import annotations

from pathlib import Path

import pytest

from kuaifan.config import init_config, load_settings
from kuaifan.errors import ConfigError


def test_defaults_without_config(tmp_path: Path) -> None:
    s = load_settings({"KUAIFAN_HOME": str(tmp_path)})
    assert s.home == tmp_path
    assert s.config_path == tmp_path / "kuaifan.toml"
    assert s.lang == "zh"
    assert s.tenants == {}
    with pytest.raises(ConfigError, match="kuaifan init"):
        s.default_tenant()


def test_init_writes_a_usable_tenant(tmp_path: Path) -> None:
    cfg = tmp_path / "kuaifan.toml"
    assert init_config(cfg, "brand_a") is True
    assert init_config(cfg, "brand_a") is False  # never overwrites secrets
    assert cfg.stat().st_mode & 0o077 == 0
    s = load_settings({"KUAIFAN_HOME": str(tmp_path)})
    name, tenant = s.tenant()
    assert name == "brand_a"
    assert len(tenant.salt) >= 16 and not tenant.store_nicknames
    assert s.tenant_by_api_key(tenant.api_key) == "brand_a"
    assert s.tenant_by_api_key("wrong-key-wrong-key") is None
    # fresh secrets each time
    other = tmp_path / "other.toml"
    init_config(other, "brand_a")
    s2 = load_settings({"KUAIFAN_HOME": str(tmp_path), "KUAIFAN_CONFIG": str(other)})
    assert s2.tenant()[1].salt != tenant.salt


@pytest.mark.parametrize(
    ("body", "key"),
    [
        ('[tenants.a]\napi_key = "k"\nsalt = "0123456789abcdef"\n', "tenants.a.api_key"),
        ('[tenants.a]\napi_key = "0123456789abcdef"\nsalt = "short"\n', "tenants.a.salt"),
        (
            '[tenants.a]\napi_key = "0123456789abcdef"\nsalt = "0123456789abcdef"\ncolour = 1\n',
            "tenants.a.colour",
        ),
        (
            'default_tenant = "zz"\n[tenants.a]\napi_key = "0123456789abcdef"\nsalt = "0123456789abcdef"\n',
            "default_tenant",
        ),
        ('[tenants."bad name"]\napi_key = "0123456789abcdef"\nsalt = "0123456789abcdef"\n', "tenants"),
        (
            '[tenants.a]\napi_key = "0123456789abcdef"\nsalt = "0123456789abcdef"\n'
            'store_nicknames = "maybe"\n',
            "tenants.a.store_nicknames",
        ),
    ],
)
def test_bad_config_names_the_key(tmp_path: Path, body: str, key: str) -> None:
    (tmp_path / "kuaifan.toml").write_text(body, encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        load_settings({"KUAIFAN_HOME": str(tmp_path)})
    assert key in exc.value.en and key in exc.value.zh
    assert "\n" not in exc.value.en


def test_toml_syntax_error_is_one_clear_error(tmp_path: Path) -> None:
    (tmp_path / "kuaifan.toml").write_text("[tenants.a\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="TOML"):
        load_settings({"KUAIFAN_HOME": str(tmp_path)})


def test_bad_env_names_the_variable(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as exc:
        load_settings({"KUAIFAN_HOME": str(tmp_path), "KUAIFAN_LANG": "fr"})
    assert exc.value.en.startswith("KUAIFAN_LANG")
    with pytest.raises(ConfigError, match="KUAIFAN_CONFIG"):
        load_settings({"KUAIFAN_HOME": str(tmp_path), "KUAIFAN_CONFIG": str(tmp_path / "missing.toml")})


def test_unknown_tenant(tmp_path: Path) -> None:
    init_config(tmp_path / "kuaifan.toml", "a")
    s = load_settings({"KUAIFAN_HOME": str(tmp_path), "KUAIFAN_LANG": "en"})
    with pytest.raises(ConfigError) as exc:
        s.tenant("b")
    assert "'b'" in exc.value.message("en") and "a" in exc.value.message("zh")


def test_bad_alert_threshold_and_webhook_fail_at_start_up(tmp_path: Path) -> None:
    head = '[tenants.a]\napi_key = "0123456789abcdef"\nsalt = "0123456789abcdef"\n'
    (tmp_path / "kuaifan.toml").write_text(
        head + "[tenants.a.thresholds]\nno_such_threshold = 3\n", encoding="utf-8"
    )
    with pytest.raises(ConfigError) as exc:
        load_settings({"KUAIFAN_HOME": str(tmp_path)})
    assert "no_such_threshold" in exc.value.en
    (tmp_path / "kuaifan.toml").write_text(
        head + '[[tenants.a.webhooks]]\nplatform = "wecom"\nurl = "ftp://example.invalid/x"\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as exc:
        load_settings({"KUAIFAN_HOME": str(tmp_path)})
    assert "tenants.a.webhooks[0]" in exc.value.en and "url" in exc.value.en
