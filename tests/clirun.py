"""Running the `kuaifan` command as a user does: a real process with its own KUAIFAN_HOME."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

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
