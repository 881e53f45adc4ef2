"""Builds the compiled hot path of kuaifan.text (``src/kuaifan/text/_hot/*.c``) into the extension
module ``kuaifan.text._hotpath``.

- As a hatchling build hook (``[tool.hatch.build.targets.wheel.hooks.custom]``): a wheel gets the
  module and a platform tag; an editable install gets it next to the sources.
- As a script, ``python hatch_build.py [--force]``: builds it in place unless it is newer than its
  sources (``make install`` runs this when a C source changed).

Without a C compiler (or with ``KUAIFAN_NO_COMPILE=1``) the build goes on without the module: the
package then uses its pure-Python path and says so once at run time.
"""

from __future__ import annotations

import os
import sys
import sysconfig
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent
HOT = ROOT / "src" / "kuaifan" / "text" / "_hot"
MODULE = "kuaifan.text._hotpath"
SOURCES = ["module.c", "ac.c", "fold.c", "extract.c", "decide.c", "ngram.c"]


def ext_filename() -> str:
    return "_hotpath" + (sysconfig.get_config_var("EXT_SUFFIX") or ".so")


def build(out_dir: Path) -> Path | None:
    """Compile the module into ``out_dir``; None (and a message on stderr) when it cannot be."""
    if os.environ.get("KUAIFAN_NO_COMPILE", "").strip() not in ("", "0"):
        print("kuaifan: KUAIFAN_NO_COMPILE set, the compiled text hot path is not built", file=sys.stderr)
        return None
    try:
        from setuptools import Distribution, Extension
        from setuptools.command.build_ext import build_ext
    except ImportError as exc:
        print(
            f"kuaifan: setuptools missing ({exc}); the compiled text hot path is not built", file=sys.stderr
        )
        return None
    ext = Extension(
        MODULE,
        sources=[str((HOT / name).relative_to(ROOT)) for name in SOURCES],
        depends=[str((HOT / "hot.h").relative_to(ROOT))],
        # -ffp-contract=off: no fused multiply-adds, so every float is the one Python computes
        extra_compile_args=["-O2", "-std=gnu11", "-fvisibility=hidden", "-ffp-contract=off"],
    )
    dist = Distribution({"name": "kuaifan-hotpath", "ext_modules": [ext]})
    cmd = build_ext(dist)
    cmd.build_lib = str(out_dir)
    cmd.build_temp = tempfile.mkdtemp(prefix="kuaifan-hot-")
    cmd.inplace = False
    cwd = os.getcwd()
    try:
        os.chdir(ROOT)
        cmd.ensure_finalized()
        cmd.run()
    except Exception as exc:  # no compiler, no headers: the package works without the module
        print(
            f"kuaifan: the compiled text hot path could not be built ({exc}); "
            "the pure-Python path will be used",
            file=sys.stderr,
        )
        return None
    finally:
        os.chdir(cwd)
    built = out_dir / "kuaifan" / "text" / ext_filename()
    return built if built.exists() else None


def up_to_date(target: Path) -> bool:
    """The module next to the sources is newer than every source."""
    sources = [*HOT.glob("*.c"), *HOT.glob("*.h"), Path(__file__)]
    return target.exists() and target.stat().st_mtime >= max(p.stat().st_mtime for p in sources)


def build_in_place(force: bool = False) -> Path | None:
    target = HOT.parent / ext_filename()
    if not force and up_to_date(target):
        return target
    with tempfile.TemporaryDirectory(prefix="kuaifan-hot-lib-") as tmp:
        built = build(Path(tmp))
        if built is None:
            return None
        tmp_target = target.with_suffix(".tmp")
        tmp_target.write_bytes(built.read_bytes())
        tmp_target.replace(target)  # atomic: a running process keeps its mapped copy
        return target


try:
    from hatchling.builders.hooks.plugin.interface import BuildHookInterface
except ImportError:  # run as a script
    BuildHookInterface = object  # type: ignore[assignment,misc]


class CustomBuildHook(BuildHookInterface):  # type: ignore[misc,valid-type]
    """hatchling: build the module; a wheel with it is platform-specific."""

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if version == "editable":
            build_in_place()
            return
        out = Path(self.directory) / "hotpath-build"  # type: ignore[attr-defined]
        built = build(out)
        if built is None:
            return
        build_data["pure_python"] = False
        build_data["infer_tag"] = True
        build_data["force_include"][str(built)] = f"kuaifan/text/{ext_filename()}"


if __name__ == "__main__":
    path = build_in_place(force="--force" in sys.argv)
    print(path if path else "not built", file=sys.stderr)
    sys.exit(0)
