"""/v1/match: thin HTTP routes over :mod:`kuaifan.app.match` (the caller's tenant from X-API-Key).

- ``POST /v1/match``: orders (and optionally factories, else the operator's) -> ``MatchResult``;
- ``PUT /v1/match/shared``: the caller's open demand and with whom it is shared (``SharedDemand``);
  ``DELETE`` withdraws it;
- ``GET /v1/match/factories/{factory_id}/demand``: the factory's view, for the tenant that operates
  the factory's profile only.
"""

from __future__ import annotations

import asyncio
import json
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel

from kuaifan.api.deps import Tenant, get_ctx
from kuaifan.api.responses import JsonResponse
from kuaifan.api.routes import read_body
from kuaifan.app import match as uc
from kuaifan.app.match import FactoryView, MatchResult, MatchSettings, OrderSet
from kuaifan.errors import InputError

MAX_TIME_S = 60.0  # a request never holds a worker longer than this
MAX_BODY = 16 << 20  # 16 MB: thousands of orders with their colour × size lines
M = TypeVar("M", bound=BaseModel)


def _body_schema(model: type[BaseModel]) -> dict[str, Any]:
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"title": model.__name__}}},
        }
    }


router = APIRouter(prefix="/v1/match", default_response_class=JsonResponse, tags=["match"])


async def _body(request: Request, model: type[M]) -> M:
    """The JSON body as ``model``, refused past ``MAX_BODY``; a bad field is named in zh and en."""
    raw = await read_body(request, MAX_BODY)
    try:
        data = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"请求体不是合法 JSON：{exc}", f"the body is not valid JSON: {exc}") from None
    return uc.parse_body(model, data)


@router.post("", response_model=MatchResult, openapi_extra=_body_schema(uc.MatchRequest))
async def post_match(request: Request, tenant: Tenant) -> MatchResult:
    """Match the caller's orders to the factories; every order explained, unmatched units with reasons.
    Body: ``MatchRequest`` ({orders, factories?, settings?})."""
    body = await _body(request, uc.MatchRequest)
    home = get_ctx(request).settings.home
    orders = uc.for_tenant(body.orders, tenant)
    settings = body.settings.model_copy(update={"time_limit_s": min(body.settings.time_limit_s, MAX_TIME_S)})

    def compute() -> MatchResult:
        factories = body.factories if body.factories is not None else uc.resolve_factories(None, home)
        return uc.run_match(orders, factories, settings)

    return await asyncio.to_thread(compute)


@router.put("/shared", response_model=uc.SharedDemand, openapi_extra=_body_schema(OrderSet))
async def put_shared(request: Request, tenant: Tenant) -> uc.SharedDemand:
    """Share the caller's open demand with the factories its ``sharing`` names (replaces the last).
    Body: an ``OrderSet`` with ``sharing``."""
    body = await _body(request, OrderSet)
    home = get_ctx(request).settings.home
    return await asyncio.to_thread(uc.share_demand, body, home=home, tenant=tenant)


@router.delete("/shared", response_model=uc.SharedDemand)
async def delete_shared(request: Request, tenant: Tenant) -> uc.SharedDemand:
    home = get_ctx(request).settings.home
    pool = {ds.tenant: ds for ds in uc.shared_pool(home)}
    mine = pool.get(tenant)
    if mine is None:
        return uc.SharedDemand(tenant=tenant, orders=0, units=0, share_with=[], show_brand=False, path="")
    return await asyncio.to_thread(uc.share_demand, mine, home=home, tenant=tenant, share_with=[])


@router.get("/factories/{factory_id}/demand", response_model=FactoryView)
async def get_factory_view(
    request: Request, tenant: Tenant, factory_id: Annotated[str, Path(min_length=1, max_length=100)]
) -> FactoryView:
    """Shared demand that fits the factory's spare capacity, ranked by expected margin."""
    home = get_ctx(request).settings.home
    return await asyncio.to_thread(
        uc.factory_view_for_account, factory_id, tenant, home=home, settings=MatchSettings()
    )
