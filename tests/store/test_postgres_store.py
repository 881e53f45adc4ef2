"""The store contract (kuaifan.testing.check_store) on the server-mode PostgreSQL backend, against a real
server the suite starts (``pg_cluster``), and what is PostgreSQL's own: several writers at once,
clear errors for a server that is down, a wrong password or a missing database, a lost connection."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import polars as pl
import psycopg
import pytest

from kuaifan.config import load_settings
from kuaifan.errors import ConfigError, StoreError
from kuaifan.events import EVENT_COLUMNS, POLARS_SCHEMA
from kuaifan.store import event_filter, open_store, open_store_url
from kuaifan.store.postgres import PgStore
from kuaifan.testing import check_store
from kuaifan.testing.pgcluster import PgCluster, free_port

TS = 1_791_000_000_000


def row(msg_id: str, **kw: Any) -> dict[str, Any]:
    r: dict[str, Any] = dict.fromkeys(EVENT_COLUMNS)
    r.update(
        kind="comment", tenant="demo", platform="sim", room_id="r1", stream_id="s1", ts_ms=TS, msg_id=msg_id
    )
    r.update(kw)
    return r


def frame(*rows: dict[str, Any]) -> pl.DataFrame:
    return pl.DataFrame(list(rows), schema=POLARS_SCHEMA)


def test_postgres_keeps_the_store_contract(pg_cluster: PgCluster) -> None:
    kept = pg_cluster.create_database()
    check_store(lambda: PgStore(pg_cluster.create_database()), reopen=lambda: PgStore(kept))


def test_the_store_url_setting_opens_postgres(pg_cluster: PgCluster, tmp_path: Path) -> None:
    url = pg_cluster.create_database()
    settings = load_settings({"KUAIFAN_HOME": str(tmp_path / "home"), "KUAIFAN_STORE_URL": url})
    with open_store(settings) as store:
        assert isinstance(store, PgStore)
        assert store.append(frame(row("a"), row("a"))).accepted == 1
    assert not settings.db_path.exists(), "no DuckDB file when the URL names PostgreSQL"
    with open_store_url(url.replace("postgresql://", "postgres://")) as store:  # libpq's short form
        assert store.stats("demo")["events"] == 1


def test_several_writers_store_each_event_once(pg_cluster: PgCluster) -> None:
    url = pg_cluster.create_database()
    stores = [PgStore(url), PgStore(url), PgStore(url)]
    news: list[int] = []
    lock = threading.Lock()

    def write(store: PgStore, offset: int) -> None:
        for b in range(10):
            # each writer sends keys the others send too, in another order
            ids = [f"m{(offset + b * 37 + i) % 400}" for i in range(60)]
            mask = store.append_new(frame(*(row(i, text=f"w{offset}") for i in ids)))
            with lock:
                news.append(int(mask.sum()))

    threads = [threading.Thread(target=write, args=(s, k * 131)) for k, s in enumerate(stores)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stored = stores[0].read("demo")
    assert stored["msg_id"].n_unique() == stored.height, "each key once"
    assert sum(news) == stored.height, "the rows reported new are exactly the rows stored"
    for s in stores:
        s.close()


def test_a_scan_sees_one_snapshot_while_writers_go_on(pg_cluster: PgCluster) -> None:
    with PgStore(pg_cluster.create_database()) as store:
        store.append(frame(*(row(f"m{i:04d}", ts_ms=TS + i) for i in range(300))))
        scan = store.scan(event_filter("demo"), batch_rows=100)
        first = next(scan)
        store.append(frame(*(row(f"n{i:04d}", ts_ms=TS + i) for i in range(50))))  # meanwhile
        rest = list(scan)
        assert first.height + sum(p.height for p in rest) == 300
        assert store.read("demo").height == 350


def test_text_with_a_nul_character_is_kept_with_a_stand_in(pg_cluster: PgCluster) -> None:
    with PgStore(pg_cluster.create_database()) as store:
        assert (
            store.append(
                frame(row("a", text="有\x00M码吗"), row("b", text='引号" 逗号, 换行\n', nickname=""))
            ).accepted
            == 2
        )
        got = dict(store.read("demo").select("msg_id", "text").rows())
        assert got == {"a": "有\ufffdM码吗", "b": '引号" 逗号, 换行\n'}
        assert store.read("demo")["nickname"].to_list() == [None, ""], "an empty text is not a null"


def test_a_lost_connection_fails_one_call_and_the_next_reconnects(pg_cluster: PgCluster) -> None:
    url = pg_cluster.create_database()
    with PgStore(url) as store:
        store.append(frame(row("a")))
        with psycopg.connect(url, autocommit=True) as admin:  # as a server restart would
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE application_name = 'kuaifan' AND pid <> pg_backend_pid()"
            )
        with pytest.raises(StoreError) as info:
            store.append(frame(row("b")))
        assert "PostgreSQL" in info.value.en and info.value.exit_code == 74
        assert store.append(frame(row("b"))).accepted == 1
        assert store.stats("demo")["events"] == 2


def test_unreachable_server_is_a_clear_error() -> None:
    with pytest.raises(StoreError) as info:
        PgStore(f"postgresql://kuaifan:secret-pw@127.0.0.1:{free_port()}/kuaifan")
    err = info.value
    assert "无法连接 PostgreSQL 服务器" in err.zh and "cannot reach the PostgreSQL server" in err.en
    assert err.exit_code == 74 and "secret-pw" not in err.zh + err.en


def test_wrong_password_is_a_clear_error(pg_cluster: PgCluster) -> None:
    with pytest.raises(StoreError) as info:
        PgStore(pg_cluster.url("postgres", password="not-the-password"))
    err = info.value
    assert "密码错误" in err.zh and "wrong password or no such user" in err.en
    assert "not-the-password" not in err.zh + err.en + str(err.details)


def test_missing_database_is_a_clear_error(pg_cluster: PgCluster) -> None:
    with pytest.raises(StoreError) as info:
        PgStore(pg_cluster.url("no_such_db"))
    assert "没有数据库 no_such_db" in info.value.zh and "createdb no_such_db" in info.value.en


def test_read_only_needs_an_existing_store(pg_cluster: PgCluster) -> None:
    url = pg_cluster.create_database()
    with pytest.raises(StoreError) as info:
        PgStore(url, read_only=True)
    assert "no kuaifan store yet" in info.value.en
    PgStore(url).close()
    with PgStore(url, read_only=True) as store:
        assert store.stats()["events"] == 0
        with pytest.raises(StoreError):
            store.append(frame(row("a")))


def test_bad_urls_name_the_setting_without_the_password() -> None:
    with pytest.raises(ConfigError) as info:
        open_store_url("mysql://root:hunter2@db/x")
    assert "KUAIFAN_STORE_URL" in info.value.en and "hunter2" not in info.value.en


def test_a_prepared_store_needs_no_create_rights(pg_cluster: PgCluster) -> None:
    url = pg_cluster.create_database()
    PgStore(url).close()  # the owner creates the schema
    db = url.rsplit("/", 1)[1]
    for statement in (
        "CREATE ROLE kf_writer LOGIN PASSWORD 'writer-pw-123'",
        "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO kf_writer",
        "REVOKE CREATE ON SCHEMA public FROM PUBLIC",
    ):
        pg_cluster.sql(statement, database=db)
    with PgStore(pg_cluster.url(db, user="kf_writer", password="writer-pw-123")) as store:
        assert store.append(frame(row("a"))).accepted == 1
        assert store.names.add("demo", {"p1": "阔腿裤"}) == 1 and store.stats("demo")["events"] == 1
