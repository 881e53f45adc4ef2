"""The store of a running server, reached through its local link (kuaifan.store.remote): it keeps the
store contract (kuaifan.testing.check_store) like the stores it fronts, and the link refuses callers
without the run file's secret."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from kuaifan.api import create_app
from kuaifan.api.server import BackgroundServer
from kuaifan.config import Settings, load_settings
from kuaifan.errors import AuthError, StoreError
from kuaifan.store import open_store_url
from kuaifan.store.remote import PREFIX, RemoteStore
from kuaifan.store.wire import LINK_HEADER
from kuaifan.testing import check_store
from kuaifan.testing.pgcluster import PgCluster

SECRET = "link-secret-0123456789abcdef"


def _settings(home: Path) -> Settings:
    home.mkdir(parents=True, exist_ok=True)
    (home / "kuaifan.toml").write_text(
        '[tenants.demo]\napi_key = "demo-key-0123456789abcdef"\nsalt = "demo-salt-0123456789"\n',
        encoding="utf-8",
    )
    return load_settings({"KUAIFAN_HOME": str(home)})


class ServedStore(RemoteStore):
    """A RemoteStore of its own server (over ``store_url``), stopped when the store is closed."""

    def __init__(self, settings: Settings, store_url: str) -> None:
        self.backing = open_store_url(store_url)
        app = create_app(settings, store=self.backing, link_secret=SECRET, use_text_classifier=False)
        self.server = BackgroundServer(app).start()
        super().__init__(self.server.url, SECRET)

    def close(self) -> None:
        super().close()
        self.server.stop()
        self.backing.close()


def test_the_link_keeps_the_store_contract_over_duckdb(tmp_path: Path) -> None:
    settings = _settings(tmp_path / "home")
    files = iter(range(100))
    check_store(
        lambda: ServedStore(settings, f"duckdb:///{tmp_path}/s{next(files)}.duckdb"),
        reopen=lambda: ServedStore(settings, f"duckdb:///{tmp_path}/kept.duckdb"),
    )


def test_the_link_keeps_the_store_contract_over_postgres(tmp_path: Path, pg_cluster: PgCluster) -> None:
    settings = _settings(tmp_path / "home")
    check_store(lambda: ServedStore(settings, pg_cluster.create_database()))


def test_the_link_needs_the_secret(tmp_path: Path) -> None:
    settings = _settings(tmp_path / "home")
    with ServedStore(settings, "duckdb://:memory:") as store:
        url = store.server.url + PREFIX + "/stats"
        assert httpx.get(url, headers={LINK_HEADER: SECRET}).status_code == 200
        for headers in ({}, {LINK_HEADER: "wrong"}, {"X-API-Key": "demo-key-0123456789abcdef"}):
            r = httpx.get(url, headers=headers)
            assert r.status_code == 401 and r.json()["error"]["code"] == "unauthorized"
        with pytest.raises(AuthError), RemoteStore(store.server.url, "wrong") as other:
            other.stats()
        assert "/v1/local" not in httpx.get(store.server.url + "/openapi.json").text


def test_a_server_without_a_run_file_has_no_link(tmp_path: Path) -> None:
    settings = _settings(tmp_path / "home")
    backing = open_store_url("duckdb://:memory:")
    with BackgroundServer(create_app(settings, store=backing, use_text_classifier=False)) as server:
        r = httpx.get(server.url + PREFIX + "/stats", headers={LINK_HEADER: SECRET})
        assert r.status_code == 404
    backing.close()


def test_a_server_that_went_away_is_a_store_error(tmp_path: Path) -> None:
    settings = _settings(tmp_path / "home")
    store = ServedStore(settings, "duckdb://:memory:")
    store.server.stop()
    try:
        with pytest.raises(StoreError) as info:
            store.stats("demo")
        assert "kuaifan serve" in info.value.en and info.value.exit_code == 74
    finally:
        store.close()


def test_the_run_file_never_holds_a_database_password(tmp_path: Path) -> None:
    from kuaifan.app.runfile import new_run, read_run_file, write_run_file

    settings = _settings(tmp_path / "home")
    pg = load_settings(
        {"KUAIFAN_HOME": str(settings.home), "KUAIFAN_STORE_URL": "postgresql://kf:s3cret-pw@db:5432/kuaifan"}
    )
    write_run_file(pg, new_run(pg, "0.0.0.0", 8123))
    text = (settings.home / "serve.json").read_text()
    assert "s3cret-pw" not in text
    info = read_run_file(pg)
    assert info is not None and info.store_url == "postgresql://kf@db:5432/kuaifan"
    assert info.url == "http://127.0.0.1:8123"
