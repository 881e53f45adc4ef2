"""Ingest throughput: canonical JSONL -> validated, deduplicated DuckDB event log.

    python benchmarks/bench_ingest.py [--events 1000000] [--cores 1] [--rerun]

Generates N realistic canonical events as JSONL in a temp dir, ingests them into a fresh
store with ``ingest_paths`` and, as the baseline, bulk-loads the same file with DuckDB's own
reader (``CREATE TABLE AS SELECT * FROM read_json(...)``: no validation, no dedup) in the same
process. ``--cores 1`` (the default) pins the whole process to one CPU before anything starts
threads and sets DuckDB, polars and pyarrow to one thread each, so the figure is "one core".
Both wall-clock and CPU-time rates are printed: on a shared machine CPU time is the steadier
measure of the work done. Targets: >= 200,000 events/s on one core and >= 0.5x the baseline.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path


def _pin(cores: int) -> None:
    if cores > 0:
        os.environ["POLARS_MAX_THREADS"] = str(cores)
        if hasattr(os, "sched_setaffinity"):
            os.sched_setaffinity(0, sorted(os.sched_getaffinity(0))[:cores])


def generate(path: Path, n: int, seed: int = 7, first_id: int = 0) -> int:
    """Write n canonical events shaped like a live room (the mix, ids, specs and texts); return bytes."""
    import numpy as np
    import polars as pl

    rng = np.random.default_rng(seed)
    kinds = np.array(
        [
            "comment",
            "like",
            "enter",
            "online_count",
            "product_show",
            "product_click",
            "cart_add",
            "order_paid",
        ]
    )
    kind = kinds[rng.choice(len(kinds), n, p=[0.36, 0.22, 0.2, 0.04, 0.02, 0.08, 0.04, 0.04])]
    texts = [
        "有M码吗",
        "黑色还有吗",
        "上链接",
        "165 100斤穿什么码",
        "已拍",
        "多少钱",
        "3号链接",
        "主播好美",
        "扣1",
    ]
    specs = [
        f'{{"尺码":"{s}","颜色":"{c}"}}' for s in ("S", "M", "L", "XL") for c in ("黑色", "白色", "杏色")
    ]
    room = rng.integers(0, 20, n)
    df = pl.DataFrame(
        {
            "kind": kind,
            "room_id": pl.Series([f"room{r:02d}" for r in range(20)])[room],
            "stream_id": pl.Series([f"room{r:02d}-s1" for r in range(20)])[room],
            "ts_ms": 1_790_000_000_000 + np.sort(rng.integers(0, 4 * 3600 * 1000, n)),
            "msg_id": pl.Series((7_300_000_000_000_000_000 + (first_id + np.arange(n)) * 17).astype(str)),
            "user_key": pl.Series(rng.integers(0, 2**62, n)).cast(pl.String).str.zfill(32),
            "text": pl.Series(texts)[rng.integers(0, len(texts), n)],
            "sku": rng.integers(0, 200, n),
            "spec": pl.Series(specs)[rng.integers(0, len(specs), n)],
            "online": rng.integers(100, 20000, n),
        }
    ).with_row_index("row")
    prefix = '{"tenant":"demo","platform":"douyin","channel":"store",'
    common = ["room_id", "stream_id", "ts_ms", "msg_id", "user_key"]
    extra = {
        "comment": ["text"],
        "online_count": ["qty"],
        "product_show": ["sku_id"],
        "product_click": ["sku_id"],
        "cart_add": ["sku_id", "qty"],
        "order_paid": ["sku_id", "order_id", "qty", "amount_fen"],
    }
    df = df.with_columns(
        pl.format("sku{}", "sku").alias("sku_id"),
        pl.format("o{}", pl.col("row") + first_id).alias("order_id"),
        pl.when(pl.col("kind") == "online_count").then(pl.col("online")).otherwise(1).alias("qty"),
        ((pl.col("sku") % 20 + 5) * 1000).alias("amount_fen"),
    )
    parts = []
    for k in kinds:
        sub = df.filter(pl.col("kind") == k)
        body = pl.struct(["kind", *common, *extra.get(k, [])]).struct.json_encode().str.strip_prefix("{")
        line = pl.concat_str(pl.lit(prefix), body)
        if k in ("cart_add", "order_paid", "product_click"):
            line = pl.concat_str(line.str.strip_suffix("}"), pl.lit(',"spec":'), pl.col("spec"), pl.lit("}"))
        parts.append(sub.select("row", line.alias("line")))
    out = pl.concat(parts).sort("row").select("line")
    out.write_csv(path, include_header=False, quote_style="never")
    return path.stat().st_size


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--cores", type=int, default=1, help="pin to this many CPUs (0: no pinning)")
    ap.add_argument("--rerun", action="store_true", help="also time a second ingest (all duplicates)")
    ap.add_argument("--repeat", type=int, default=1, help="runs of each; the best is reported")
    args = ap.parse_args()
    _pin(args.cores)

    import duckdb
    import pyarrow as pa

    from kuaifan.app.ingest import ingest_paths
    from kuaifan.config import TenantConfig
    from kuaifan.sources.gate import TenantGate
    from kuaifan.sources.jsonl import JsonlSource, ParquetSource
    from kuaifan.store.duckdb import DuckStore

    threads = args.cores if args.cores > 0 else None
    n_cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    if threads:
        pa.set_cpu_count(threads)
        pa.set_io_thread_count(threads)
    tenant = TenantConfig(api_key="bench-api-key-0123456789", salt="bench-salt-0123456789")
    with tempfile.TemporaryDirectory(prefix="kf-bench-") as tmp:
        src = Path(tmp) / "events.jsonl"
        size = generate(src, args.events)
        print(f"{args.events:,} events, {size / 1e6:.0f} MB JSONL; cores: {args.cores or 'all'}")

        def timed(fn: Callable[[], object]) -> tuple[float, float]:
            w, c = time.perf_counter(), time.process_time()
            fn()
            return time.perf_counter() - w, time.process_time() - c

        def baseline(run: int) -> None:
            con = duckdb.connect(str(Path(tmp) / f"raw{run}.duckdb"), config={"threads": threads or n_cpus})
            con.execute("SET enable_progress_bar = false")
            con.execute(f"CREATE TABLE raw AS SELECT * FROM read_json('{src}', format='newline_delimited')")
            assert con.execute("SELECT count(*) FROM raw").fetchall()[0][0] == n
            con.close()

        def ingest(store: DuckStore, expect: dict[str, int]) -> None:
            report = ingest_paths(
                store, store.names, [src], gate=TenantGate.of("demo", tenant), sources=sources
            )
            assert report.summary() == expect, report.summary()

        n = args.events
        sources = [JsonlSource(), ParquetSource()]
        fresh = {"accepted": n, "duplicates": 0, "rejected": 0}
        base: list[tuple[float, float]] = []
        ours: list[tuple[float, float]] = []
        rerun: list[tuple[float, float]] = []
        for run in range(args.repeat):  # interleaved, so that load on a shared machine hits both
            base.append(timed(lambda: baseline(run)))  # noqa: B023
            with DuckStore(Path(tmp) / f"kuaifan{run}.duckdb", threads=threads) as store:
                ours.append(timed(lambda: ingest(store, fresh)))
                if args.rerun:
                    again = {"accepted": 0, "duplicates": n, "rejected": 0}
                    rerun.append(timed(lambda: ingest(store, again)))  # noqa: B023
            for f in Path(tmp).glob("*.duckdb*"):
                f.unlink()

        def rates(label: str, times: list[tuple[float, float]]) -> tuple[float, float]:
            w, c = min(t[0] for t in times), min(t[1] for t in times)
            print(f"{label:<40} {n / w:>10,.0f} ev/s wall  {n / c:>10,.0f} ev/s cpu")
            return w, c

        print(f"best of {args.repeat} run(s):")
        bw, bc = rates("baseline DuckDB read_json bulk insert:", base)
        ow, oc = rates("kuaifan ingest (validate+dedup+store):", ours)
        print(f"ratio ingest/baseline: {bw / ow:.2f} wall, {bc / oc:.2f} cpu (target >= 0.5)")
        if rerun:
            rates("re-ingest, all duplicates:", rerun)
        sys.stdout.flush()


if __name__ == "__main__":
    main()
