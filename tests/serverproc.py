"""`kuaifan serve` as a real process on loopback, for the durability test and the benchmark."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from kuaifan.api.server import free_port

SERVE = [
    sys.executable,
    "-c",
    "from kuaifan.cli import main; main()",
    "serve",
    "--host",
    "127.0.0.1",
    "--port",
]


class ServerProcess:
    def __init__(self, home: Path, port: int | None = None) -> None:
        self.home = home
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout_s: float = 60.0) -> ServerProcess:
        env = {**os.environ, "KUAIFAN_HOME": str(self.home), "KUAIFAN_LANG": "en"}
        env.pop("KUAIFAN_CONFIG", None)
        with (self.home / "serve.log").open("ab") as log:  # the child keeps its own descriptor
            self.proc = subprocess.Popen([*SERVE, str(self.port)], env=env, stdout=log, stderr=log)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"kuaifan serve exited: {(self.home / 'serve.log').read_text()[-2000:]}")
            try:
                if httpx.get(self.url + "/v1/health", timeout=1.0).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError("kuaifan serve did not start")

    def kill9(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
