"""The event store's write and read costs: the embedded DuckDB file vs PostgreSQL, in the same run.

    python benchmarks/bench_store.py [--levels 0,100000,1000000] [--reps 40]

For each backend and each number of events already stored (``--levels``), it times ``append_new`` of
20 rows (a live push) and of 1,000 rows (a group commit of the server) ``--reps`` times each, with new
keys, and reports p50 / p99 latency and appends per second (one writer, back to back); the bulk rate
of filling the store to the next level (appends of 245,760 rows, as ``kuaifan ingest`` does); and at
the end a full ``scan`` of everything stored (all columns, 100,000-row batches). The ratio column is
PostgreSQL / DuckDB (latency: above 1 is slower; rates: above 1 is faster). The bulk rate is also
given per CPU second (this process, plus PostgreSQL's server process), steadier than wall time on a
shared machine.

PostgreSQL runs as a throw-away cluster (``kuaifan.testing.pgcluster``) with its durable defaults
(fsync and synchronous commit on), over TCP on loopback, like a server on the same machine.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl
import psutil

from kuaifan.events import EVENT_COLUMNS, POLARS_SCHEMA
from kuaifan.store import Store, event_filter
from kuaifan.store.duckdb import DuckStore
from kuaifan.testing.pgcluster import PgCluster

FILL_ROWS = 2 * 122_880  # what kuaifan ingest appends at a time
KINDS = np.array(["comment", "like", "enter", "online_count", "product_click", "cart_add", "order_paid"])
TEXTS = ["有M码吗", "黑色还有吗", "上链接", "165 100斤穿什么码", "已拍", "多少钱", "3号链接", "扣1"]


def events(n: int, first_id: int, seed: int) -> pl.DataFrame:
    """n canonical events of one tenant, 20 rooms, shaped like a live room (kinds, ids, texts)."""
    rng = np.random.default_rng(seed)
    room = rng.integers(0, 20, n)
    kind = KINDS[rng.choice(len(KINDS), n, p=[0.36, 0.22, 0.22, 0.04, 0.08, 0.04, 0.04])]
    df = pl.DataFrame(
        {
            "kind": kind,
            "tenant": "demo",
            "platform": "douyin",
            "room_id": pl.Series([f"room{r:02d}" for r in range(20)])[room],
            "stream_id": pl.Series([f"room{r:02d}-s1" for r in range(20)])[room],
            "channel": "store",
            "ts_ms": 1_790_000_000_000 + np.sort(rng.integers(0, 4 * 3600 * 1000, n)),
            "msg_id": pl.Series((7_300_000_000_000_000_000 + (first_id + np.arange(n)) * 17).astype(str)),
            "user_key": pl.Series(rng.integers(0, 2**62, n)).cast(pl.String).str.zfill(32),
            "text": pl.Series(TEXTS)[rng.integers(0, len(TEXTS), n)],
        }
    )
    return df.select([pl.col(c) if c in df.columns else pl.lit(None).alias(c) for c in EVENT_COLUMNS]).cast(
        POLARS_SCHEMA
    )


class Run:
    """One backend: keeps the count of stored events and the next fresh id."""

    def __init__(self, name: str, store: Store) -> None:
        self.name, self.store = name, store
        self.stored = 0
        self.next_id = 0
        self.results: dict[str, float] = {}

    def batch(self, n: int) -> pl.DataFrame:
        df = events(n, self.next_id, seed=self.next_id)
        self.next_id += n
        return df

    def cpu_s(self) -> float:
        """CPU seconds spent so far on the store's work: this process (DuckDB's threads run in it),
        plus, for PostgreSQL, the server process of the writing connection."""
        own = time.process_time()
        con = getattr(self.store, "_con", None)
        if con is None or not hasattr(con, "info"):
            return own
        backend = psutil.Process(con.info.backend_pid).cpu_times()
        return own + backend.user + backend.system

    def fill_to(self, level: int) -> tuple[float, float] | None:
        """Bulk-append up to ``level`` events stored; rows per wall second and per CPU second."""
        need = level - self.stored
        if need <= 0:
            return None
        t, c = time.perf_counter(), self.cpu_s()
        added = 0
        while added < need:
            n = min(FILL_ROWS, need - added)
            self.stored += int(self.store.append_new(self.batch(n)).sum())
            added += n
        return added / (time.perf_counter() - t), added / (self.cpu_s() - c)

    def latencies(self, rows: int, reps: int) -> list[float]:
        out = []
        for _ in range(reps):
            df = self.batch(rows)
            t = time.perf_counter()
            self.stored += int(self.store.append_new(df).sum())
            out.append(time.perf_counter() - t)
        return out

    def scan_rate(self) -> tuple[int, float]:
        t = time.perf_counter()
        n = sum(p.height for p in self.store.scan(event_filter("demo")))
        return n, n / (time.perf_counter() - t)


def cursor_scan(store: Store) -> tuple[int, float]:
    """A full scan of a PgStore through a named (server-side) cursor, rows converted to frames."""
    import psycopg

    from kuaifan.store import LOG_COLUMNS, LOG_SCHEMA

    url = store.url  # type: ignore[attr-defined]
    t, n = time.perf_counter(), 0
    with psycopg.connect(url) as con, con.transaction(), con.cursor(name="kf_bench") as cur:
        cur.execute(
            f"SELECT {', '.join(LOG_COLUMNS)} FROM events WHERE tenant = %s ORDER BY ts_ms, seq", ["demo"]
        )
        while rows := cur.fetchmany(100_000):
            n += pl.DataFrame(rows, schema=LOG_SCHEMA, orient="row").height
    return n, n / (time.perf_counter() - t)


def pct(xs: list[float], q: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, round(q * (len(s) - 1)))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--levels", default="0,100000,1000000", help="events stored before each measurement")
    ap.add_argument("--reps", type=int, default=40, help="appends timed per batch size and level")
    args = ap.parse_args()
    levels = [int(x) for x in args.levels.split(",")]
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start", flush=True)

    with tempfile.TemporaryDirectory(prefix="kuaifan-bench-store-") as tmp, PgCluster(settings={}) as pg:
        from kuaifan.store.postgres import PgStore

        runs = [
            Run("duckdb", DuckStore(Path(tmp) / "bench.duckdb")),
            Run("postgres", PgStore(pg.create_database("bench"))),
        ]
        for level in levels:
            for run in runs:
                rate = run.fill_to(level)
                if rate is not None:
                    run.results[f"fill to {level:,}"] = rate[0]
                    run.results[f"fill to {level:,}, per cpu-s"] = rate[1]
                for size in (20, 1000):
                    lat = run.latencies(size, args.reps)
                    run.results[f"{size} p50 {level:,}"] = 1000 * statistics.median(lat)
                    run.results[f"{size} p99 {level:,}"] = 1000 * pct(lat, 0.99)
                    run.results[f"{size} appends/s {level:,}"] = len(lat) / sum(lat)
                print(f"  {run.name}: {level:,} done ({run.stored:,} stored)", file=sys.stderr, flush=True)
        for run in runs:
            n, rate = run.scan_rate()
            run.results[f"scan rows/s ({n:,} rows)"] = rate
        _, cursor_rate = cursor_scan(runs[1].store)
        copy_rate = runs[1].results[f"scan rows/s ({runs[1].stored:,} rows)"]
        for run in runs:
            run.store.close()

        duck, post = runs
        print(f"\n{'measure':<38}{'duckdb':>14}{'postgres':>14}{'pg/duck':>10}")
        for key in duck.results:
            a, b = duck.results[key], post.results.get(key)
            if b is None:
                continue
            unit = "ms" if (" p50 " in key or " p99 " in key) else "/s"
            print(f"{key + ' (' + unit + ')':<38}{a:>14,.1f}{b:>14,.1f}{b / a:>10.2f}")
    print(
        "\npostgres scan through a server-side cursor (DECLARE/FETCH, rows to frames), the way not taken: "
        f"{cursor_rate:,.0f} rows/s; the COPY scan above: {copy_rate / cursor_rate:.2f}x that"
    )
    print(f"\nload average {os.getloadavg()[0]:.1f} at the end (2 cores shared: figures are pessimistic)")


if __name__ == "__main__":
    main()
