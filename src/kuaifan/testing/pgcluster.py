"""A throw-away PostgreSQL cluster for tests and benchmarks: Debian's server binaries, a temp dir,
a free loopback port.

    with PgCluster().start() as pg:
        url = pg.create_database()          # postgresql://kuaifan:…@127.0.0.1:PORT/kf_1
        check_store(lambda: PgStore(pg.create_database()))

It runs ``initdb`` and ``pg_ctl`` of the newest ``/usr/lib/postgresql/*/bin`` (or the ones on PATH).
PostgreSQL refuses to run as root, so as root the server runs as the ``postgres`` system user that
Debian's package creates (``runuser``). Host connections need the password (scram-sha-256), so a
wrong one is refused as on a real server. ``scripts/setup-postgres.sh`` installs the package.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import pwd
import re
import secrets
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import Final, Self

SUPERUSER: Final = "kuaifan"
RUN_AS_WHEN_ROOT: Final = "postgres"
# A cluster that only lives for one test session: durability settings off for speed. The store's
# benchmark starts its own cluster with the durable defaults.
FAST_SETTINGS: Final = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}


class PgUnavailable(RuntimeError):
    """No PostgreSQL server binaries (run ``scripts/setup-postgres.sh``) or no user to run them as."""


def find_bin_dir() -> Path:
    """The newest installed PostgreSQL server's bin directory."""
    found: list[tuple[tuple[int, ...], Path]] = []
    for d in Path("/usr/lib/postgresql").glob("*/bin"):
        version = tuple(int(x) for x in re.findall(r"\d+", d.parent.name))
        if (d / "initdb").is_file() and (d / "pg_ctl").is_file():
            found.append((version, d))
    if found:
        return max(found)[1]
    on_path = shutil.which("initdb")
    if on_path and shutil.which("pg_ctl"):
        return Path(on_path).parent
    raise PgUnavailable(
        "PostgreSQL server binaries not found (/usr/lib/postgresql/*/bin/initdb): "
        "run `bash scripts/setup-postgres.sh` (Debian package postgresql)"
    )


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        port: int = s.getsockname()[1]
        return port


class PgCluster:
    """One ``initdb``'d cluster in a temp dir, started with ``pg_ctl`` on 127.0.0.1:``port``."""

    def __init__(
        self,
        *,
        settings: Mapping[str, str] | None = None,
        port: int | None = None,
        bin_dir: Path | None = None,
    ) -> None:
        self.bin_dir = bin_dir or find_bin_dir()
        self.port = port or free_port()
        self.settings = dict(FAST_SETTINGS if settings is None else settings)
        self.password = secrets.token_urlsafe(18)
        self.root = Path(tempfile.mkdtemp(prefix="kuaifan-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self._user: pwd.struct_passwd | None = None
        if os.geteuid() == 0:
            try:
                self._user = pwd.getpwnam(RUN_AS_WHEN_ROOT)
            except KeyError:
                shutil.rmtree(self.root, ignore_errors=True)
                raise PgUnavailable(
                    f"running as root and there is no {RUN_AS_WHEN_ROOT!r} user to run PostgreSQL as: "
                    "run `bash scripts/setup-postgres.sh`"
                ) from None
        self._names = itertools.count(1)
        self.started = False

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        cmd = [str(self.bin_dir / args[0]), *args[1:]]
        if self._user is not None:
            cmd = ["runuser", "-u", self._user.pw_name, "--", *cmd]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, cwd=self.root)
        if proc.returncode != 0:
            log = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise RuntimeError(f"{args[0]} failed ({proc.returncode}): {proc.stderr.strip()}\n{log}")
        return proc

    def start(self) -> Self:
        pwfile = self.root / "pw"
        pwfile.write_text(self.password + "\n")
        if self._user is not None:
            for p in (self.root, pwfile):
                os.chown(p, self._user.pw_uid, self._user.pw_gid)
        self.root.chmod(0o700)
        self._run(
            "initdb", "-D", str(self.data), "-U", SUPERUSER, f"--pwfile={pwfile}", "-E", "UTF8",
            "--locale=C", "--auth-local=trust", "--auth-host=scram-sha-256", "--no-sync", "--no-instructions",
        )  # fmt: skip
        pwfile.unlink()
        options = [f"-p {self.port}", "-c listen_addresses=127.0.0.1", f"-k {self.root}"]
        options += [f"-c {k}={v}" for k, v in self.settings.items()]
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", " ".join(options), "-w", "start")
        self.started = True
        return self

    def url(self, database: str = "postgres", *, user: str = SUPERUSER, password: str | None = None) -> str:
        pw = self.password if password is None else password
        return f"postgresql://{user}:{pw}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str | None = None) -> str:
        """A new empty database; its URL."""
        name = name or f"kf_{os.getpid()}_{next(self._names)}"
        self.sql(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def sql(self, statement: str, database: str = "postgres") -> str:
        """Run one statement with psql over the cluster's socket; its output."""
        out = self._run(
            "psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", str(self.root),
            "-p", str(self.port), "-U", SUPERUSER, "-d", database, "-c", statement,
        )  # fmt: skip
        return out.stdout

    def stop(self) -> None:
        if self.started:
            with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
                self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")
            self.started = False
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> Self:
        return self if self.started else self.start()

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
