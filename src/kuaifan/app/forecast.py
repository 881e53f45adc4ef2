"""``kuaifan forecast`` and ``POST /v1/forecast``: a tenant's stored demand, forecast per variant,
as the plan input that ``kuaifan plan`` solves.

The signals of the last ``history_days`` (read as ``kuaifan signals`` reads them) go through the
forecast step of the loop, ``kuaifan.plan.pipeline.forecast_plan_input`` — the same function the
backtest runs day by day — with the costs file and the goods already on order (``placed``: earlier
``kuaifan plan --json`` outputs). ``forecast`` writes the plan input (and, when asked, the daily
p10 / p50 / p90 tables); ``forecast_plan_input`` writes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from kuaifan.app.signals import SignalsQuery, read_signals
from kuaifan.config import Settings
from kuaifan.errors import InputError, NotFoundError, cannot_write, first_problem
from kuaifan.plan.costs import CostsConfig, load_costs
from kuaifan.plan.model import PlanResult
from kuaifan.plan.pipeline import MODELS, ForecastedPlan, ForecastSummary, StyleForecastSummary
from kuaifan.plan.pipeline import forecast_plan_input as forecast_step
from kuaifan.report.frames import write_frames
from kuaifan.store import Store

__all__ = [
    "MODELS", "CostsConfig", "ForecastOptions", "ForecastRequest", "ForecastSummary", "ForecastedPlan",
    "StyleForecastSummary", "WrittenForecast", "forecast", "forecast_plan_input", "read_plan_result",
]  # fmt: skip

SHORT_HISTORY_DAYS = 3
HISTORY_DAYS = 90  # the history read by default: a season of a fast-fashion style, memory bounded


class ForecastOptions(BaseModel):
    """What to forecast: the styles (``items``, else the ``top`` by demand so far), the horizon
    (default: the costs file's), the model, the number of demand scenarios, the history read."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    tenant: str | None = None
    items: list[str] | None = None
    top: int = Field(5, ge=1, le=200)
    horizon: int | None = Field(None, ge=1, le=366)
    model: str = "auto"
    scenarios: int = Field(20, ge=1, le=500)
    seed: int = 0
    history_days: int = Field(HISTORY_DAYS, ge=0)

    @field_validator("model", mode="before")
    @classmethod
    def _known_model(cls, v: object) -> object:
        if v not in MODELS:
            raise ValueError(f"expected one of {', '.join(MODELS)}, got {v!r}")
        return v


class ForecastRequest(ForecastOptions):
    """``kuaifan forecast``: the options plus the files read and written."""

    costs: Path
    placed: list[Path] = Field(default_factory=list)
    out: Path | None = None  # default: $KUAIFAN_HOME/reports/plan_input.json
    tables_dir: Path | None = None

    @classmethod
    def from_options(cls, **options: Any) -> ForecastRequest:
        """From command-line options; a bad value is an InputError naming the option (zh + en)."""
        try:
            return cls.model_validate(options)
        except ValidationError as exc:
            key, msg = first_problem(exc)
            msg = msg.removeprefix("Value error, ")
            flag = "--" + key.replace("_", "-")
            raise InputError(f"{flag}：{msg}", f"{flag}: {msg}", field=key) from None


class WrittenForecast(ForecastSummary):
    """``kuaifan forecast --json``: the summary and where the plan input was written."""

    plan_input: str


def forecast(settings: Settings, store: Store, req: ForecastRequest) -> tuple[WrittenForecast, list[Path]]:
    """Forecast, write the plan input (and the tables when asked); the summary and the tables written."""
    options = ForecastOptions.model_validate(req.model_dump(include=set(ForecastOptions.model_fields)))
    placed = [read_plan_result(p) for p in req.placed]
    done = forecast_plan_input(settings, store, load_costs(req.costs), options, placed=placed)
    out = req.out or settings.home / "reports" / "plan_input.json"
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(done.plan_input.model_dump_json(indent=2, exclude_none=True) + "\n", encoding="utf-8")
    except OSError as exc:
        raise cannot_write(out, exc) from None
    written = write_frames(done.tables, req.tables_dir) if req.tables_dir is not None else []
    return WrittenForecast(**done.summary.model_dump(), plan_input=str(out)), written


def forecast_plan_input(
    settings: Settings,
    store: Store,
    costs: CostsConfig,
    req: ForecastOptions,
    *,
    placed: Sequence[PlanResult] = (),
) -> ForecastedPlan:
    """The forecast of the tenant's stored demand as a plan input (nothing written)."""
    name, sig = read_signals(settings, store, SignalsQuery(tenant=req.tenant, days=req.history_days))
    return forecast_step(
        sig, costs, tenant=name, items=req.items, top=req.top, horizon=req.horizon, model=req.model,
        scenarios=req.scenarios, seed=req.seed, placed=placed, names=store.names.get(name),
    )  # fmt: skip


def read_plan_result(path: Path) -> PlanResult:
    """An earlier ``kuaifan plan --json`` output (or a demo's plan.json); InputError naming the file."""
    if not path.is_file():
        raise NotFoundError(f"找不到计划文件：{path}", f"plan file not found: {path}", path=str(path))
    try:
        return PlanResult.model_validate_json(path.read_bytes())
    except (OSError, ValidationError) as exc:
        reason = first_problem(exc)[1] if isinstance(exc, ValidationError) else str(exc)
        raise InputError(
            f"{path} 不是 kuaifan plan 的输出：{reason}",
            f"{path} is not a kuaifan plan output: {reason}",
            path=str(path),
        ) from None
