"""Running the `kuaifan` command as a user does: a real process with its own KUAIFAN_HOME."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import click
from click.testing import CliRunner, Result

from kuaifan.cli import main

KUAIFAN = [sys.executable, "-c", "from kuaifan.cli import main; main()"]


def run_cli(
    home: Path, *args: str, lang: str = "en", code: int | None = 0, **env: str
) -> subprocess.CompletedProcess[str]:
    """``kuaifan ARGS`` with KUAIFAN_HOME=home; asserts the exit code unless ``code`` is None."""
    environ = {**os.environ, "KUAIFAN_HOME": str(home), "KUAIFAN_LANG": lang, "COLUMNS": "200", **env}
    if "KUAIFAN_CONFIG" not in env:
        environ.pop("KUAIFAN_CONFIG", None)
    proc = subprocess.run([*KUAIFAN, *args], capture_output=True, text=True, env=environ, timeout=300)
    if code is not None:
        assert proc.returncode == code, proc.stderr
    return proc


@click.command(
    context_settings={"ignore_unknown_options": True, "allow_extra_args": True, "help_option_names": []}
)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def _kuaifan(args: tuple[str, ...]) -> None:
    main(list(args))


def invoke(*args: str, env: dict[str, str] | None = None, input: str | None = None) -> Result:
    """``kuaifan ARGS`` in this process (as ``main`` runs it: errors are one line and an exit code)."""
    return CliRunner(env=env).invoke(_kuaifan, list(args), input=input)
