"""kuaifan.live — a live room's 罗盘-style metrics, 场控 alerts, group-bot webhooks and live polls.

    from kuaifan.live import RoomState
    state = RoomState()
    for row in rows:               # plain dicts with kuaifan.events.EVENT_COLUMNS
        changes = state.update(row)
    state.snapshot()               # JSON-able

``batch_snapshot(df)`` computes the same numbers from a whole polars frame (the reference the
live path is tested against). Metric definitions: ``kuaifan.live.metrics``.
"""

from kuaifan.live.batch import batch_snapshot
from kuaifan.live.room import RoomState, replay
from kuaifan.live.windows import Change

__all__ = ["Change", "RoomState", "batch_snapshot", "replay"]
