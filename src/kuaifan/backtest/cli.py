"""``kuaifan backtest``: quick response vs one big order vs perfect information, over simulated launches."""

from __future__ import annotations

import json as jsonlib
import sys
from typing import Any

import typer

from kuaifan.backtest.policies import Scenario
from kuaifan.backtest.run import SeedResult, run_backtest
from kuaifan.errors import InputError, Lang
from kuaifan.plan.messages import lang_from_env, pick


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

    lang = lang_from_env()

    def progress(res: SeedResult) -> None:
        if not json:
            profit = f"{res.ledgers['quick_response'].profit:,.0f}"
            zh = f"种子 {res.seed}：{res.styles} 款，快反利润 {profit}"
            print(pick(lang, zh, f"seed {res.seed}: {res.styles} styles, quick_response profit {profit}"),
                  file=sys.stderr)  # fmt: skip

    result = run_backtest(seed_list, scenario, progress)
    if json:
        print(jsonlib.dumps(result, ensure_ascii=False))
        return
    print_summary(result, lang)


POLICY_NAMES = {
    "quick_response": "快反",
    "one_shot": "一次性大单",
    "information_bound": "信息上界",
    "oracle": "先知",
}


def print_summary(result: dict[str, Any], lang: Lang) -> None:
    def t(zh: str, en: str) -> str:
        return pick(lang, zh, en)

    print(f"{t('策略', 'policy'):<16}{t('利润/种子', 'profit/seed'):>14}{t('剩余率', 'leftover'):>10}"
          f"{t('满足率', 'fill'):>8}")  # fmt: skip
    for name, row in result["policies"].items():
        label = t(POLICY_NAMES[name], name)
        print(f"{label:<16}{row['profit']:>14,.0f}{row['leftover_rate']:>10.1%}{row['fill_rate']:>8.1%}")
    f, r = result["forecast"], result["ratios"]
    qo, qs, qi = r["qr_vs_oracle"], r["qr_vs_one_shot"], r.get("qr_vs_information_bound")
    print(
        t(
            f"快反/先知 {qo}；快反/一次性大单 {qs}；快反/信息上界 {qi}",
            f"quick_response / oracle {qo}; quick_response / one_shot {qs}; / information bound {qi}",
        )
    )
    cov, pit = f["coverage_p10_p90"], f.get("coverage_p10_p90_pit")
    wape = (f["wape_model"], f["wape_ses"])
    zh = f"预测 WAPE：模型 {wape[0]}，SES {wape[1]}；p10–p90 覆盖率 {cov}（随机化 PIT {pit}）"
    print(
        t(
            zh,
            f"forecast WAPE model {wape[0]} vs SES {wape[1]}; p10–p90 coverage {cov} (randomised PIT {pit})",
        )
    )
    for fail in result.get("failures", []):
        print(t(f"种子 {fail['seed']} 失败：{fail['error']}", f"seed {fail['seed']} failed: {fail['error']}"))
    yes, no = t("达成", "met"), t("未达成", "NOT met")
    print(t("目标：", "goals: ") + ", ".join(f"{k} {yes if v else no}" for k, v in result["goals"].items()))
