"""Same seed and flags → byte-identical files, whatever the number of workers or rooms."""

from __future__ import annotations

from pathlib import Path

from simhelpers import digests

from kuaifan.sim import SimConfig, SimSummary, simulate


def test_same_config_gives_identical_bytes(
    small_run: tuple[SimConfig, Path, SimSummary], tmp_path: Path
) -> None:
    config, out, _ = small_run
    simulate(config, tmp_path / "again")
    first, second = digests(out), digests(tmp_path / "again")
    assert len(first) == 3 * 2 + 3  # events + comment truth per room, variants, catalogue, manifest
    assert first == second


def test_workers_do_not_change_output(small_run: tuple[SimConfig, Path, SimSummary], tmp_path: Path) -> None:
    config, out, _ = small_run
    simulate(config.model_copy(update={"workers": 2}), tmp_path / "two")
    assert digests(tmp_path / "two") == digests(out)


def test_a_room_does_not_depend_on_how_many_rooms_run(
    small_run: tuple[SimConfig, Path, SimSummary], tmp_path: Path
) -> None:
    config, out, _ = small_run
    simulate(config.model_copy(update={"rooms": 1}), tmp_path / "one")
    one, three = digests(tmp_path / "one"), digests(out)
    for name in ("events/room-001.jsonl", "truth/comments/room-001.parquet"):
        assert one[name] == three[name]


def test_another_seed_gives_another_world(
    small_run: tuple[SimConfig, Path, SimSummary], tmp_path: Path
) -> None:
    config, out, _ = small_run
    simulate(config.model_copy(update={"seed": config.seed + 1}), tmp_path / "other")
    other, base = digests(tmp_path / "other"), digests(out)
    assert other.keys() == base.keys()
    assert all(other[k] != base[k] for k in base)
