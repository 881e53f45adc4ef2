"""``kuaifan backtest``."""

from __future__ import annotations

import json as jsonlib
from typing import TYPE_CHECKING, Annotated, Any

import typer

from kuaifan.cli.output import lang as env_lang
from kuaifan.cli.output import say
from kuaifan.i18n import Lang, both
from kuaifan.i18n import t as tr

if TYPE_CHECKING:
    from kuaifan.app.backtest import SeedResult


def backtest(
    seeds: Annotated[str, typer.Option("--seeds", help=both("种子", "seeds, e.g. 1-20"))] = "1-20",
    cv: Annotated[
        float,
        typer.Option("--cv", min=0.05, max=3.0, help=both("上市前总需求的变异系数", "CV of total demand")),
    ] = 0.75,
    lead_time: Annotated[
        int, typer.Option("--lead-time", min=0, max=28, help=both("交期（天）", "lead time in days"))
    ] = 7,
    moq: Annotated[
        int, typer.Option("--moq", min=0, help=both("起订量（每款每单）", "MOQ per style per order"))
    ] = 100,
    as_json: Annotated[bool, typer.Option("--json", help=both("输出 JSON", "print JSON"))] = False,
) -> None:
    """回测：快反 vs 一次性大单 vs 先知 / Backtest quick response vs one-shot vs oracle."""
    from kuaifan.app.backtest import BacktestRequest, parse_seeds
    from kuaifan.app.backtest import backtest as run

    lang = env_lang()

    def progress(res: SeedResult) -> None:
        if not as_json:
            profit = f"{res.ledgers['quick_response'].profit:,.0f}"
            say(
                lang,
                f"种子 {res.seed}：{res.styles} 款，快反利润 {profit}",
                f"seed {res.seed}: {res.styles} styles, quick_response profit {profit}",
                stderr=True,
            )

    req = BacktestRequest(seeds=parse_seeds(seeds), cv=cv, lead_time=lead_time, moq=moq)
    result = run(req, on_seed=progress).model_dump(mode="json")
    if as_json:
        print(jsonlib.dumps(result, ensure_ascii=False))
        return
    print_summary(result, lang)


POLICY_NAMES = {
    "quick_response": "快反",
    "one_shot": "一次性大单",
    "information_bound": "信息上界",
    "oracle": "先知",
}


# The goals of backtest.run.goals as a brand reads them (the JSON keeps the keys).
GOAL_NAMES: dict[str, tuple[str, str]] = {
    "qr_profit_ge_1.5x_one_shot": ("快反利润 ≥ 一次性大单的 1.5 倍", "quick response profit ≥ 1.5× one-shot"),
    "qr_profit_ge_85pct_oracle": ("快反利润 ≥ 先知的 85%", "quick response profit ≥ 85 % of the oracle"),
    "qr_leftover_le_15pct": ("快反剩余率 ≤ 15%", "quick response left over ≤ 15 %"),
    "qr_fill_ge_93pct": ("快反满足率 ≥ 93%", "quick response fill ≥ 93 %"),
    "qr_profit_ge_95pct_information_bound": (
        "快反利润 ≥ 信息上界的 95%",
        "quick response profit ≥ 95 % of the information bound",
    ),
    "wape_le_0.6x_ses": ("预测 WAPE ≤ SES 的 0.6 倍", "forecast WAPE ≤ 0.6× SES"),
    "coverage_75_85pct": ("p10–p90 覆盖率在 75–85%", "p10–p90 coverage within 75–85 %"),
}


def print_summary(result: dict[str, Any], lang: Lang) -> None:
    def t(zh: str, en: str) -> str:
        return tr(lang, zh, en)

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
    yes, no, unknown = t("达成", "met"), t("未达成", "NOT met"), t("无数据", "no data")
    print(t("目标：", "goals:"))
    for key, met in result["goals"].items():
        zh, en = GOAL_NAMES.get(key, (key, key))
        print(f"  {t(zh, en)}: {unknown if met is None else yes if met else no}")
