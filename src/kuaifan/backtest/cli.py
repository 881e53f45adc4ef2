"""``kuaifan backtest``: quick response vs one big order vs perfect information, over simulated launches."""

from __future__ import annotations

import json as jsonlib
import sys

import typer

from kuaifan.backtest.run import Scenario, SeedResult, run_backtest
from kuaifan.errors import InputError


def parse_seeds(text: str) -> list[int]:
    """'1-20' → 1..20, '3' → [3], '1,4,9' → [1, 4, 9]; InputError (zh + en) on anything else."""
    seeds: list[int] = []
    try:
        for part in text.split(","):
            lo, sep, hi = part.strip().partition("-")
            a = int(lo)
            b = int(hi) if sep else a
            if a < 0 or b < a:
                raise ValueError
            seeds.extend(range(a, b + 1))
    except ValueError:
        raise InputError(
            f"种子范围 {text!r} 无效：应如 1-20 或 1,4,9",
            f"bad seed range {text!r}: expected e.g. 1-20 or 1,4,9",
            field="seeds",
        ) from None
    if not seeds:
        raise InputError("种子范围为空", "the seed range is empty", field="seeds")
    return seeds


def backtest(
    seeds: str = typer.Option("1-20", "--seeds", help="种子 / seeds, e.g. 1-20"),
    cv: float = typer.Option(
        0.75, "--cv", min=0.05, max=3.0, help="上市前总需求的变异系数 / CV of total demand"
    ),
    lead_time: int = typer.Option(7, "--lead-time", min=0, max=28, help="交期（天）/ lead time in days"),
    moq: int = typer.Option(100, "--moq", min=0, help="起订量（每款每单）/ MOQ per style per order"),
    json: bool = typer.Option(False, "--json", help="输出 JSON / print JSON"),
) -> None:
    """回测：快反 vs 一次性大单 vs 先知 / backtest quick response vs one-shot vs oracle."""
    scenario = Scenario(cv=cv, lead_time=lead_time, moq=moq)
    seed_list = parse_seeds(seeds)

    def progress(res: SeedResult) -> None:
        if not json:
            qr = res.ledgers["quick_response"]
            print(
                f"seed {res.seed}: {res.styles} styles, quick_response profit {qr.profit:,.0f}",
                file=sys.stderr,
            )

    result = run_backtest(seed_list, scenario, progress)
    if json:
        print(jsonlib.dumps(result, ensure_ascii=False))
        return
    print(f"{'policy':<16}{'profit/seed':>14}{'leftover':>10}{'fill':>8}")
    for name, row in result["policies"].items():
        print(f"{name:<16}{row['profit']:>14,.0f}{row['leftover_rate']:>10.1%}{row['fill_rate']:>8.1%}")
    f = result["forecast"]
    print(
        f"forecast WAPE lgbm {f['wape_lgbm']} vs SES {f['wape_ses']}; "
        f"p10–p90 coverage {f['coverage_p10_p90']}"
    )
