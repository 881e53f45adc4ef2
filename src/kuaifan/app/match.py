"""``kuaifan match`` and ``/v1/match``: which factory of the belts makes each order, which shared
demand fits a factory, and the re-order round on the factories' new load.

Files under ``$KUAIFAN_HOME/match/``: ``factories.json`` (or .csv / .xlsx), the factories the
operator keeps (used when no factories are given), and ``shared/<tenant>.json``, each tenant's open
demand with whom it is shared (written by ``share_demand``, read by the factory view).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, Field

from kuaifan.errors import AuthError, InputError, NotFoundError, cannot_write
from kuaifan.events import TENANT_NAME
from kuaifan.match import (
    FactorySet,
    FactoryView,
    MatchResult,
    MatchSettings,
    OrderSet,
    Sharing,
    factory_view,
    load_factories,
    load_orders,
    match,
    rematch,
    write_purchase_orders,
)
from kuaifan.match.data import belts_path
from kuaifan.match.loop import orders_from_plan
from kuaifan.match.reading import read_json, validate
from kuaifan.match.vocab import category_name
from kuaifan.plan.model import PlanResult

# the models and helpers the faces use, so that they need nothing below this layer
__all__ = [
    "BUILTIN", "FactoryView", "MatchRequest", "MatchResult", "MatchSettings", "OrderSet", "SharedDemand",
    "category_name", "factory_view_for_account", "factory_view_of", "for_tenant", "load_orders",
    "match_files", "match_plan", "parse_body", "rematch_files", "resolve_factories", "run_match",
    "share_demand", "shared_pool", "write_pos",
]  # fmt: skip

M = TypeVar("M", bound=BaseModel)
BUILTIN = "builtin:belts"  # the shipped synthetic belts (kuaifan/match/data/belts.json)
REGISTRY_NAMES = ("factories.json", "factories.csv", "factories.xlsx")


class MatchRequest(BaseModel):
    """Body of ``POST /v1/match``: the orders, the factories (default: the operator's), the settings."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    orders: OrderSet
    factories: FactorySet | None = None
    settings: MatchSettings = Field(default_factory=MatchSettings)


class SharedDemand(BaseModel):
    """What ``share_demand`` stored: a tenant's open demand and with whom it is shared."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    tenant: str
    orders: int
    units: int
    share_with: list[str]
    show_brand: bool
    path: str


def match_dir(home: Path) -> Path:
    return home / "match"


def resolve_factories(source: Path | str | None, home: Path) -> FactorySet:
    """The factories of ``source`` (a file, or ``builtin:belts``), else the operator's registry
    ``$KUAIFAN_HOME/match/factories.*``; InputError when there is none."""
    if source is not None and str(source) == BUILTIN:
        return load_factories(belts_path())
    if source is not None:
        return load_factories(Path(source))
    for name in REGISTRY_NAMES:
        path = match_dir(home) / name
        if path.is_file():
            return load_factories(path)
    raise InputError(
        f"没有给出工厂：用 --factories FILE，或放一份 {match_dir(home) / 'factories.json'}；"
        f"内置的合成产业带数据用 --factories {BUILTIN}",
        f"no factories given: pass --factories FILE or keep one at {match_dir(home) / 'factories.json'}; "
        f"the shipped synthetic belts are --factories {BUILTIN}",
    )


def run_match(orders: OrderSet, factories: FactorySet, settings: MatchSettings | None = None) -> MatchResult:
    """Match ``orders`` to ``factories``: the plan, its costs and every order's explanation."""
    return match(orders, factories, settings or MatchSettings())


def match_files(
    orders_path: Path,
    factories: Path | str | None,
    *,
    home: Path,
    tenant: str | None = None,
    settings: MatchSettings | None = None,
    po_dir: Path | None = None,
    category: str | None = None,
) -> tuple[MatchResult, list[Path]]:
    """``kuaifan match --orders FILE``: the orders file (JSON, CSV / Excel, or a plan's JSON) matched
    to the factories; purchase orders per matched factory written to ``po_dir`` if given."""
    orders = load_orders(orders_path, tenant, category)
    result = run_match(orders, resolve_factories(factories, home), settings)
    return result, _write_pos(result, po_dir)


def match_plan(plan: PlanResult, *, factories: Path | str | None = BUILTIN, home: Path | None = None,
               tenant: str | None = None, category: str | None = None,
               settings: MatchSettings | None = None) -> MatchResult:  # fmt: skip
    """The orders to place now of a plan (``kuaifan plan``'s result) matched to ``factories``."""
    found = resolve_factories(factories, home or Path(".kuaifan"))
    return run_match(orders_from_plan(plan, tenant=tenant, category=category), found, settings)


def parse_body(model: type[M], data: object) -> M:
    """A request body as ``model``; InputError naming the first bad field (zh + en)."""
    return validate(model, data, "request body")


def write_pos(result: MatchResult, po_dir: Path | None) -> list[Path]:
    """One purchase order (xlsx + csv) per matched factory in ``po_dir`` (none if None)."""
    return _write_pos(result, po_dir)


def _write_pos(result: MatchResult, po_dir: Path | None) -> list[Path]:
    if po_dir is None:
        return []
    try:
        return write_purchase_orders(result, po_dir)
    except OSError as exc:
        raise cannot_write(po_dir, exc) from None


def for_tenant(orders: OrderSet, tenant: str) -> OrderSet:
    """The orders as ``tenant``'s own: an order naming another tenant is refused (HTTP callers)."""
    for i, o in enumerate(orders.orders):
        if o.tenant is not None and o.tenant != tenant:
            raise AuthError(
                f"orders[{i}] 属于另一个租户 {o.tenant}", f"orders[{i}] belongs to another tenant, {o.tenant}"
            )
    if orders.tenant is not None and orders.tenant != tenant:
        raise AuthError(
            f"订单属于另一个租户 {orders.tenant}", f"the orders belong to another tenant, {orders.tenant}"
        )
    return orders.model_copy(update={"tenant": tenant})


def share_demand(
    orders: OrderSet,
    *,
    home: Path,
    tenant: str,
    share_with: list[str] | None = None,
    show_brand: bool | None = None,
) -> SharedDemand:
    """Publish ``tenant``'s open demand to the factories it names (replacing what it shared before);
    ``share_with`` / ``show_brand`` override the file's ``sharing``; an empty list withdraws it."""
    if not TENANT_NAME.match(tenant):  # it names a file
        raise InputError(f"租户名不合法：{tenant!r}", f"bad tenant name: {tenant!r}", tenant=tenant)
    own = for_tenant(orders, tenant)
    sharing = own.sharing or Sharing()
    sharing = Sharing(
        share_with=sharing.share_with if share_with is None else share_with,
        show_brand=sharing.show_brand if show_brand is None else show_brand,
    )
    own = own.model_copy(update={"sharing": sharing})
    path = match_dir(home) / "shared" / f"{tenant}.json"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if sharing.share_with:  # written whole or not at all: a reader never sees half a file
            tmp = path.with_suffix(".json.tmp")
            tmp.write_text(own.model_dump_json(indent=1), encoding="utf-8")
            tmp.replace(path)
        elif path.exists():
            path.unlink()
    except OSError as exc:
        raise cannot_write(path, exc) from None
    return SharedDemand(
        tenant=tenant,
        orders=len(own.orders),
        units=sum(o.qty for o in own.orders),
        share_with=sharing.share_with,
        show_brand=sharing.show_brand,
        path=str(path),
    )


def shared_pool(home: Path) -> list[OrderSet]:
    """Every tenant's shared open demand (files under ``$KUAIFAN_HOME/match/shared``)."""
    folder = match_dir(home) / "shared"
    if not folder.is_dir():
        return []
    out = []
    for path in sorted(folder.glob("*.json")):
        ds = validate(OrderSet, read_json(path), str(path))
        out.append(ds.model_copy(update={"tenant": ds.tenant or path.stem}))
    return out


def factory_view_of(
    factory_id: str,
    factories: Path | str | None,
    *,
    home: Path,
    demand: list[Path] | None = None,
    settings: MatchSettings | None = None,
    start: date | None = None,
) -> FactoryView:
    """``kuaifan match --for-factory ID``: the shared demand (the pool, plus ``demand`` files, each a
    tenant's orders file with its ``sharing``) that fits the factory, ranked by expected margin."""
    pool = shared_pool(home) + [load_orders(p) for p in demand or []]
    return factory_view(factory_id, resolve_factories(factories, home), pool, settings, start)


def factory_view_for_account(
    factory_id: str,
    tenant: str,
    *,
    home: Path,
    settings: MatchSettings | None = None,
    start: date | None = None,
) -> FactoryView:
    """``GET /v1/match/factories/{id}/demand``: only for the tenant that operates the factory's profile
    (``account`` in the operator's factories); anyone else is told there is no such factory."""
    factories = resolve_factories(None, home)
    f = factories.by_id().get(factory_id)
    if f is None or f.account != tenant:
        raise NotFoundError(
            f"没有这个工厂：{factory_id}", f"no such factory: {factory_id}", factory_id=factory_id
        )
    return factory_view(factory_id, factories, shared_pool(home), settings, start)


def rematch_files(
    previous: list[Path],
    orders_path: Path,
    factories: Path | str | None,
    *,
    home: Path,
    tenant: str | None = None,
    settings: MatchSettings | None = None,
    po_dir: Path | None = None,
    category: str | None = None,
) -> tuple[MatchResult, list[Path]]:
    """A re-order round: the new orders matched on the factories' load plus what the ``previous``
    rounds (their ``kuaifan match --json`` outputs) booked."""
    rounds = [validate(MatchResult, read_json(p), str(p)) for p in previous]
    orders = load_orders(orders_path, tenant, category)
    result, _ = rematch(rounds, resolve_factories(factories, home), orders, settings)
    return result, _write_pos(result, po_dir)
