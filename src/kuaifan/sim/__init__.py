"""Seeded live-commerce simulator: rooms, viewers, comments, orders and the ground truth behind them.

    from kuaifan.sim import SimConfig, simulate
    summary = simulate(SimConfig(seed=7, rooms=4, minutes=30), Path("out/sim"))

Output (same seed and settings → byte-identical files, whatever ``workers`` is)::

    events/room-001.jsonl         canonical events (EVENT_COLUMNS keys, nulls left out, spec as an
                                  object), in arrival order: re-attributed orders come after stream_end
    events/room-001.parquet       the same rows in the log's schema (format "parquet" or "both")
    truth/comments/room-001.parquet   msg_id → intent, height_cm, weight_kg, size, color, link_no
                                  (labels as in shared/data/README.md), plus the product and the
                                  variant the commenter wants
    truth/variants.parquet        per stream × SKU: stock, demand_units (latent), sold_units,
                                  unmet_units (demand while sold out), sellout_ts_ms
    truth/catalogue.parquet       per stream × SKU: brand, product, category, spec, link_no, price, stock
    manifest.json                 seed, settings, counts per kind, rooms, files with sizes
"""

from kuaifan.sim.config import DEFAULT_START, AudienceConfig, SimConfig, SimSummary, sim_config, summary_lines
from kuaifan.sim.run import simulate

__all__ = [
    "DEFAULT_START",
    "AudienceConfig",
    "SimConfig",
    "SimSummary",
    "sim_config",
    "simulate",
    "summary_lines",
]
