"""How ``kuaifan growth`` shows its results to a person: rich tables in Chinese or English.

Money comes in fen in the models and is shown in yuan; shares are shown as percentages.
"""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.table import Table

from kuaifan.app.growth_models import (
    ChannelRow,
    ChannelsReport,
    ImpactReport,
    IncrementalityReport,
    UpliftReport,
)
from kuaifan.i18n import Lang, t

CHANNEL_NAMES = {"store": ("店播", "store"), "influencer": ("达播", "influencer"), "shelf": ("货架", "shelf")}


VERDICTS = {
    "new": ("新增需求（做大蛋糕）", "new demand (a bigger cake)"),
    "moved": ("转移自货架（存量转移）", "moved from the shelf"),
    "mixed": ("部分新增、部分转移", "partly new, partly moved"),
    "unclear": ("无法判断（区间太宽）", "unclear (interval too wide)"),
}


def _yuan(fen: float | None) -> str:
    return "-" if fen is None else f"{fen / 100:,.0f}"


def _pct(x: float | None, digits: int = 1) -> str:
    return "-" if x is None else f"{x * 100:.{digits}f}%"


def _num(x: float | None, digits: int = 3) -> str:
    return "-" if x is None else f"{x:.{digits}g}"


def _table(lang: Lang, title: str, columns: list[tuple[str, str]], left: int = 2) -> Table:
    table = Table(title=title, title_justify="left")
    for i, (zh, en) in enumerate(columns):
        table.add_column(t(lang, zh, en), justify="left" if i < left else "right")
    return table


def _channel(lang: Lang, channel: str) -> str:
    zh, en = CHANNEL_NAMES.get(channel, (channel, channel))
    return t(lang, zh, en)


def channel_table(lang: Lang, rows: list[ChannelRow], title: str) -> Table:
    """The money side: GMV, refunds, commission, ad spend, contribution margin, per hour on air."""
    table = _table(
        lang,
        title,
        [
            ("品牌", "brand"),
            ("渠道", "channel"),
            ("场次", "streams"),
            ("小时", "hours"),
            ("GMV", "GMV"),
            ("退款率", "refunds"),
            ("佣金", "commission"),
            ("投放", "ads"),
            ("贡献毛利", "margin"),
            ("毛利/时", "margin/h"),
        ],
    )
    for r in rows:
        live = r.channel != "shelf"
        table.add_row(
            r.brand,
            _channel(lang, r.channel),
            str(r.streams) if live else "-",
            f"{r.hours:.1f}" if live else "-",
            _yuan(r.gmv_fen),
            _pct(r.refund_rate),
            _yuan(r.commission_fen),
            _yuan(r.ad_spend_fen),
            _yuan(r.margin_fen) + ("" if r.cost_known and r.commission_known else "*"),
            _yuan(r.margin_per_hour_fen),
        )
    return table


def buyer_table(lang: Lang, rows: list[ChannelRow], title: str) -> Table:
    """The people side: buyers, new-to-brand share, repeat rate, cost per new buyer."""
    table = _table(
        lang,
        title,
        [
            ("品牌", "brand"),
            ("渠道", "channel"),
            ("买家", "buyers"),
            ("新客", "new"),
            ("新客占比", "new share"),
            ("复购率", "repeat"),
            ("获客成本", "cost/new buyer"),
        ],
    )
    for r in rows:
        table.add_row(
            r.brand,
            _channel(lang, r.channel),
            f"{r.buyers:,}",
            f"{r.new_buyers:,}",
            _pct(r.new_to_brand_share),
            _pct(r.repeat_rate),
            _yuan(r.cost_per_new_buyer_fen),
        )
    return table


def weekly_table(lang: Lang, rows: list[ChannelRow]) -> Table:
    """Store vs influencer over time: per brand, week (Monday) and channel."""
    table = _table(
        lang,
        t(lang, "每周：店播 vs 达播 vs 货架（元）", "by week: store vs influencer vs shelf (yuan)"),
        [
            ("品牌", "brand"),
            ("周", "week"),
            ("渠道", "channel"),
            ("GMV", "GMV"),
            ("贡献毛利", "margin"),
            ("毛利/时", "margin/h"),
            ("买家", "buyers"),
            ("新客占比", "new share"),
        ],
        left=3,
    )
    for r in rows:
        table.add_row(
            r.brand,
            r.week or "-",
            _channel(lang, r.channel),
            _yuan(r.gmv_fen),
            _yuan(r.margin_fen),
            _yuan(r.margin_per_hour_fen),
            f"{r.buyers:,}",
            _pct(r.new_to_brand_share),
        )
    return table


def write_channel_tables(rep: ChannelsReport, out_dir: Path) -> list[Path]:
    """Every table of the report as Parquet and as CSV with a BOM (Excel reads the Chinese)."""
    import polars as pl

    from kuaifan.app.growth import write_frames
    from kuaifan.errors import cannot_write

    frames = {
        name: pl.DataFrame([r.model_dump() for r in getattr(rep, name)], infer_schema_length=None)
        for name in ("channels", "weekly", "cohorts", "overlap", "trust")
        if getattr(rep, name)
    }
    try:
        return write_frames(frames, out_dir)
    except OSError as exc:
        raise cannot_write(out_dir, exc) from None


def print_channels(lang: Lang, rep: ChannelsReport, console: Console, *, weekly: bool = False) -> None:
    console.print(
        t(
            lang,
            f"租户 {rep.tenant}：{rep.first_day} 至 {rep.last_day}，金额单位：元",
            f"tenant {rep.tenant}: {rep.first_day} to {rep.last_day}, money in yuan",
        ),
        highlight=False,
    )
    console.print(
        channel_table(
            lang, rep.channels, t(lang, "店播 vs 达播 vs 货架：经济账", "store vs influencer vs shelf: money")
        )
    )
    console.print(
        buyer_table(lang, rep.channels, t(lang, "买家：新客与复购", "buyers: new-to-brand and repeat"))
    )
    if weekly:
        console.print(weekly_table(lang, rep.weekly))
    if rep.overlap:
        table = Table(title=t(lang, "买家重叠", "buyer overlap"), title_justify="left")
        for col in (
            ("品牌", "brand"),
            ("店播买家", "store"),
            ("达播买家", "influencer"),
            ("都买过", "both"),
            ("Jaccard", "Jaccard"),
            ("达播新客→店播", "influencer-won → store"),
        ):
            table.add_column(t(lang, *col), justify="left" if col[1] == "brand" else "right")
        for o in rep.overlap:
            table.add_row(
                o.brand,
                f"{o.store_buyers:,}",
                f"{o.influencer_buyers:,}",
                f"{o.both_live:,}",
                _num(o.jaccard),
                _pct(o.influencer_to_store_share),
            )
        console.print(table)
    if rep.trust:
        table = Table(
            title=t(lang, "信任沉淀（每个直播间、每周）", "trust (per room and week)"), title_justify="left"
        )
        for col in (
            ("直播间", "room"),
            ("周", "week"),
            ("观众", "viewers"),
            ("转粉率", "follow rate"),
            ("粉丝回访率", "followers back"),
            ("粉丝购买率", "follower buy rate"),
            ("非粉购买率", "others' buy rate"),
        ):
            table.add_column(t(lang, *col), justify="left" if col[1] in ("room", "week") else "right")
        for r in rep.trust:
            table.add_row(
                r.room_id,
                r.week,
                f"{r.viewers:,}",
                _pct(r.follow_rate, 2),
                _pct(r.return_rate),
                _pct(r.follower_buy_rate, 2),
                _pct(r.other_buy_rate, 2),
            )
        console.print(table)
    for note in rep.notes:
        console.print("· " + t(lang, note.zh, note.en), style="dim", highlight=False)


def print_uplift(lang: Lang, rep: UpliftReport, console: Console) -> None:
    table = Table(
        title=t(
            lang, f"实验：{rep.outcome} 按 {rep.treatment}", f"experiment: {rep.outcome} by {rep.treatment}"
        ),
        title_justify="left",
    )
    for col in (
        ("组", "arm"),
        ("样本", "n"),
        ("均值", "mean"),
        ("效应", "effect"),
        ("95% 区间", "95% CI"),
        ("p 值", "p"),
    ):
        table.add_column(t(lang, *col), justify="left" if col[1] == "arm" else "right")
    c = rep.control
    table.add_row(c.value + t(lang, "（对照）", " (control)"), f"{c.n:,}", _num(c.mean, 4), "", "", "")
    for a in rep.arms:
        ci = "-" if a.ci_low is None or a.ci_high is None else f"[{a.ci_low:.4g}, {a.ci_high:.4g}]"
        table.add_row(a.value, f"{a.n:,}", _num(a.mean, 4), _num(a.effect, 4), ci, _num(a.p_value, 3))
    console.print(table)
    if rep.by:
        seg = Table(
            title=t(
                lang,
                f"按 {rep.by.column} 分组（{rep.by.correction} 校正）",
                f"by {rep.by.column} ({rep.by.correction} correction)",
            ),
            title_justify="left",
        )
        for col in (
            ("分组", "segment"),
            ("组", "arm"),
            ("样本", "n"),
            ("效应", "effect"),
            ("p 值", "p"),
            ("校正后 p", "adjusted p"),
        ):
            seg.add_column(t(lang, *col), justify="left" if col[1] in ("segment", "arm") else "right")
        for s in rep.by.segments:
            for a in s.arms:
                seg.add_row(
                    s.value, a.value, f"{a.n:,}", _num(a.effect, 4), _num(a.p_value, 3), _num(a.p_adjusted, 3)
                )
        console.print(seg)


def print_impact(lang: Lang, rep: ImpactReport, console: Console) -> None:
    level = f"{(1 - rep.alpha) * 100:.0f}%"
    table = Table(
        title=t(lang, f"因果影响：{rep.y}（{rep.model}）", f"causal impact on {rep.y} ({rep.model})"),
        title_justify="left",
    )
    table.add_column("")
    table.add_column(t(lang, "平均", "Average"), justify="right")
    table.add_column(t(lang, "累计", "Cumulative"), justify="right")
    a, c = rep.average, rep.cumulative

    def rng(lo: float | None, hi: float | None, pct: bool = False) -> str:
        if lo is None or hi is None:
            return "-"
        return f"[{_pct(lo)}, {_pct(hi)}]" if pct else f"[{lo:,.4g}, {hi:,.4g}]"

    rows = [
        (t(lang, "实际", "Actual"), f"{a.actual:,.4g}", f"{c.actual:,.4g}"),
        (
            t(lang, "预测 (s.d.)", "Prediction (s.d.)"),
            f"{a.predicted:,.4g} ({a.predicted_sd:.3g})",
            f"{c.predicted:,.4g} ({c.predicted_sd:.3g})",
        ),
        (f"{level} CI", rng(a.predicted_lower, a.predicted_upper), rng(c.predicted_lower, c.predicted_upper)),
        (
            t(lang, "绝对效应 (s.d.)", "Absolute effect (s.d.)"),
            f"{a.abs_effect:,.4g} ({a.abs_effect_sd:.3g})",
            f"{c.abs_effect:,.4g} ({c.abs_effect_sd:.3g})",
        ),
        (
            f"{level} CI",
            rng(a.abs_effect_lower, a.abs_effect_upper),
            rng(c.abs_effect_lower, c.abs_effect_upper),
        ),
        (t(lang, "相对效应", "Relative effect"), _pct(a.rel_effect), _pct(c.rel_effect)),
        (
            f"{level} CI",
            rng(a.rel_effect_lower, a.rel_effect_upper, True),
            rng(c.rel_effect_lower, c.rel_effect_upper, True),
        ),
    ]
    for row in rows:
        table.add_row(*row)
    console.print(table)
    console.print(
        t(
            lang,
            f"后验尾部概率 p：{rep.p_value:.5f}；存在因果效应的后验概率：{(1 - rep.p_value) * 100:.2f}%",
            f"Posterior tail-area probability p: {rep.p_value:.5f}; posterior prob. of a causal effect: "
            f"{(1 - rep.p_value) * 100:.2f}%",
        ),
        highlight=False,
    )


def print_incrementality(lang: Lang, rep: IncrementalityReport, console: Console) -> None:
    table = Table(
        title=t(lang, "店播 GMV 中的新增需求占比", "share of store-stream GMV that is new demand"),
        title_justify="left",
    )
    for col in (
        ("品牌", "brand"),
        ("开播日", "start"),
        ("前/后天数", "days pre/post"),
        ("开播/停播天", "on/off days"),
        ("店播 GMV", "store GMV"),
        ("新增占比", "new share"),
        ("95% 区间", "95% CI"),
        ("结论", "verdict"),
    ):
        table.add_column(
            t(lang, *col), justify="left" if col[1] in ("brand", "verdict", "start") else "right"
        )
    for b in rep.brands:
        c = b.combined
        table.add_row(
            b.brand,
            b.start,
            f"{b.pre_days}/{b.post_days}",
            f"{b.on_days}/{b.off_days}",
            _yuan(b.store_gmv_fen),
            "-" if c is None else _pct(c.new_share, 0),
            "-" if c is None else f"[{_pct(c.lower, 0)}, {_pct(c.upper, 0)}]",
            t(lang, *VERDICTS[b.verdict]),
        )
    console.print(table)
    for s in rep.skipped:
        console.print(t(lang, f"· {s.brand}：跳过（{s.zh}）", f"· {s.brand}: skipped ({s.en})"), style="dim")
