"""What a simulation run is asked to do (SimConfig) and what it reports back (SimSummary)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from kuaifan.errors import InputError, first_problem
from kuaifan.events import TENANT_NAME

SHANGHAI = timezone(timedelta(hours=8), "Asia/Shanghai")
# A fixed evening in the past: event times are deterministic and never "in the future".
DEFAULT_START = datetime(2026, 10, 8, 20, 0, tzinfo=SHANGHAI)

OutputFormat = Literal["jsonl", "parquet", "both"]
LiveEffect = Literal["new", "moved"]
# The settings of the several-days world (shelf sales, returning fans, economics files). At their
# defaults the run is today's one-evening simulation, and they stay out of its manifest.
GROWTH_FIELDS = frozenset(
    {
        "days",
        "shelf",
        "live_effect",
        "live_new_share",
        "store_start_day",
        "store_stream_share",
        "shelf_orders",
    }
)


class AudienceConfig(BaseModel):
    """Body-size distribution of the audience; the size curve of demand follows it.

    Adults: height ~ Normal(mean, sd), weight from BMI ~ Normal(mean, sd).
    Children (the wearer of kids' clothing): height ~ Normal(mean, sd), weight from BMI.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    female_share: float = Field(0.78, ge=0.0, le=1.0)
    female_height_cm: float = Field(161.0, ge=140.0, le=190.0)
    female_height_sd: float = Field(5.5, gt=0.0, le=15.0)
    female_bmi: float = Field(21.0, ge=16.0, le=32.0)
    female_bmi_sd: float = Field(2.4, gt=0.0, le=6.0)
    male_height_cm: float = Field(172.0, ge=150.0, le=200.0)
    male_height_sd: float = Field(6.0, gt=0.0, le=15.0)
    male_bmi: float = Field(23.2, ge=16.0, le=34.0)
    male_bmi_sd: float = Field(2.8, gt=0.0, le=6.0)
    child_height_cm: float = Field(112.0, ge=70.0, le=160.0)
    child_height_sd: float = Field(16.0, gt=0.0, le=30.0)


class SimConfig(BaseModel):
    """One simulation run. Same seed and flags → byte-identical output, whatever ``workers`` is."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    seed: int = Field(0, ge=0, le=2**63 - 1)
    rooms: int = Field(3, ge=1, le=10_000)
    minutes: int = Field(60, ge=1, le=24 * 60)
    tenant: str = "demo"
    viewers: int = Field(5_000, ge=10, le=10_000_000, description="mean distinct viewers (UV) per room")
    start: datetime = DEFAULT_START
    workers: int = Field(1, ge=1, le=64)
    format: OutputFormat = "jsonl"
    audience: AudienceConfig = Field(default_factory=AudienceConfig)
    # Several days (kuaifan.sim.days): every room streams once a day, fans and buyers come back.
    days: int = Field(1, ge=1, le=366, description="days simulated; every room streams once a day")
    # 货架: search and store-page orders of every brand, every day, outside the live rooms.
    shelf: bool = False
    # What live streams do to shelf sales: create new demand, or only move what the shelf would sell.
    live_effect: LiveEffect = "new"
    live_new_share: float | None = Field(None, ge=0.0, le=1.0, description="overrides live_effect")
    store_start_day: int = Field(0, ge=0, le=365, description="first day store rooms (店播) are on air")
    store_stream_share: float = Field(1.0, gt=0.0, le=1.0, description="share of days a store room airs")
    shelf_orders: float = Field(120.0, gt=0.0, le=1e6, description="mean shelf orders per brand per day")

    @field_validator("tenant")
    @classmethod
    def _tenant(cls, v: str) -> str:
        if not TENANT_NAME.match(v):
            raise ValueError("tenant: letters, digits, _ . - only")
        return v

    @field_validator("start")
    @classmethod
    def _aware(cls, v: datetime) -> datetime:
        if v.tzinfo is None or v.utcoffset() is None:
            raise ValueError("start needs a time zone, e.g. 2026-10-08T20:00:00+08:00")
        return v

    @model_validator(mode="after")
    def _not_before_2015(self) -> SimConfig:
        if self.start.astimezone(UTC).year < 2015:
            raise ValueError("start must be 2015 or later")
        if self.store_start_day >= self.days:
            raise ValueError("store_start_day must be before the last day (days)")
        if self.days > 1 and self.viewers > 1_000_000:
            raise ValueError("viewers: at most 1,000,000 per room when days > 1")
        return self

    @property
    def extended(self) -> bool:
        """True when the several-days world is asked for (more than one day, or shelf sales)."""
        return self.days > 1 or self.shelf

    @property
    def new_share(self) -> float:
        """The true share of live GMV that is new demand (the rest is moved from the shelf)."""
        if self.live_new_share is not None:
            return self.live_new_share
        return 1.0 if self.live_effect == "new" else 0.0

    @property
    def start_ms(self) -> int:
        return int(self.start.timestamp() * 1000)

    def manifest_dict(self) -> dict[str, Any]:
        """The settings that shape the output (``workers`` does not, so it is left out)."""
        exclude = {"workers"} if self.extended else {"workers", *GROWTH_FIELDS}
        data = self.model_dump(mode="json", exclude=exclude)
        data["start"] = self.start.isoformat()
        return data


def sim_config(**values: Any) -> SimConfig:
    """SimConfig from CLI flags; a bad value becomes one InputError naming the flag (zh + en)."""
    try:
        return SimConfig(**values)
    except ValidationError as exc:
        name, msg = first_problem(exc, "config")
        raise InputError(
            f"模拟参数 {name} 无效：{msg}",
            f"bad simulation setting {name}: {msg}",
            field=name,
        ) from None


class SimSummary(BaseModel):
    """What ``simulate`` did: counts per kind, files written, time taken."""

    model_config = ConfigDict(frozen=True)

    out_dir: Path
    seed: int
    rooms: int
    minutes: int
    events: int
    counts: dict[str, int]
    channels: dict[str, int]
    files: list[str]
    bytes_written: int
    wall_s: float
    truth_comments: int
    variants: int
    sold_out_variants: int
    unmet_units: int
    days: int = 1  # several-days runs: days, streams (room-days) and shelf orders
    streams: int = 0
    shelf_orders: int = 0

    @property
    def events_per_s(self) -> float:
        return self.events / self.wall_s if self.wall_s > 0 else 0.0


def summary_lines(summary: SimSummary, lang: Literal["zh", "en"] = "zh") -> list[str]:
    """Short human summary for the CLI (one line per fact)."""
    mb = summary.bytes_written / 1e6
    store = summary.channels.get("store", 0)
    kol = summary.channels.get("influencer", 0)
    days: list[str] = []
    if summary.days > 1 or summary.shelf_orders:
        days = [
            f"{summary.days} 天，共 {summary.streams} 场直播，货架订单 {summary.shelf_orders:,}"
            if lang == "zh"
            else f"{summary.days} days, {summary.streams} streams, {summary.shelf_orders:,} shelf orders"
        ]
    lines = _lines(summary, lang, store, kol, mb)
    return lines[:1] + days + lines[1:]


def _lines(summary: SimSummary, lang: Literal["zh", "en"], store: int, kol: int, mb: float) -> list[str]:
    if lang == "zh":
        return [
            f"模拟完成：{summary.rooms} 个直播间（店播 {store}，达播 {kol}），每场 {summary.minutes} 分钟，"
            f"种子 {summary.seed}",
            f"事件 {summary.events:,} 条，用时 {summary.wall_s:.1f} 秒（{summary.events_per_s:,.0f} 条/秒），"
            f"写入 {mb:,.1f} MB",
            f"订单 {summary.counts.get('order_paid', 0):,}，评论 {summary.counts.get('comment', 0):,}，"
            f"售罄 SKU {summary.sold_out_variants}/{summary.variants}，未满足需求 {summary.unmet_units:,} 件",
            f"输出目录：{summary.out_dir}",
        ]
    return [
        f"simulated {summary.rooms} rooms (store {store}, influencer {kol}), {summary.minutes} min each, "
        f"seed {summary.seed}",
        f"{summary.events:,} events in {summary.wall_s:.1f} s ({summary.events_per_s:,.0f}/s), "
        f"{mb:,.1f} MB written",
        f"orders {summary.counts.get('order_paid', 0):,}, comments {summary.counts.get('comment', 0):,}, "
        f"sold-out SKUs {summary.sold_out_variants}/{summary.variants}, "
        f"unmet demand {summary.unmet_units:,} units",
        f"output: {summary.out_dir}",
    ]
