"""The store, as the faces open it: ``open_store(settings)`` (KUAIFAN_STORE_URL) and its type."""

from kuaifan.store import Store, open_store

__all__ = ["Store", "open_store"]
