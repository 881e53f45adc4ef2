"""The store, as the faces open it: ``open_store(settings)`` (KUAIFAN_STORE_URL) and its type.

While a ``kuaifan serve`` of the same KUAIFAN_HOME holds the DuckDB file, a command gets that server's
store through its local link (``kuaifan.app.runfile``, ``kuaifan.store.remote``) instead of a lock
error: the same interface, so the command's output is what it is without a server. The server itself
opens the file (``through_server=False``).
"""

from __future__ import annotations

from kuaifan.config import Settings
from kuaifan.store import Store
from kuaifan.store import open_store as open_store_of

__all__ = ["Store", "open_store"]


def open_store(settings: Settings, *, through_server: bool = True) -> Store:
    """The store the settings name; a running server's, when it holds that DuckDB file."""
    if through_server:
        from kuaifan.app.runfile import running_server

        info = running_server(settings)
        if info is not None:
            from kuaifan.store.remote import RemoteStore

            return RemoteStore(info.url, info.secret)
    return open_store_of(settings)
