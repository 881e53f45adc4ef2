"""场控 alerts: what needs the room operator's attention now, with the numbers behind it.

``AlertEngine(thresholds).observe(state, now_ms)`` reads a ``RoomState`` and returns the alert
events that *changed*: a condition that starts firing, escalates (warning → critical) or clears
(``status="resolved"``). One engine can watch many rooms.

Kinds (subject in brackets):

- ``low_stock`` 库存告急 [link]: SKUs of a live link with 0 < stock < ``low_stock``, or sell-out ETA
  under ``eta_minutes`` at the current sell rate (DESIGN.md); one alert per link lists them all.
- ``sold_out_demand`` 售罄仍有需求 [link]: SKUs of a link are sold out while demand keeps coming:
  clicks on the sold-out link, or comments asking for it (没抢到 / 求补货 / 还有吗 …). Which
  product such a comment asks for is the comment resolver's answer (the link it names, else the
  product on screen), given by the caller as ``restock_asks``; without it, every ask comment of
  the room counts for every link.
- ``clicks_no_orders`` 高点击零成交 [link]: many clicks and no order (price, size or stock setup).
- ``conversion_drop`` 转化率下降 / ``online_drop`` 在线下降 [room]: the last N closed minutes vs
  the N before, and vs the room's own history (a low percentile of all earlier N-minute windows).
- ``refund_spike`` 退款激增 / ``complaint_spike`` 投诉激增 [room]: counts in the last N closed
  minutes vs max(the N before, a high percentile of the room's history).

Windows: rate comparisons use *closed* minutes (complete, see windows.py). Counts that only add
up (link clicks and orders, ask comments) use the *recent* window: the last N minutes up to the
latest event, the open minute included, so a sell-out is flagged without waiting for the
watermark. Window conversion is buyers / viewers summed over minutes (viewer-minutes), which
compares windows of equal length fairly.

No storms: a (room, kind, subject) fires once and stays active until its condition clears
(one ``resolved`` event); it may fire again only ``cooldown_s`` after its last firing.
``now_ms`` is the caller's clock for cool-downs and stamps: the wall clock live, or
``state.max_ts_ms`` when replaying.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal

import numpy as np
import orjson

from kuaifan.config import AlertThresholds
from kuaifan.live import metrics as M
from kuaifan.live.metrics import MINUTE_MS, percentile
from kuaifan.live.room import LM_CLICKS, LM_ORDERS, RoomState

Severity = Literal["info", "warning", "critical"]
RestockAsks = Callable[[int, int], Mapping[str, int]]
Status = Literal["firing", "resolved"]
_RANK: Final = {"info": 0, "warning": 1, "critical": 2}
KINDS: Final = (
    "low_stock", "sold_out_demand", "clicks_no_orders", "conversion_drop", "online_drop", "refund_spike",
    "complaint_spike",
)  # fmt: skip
KIND_NAMES: Final = {
    "low_stock": ("库存告急", "Low stock"),
    "sold_out_demand": ("售罄仍有需求", "Sold out, demand continues"),
    "clicks_no_orders": ("高点击零成交", "Clicks but no orders"),
    "conversion_drop": ("转化率下降", "Conversion drop"),
    "online_drop": ("在线人数下降", "Online viewers drop"),
    "refund_spike": ("退款激增", "Refund spike"),
    "complaint_spike": ("投诉激增", "Complaint spike"),
}


@dataclass(frozen=True, slots=True)
class AlertEvent:
    """One change of one alert: it fired, escalated or resolved."""

    id: str
    kind: str
    subject: str
    severity: Severity
    status: Status
    room_id: str | None
    stream_id: str | None
    ts_ms: int
    event_ts_ms: int | None
    numbers: dict[str, Any]
    reason_zh: str
    reason_en: str

    @property
    def title_zh(self) -> str:
        return KIND_NAMES[self.kind][0]

    @property
    def title_en(self) -> str:
        return KIND_NAMES[self.kind][1]

    def reason(self, lang: Literal["zh", "en"] = "zh") -> str:
        return self.reason_zh if lang == "zh" else self.reason_en

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "kind": self.kind, "subject": self.subject, "severity": self.severity,
            "status": self.status, "room_id": self.room_id, "stream_id": self.stream_id, "ts_ms": self.ts_ms,
            "event_ts_ms": self.event_ts_ms, "numbers": self.numbers, "title_zh": self.title_zh,
            "title_en": self.title_en, "reason_zh": self.reason_zh, "reason_en": self.reason_en,
        }  # fmt: skip


@dataclass(frozen=True, slots=True)
class Finding:
    """A condition that holds now."""

    kind: str
    subject: str
    severity: Severity
    numbers: dict[str, Any]
    reason_zh: str
    reason_en: str


@dataclass(slots=True)
class _Track:
    firing: bool = False
    severity: Severity = "info"
    last_fired_ms: int | None = None
    seq: int = 0
    last: Finding | None = None


class AlertEngine:
    """Evaluates alert conditions on RoomStates; emits fire / escalate / resolve events."""

    def __init__(self, thresholds: AlertThresholds | None = None) -> None:
        self.thresholds = thresholds or AlertThresholds()
        self._tracks: dict[tuple[str, str, str, str], _Track] = {}

    def active(self) -> list[tuple[str, str, str, str]]:
        """Keys (room, stream, kind, subject) of alerts firing now."""
        return sorted(k for k, t in self._tracks.items() if t.firing)

    def observe(
        self, state: RoomState, now_ms: int, restock_asks: RestockAsks | None = None
    ) -> list[AlertEvent]:
        """``restock_asks(start_ms, end_ms)``: restock comments per product (link key) in the window."""
        room = state.meta.get("room_id") or ""
        stream = state.meta.get("stream_id") or ""
        findings = {(f.kind, f.subject): f for f in evaluate(state, self.thresholds, restock_asks)}
        cooldown_ms = self.thresholds.cooldown_s * 1000
        events: list[AlertEvent] = []
        for (kind, subject), f in sorted(findings.items()):
            track = self._tracks.setdefault((room, stream, kind, subject), _Track())
            track.last = f
            if track.firing:
                if _RANK[f.severity] > _RANK[track.severity]:  # escalation is always news
                    track.severity = f.severity
                    events.append(self._event(track, f, "firing", state, now_ms))
                continue
            if track.last_fired_ms is not None and now_ms - track.last_fired_ms < cooldown_ms:
                continue  # cooling down: stay quiet, fire later if it still holds
            track.firing = True
            track.severity = f.severity
            track.last_fired_ms = now_ms
            track.seq += 1
            events.append(self._event(track, f, "firing", state, now_ms))
        for (r, s, kind, subject), track in sorted(self._tracks.items()):
            if r != room or s != stream or not track.firing or (kind, subject) in findings:
                continue
            track.firing = False
            last = track.last
            assert last is not None
            zh, en = KIND_NAMES[kind]
            cleared = Finding(
                kind, subject, track.severity, last.numbers,
                f"已恢复：{zh}（{subject}）", f"Resolved: {en.lower()} ({subject})",
            )  # fmt: skip
            events.append(self._event(track, cleared, "resolved", state, now_ms))
        return events

    @staticmethod
    def _event(track: _Track, f: Finding, status: Status, state: RoomState, now_ms: int) -> AlertEvent:
        room = state.meta.get("room_id")
        stream = state.meta.get("stream_id")
        return AlertEvent(
            id=f"{stream or room or '-'}:{f.kind}:{f.subject}:{track.seq}",
            kind=f.kind,
            subject=f.subject,
            severity=f.severity,
            status=status,
            room_id=room,
            stream_id=stream,
            ts_ms=now_ms,
            event_ts_ms=state.max_ts_ms,
            numbers=f.numbers,
            reason_zh=f.reason_zh,
            reason_en=f.reason_en,
        )


# ---- conditions ----------------------------------------------------------------------------------
def evaluate(state: RoomState, th: AlertThresholds, restock_asks: RestockAsks | None = None) -> list[Finding]:
    """Every alert condition that holds for ``state`` now (no cool-down logic)."""
    if state.max_ts_ms is None:
        return []
    out = _product_findings(state, th, restock_asks)
    out += _window_findings(state, th)
    return out


def _label(link: dict[str, Any] | None, key: str) -> tuple[str, str]:
    if link is not None and link.get("link_no") is not None:
        return f"{link['link_no']}号链接", f"link #{link['link_no']}"
    return f"商品 {key}", f"product {key}"


def _spec_text(spec: str | None) -> str:
    if not spec:
        return ""
    try:
        values = orjson.loads(spec)
    except orjson.JSONDecodeError:
        return spec
    return "/".join(str(v) for v in values.values()) if isinstance(values, dict) else spec


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{x:.2%}"


def _product_findings(
    state: RoomState, th: AlertThresholds, restock_asks: RestockAsks | None
) -> list[Finding]:
    max_ts = state.max_ts_ms
    assert max_ts is not None
    n = th.window_minutes
    cur_minute = max_ts - max_ts % MINUTE_MS
    recent_start = cur_minute - (n - 1) * MINUTE_MS
    recent = state.link_window(recent_start, cur_minute + MINUTE_MS)
    per_link = restock_asks(recent_start, cur_minute + MINUTE_MS) if restock_asks is not None else None
    room_asks = (
        0
        if per_link is not None
        else int(state.minute_matrix(recent_start, cur_minute + MINUTE_MS, (M.ASKS,)).sum())
    )
    live_since = max_ts - th.live_minutes * MINUTE_MS
    by_link: dict[str, list[dict[str, Any]]] = {}
    for sku in state.variant_keys():
        v = state.variant(sku)
        assert v is not None
        by_link.setdefault(v["link"], []).append(v)
    out: list[Finding] = []
    for key in state.link_keys():
        link = state.link(key)
        assert link is not None
        if link["last_active_ms"] is None or link["last_active_ms"] < live_since:
            continue  # not on the shelf any more: its stock is nobody's emergency
        variants = by_link.get(key, [])
        for found in (
            _low_stock(link, variants, th),
            _sold_out_demand(
                link, variants, recent[key], room_asks if per_link is None else per_link.get(key, 0), th
            ),
        ):
            if found is not None:
                out.append(found)
        clicks, orders = recent[key][LM_CLICKS], recent[key][LM_ORDERS]
        if clicks >= th.clicks_no_orders and orders == 0 and not link["sold_out"]:
            out.append(_clicks_no_orders(link, clicks, th))
    return out


def _low_stock(link: dict[str, Any], variants: list[dict[str, Any]], th: AlertThresholds) -> Finding | None:
    """One finding per link, listing its low SKUs (a link with 30 sizes must not send 30 messages)."""
    low = [
        v
        for v in variants
        if v["stock"] is not None
        and v["stock"] > 0
        and (v["stock"] < th.low_stock or (v["eta_min"] is not None and v["eta_min"] < th.eta_minutes))
    ]
    if not low:
        return None
    low.sort(key=lambda v: (v["eta_min"] is None, v["eta_min"] or 0.0, v["stock"], v["sku_id"]))
    first = low[0]
    eta = first["eta_min"]
    sev: Severity = "critical" if eta is not None and eta < th.eta_critical_minutes else "warning"
    zh_l, en_l = _label(link, link["link"])
    listed = "、".join(f"{_spec_text(v['spec']) or v['sku_id']} 剩{v['stock']}" for v in low[:6])
    listed_en = ", ".join(f"{_spec_text(v['spec']) or v['sku_id']}: {v['stock']}" for v in low[:6])
    more_zh = f" 等 {len(low)} 个规格" if len(low) > 6 else ""
    more_en = f" and {len(low) - 6} more" if len(low) > 6 else ""
    eta_zh = f"；最快约 {eta:.1f} 分钟售罄" if eta is not None else ""
    eta_en = f"; the first sells out in about {eta:.1f} min at the current rate" if eta is not None else ""
    numbers = {
        "link": link["link"],
        "link_no": link["link_no"],
        "skus": [
            {"sku_id": v["sku_id"], "spec": v["spec"], "stock": v["stock"], "eta_min": v["eta_min"]}
            for v in low
        ],
        "min_stock": min(v["stock"] for v in low),
        "eta_min": eta,
        "sell_rate_per_min": first["sell_rate_per_min"],
        "threshold": th.low_stock,
        "eta_threshold_min": th.eta_minutes,
    }
    return Finding(
        "low_stock",
        link["link"],
        sev,
        numbers,
        f"库存告急：{zh_l} {listed}{more_zh}{eta_zh}",
        f"Low stock: {en_l} {listed_en}{more_en}{eta_en}",
    )


def _sold_out_demand(
    link: dict[str, Any], variants: list[dict[str, Any]], recent: list[int], asks: int, th: AlertThresholds
) -> Finding | None:
    clicks = recent[LM_CLICKS]
    sold_out = [v for v in variants if v["sold_out"]]
    if not sold_out:
        return None
    clicked = link["sold_out"] and clicks >= th.sold_out_min_clicks
    if not clicked and asks < th.sold_out_min_asks:
        return None
    n = th.window_minutes
    zh_l, en_l = _label(link, link["link"])
    specs = "、".join(_spec_text(v["spec"]) or v["sku_id"] for v in sold_out[:6])
    numbers = {
        "link": link["link"],
        "link_no": link["link_no"],
        "sold_out_skus": [v["sku_id"] for v in sold_out],
        "link_sold_out": link["sold_out"],
        "clicks": clicks,
        "asks": asks,
        "window_minutes": n,
    }
    return Finding(
        "sold_out_demand",
        link["link"],
        "critical" if link["sold_out"] else "warning",
        numbers,
        f"{zh_l} 已售罄 {len(sold_out)} 个规格（{specs}），近 {n} 分钟仍有 {clicks} 次点击、"
        f"{asks} 条求补货/还有吗评论：考虑补货、加库存或上相似款",
        f"{en_l}: {len(sold_out)} variant(s) sold out ({specs}), yet the last {n} min brought "
        f"{clicks} clicks and {asks} restock comments: restock or offer a similar item",
    )


def _clicks_no_orders(link: dict[str, Any], clicks: int, th: AlertThresholds) -> Finding:
    n = th.window_minutes
    zh_l, en_l = _label(link, link["link"])
    numbers = {
        "link": link["link"],
        "link_no": link["link_no"],
        "clicks": clicks,
        "orders": 0,
        "window_minutes": n,
    }
    return Finding(
        "clicks_no_orders",
        link["link"],
        "warning",
        numbers,
        f"{zh_l} 近 {n} 分钟点击 {clicks} 次但 0 单：检查价格、尺码或库存设置",
        f"{en_l}: {clicks} clicks and no order in the last {n} min: check the price, sizes or stock setup",
    )


_WINDOW_FIELDS: Final = (
    M.UV,
    M.BUYERS,
    M.ONLINE_SUM,
    M.ONLINE_SAMPLES,
    M.REFUNDS,
    M.REFUND_FEN,
    M.COMPLAINTS,
)
_F_UV, _F_BUYERS, _F_OSUM, _F_ON, _F_REFUNDS, _F_REFUND_FEN, _F_COMPLAINTS = range(7)


def _window_findings(state: RoomState, th: AlertThresholds) -> list[Finding]:
    end = state.closed_before_ms
    first = state.first_ts_ms
    if end is None or first is None:
        return []
    n = th.window_minutes
    start = max(first - first % MINUTE_MS, end - th.history_minutes * MINUTE_MS)
    mat = state.minute_matrix(start, end, _WINDOW_FIELDS)
    rows = mat.shape[0]
    if rows < n:
        return []
    cs = np.vstack([np.zeros((1, mat.shape[1]), dtype=np.int64), np.cumsum(mat, axis=0)])

    def win(i: int) -> list[int]:  # sums over window rows [i, i + n)
        return [int(x) for x in cs[i + n] - cs[i]]

    cur = win(rows - n)
    prev = win(rows - 2 * n) if rows >= 2 * n else None
    history = [win(i) for i in range(0, rows - 2 * n + 1)]
    out: list[Finding] = []
    f = _conversion_drop(cur, prev, history, th)
    if f:
        out.append(f)
    f = _online_drop(cur, prev, history, th)
    if f:
        out.append(f)
    for kind, idx, ratio, minimum in (
        ("refund_spike", _F_REFUNDS, th.refund_spike_ratio, th.min_refunds),
        ("complaint_spike", _F_COMPLAINTS, th.complaint_spike_ratio, th.min_complaints),
    ):
        f = _spike(kind, idx, cur, prev, history, ratio, minimum, th)
        if f:
            out.append(f)
    return out


def _conversion_drop(
    cur: list[int], prev: list[int] | None, history: list[list[int]], th: AlertThresholds
) -> Finding | None:
    n = th.window_minutes
    if prev is None or cur[_F_UV] < th.min_viewer_minutes or prev[_F_UV] < th.min_viewer_minutes:
        return None
    rate = cur[_F_BUYERS] / cur[_F_UV]
    before = prev[_F_BUYERS] / prev[_F_UV]
    if before <= 0 or rate > before * (1 - th.conversion_drop):
        return None
    hist = [h[_F_BUYERS] / h[_F_UV] for h in history if h[_F_UV] >= th.min_viewer_minutes]
    p = percentile(hist, th.drop_percentile) if len(hist) >= th.min_history_windows else None
    if p is not None and rate > p:
        return None
    sev: Severity = "critical" if rate <= before * (1 - min(0.95, 2 * th.conversion_drop)) else "warning"
    hz = f"（本场历史 P{th.drop_percentile:g}：{_pct(p)}）" if p is not None else ""
    he = f" (this stream's P{th.drop_percentile:g}: {_pct(p)})" if p is not None else ""
    return Finding(
        "conversion_drop", "room", sev,
        {"conversion": rate, "previous": before, "history_percentile": p, "window_minutes": n,
         "buyers": cur[_F_BUYERS], "viewer_minutes": cur[_F_UV]},
        f"观看-成交转化率下降：近 {n} 分钟 {_pct(rate)}，前 {n} 分钟 {_pct(before)}{hz}",
        f"Conversion dropped: {_pct(rate)} in the last {n} min vs {_pct(before)} in the {n} before{he}",
    )  # fmt: skip


def _online_drop(
    cur: list[int], prev: list[int] | None, history: list[list[int]], th: AlertThresholds
) -> Finding | None:
    n = th.window_minutes
    if prev is None or not cur[_F_ON] or not prev[_F_ON]:
        return None
    avg = cur[_F_OSUM] / cur[_F_ON]
    before = prev[_F_OSUM] / prev[_F_ON]
    if before < th.min_online or avg > before * (1 - th.online_drop):
        return None
    hist = [h[_F_OSUM] / h[_F_ON] for h in history if h[_F_ON]]
    p = percentile(hist, th.drop_percentile) if len(hist) >= th.min_history_windows else None
    if p is not None and avg > p:
        return None
    sev: Severity = "critical" if avg <= before * (1 - min(0.95, 2 * th.online_drop)) else "warning"
    return Finding(
        "online_drop", "room", sev,
        {"online_avg": avg, "previous": before, "history_percentile": p, "window_minutes": n},
        f"在线人数下降：近 {n} 分钟平均 {avg:.0f} 人，前 {n} 分钟 {before:.0f} 人",
        f"Online viewers dropped: average {avg:.0f} in the last {n} min vs {before:.0f} in the {n} before",
    )  # fmt: skip


def _spike(
    kind: str,
    idx: int,
    cur: list[int],
    prev: list[int] | None,
    history: list[list[int]],
    ratio: float,
    minimum: int,
    th: AlertThresholds,
) -> Finding | None:
    n = th.window_minutes
    count = cur[idx]
    before = prev[idx] if prev is not None else 0
    hist = [float(h[idx]) for h in history]
    p = percentile(hist, th.spike_percentile) if len(hist) >= th.min_history_windows else None
    baseline = max(float(before), p or 0.0)
    if count < minimum or count < ratio * baseline:
        return None
    nums: dict[str, Any] = {"count": count, "previous": before, "history_percentile": p, "window_minutes": n}
    if kind == "refund_spike":
        nums["refund_fen"] = cur[_F_REFUND_FEN]
        yuan = cur[_F_REFUND_FEN] / 100
        return Finding(
            kind, "room", "warning", nums,
            f"退款激增：近 {n} 分钟 {count} 笔（¥{yuan:,.2f}），前 {n} 分钟 {before} 笔",
            f"Refund spike: {count} refunds (¥{yuan:,.2f}) in the last {n} min vs {before} in the {n} before",
        )  # fmt: skip
    return Finding(
        kind, "room", "warning", nums,
        f"投诉/差评评论激增：近 {n} 分钟 {count} 条，前 {n} 分钟 {before} 条：请客服跟进",
        f"Complaint spike: {count} complaint comments in the last {n} min vs {before} in the {n} before",
    )  # fmt: skip
