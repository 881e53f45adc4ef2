"""The event store: an append-only log (``EventLog``) with its caches (``TagCache``, ``NameCache``).

``open_store(settings)`` opens the backend that ``KUAIFAN_STORE_URL`` names:

- ``duckdb:///ABSOLUTE/PATH.duckdb`` (default: ``$KUAIFAN_HOME/kuaifan.duckdb``), embedded, nothing to start;
- ``duckdb://:memory:``, a throw-away store (tests, one-off runs);
- ``postgresql://USER[:PASSWORD]@HOST[:PORT]/DB`` (or ``postgres://``), server mode: several processes
  and machines write to one log (``kuaifan.store.postgres``; needs the ``postgres`` extra, psycopg).

A backend is a class with the ``EventLog`` methods and ``tags`` / ``names`` caches; it passes
``kuaifan.testing.check_store``. ``kuaifan.store.remote.RemoteStore`` is one more: the store of a running
``kuaifan serve``, which a command gets when the server holds the DuckDB file (``kuaifan.app.store``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

import polars as pl

from kuaifan.errors import ConfigError
from kuaifan.store.base import (
    DEAD_LETTER_SCHEMA,
    LOG_COLUMNS,
    LOG_SCHEMA,
    AppendResult,
    EventFilter,
    EventLog,
    StoreStats,
    event_filter,
)
from kuaifan.store.caches import NameCache, TagCache, TagRows

if TYPE_CHECKING:
    from kuaifan.config import Settings

__all__ = [
    "DEAD_LETTER_SCHEMA",
    "LOG_COLUMNS",
    "LOG_SCHEMA",
    "AppendResult",
    "EventFilter",
    "EventLog",
    "NameCache",
    "Store",
    "StoreStats",
    "TagCache",
    "TagRows",
    "event_filter",
    "open_store",
    "open_store_url",
    "shown_url",
]

SCHEMES = ("duckdb", "postgresql", "postgres")


class Store(EventLog, Protocol):
    """An event log and the caches kept beside it."""

    @property
    def tags(self) -> TagCache: ...

    @property
    def names(self) -> NameCache: ...

    def append_tagged(self, df: pl.DataFrame, tags: Sequence[TagRows]) -> pl.Series:
        """``append_new``, and ``tags.add`` of each ``TagRows``, committed together: a comment
        arriving live is stored with its tags or not at all."""
        ...


def open_store(settings: Settings, *, memory_limit: str | None = None, read_only: bool = False) -> Store:
    """The store the settings name (KUAIFAN_STORE_URL, default the DuckDB file under KUAIFAN_HOME)."""
    return open_store_url(settings.store_url, memory_limit=memory_limit, read_only=read_only)


def open_store_url(url: str, *, memory_limit: str | None = None, read_only: bool = False) -> Store:
    scheme, sep, rest = url.partition("://")
    if not sep or scheme not in SCHEMES:
        raise ConfigError(
            f"KUAIFAN_STORE_URL: 不支持的事件库地址 {shown_url(url)!r}"
            "（可用：duckdb:///路径、duckdb://:memory: 或 postgresql://用户@主机:端口/库）",
            f"KUAIFAN_STORE_URL: unsupported store URL {shown_url(url)!r} "
            "(use duckdb:///PATH, duckdb://:memory: or postgresql://USER@HOST:PORT/DB)",
            key="KUAIFAN_STORE_URL",
        )
    if scheme in ("postgresql", "postgres"):
        return _open_postgres(url, read_only=read_only)
    from kuaifan.store.duckdb import DEFAULT_MEMORY_LIMIT, DuckStore

    path = ":memory:" if rest == ":memory:" else rest
    if not path or (path != ":memory:" and not path.startswith("/")):
        raise ConfigError(
            f"KUAIFAN_STORE_URL: duckdb 地址需要绝对路径，如 duckdb:///data/kuaifan.duckdb，收到 {url!r}",
            f"KUAIFAN_STORE_URL: a duckdb URL needs an absolute path, e.g. duckdb:///data/kuaifan.duckdb, "
            f"got {url!r}",
            key="KUAIFAN_STORE_URL",
        )
    return DuckStore(path, memory_limit=memory_limit or DEFAULT_MEMORY_LIMIT, read_only=read_only)


def _open_postgres(url: str, *, read_only: bool) -> Store:
    try:
        from kuaifan.store.postgres import PgStore
    except ImportError:  # the postgres extra (psycopg) is not installed
        raise ConfigError(
            "KUAIFAN_STORE_URL 指向 PostgreSQL，但未安装 psycopg：pip install 'kuaifan[postgres]'",
            "KUAIFAN_STORE_URL names PostgreSQL but psycopg is not installed: "
            "pip install 'kuaifan[postgres]'",
            key="KUAIFAN_STORE_URL",
        ) from None
    return PgStore(url, read_only=read_only)


def shown_url(url: str) -> str:
    """A store URL as it may be shown or written down: without a password (user:password@host, or
    ``password=`` among the parameters)."""
    url = re.sub(r"([?&]password=)[^&]*", r"\1…", url)
    head, at, tail = url.rpartition("@")
    if not at or "://" not in head:
        return url
    scheme, _, userinfo = head.partition("://")
    return f"{scheme}://{userinfo.split(':', 1)[0]}@{tail}"
