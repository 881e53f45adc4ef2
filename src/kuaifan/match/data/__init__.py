"""The shipped synthetic belt data set (see README.md beside this file)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

BELTS_SEED = 17
BELTS_SIZE = 72


def belts_path() -> Path:
    """Path of ``belts.json`` (the synthetic factories of nine belts)."""
    return Path(str(resources.files("kuaifan.match.data").joinpath("belts.json")))
