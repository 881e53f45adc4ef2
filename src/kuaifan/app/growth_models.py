"""The pydantic models of the growth use cases: what ``kuaifan growth … --json`` prints and what
``/v1/growth/…`` returns. Money is in fen (integers), shares are fractions (0.25 = 25 %)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from kuaifan.growth.settings import CommissionRule

Correction = Literal["holm", "bh", "bonferroni", "none"]
Verdict = Literal["new", "moved", "mixed", "unclear"]


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# ---- uplift -------------------------------------------------------------------------------------


class UpliftRequest(Frozen):
    treatment: str = Field(min_length=1, description="column with the arm of each unit")
    control: str = Field(min_length=1, description="value of the control arm")
    outcome: str = Field(min_length=1, description="numeric outcome column")
    by: str | None = Field(None, description="segment column")
    alpha: float = Field(0.05, gt=0.0, lt=0.5)
    correction: Correction = "holm"


class ControlGroup(Frozen):
    value: str
    n: int
    mean: float | None


class ArmResult(Frozen):
    value: str
    n: int
    mean: float | None
    effect: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: float | None


class SegmentArm(ArmResult):
    p_adjusted: float | None


class SegmentResult(Frozen):
    value: str
    control: ControlGroup
    arms: list[SegmentArm]


class BySegments(Frozen):
    column: str
    correction: Correction
    segments: list[SegmentResult]


class UpliftReport(Frozen):
    outcome: str
    treatment: str
    alpha: float
    rows: int
    control: ControlGroup
    arms: list[ArmResult]
    by: BySegments | None


# ---- impact -------------------------------------------------------------------------------------


class ImpactRequest(Frozen):
    y: str = Field(min_length=1, description="response column")
    x: tuple[str, ...] = Field((), description="control series columns")
    time: str | None = Field(None, description="time column; without it periods are 0-based rows")
    pre: str = Field(max_length=100, description="START:END, inclusive")
    post: str = Field(max_length=100, description="START:END, inclusive")
    alpha: float = Field(0.05, gt=0.0, lt=0.5)
    draws: int = Field(1000, ge=100, le=100_000)
    season: int | None = Field(None, ge=2, le=366, description="seasonal period (7: weekly on daily data)")
    seed: int = Field(0, ge=0)


class EffectSummary(Frozen):
    actual: float
    predicted: float
    predicted_lower: float
    predicted_upper: float
    predicted_sd: float
    abs_effect: float
    abs_effect_lower: float
    abs_effect_upper: float
    abs_effect_sd: float
    rel_effect: float | None
    rel_effect_lower: float | None
    rel_effect_upper: float | None
    rel_effect_sd: float | None


class ImpactPoint(Frozen):
    time: str
    actual: float
    predicted: float
    predicted_lower: float
    predicted_upper: float


class ImpactReport(Frozen):
    y: str
    x: list[str]
    pre: tuple[str, str]
    post: tuple[str, str]
    n_pre: int
    n_post: int
    alpha: float
    draws: int
    average: EffectSummary
    cumulative: EffectSummary
    p_value: float
    model: str
    level_sd: float
    obs_sd: float
    series: list[ImpactPoint]


# ---- channels -----------------------------------------------------------------------------------


class InlineEconomics(Frozen):
    """What the CLI reads from files (commission, ad spend, costs, brands), given as data instead."""

    commission: tuple[CommissionRule, ...] = ()
    ad_spend_fen: dict[str, int] = Field(default_factory=dict, description="stream_id -> 千川 spend (fen)")
    unit_cost_fen: dict[str, float] = Field(
        default_factory=dict, description="item or sku id -> unit cost (fen)"
    )
    cost_share: dict[str, float] = Field(default_factory=dict, description="item or sku id -> cost / price")
    brands: dict[str, str] = Field(default_factory=dict, description="item id -> brand")


class ChannelsRequest(Frozen):
    since: str | None = Field(None, description="first China day YYYY-MM-DD")
    until: str | None = Field(None, description="last China day, included")
    days: int = Field(0, ge=0, le=3660, description="without dates: the last N days; 0 = all")
    brand: str | None = None
    warmup_days: int = Field(0, ge=0, le=365, description="days at the start not counted as new-to-brand")


class ChannelRow(Frozen):
    brand: str
    channel: str
    week: str | None = None
    streams: int
    hours: float
    orders: int
    buyers: int
    new_buyers: int
    new_to_brand_share: float | None
    repeat_rate: float | None
    gmv_fen: int
    refund_fen: int
    refund_rate: float | None
    commission_fen: int
    ad_spend_fen: int
    cogs_fen: int
    margin_fen: int
    margin_rate: float | None
    margin_per_hour_fen: int | None
    cost_per_new_buyer_fen: int | None
    cost_known: bool
    commission_known: bool


class CohortRow(Frozen):
    brand: str
    cohort_week: str
    channel: str
    buyers: int
    repeat_1w: float | None
    repeat_2w: float | None
    repeat_4w: float | None
    repeat_to_date: float | None


class OverlapRow(Frozen):
    brand: str
    buyers: int
    store_buyers: int
    influencer_buyers: int
    shelf_buyers: int
    both_live: int
    jaccard: float | None
    won_by_influencer: int
    influencer_to_store: int
    influencer_to_store_share: float | None


class TrustRow(Frozen):
    room_id: str
    channel: str | None
    brands: str | None
    week: str
    viewers: int
    new_followers: int
    follow_rate: float | None
    followers_before: int
    followers_back: int
    return_rate: float | None
    followers_bought: int
    follower_buy_rate: float | None
    other_buy_rate: float | None


class Note(Frozen):
    code: str
    zh: str
    en: str


class ChannelsReport(Frozen):
    tenant: str
    first_day: str | None
    last_day: str | None
    brands: list[str]
    channels: list[ChannelRow]
    weekly: list[ChannelRow]
    cohorts: list[CohortRow]
    overlap: list[OverlapRow]
    trust: list[TrustRow]
    notes: list[Note]


# ---- incrementality -----------------------------------------------------------------------------


class IncrementalityRequest(Frozen):
    brand: str | None = None
    start: str | None = Field(None, description="first day of store streams, YYYY-MM-DD (default: detected)")
    alpha: float = Field(0.05, gt=0.0, lt=0.5)
    draws: int = Field(2000, ge=200, le=100_000)
    seed: int = Field(0, ge=0)


class ShareEstimate(Frozen):
    new_share: float
    lower: float
    upper: float
    se: float


class BrandIncrementalityRow(Frozen):
    brand: str
    start: str
    first_day: str
    last_day: str
    pre_days: int
    post_days: int
    on_days: int
    off_days: int
    store_gmv_fen: int
    shelf_effect_fen: int | None
    shelf_effect_lower_fen: int | None
    shelf_effect_upper_fen: int | None
    controls: list[str]
    around_start: ShareEstimate | None
    on_off_days: ShareEstimate | None
    combined: ShareEstimate | None
    verdict: Verdict


class SkippedBrand(Frozen):
    brand: str
    reason: Literal["no_store_streams", "too_few_days"]
    zh: str
    en: str


class IncrementalityReport(Frozen):
    tenant: str
    alpha: float
    brands: list[BrandIncrementalityRow]
    skipped: list[SkippedBrand]
