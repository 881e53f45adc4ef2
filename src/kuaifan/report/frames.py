"""Tables for pandas, polars and Excel users: each frame as Parquet and as CSV (UTF-8 with a BOM, so
Excel reads the Chinese), rows in a stable order (the same data, the same files)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import polars as pl

from kuaifan.errors import cannot_write


def write_frames(frames: Mapping[str, pl.DataFrame], out_dir: Path) -> list[Path]:
    """``NAME.parquet`` and ``NAME.csv`` for every frame; the paths written. InputError if the folder
    cannot be written."""
    paths: list[Path] = []
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        for name, table in frames.items():
            frame = table.sort(table.columns)
            parquet, csv = out_dir / f"{name}.parquet", out_dir / f"{name}.csv"
            frame.write_parquet(parquet)
            frame.write_csv(csv, include_bom=True)
            paths += [parquet, csv]
    except OSError as exc:
        raise cannot_write(out_dir, exc) from None
    return paths
