"""Regenerates the committed JSON Schemas of kuaifan.match under schemas/ (tests check they match)."""

from pathlib import Path

from kuaifan.match import schema_texts

for name, text in schema_texts().items():
    (Path(__file__).resolve().parents[1] / "schemas" / name).write_text(text, encoding="utf-8")
