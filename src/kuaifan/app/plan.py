"""``kuaifan plan`` and ``POST /v1/plan``: the first batch and re-order policy of a plan input
(a stochastic MIP on HiGHS), and its purchase orders (采购单) per factory."""

from __future__ import annotations

from pathlib import Path

from kuaifan.errors import InputError, NotFoundError
from kuaifan.plan.model import PlanInput, PlanResult, parse_plan_json
from kuaifan.plan.policy import plan as solve_plan
from kuaifan.plan.purchase_orders import write_purchase_orders

__all__ = ["PlanInput", "PlanResult", "parse_plan_json", "plan", "plan_file", "read_plan_input"]


def read_plan_input(path: Path) -> PlanInput:
    """A plan input file (``schemas/plan_input.schema.json``); NotFoundError / InputError naming it."""
    if not path.is_file():
        raise NotFoundError(
            f"找不到规划输入文件：{path}", f"plan input file not found: {path}", path=str(path)
        )
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"无法读取 {path}：{exc}", f"cannot read {path}: {exc}", path=str(path)) from None
    return parse_plan_json(text)


def plan(inp: PlanInput, *, time_limit_s: float | None = None) -> PlanResult:
    return solve_plan(inp, time_limit_s=time_limit_s)


def plan_file(
    path: Path, *, time_limit_s: float | None = None, po_dir: Path | None = None
) -> tuple[PlanResult, list[Path]]:
    """Solve the plan input in ``path``; write its purchase orders (xlsx + csv) to ``po_dir`` if given."""
    result = plan(read_plan_input(path), time_limit_s=time_limit_s)
    written = write_purchase_orders(result, po_dir) if po_dir is not None else []
    return result, written
