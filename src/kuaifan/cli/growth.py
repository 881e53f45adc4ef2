"""``kuaifan growth channels|uplift|impact|incrementality|simulate``: growth and incrementality.

Faces only: parse the options, call the use case (``kuaifan.app.growth``), print rich tables or
(``--json``) the use case's model. ``demo_step`` prints the growth part of ``kuaifan demo``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from pydantic import BaseModel, ValidationError
from rich.console import Console

from kuaifan.app.growth_models import (
    ChannelsRequest,
    ImpactRequest,
    IncrementalityRequest,
    UpliftRequest,
)
from kuaifan.app.store import Store
from kuaifan.cli.growth_views import (
    buyer_table,
    channel_table,
    print_channels,
    print_impact,
    print_incrementality,
    print_uplift,
    write_channel_tables,
)
from kuaifan.cli.output import console as new_console
from kuaifan.cli.output import settings
from kuaifan.config import Settings
from kuaifan.errors import InputError, first_problem
from kuaifan.i18n import Lang, both, t

if TYPE_CHECKING:
    from kuaifan.app.growth import Economics

app = typer.Typer(
    help=both("增长与增量：店播 vs 达播、新客、复购、实验、因果影响", "growth and incrementality")
)
out = new_console()


def _request(model: type[BaseModel], **values: Any) -> Any:
    """A request model from CLI options; a bad value is one zh/en InputError naming the option."""
    try:
        return model(**values)
    except ValidationError as exc:
        name, msg = first_problem(exc)
        raise InputError(f"参数 --{name} 无效：{msg}", f"bad option --{name}: {msg}", field=name) from None


def _settings() -> Settings:
    return settings()


def _json(model: BaseModel) -> None:
    sys.stdout.write(model.model_dump_json(indent=2) + "\n")


def economics_for(
    settings: Settings,
    tenant: str,
    *,
    commission: Path | None = None,
    ad_spend: Path | None = None,
    costs: Path | None = None,
    brands: Path | None = None,
) -> Economics:
    """Commission, ad spend, costs and brands: the tenant's ``growth`` settings and the files given."""
    from kuaifan.app.growth import tenant_economics

    _, cfg = settings.tenant(tenant)
    return tenant_economics(
        cfg.growth,
        f"tenants.{tenant}.growth",
        commission=commission,
        ad_spend=ad_spend,
        costs=costs,
        brands=brands,
    )


Opt = typer.Option


# ---- channels -----------------------------------------------------------------------------------


@app.command("channels")
def channels_cmd(
    tenant: Annotated[str | None, Opt(help=both("租户", "tenant"))] = None,
    since: Annotated[
        str | None, Opt(help=both("开始日期 YYYY-MM-DD（中国时间）", "first day, China time"))
    ] = None,
    until: Annotated[str | None, Opt(help=both("结束日期（含）", "last day, included"))] = None,
    days: Annotated[
        int, Opt(help=both("无日期时：最近 N 天；0 = 全部", "without dates: last N days; 0 = all"))
    ] = 0,
    brand: Annotated[str | None, Opt(help=both("只看一个品牌", "one brand only"))] = None,
    warmup_days: Annotated[
        int, Opt(help=both("前 N 天不计新客", "first N days not counted as new-to-brand"))
    ] = 0,
    commission: Annotated[
        Path | None, Opt(help=both("达播佣金率 CSV/TOML", "commission rates CSV/TOML"))
    ] = None,
    ad_spend: Annotated[Path | None, Opt(help=both("千川投放 CSV", "ad spend CSV per stream"))] = None,
    costs: Annotated[Path | None, Opt(help=both("商品成本 CSV", "unit costs CSV"))] = None,
    brands: Annotated[Path | None, Opt(help=both("商品→品牌 CSV", "item → brand CSV"))] = None,
    weekly: Annotated[bool, Opt("--weekly", help=both("显示每周明细", "show the weekly table"))] = False,
    out_dir: Annotated[
        Path | None, Opt("--out", help=both("各表写入目录", "write every table to DIR"))
    ] = None,
    as_json: Annotated[bool, Opt("--json", help=both("输出 JSON", "print JSON"))] = False,
) -> None:
    """店播 vs 达播：经济账、新客、复购、重叠、信任沉淀 / Store vs influencer economics, buyers, trust."""
    from kuaifan.app.growth import growth_channels
    from kuaifan.app.store import open_store

    s = _settings()
    name, _ = s.tenant(tenant)
    req = _request(ChannelsRequest, since=since, until=until, days=days, brand=brand, warmup_days=warmup_days)
    econ = economics_for(s, name, commission=commission, ad_spend=ad_spend, costs=costs, brands=brands)
    with open_store(s) as store:
        rep = growth_channels(store, name, req, econ)
    if out_dir is not None:
        written = write_channel_tables(rep, out_dir)
        if not as_json:
            out.print(
                t(
                    s.lang,
                    f"已写入 {len(written)} 个文件 → {out_dir}",
                    f"wrote {len(written)} files → {out_dir}",
                )
            )
    _json(rep) if as_json else print_channels(s.lang, rep, out, weekly=weekly)


# ---- uplift -------------------------------------------------------------------------------------


@app.command("uplift")
def uplift_cmd(
    file: Annotated[Path, typer.Argument(help=both("实验数据 CSV/Parquet/JSONL", "experiment data"))],
    treatment: Annotated[str, Opt(help=both("分组列", "arm column"))],
    control: Annotated[str, Opt(help=both("对照组的值", "control arm value"))],
    outcome: Annotated[str, Opt(help=both("结果列（数值）", "numeric outcome column"))],
    by: Annotated[str | None, Opt(help=both("分群列", "segment column"))] = None,
    alpha: Annotated[float, Opt(help=both("显著性水平", "significance level"))] = 0.05,
    correction: Annotated[
        str, Opt(help=both("多重检验校正 holm|bh|bonferroni|none", "multiple-testing correction"))
    ] = "holm",
    as_json: Annotated[bool, Opt("--json", help=both("输出 JSON", "print JSON"))] = False,
) -> None:
    """随机实验的增量（优惠券、推送、短信、价格）/ Uplift of a randomised experiment."""
    from kuaifan.app.growth import growth_uplift

    lang = _settings().lang
    req = _request(
        UpliftRequest,
        treatment=treatment,
        control=control,
        outcome=outcome,
        by=by,
        alpha=alpha,
        correction=correction,
    )
    rep = growth_uplift(file, req)
    _json(rep) if as_json else print_uplift(lang, rep, out)


# ---- impact -------------------------------------------------------------------------------------


@app.command("impact")
def impact_cmd(
    file: Annotated[Path, typer.Argument(help=both("时间序列 CSV/Parquet/JSONL", "time series file"))],
    y: Annotated[str, Opt("--y", help=both("响应列", "response column"))],
    pre: Annotated[str, Opt(help=both("干预前 开始:结束（含）", "pre-period START:END, inclusive"))],
    post: Annotated[str, Opt(help=both("干预后 开始:结束（含）", "post-period START:END, inclusive"))],
    x: Annotated[
        list[str] | None, Opt("--x", help=both("对照序列列（可多个）", "control series column(s)"))
    ] = None,
    time: Annotated[
        str | None, Opt(help=both("时间列（否则为行号）", "time column (else 0-based rows)"))
    ] = None,
    season: Annotated[
        int | None, Opt(help=both("季节周期，如日数据 7", "seasonal period, e.g. 7 on daily data"))
    ] = None,
    alpha: Annotated[float, Opt(help=both("区间水平 1-alpha", "interval level 1-alpha"))] = 0.05,
    draws: Annotated[int, Opt(help=both("后验抽样路径数", "posterior predictive paths"))] = 1000,
    seed: Annotated[int, Opt(help=both("随机种子", "random seed"))] = 0,
    series: Annotated[
        Path | None, Opt(help=both("逐点结果 CSV", "write the pointwise results as CSV"))
    ] = None,
    as_json: Annotated[bool, Opt("--json", help=both("输出 JSON", "print JSON"))] = False,
) -> None:
    """干预的因果影响（贝叶斯结构时间序列，CausalImpact 同类方法）/ Causal impact on a time series."""
    from kuaifan.app.growth import growth_impact

    lang = _settings().lang
    req = _request(
        ImpactRequest,
        y=y,
        x=tuple(x or ()),
        time=time,
        pre=pre,
        post=post,
        alpha=alpha,
        draws=draws,
        season=season,
        seed=seed,
    )
    rep = growth_impact(file, req)
    if series is not None:
        import polars as pl

        from kuaifan.errors import cannot_write

        try:
            pl.DataFrame([p.model_dump() for p in rep.series]).write_csv(series)
        except OSError as exc:
            raise cannot_write(series, exc) from None
    _json(rep) if as_json else print_impact(lang, rep, out)


# ---- incrementality -----------------------------------------------------------------------------


@app.command("incrementality")
def incrementality_cmd(
    tenant: Annotated[str | None, Opt(help=both("租户", "tenant"))] = None,
    brand: Annotated[str | None, Opt(help=both("只看一个品牌", "one brand only"))] = None,
    start: Annotated[
        str | None, Opt(help=both("店播开始日（默认自动识别）", "first store-stream day (default: detected)"))
    ] = None,
    brands: Annotated[Path | None, Opt(help=both("商品→品牌 CSV", "item → brand CSV"))] = None,
    alpha: Annotated[float, Opt(help=both("区间水平 1-alpha", "interval level 1-alpha"))] = 0.05,
    as_json: Annotated[bool, Opt("--json", help=both("输出 JSON", "print JSON"))] = False,
) -> None:
    """直播是做大蛋糕还是转移货架需求？/ Is live GMV new demand or moved from the shelf?"""
    from kuaifan.app.growth import growth_incrementality
    from kuaifan.app.store import open_store

    s = _settings()
    name, _ = s.tenant(tenant)
    req = _request(IncrementalityRequest, brand=brand, start=start, alpha=alpha)
    econ = economics_for(s, name, brands=brands)
    with open_store(s) as store:
        rep = growth_incrementality(store, name, req, econ)
    _json(rep) if as_json else print_incrementality(s.lang, rep, out)


# ---- simulate -----------------------------------------------------------------------------------


@app.command("simulate")
def simulate_cmd(
    out_dir: Annotated[Path, Opt("--out", help=both("输出目录", "output directory"))],
    seed: Annotated[int, Opt(help=both("随机种子", "seed"))] = 0,
    rooms: Annotated[int, Opt(help=both("直播间数", "rooms"))] = 4,
    minutes: Annotated[int, Opt(help=both("每场分钟数", "minutes per stream"))] = 30,
    viewers: Annotated[int, Opt(help=both("每场平均观众", "mean viewers per stream"))] = 3000,
    days: Annotated[int, Opt(help=both("天数", "days"))] = 42,
    live_effect: Annotated[
        str, Opt(help=both("直播对货架：new 新增 | moved 转移", "live vs shelf: new | moved"))
    ] = "new",
    store_start_day: Annotated[int, Opt(help=both("店播开始的天", "day store streams start"))] = 14,
    store_stream_share: Annotated[float, Opt(help=both("开始后开播天数占比", "share of days on air"))] = 0.6,
    shelf_orders: Annotated[
        float, Opt(help=both("每品牌每天货架订单", "shelf orders per brand per day"))
    ] = 100.0,
    start: Annotated[
        str | None, Opt(help=both("开始时间 2026-08-01T20:00（中国时间）", "start, China time"))
    ] = None,
    force: Annotated[
        bool, Opt("--force", help=both("覆盖输出目录", "overwrite the output directory"))
    ] = False,
) -> None:
    """模拟多天：店播、达播、货架、回访粉丝与经济账文件 / Simulate several days with shelf sales."""
    from kuaifan.app.growth import simulate_growth
    from kuaifan.app.sim import summary_lines

    summary = simulate_growth(
        out_dir, seed=seed, rooms=rooms, minutes=minutes, viewers=viewers, days=days, live_effect=live_effect,
        store_start_day=store_start_day, store_stream_share=store_stream_share, shelf_orders=shelf_orders,
        start=start, overwrite=force,
    )  # fmt: skip
    lang = _settings().lang
    for line in summary_lines(summary, lang):
        out.print(line, highlight=False)
    out.print(
        t(lang, f"经济账文件：{out_dir / 'growth'}", f"economics files: {out_dir / 'growth'}"),
        highlight=False,
    )


# ---- demo ---------------------------------------------------------------------------------------


def demo_step(store: Store, tenant: str, sim_dir: Path, lang: Lang, console: Console) -> dict[str, Any]:
    """Print store vs influencer economics, new-to-brand shares and the incrementality of the demo
    brands from the stored events of a several-days simulation in ``sim_dir``; return headline numbers."""
    from kuaifan.app.growth import growth_channels, growth_incrementality, tenant_economics

    g = sim_dir / "growth"

    def found(name: str) -> Path | None:
        return g / f"{name}.csv" if (g / f"{name}.csv").is_file() else None

    econ = tenant_economics(
        None,
        commission=found("commission"),
        ad_spend=found("ad_spend"),
        costs=found("costs"),
        brands=found("brands"),
    )
    rep = growth_channels(store, tenant, ChannelsRequest(warmup_days=7), econ)
    console.print(
        channel_table(
            lang, rep.channels, t(lang, "店播 vs 达播 vs 货架（元）", "store vs influencer vs shelf (yuan)")
        )
    )
    console.print(buyer_table(lang, rep.channels, t(lang, "新客与复购", "new-to-brand buyers and repeat")))
    produced: dict[str, Any] = {
        "growth_channels": [
            r.model_dump(include={"brand", "channel", "gmv_fen", "margin_fen", "new_to_brand_share"})
            for r in rep.channels
        ],
    }
    inc = growth_incrementality(store, tenant, IncrementalityRequest(), econ)
    if inc.brands:
        print_incrementality(lang, inc, console)
    else:
        console.print(
            t(
                lang,
                "增量分析需要多天的模拟（店播开始前后，含货架销售）",
                "the incrementality estimate needs a several-days simulation with shelf sales",
            )
        )
    produced["incrementality"] = [
        {"brand": b.brand, "new_share": b.combined.new_share if b.combined else None, "verdict": b.verdict}
        for b in inc.brands
    ]
    return produced
