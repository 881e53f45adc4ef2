"""Peak memory of ingesting a big JSONL file: it must stay flat, whatever the file size.

    python benchmarks/bench_ingest_memory.py [--gb 0.5] [--dir /big/disk]

Builds a canonical JSONL file of about ``--gb`` GB (unique events, the mix of bench_ingest),
then ingests it in a fresh subprocess and reads that process's peak RSS from the kernel
(``VmHWM`` in ``/proc/self/status``). As the baseline, DuckDB's own bulk load of the
same file (``read_json`` into a table, no validation or dedup) runs in another subprocess with
the same memory_limit. Target: peak RSS < 1 GB for a 5 GB file (``--gb 5``).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_ingest import generate
from kuaifan.store.duckdb import DEFAULT_MEMORY_LIMIT as MEMORY_LIMIT

# The measured process reports its own high-water mark. Not ru_maxrss: that one survives exec()
# and starts at the parent's size (this script holds the generated data), VmHWM does not.
PEAK = """
def PEAK():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise SystemExit("no VmHWM in /proc/self/status (Linux only)")
"""

INGEST = (
    PEAK
    + """
import sys, time
from pathlib import Path
from kuaifan.config import TenantConfig
from kuaifan.app.ingest import ingest_paths
from kuaifan.sources.gate import TenantGate
from kuaifan.sources.jsonl import JsonlSource, ParquetSource
from kuaifan.store.duckdb import DuckStore
src, db, limit = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
tenant = TenantConfig(api_key="bench-api-key-0123456789", salt="bench-salt-0123456789")
t = time.perf_counter()
with DuckStore(db, memory_limit=limit) as store:
    sources = [JsonlSource(), ParquetSource()]
    report = ingest_paths(store, store.names, [src], gate=TenantGate.of("demo", tenant), sources=sources)
print(report.accepted, report.duplicates, report.rejected, time.perf_counter() - t, PEAK())
"""
)

BASELINE = (
    PEAK
    + """
import sys, time, duckdb
src, db, limit = sys.argv[1], sys.argv[2], sys.argv[3]
t = time.perf_counter()
con = duckdb.connect(db, config={"memory_limit": limit})
con.execute("SET enable_progress_bar = false")
sql = f"CREATE TABLE raw AS SELECT * FROM read_json('{src}', format='newline_delimited')"
n = con.execute(sql).fetchall()
con.close()
print(n[0][0], 0, 0, time.perf_counter() - t, PEAK())
"""
)


def build(path: Path, gb: float) -> tuple[int, int]:
    """Append 1M-event blocks (fresh msg_ids each) until the file reaches the size; return (events, bytes)."""
    block = path.with_suffix(".block")
    size = generate(block, 1_000_000)
    per_event = size / 1_000_000
    target = int(gb * 1e9)
    events = 0
    with path.open("wb") as out:
        while events * per_event < target:
            n = min(1_000_000, max(1, int((target - events * per_event) / per_event)))
            generate(block, n, seed=events + 1, first_id=events)
            out.write(block.read_bytes())
            events += n
    block.unlink()
    return events, path.stat().st_size


def peak_of(script: str, *args: str) -> tuple[list[str], float, float]:
    """Run a script in a fresh interpreter; return its output, its own peak RSS in MiB and the wall time."""
    t = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"the measured process failed:\n{out.stderr}")
    wall = time.perf_counter() - t
    fields = out.stdout.strip().splitlines()[-1].split()
    return fields, int(fields[-1]) / 1024, wall


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--gb", type=float, default=0.5, help="JSONL size in GB (5 for the target figure)")
    ap.add_argument("--dir", type=Path, default=None, help="where to put the temporary files")
    ap.add_argument("--no-baseline", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="kf-mem-", dir=args.dir) as tmp:
        src = Path(tmp) / "events.jsonl"
        t = time.perf_counter()
        events, size = build(src, args.gb)
        print(
            f"built {size / 1e9:.2f} GB JSONL, {events:,} events in {time.perf_counter() - t:.0f} s",
            flush=True,
        )
        out, peak, wall = peak_of(INGEST, str(src), str(Path(tmp) / "kuaifan.duckdb"), MEMORY_LIMIT)
        assert int(out[0]) == events and out[1:3] == ["0", "0"], out
        print(
            f"kuaifan ingest: peak RSS {peak:,.0f} MiB = {peak * 2**20 / size:.3f} x file size "
            f"({events / wall:,.0f} events/s wall, DuckDB memory_limit {MEMORY_LIMIT})",
            flush=True,
        )
        if not args.no_baseline:
            out, base_peak, base_wall = peak_of(
                BASELINE, str(src), str(Path(tmp) / "raw.duckdb"), MEMORY_LIMIT
            )
            assert int(out[0]) == events, out
            print(
                f"baseline DuckDB read_json bulk load: peak RSS {base_peak:,.0f} MiB "
                f"({events / base_wall:,.0f} events/s wall)"
            )
            print(f"ratio peak RSS ingest/baseline: {peak / base_peak:.2f}")
        print(
            f"target: < 1024 MiB for a 5 GB file -> {'met' if peak < 1024 else 'NOT met'} "
            f"at {size / 1e9:.2f} GB"
        )


if __name__ == "__main__":
    main()
