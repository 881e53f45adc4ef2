/* kuaifan dashboard: room list (/) and the live room screen (/rooms/{room_id}).
 *
 * Auth: the tenant's API key is asked once and kept in sessionStorage (this tab only). JSON calls
 * send it in the X-API-Key header; the live stream (EventSource cannot send headers) uses a
 * short-lived token from POST /v1/stream-token, so the key itself never appears in a URL.
 * A key may also arrive in the URL fragment (#key=…, never sent to the server): it is moved to
 * sessionStorage and removed from the address bar at once.
 *
 * All text from the server is inserted with textContent, never as HTML.
 */
(function () {
  "use strict";

  const KEY_STORE = "kuaifan.apiKey";
  const LANG_STORE = "kuaifan.lang";

  // ---- i18n ------------------------------------------------------------------------------------
  const I18N = {
    "app.title": ["直播间实时看板", "Live room dashboard"],
    "auth.title": ["登录看板", "Sign in"],
    "auth.hint": [
      "请输入租户的 API 密钥（kuaifan.toml 中的 api_key）。密钥只保存在本标签页，关闭即清除。",
      "Enter your tenant's API key (api_key in kuaifan.toml). It is kept in this tab only and cleared when the tab closes.",
    ],
    "auth.placeholder": ["API 密钥", "API key"],
    "auth.submit": ["进入看板", "Open dashboard"],
    "auth.logout": ["退出", "Sign out"],
    "auth.bad": ["密钥无效", "Invalid key"],
    "nav.back": ["返回直播间列表", "Back to rooms"],
    "rooms.title": ["直播间", "Rooms"],
    "rooms.room": ["直播间", "Room"],
    "rooms.channel": ["类型", "Type"],
    "rooms.status": ["状态", "Status"],
    "rooms.alerts": ["告警", "Alerts"],
    "rooms.last": ["最近事件", "Last event"],
    "rooms.empty": [
      "还没有直播间：用 kuaifan replay 或 POST /v1/events 推送事件。",
      "No rooms yet: push events with kuaifan replay or POST /v1/events.",
    ],
    "rooms.updated": ["更新于", "updated"],
    "channel.store": ["店播", "Store"],
    "channel.influencer": ["达播", "Influencer"],
    "status.live": ["直播中", "LIVE"],
    "status.ended": ["已结束", "Ended"],
    "status.idle": ["未在播", "Idle"],
    "conn.online": ["实时连接", "Live"],
    "conn.offline": ["未连接", "Offline"],
    "metric.gmv": ["成交金额", "GMV"],
    "metric.uv": ["观看人数", "Viewers (UV)"],
    "metric.online": ["在线人数", "Online now"],
    "metric.conversion": ["观看-成交转化率", "View-to-buy conversion"],
    "metric.gpm": ["千次观看成交 GPM", "GPM (per 1,000 views)"],
    "metric.pv": ["观看次数", "Views (PV)"],
    "metric.orders": ["成交订单", "Orders"],
    "metric.uv_value": ["UV 价值", "Value per viewer"],
    "metric.exposure_ctr": ["商品曝光-点击率", "Product click-through"],
    "metric.click_conversion": ["商品点击-成交转化率", "Click-to-buy conversion"],
    "metric.interaction_rate": ["互动率", "Interaction rate"],
    "metric.follow_rate": ["转粉率", "Follow rate"],
    "metric.refund_rate": ["退款率", "Refund rate"],
    "sub.refunds": ["退款", "refunds"],
    "sub.pv": ["观看次数", "views"],
    "sub.peak": ["最高", "peak"],
    "sub.avg": ["平均", "avg"],
    "sub.buyers": ["成交人数", "buyers"],
    "sub.orders": ["订单", "orders"],
    "chart.gmv": ["每分钟成交额与在线人数", "GMV and online viewers per minute"],
    "chart.uv": ["每分钟观看人数与转化率", "Viewers and conversion per minute"],
    "series.gmv": ["成交额（元）", "GMV (¥)"],
    "series.online": ["在线人数", "Online"],
    "series.uv": ["观看人数", "Viewers"],
    "series.conversion": ["转化率", "Conversion"],
    "products.title": ["商品链接", "Product links"],
    "products.link": ["链接", "Link"],
    "products.item": ["商品", "Product"],
    "products.ctr": ["曝光-点击率", "Click-through"],
    "products.clicks": ["点击", "Clicks"],
    "products.orders": ["订单", "Orders"],
    "products.units": ["件数", "Units"],
    "products.gmv": ["成交额", "GMV"],
    "products.stock": ["库存", "Stock"],
    "products.rate": ["售速/分钟", "Sold / min"],
    "products.eta": ["预计售罄", "Sells out in"],
    "products.empty": ["还没有商品数据", "No product data yet"],
    "products.soldout": ["已售罄", "Sold out"],
    "products.variants": ["个规格", "variants"],
    "alerts.title": ["场控告警", "Alerts"],
    "alerts.empty": ["暂无告警", "No alerts"],
    "alerts.resolved": ["已恢复", "resolved"],
    "intents.title": ["评论意图 Top", "Top comment intents"],
    "intents.empty": ["暂无评论", "No comments yet"],
    "asked.title": ["被问最多的规格", "Most asked-for variants"],
    "asked.product": ["商品", "Product"],
    "asked.size": ["尺码", "Size"],
    "asked.color": ["颜色", "Colour"],
    "asked.count": ["被问", "Asks"],
    "asked.share": ["占比", "Share"],
    "asked.any": ["未定商品", "Product unknown"],
    "asked.any_hint": [
      "评论没有指明链接，当时也没有讲解中的商品",
      "The comment named no link and no product was being shown at the time",
    ],
    "asked.empty": ["还没有人在评论里问尺码或颜色", "No one has asked for a size or colour yet"],
    "polls.title": ["共创投票", "Live polls"],
    "polls.empty": ["没有进行中的投票", "No open poll"],
    "polls.placeholder": ["黑色扣1 白色扣2", "黑色扣1 白色扣2 (black: 1, white: 2)"],
    "polls.open": ["发起", "Open"],
    "polls.close": ["结束", "Close"],
    "polls.voters": ["人投票", "voters"],
    "polls.closed": ["已结束", "Closed"],
    "polls.winner": ["胜出", "winner"],
    "unit.min": ["分钟", "min"],
    "intent.price": ["问价格", "Price"],
    "intent.size_fit": ["问尺码", "Size / fit"],
    "intent.variant": ["问颜色款式", "Colour / style"],
    "intent.stock": ["问库存补货", "Stock / restock"],
    "intent.link": ["问链接", "Which link"],
    "intent.shipping": ["问发货物流", "Shipping"],
    "intent.quality": ["问质量", "Quality"],
    "intent.purchased": ["已拍", "Bought"],
    "intent.after_sales": ["售后", "After-sales"],
    "intent.praise": ["好评", "Praise"],
    "intent.other": ["其他", "Other"],
  };

  let lang = localStorage.getItem(LANG_STORE) === "en" ? "en" : "zh";
  const tr = (key) => (I18N[key] ? I18N[key][lang === "zh" ? 0 : 1] : key);
  const listeners = [];

  function applyLang() {
    document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
    document.querySelectorAll("[data-i18n]").forEach((el) => { el.textContent = tr(el.dataset.i18n); });
    document.querySelectorAll("[data-i18n-placeholder]").forEach((el) => {
      el.placeholder = tr(el.dataset.i18nPlaceholder);
    });
    document.querySelectorAll("[data-i18n-title]").forEach((el) => { el.title = tr(el.dataset.i18nTitle); });
    const room = document.getElementById("room-id");
    document.title = (room && room.textContent ? room.textContent : tr("app.title")) + (lang === "zh" ? " · 快反" : " · kuaifan");
    const toggle = document.getElementById("lang-toggle");
    if (toggle) toggle.textContent = lang === "zh" ? "EN" : "中文";
    listeners.forEach((fn) => fn());
  }

  // ---- formatting ------------------------------------------------------------------------------
  const DASH = "—";
  const isNum = (v) => typeof v === "number" && Number.isFinite(v);
  function fmtInt(v) {
    if (!isNum(v)) return DASH;
    if (lang === "zh" && Math.abs(v) >= 100000) return (v / 10000).toFixed(1) + "万";
    return Math.round(v).toLocaleString("en-US");
  }
  function fmtMoney(fen) {
    if (!isNum(fen)) return DASH;
    const yuan = fen / 100;
    if (lang === "zh" && Math.abs(yuan) >= 10000) return "¥" + (yuan / 10000).toFixed(2) + "万";
    const digits = Math.abs(yuan) >= 1000 ? 0 : 2;
    return "¥" + yuan.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
  }
  const fmtPct = (v) => (isNum(v) ? (v * 100).toFixed(2) + "%" : DASH);
  function fmtTime(ms) {
    if (!isNum(ms)) return DASH;
    const d = new Date(ms);
    const p = (n) => String(n).padStart(2, "0");
    return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
  }
  function fmtMinute(ms) {
    const d = new Date(ms);
    return `${String(d.getHours()).padStart(2, "0")}:${String(d.getMinutes()).padStart(2, "0")}`;
  }
  function fmtEta(v) {
    if (!isNum(v)) return DASH;
    if (v <= 0) return tr("products.soldout");
    return (v >= 100 ? Math.round(v) : v.toFixed(1)) + " " + tr("unit.min");
  }

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "class") node.className = v;
      else if (k === "text") node.textContent = v;
      else node.setAttribute(k, v);
    }
    for (const c of children) if (c != null) node.append(c);
    return node;
  }

  // ---- auth + API --------------------------------------------------------------------------------
  function takeKeyFromFragment() {
    const m = /(?:^#|&)key=([^&]+)/.exec(location.hash);
    if (m) {
      sessionStorage.setItem(KEY_STORE, decodeURIComponent(m[1]));
      history.replaceState(null, "", location.pathname + location.search);
    }
  }
  const apiKey = () => sessionStorage.getItem(KEY_STORE);

  class ApiError extends Error {
    constructor(status, body) {
      const e = (body && body.error) || {};
      super(e.message_en || `HTTP ${status}`);
      this.status = status;
      this.body = e;
    }
    text() { return (lang === "zh" ? this.body.message_zh : this.body.message_en) || this.message; }
  }

  async function api(method, path, body) {
    const headers = { "X-API-Key": apiKey() || "", "Accept-Language": lang };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const res = await fetch(path, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: "no-store",
    });
    let data = null;
    try { data = await res.json(); } catch (_) { data = null; }
    if (!res.ok) {
      if (res.status === 401) showLogin(new ApiError(res.status, data));
      throw new ApiError(res.status, data);
    }
    return data;
  }

  let toastTimer = null;
  function toast(err) {
    const box = document.getElementById("toast");
    if (!box) return;
    box.textContent = err instanceof ApiError ? err.text() : String(err && err.message ? err.message : err);
    box.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { box.hidden = true; }, 5000);
  }

  function showLogin(err) {
    document.getElementById("main").hidden = true;
    document.getElementById("login").hidden = false;
    document.getElementById("logout").hidden = true;
    const msg = document.getElementById("login-error");
    if (err && apiKey()) {
      msg.textContent = err.text ? err.text() : tr("auth.bad");
      msg.hidden = false;
    }
    document.getElementById("api-key").focus();
  }

  function setupAuth(start) {
    const form = document.getElementById("login-form");
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const input = document.getElementById("api-key");
      sessionStorage.setItem(KEY_STORE, input.value.trim());
      const msg = document.getElementById("login-error");
      try {
        await api("GET", "/v1/rooms");
      } catch (err) {
        msg.textContent = err instanceof ApiError ? err.text() : String(err);
        msg.hidden = false;
        return;
      }
      input.value = "";
      msg.hidden = true;
      enter(start);
    });
    document.getElementById("logout").addEventListener("click", () => {
      sessionStorage.removeItem(KEY_STORE);
      location.reload();
    });
    if (apiKey()) enter(start);
    else showLogin(null);
  }

  let started = false;
  function enter(start) {
    if (started) {
      location.reload(); // signed in again after a 401: start clean
      return;
    }
    started = true;
    document.getElementById("login").hidden = true;
    document.getElementById("main").hidden = false;
    document.getElementById("logout").hidden = false;
    start();
  }

  // ---- room list page ----------------------------------------------------------------------------
  function indexPage() {
    let rooms = [];
    let timer = null;
    function render() {
      const body = document.querySelector("#rooms-table tbody");
      body.replaceChildren();
      for (const r of rooms) {
        const status = r.live ? "live" : r.ended_ms ? "ended" : "idle";
        const link = el("a", { href: "/rooms/" + encodeURIComponent(r.room_id), text: r.room_id });
        const ch = r.channel ? el("span", { class: "badge " + r.channel, text: tr("channel." + r.channel) }) : DASH;
        const alerts = r.alerts_active
          ? el("span", { class: "badge crit", text: String(r.alerts_active) }) : "0";
        body.append(
          el("tr", {},
            el("td", {}, link),
            el("td", { class: "left" }, ch),
            el("td", { class: "left" }, el("span", { class: "badge " + (r.live ? "live" : ""), text: tr("status." + status) })),
            el("td", { class: "num", text: fmtMoney(r.gmv_fen) }),
            el("td", { class: "num", text: fmtInt(r.uv) }),
            el("td", { class: "num", text: fmtInt(r.online_now) }),
            el("td", { class: "num", text: fmtPct(r.conversion) }),
            el("td", { class: "num" }, alerts),
            el("td", { class: "num", text: fmtTime(r.max_ts_ms) }),
          ),
        );
      }
      document.getElementById("rooms-empty").hidden = rooms.length > 0;
    }
    async function load() {
      try {
        const data = await api("GET", "/v1/rooms");
        rooms = data.rooms || [];
        document.getElementById("tenant-name").textContent = data.tenant || "";
        document.getElementById("rooms-updated").textContent = tr("rooms.updated") + " " + fmtTime(Date.now());
        render();
      } catch (err) {
        if (!(err instanceof ApiError && err.status === 401)) toast(err);
      }
    }
    listeners.push(render);
    load();
    clearInterval(timer);
    timer = setInterval(load, 5000);
  }

  // ---- room page ---------------------------------------------------------------------------------
  function roomPage() {
    const roomId = decodeURIComponent(location.pathname.replace(/^\/rooms\//, "").replace(/\/$/, ""));
    document.getElementById("room-id").textContent = roomId;
    applyLang();

    const view = {
      streamId: null, header: {}, overall: {}, minutes: new Map(), links: new Map(),
      intents: [], asked: [], alerts: [], active: new Map(), polls: { open: new Map(), closed: [] }, live: false,
    };
    let es = null;
    let backoff = 1000;
    let dirty = false;
    let charts = null;

    // ---- state updates
    function applySnapshot(snap) {
      view.streamId = snap.stream_id;
      view.live = !!snap.live;
      const st = snap.state || {};
      view.header = st;
      view.overall = st.overall || {};
      view.minutes = new Map((st.minutes || []).map((m) => [m.minute_ms, m]));
      view.links = new Map((st.links || []).map((l) => [l.link, l]));
      view.variants = st.variants || [];
      view.intents = snap.intents || [];
      view.asked = snap.asked || [];
      view.alerts = (snap.alerts && snap.alerts.recent) || [];
      view.active = new Map(((snap.alerts && snap.alerts.active) || []).map((a) => [alertKey(a), a]));
      view.polls.open = new Map(((snap.polls && snap.polls.open) || []).map((p) => [p.poll_id, p]));
      view.polls.closed = (snap.polls && snap.polls.closed) || [];
      schedule();
    }

    function applyDelta(d) {
      if (view.streamId !== null && d.stream_id !== view.streamId) {
        // Another broadcast of this room: switch when it started later than the one shown.
        const cur = view.header.first_ts_ms || 0;
        if ((d.header && d.header.first_ts_ms) > cur) reloadState();
        return;
      }
      view.header = Object.assign({}, view.header, d.header);
      view.overall = d.overall || view.overall;
      for (const m of d.minutes || []) view.minutes.set(m.minute_ms, m);
      for (const l of d.links || []) view.links.set(l.link, l);
      view.intents = d.intents || view.intents;
      if (d.asked) view.asked = d.asked; // sent only when it changed
      view.live = !view.header.ended_ms;
      schedule();
    }

    const alertKey = (a) => `${a.stream_id}|${a.kind}|${a.subject}`;

    function applyAlert(a) {
      view.alerts.unshift(a);
      if (view.alerts.length > 100) view.alerts.length = 100;
      if (a.status === "firing") view.active.set(alertKey(a), a);
      else view.active.delete(alertKey(a));
      schedule();
    }

    function applyPoll(p) {
      if (p.status === "open") view.polls.open.set(p.poll_id, p);
      else {
        view.polls.open.delete(p.poll_id);
        view.polls.closed = [p].concat(view.polls.closed.filter((c) => c.poll_id !== p.poll_id));
      }
      schedule();
    }

    async function reloadState() {
      try { applySnapshot(await api("GET", "/v1/rooms/" + encodeURIComponent(roomId) + "/state")); }
      catch (err) { if (!(err instanceof ApiError && err.status === 401)) toast(err); }
    }

    // Render at most ~4 times a second however fast deltas arrive.
    function schedule() {
      if (dirty) return;
      dirty = true;
      setTimeout(() => { dirty = false; render(); }, 150);
    }

    // ---- rendering
    function setMetric(name, text, value) {
      const node = document.querySelector(`[data-metric="${name}"]`);
      if (node.textContent !== text) {
        node.textContent = text;
        node.dataset.value = value == null ? "" : String(value);
        const card = node.closest(".metric");
        card.classList.remove("flash");
        void card.offsetWidth; // restart the animation
        card.classList.add("flash");
      }
    }
    const setText = (id, text) => { document.getElementById(id).textContent = text; };
    const setStat = (name, text) => { document.querySelector(`[data-stat="${name}"]`).textContent = text; };

    function renderHeader() {
      const h = view.header;
      setText("stream-id", view.streamId || "");
      const ch = document.getElementById("channel-badge");
      if (h.channel) { ch.hidden = false; ch.className = "badge " + h.channel; ch.textContent = tr("channel." + h.channel); }
      const lb = document.getElementById("live-badge");
      lb.hidden = false;
      lb.className = "badge " + (view.live ? "live" : "");
      lb.textContent = tr(view.live ? "status.live" : h.ended_ms ? "status.ended" : "status.idle");
      setText("updated", isNum(h.max_ts_ms) ? fmtTime(h.max_ts_ms) : "");
    }

    function renderMetrics() {
      const o = view.overall;
      setMetric("gmv", fmtMoney(o.gmv_fen), o.gmv_fen);
      setMetric("uv", fmtInt(o.uv), o.uv);
      setMetric("online", fmtInt(o.online_now), o.online_now);
      setMetric("conversion", fmtPct(o.conversion), o.conversion);
      setMetric("gpm", fmtMoney(o.gpm_fen), o.gpm_fen);
      setText("sub-gmv", `${tr("sub.orders")} ${fmtInt(o.orders)} · ${tr("sub.refunds")} ${fmtMoney(o.refund_fen)}`);
      setText("sub-uv", `${tr("sub.pv")} ${fmtInt(o.pv)}`);
      setText("sub-online", `${tr("sub.peak")} ${fmtInt(o.online_peak)} · ${tr("sub.avg")} ${fmtInt(o.online_avg)}`);
      setText("sub-conversion", `${tr("sub.buyers")} ${fmtInt(o.buyers)}`);
      setText("sub-gpm", `${tr("metric.uv_value")} ${fmtMoney(o.uv_value_fen)}`);
      setStat("pv", fmtInt(o.pv));
      setStat("orders", fmtInt(o.orders));
      setStat("uv_value", fmtMoney(o.uv_value_fen));
      for (const k of ["exposure_ctr", "click_conversion", "interaction_rate", "follow_rate", "refund_rate"]) {
        setStat(k, fmtPct(o[k]));
      }
    }

    function renderProducts() {
      const body = document.querySelector("#products tbody");
      body.replaceChildren();
      const links = Array.from(view.links.values()).sort((a, b) => {
        const an = a.link_no == null ? 1e9 : a.link_no;
        const bn = b.link_no == null ? 1e9 : b.link_no;
        return an - bn || String(a.link).localeCompare(String(b.link));
      });
      for (const l of links) {
        const low = isNum(l.stock) && l.stock > 0 && l.stock < 10;
        const stockCls = l.sold_out ? "out" : low ? "low" : "";
        const eta = l.sold_out ? tr("products.soldout") : fmtEta(l.eta_min);
        const etaCls = l.sold_out ? "out" : isNum(l.eta_min) && l.eta_min < 5 ? "low" : "";
        const item = el("span", { text: l.link });
        const extra = l.stock_skus
          ? el("span", { class: "muted", text: `  ${l.stock_skus} ${tr("products.variants")}` }) : null;
        body.append(
          el("tr", { class: l.sold_out ? "sold-out" : "" },
            el("td", { class: "num", text: l.link_no == null ? DASH : "#" + l.link_no }),
            el("td", { class: "left" }, item, extra),
            el("td", { class: "num", text: fmtPct(l.exposure_ctr) }),
            el("td", { class: "num", text: fmtInt(l.clicks) }),
            el("td", { class: "num", text: fmtInt(l.orders) }),
            el("td", { class: "num", text: fmtInt(l.units) }),
            el("td", { class: "num", text: fmtMoney(l.gmv_fen) }),
            el("td", { class: "num " + stockCls, text: fmtInt(l.stock) }),
            el("td", { class: "num", text: isNum(l.sell_rate_per_min) ? l.sell_rate_per_min.toFixed(1) : DASH }),
            el("td", { class: "num " + etaCls, text: eta }),
          ),
        );
      }
      document.getElementById("products-empty").hidden = links.length > 0;
    }

    function renderAlerts() {
      const list = document.getElementById("alerts");
      list.replaceChildren();
      for (const a of view.alerts.slice(0, 50)) {
        const title = lang === "zh" ? a.title_zh : a.title_en;
        const reason = lang === "zh" ? a.reason_zh : a.reason_en;
        const status = a.status === "resolved" ? " · " + tr("alerts.resolved") : "";
        list.append(
          el("li", { class: a.status === "resolved" ? "resolved" : a.severity },
            el("div", { class: "title" }, el("span", { text: title + status }),
              el("span", { class: "when num", text: fmtTime(a.event_ts_ms || a.ts_ms) })),
            el("div", { class: "reason", text: reason }),
          ),
        );
      }
      document.getElementById("alerts-empty").hidden = view.alerts.length > 0;
      const badge = document.getElementById("alerts-active");
      badge.textContent = String(view.active.size);
      badge.className = "badge " + (view.active.size ? "crit" : "ok");
    }

    function barRow(name, count, share, total) {
      const fill = el("div", { class: "fill" });
      fill.style.width = Math.round(Math.max(0, Math.min(1, share)) * 100) + "%";
      return el("li", { class: "bar-row" },
        el("span", { class: "name", text: name }),
        el("div", { class: "track" }, fill),
        el("span", { class: "count num", text: total }),
      );
    }

    function renderIntents() {
      const list = document.getElementById("intents");
      list.replaceChildren();
      const shown = view.intents.filter((i) => i.intent !== "other").slice(0, 6);
      const top = shown.length ? shown[0].count : 1;
      for (const i of shown) list.append(barRow(tr("intent." + i.intent), i.count, i.count / top, fmtInt(i.count)));
      document.getElementById("intents-empty").hidden = shown.length > 0;
    }

    // Which (product, size, colour) viewers ask for; the product's link number comes from the links table.
    function renderAsked() {
      const body = document.querySelector("#asked tbody");
      body.replaceChildren();
      for (const a of view.asked) {
        const link = view.links.get(a.product);
        const known = a.product !== "*";
        const name = known ? a.product_name || a.product : tr("asked.any");
        const product = el("td", { class: "left name", title: known ? a.product : tr("asked.any_hint") },
          link && link.link_no != null ? el("span", { class: "muted", text: "#" + link.link_no + " " }) : null,
          el("span", { text: name }));
        body.append(
          el("tr", { "data-product": a.product },
            product,
            el("td", { class: "left", text: a.size || DASH }),
            el("td", { class: "left", text: a.color || DASH }),
            el("td", { class: "num", text: fmtInt(a.count) }),
            el("td", { class: "num muted", text: isNum(a.share) ? Math.round(a.share * 100) + "%" : DASH }),
          ),
        );
      }
      document.getElementById("asked-empty").hidden = view.asked.length > 0;
    }

    function renderPolls() {
      const box = document.getElementById("polls");
      box.replaceChildren();
      for (const p of view.polls.open.values()) {
        const close = el("button", { class: "btn ghost small", type: "button", text: tr("polls.close") });
        close.addEventListener("click", () => closePoll(p.poll_id));
        const bars = el("ul", { class: "bars" });
        const top = Math.max(1, ...p.options.map((o) => o.votes));
        for (const o of p.options) bars.append(barRow(`${o.code} · ${o.label}`, o.votes, o.votes / top, fmtInt(o.votes)));
        box.append(el("div", { class: "poll" },
          el("div", { class: "q" }, el("span", { text: `${p.question}  (${fmtInt(p.voters)} ${tr("polls.voters")})` }), close),
          bars));
      }
      document.getElementById("polls-empty").hidden = view.polls.open.size > 0;
      const closed = document.getElementById("closed-polls");
      closed.replaceChildren();
      for (const p of view.polls.closed.slice(0, 3)) {
        const win = p.winners && p.winners.length
          ? p.options.filter((o) => p.winners.includes(o.code)).map((o) => o.label).join(" / ") : DASH;
        closed.append(el("div", {
          text: `${tr("polls.closed")}：${p.question} → ${tr("polls.winner")} ${win}（${fmtInt(p.voters)} ${tr("polls.voters")}）`,
        }));
      }
    }

    function chartTheme() {
      return {
        backgroundColor: "transparent",
        textStyle: { color: "#c9d4ea", fontFamily: getComputedStyle(document.documentElement).fontFamily },
        grid: { left: 50, right: 50, top: 36, bottom: 28 },
        tooltip: { trigger: "axis" },
        legend: { top: 0, textStyle: { color: "#c9d4ea" } },
      };
    }

    function renderCharts() {
      if (!window.echarts) return;
      if (!charts) {
        charts = {
          gmv: window.echarts.init(document.getElementById("chart-gmv"), null, { renderer: "canvas" }),
          uv: window.echarts.init(document.getElementById("chart-uv"), null, { renderer: "canvas" }),
        };
        window.addEventListener("resize", () => { charts.gmv.resize(); charts.uv.resize(); });
      }
      // Late corrections long after the end (refunds re-attributed hours later) stay out of the chart.
      const end = view.header.ended_ms;
      const keys = Array.from(view.minutes.keys())
        .filter((k) => !isNum(end) || k <= end)
        .sort((a, b) => a - b)
        .slice(-240);
      const mins = keys.map((k) => view.minutes.get(k));
      const x = keys.map(fmtMinute);
      const axis = { type: "category", data: x, axisLine: { lineStyle: { color: "#42557d" } } };
      const yAxis = (fmt) => ({
        type: "value", splitLine: { lineStyle: { color: "#1f2b45" } },
        axisLabel: fmt ? { formatter: fmt } : {},
      });
      charts.gmv.setOption(Object.assign(chartTheme(), {
        xAxis: axis,
        yAxis: [yAxis(), yAxis()],
        series: [
          { name: tr("series.gmv"), type: "bar", data: mins.map((m) => (m.gmv_fen || 0) / 100), itemStyle: { color: "#ff5a5f" } },
          { name: tr("series.online"), type: "line", yAxisIndex: 1, showSymbol: false, smooth: true,
            data: mins.map((m) => (m.online_avg == null ? null : Math.round(m.online_avg))), itemStyle: { color: "#3ea6ff" } },
        ],
      }), { notMerge: true });
      charts.uv.setOption(Object.assign(chartTheme(), {
        xAxis: axis,
        yAxis: [yAxis(), yAxis((v) => (v * 100).toFixed(1) + "%")],
        series: [
          { name: tr("series.uv"), type: "bar", data: mins.map((m) => m.uv || 0), itemStyle: { color: "#3ea6ff" } },
          { name: tr("series.conversion"), type: "line", yAxisIndex: 1, showSymbol: false, smooth: true,
            data: mins.map((m) => (m.conversion == null ? null : m.conversion)), itemStyle: { color: "#2fc57f" } },
        ],
      }), { notMerge: true });
    }

    function render() {
      renderHeader();
      renderMetrics();
      renderProducts();
      renderAlerts();
      renderIntents();
      renderAsked();
      renderPolls();
      renderCharts();
    }
    listeners.push(() => { if (view.streamId !== null) render(); });

    // ---- actions
    async function closePoll(pollId) {
      try {
        applyPoll(await api("POST", `/v1/rooms/${encodeURIComponent(roomId)}/polls/${encodeURIComponent(pollId)}/close`));
      } catch (err) { toast(err); }
    }
    document.getElementById("poll-form").addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const input = document.getElementById("poll-text");
      try {
        applyPoll(await api("POST", `/v1/rooms/${encodeURIComponent(roomId)}/polls`, { text: input.value.trim() }));
        input.value = "";
      } catch (err) { toast(err); }
    });

    // ---- live stream
    function setConn(on) {
      document.getElementById("conn-dot").className = "dot" + (on ? " on" : "");
      const text = document.getElementById("conn-text");
      text.dataset.i18n = on ? "conn.online" : "conn.offline";
      text.textContent = tr(text.dataset.i18n);
    }

    async function connect() {
      if (es) { es.close(); es = null; }
      let token;
      try {
        token = (await api("POST", "/v1/stream-token")).token;
      } catch (err) {
        setConn(false);
        if (err instanceof ApiError && (err.status === 401 || err.status === 404)) { if (err.status === 404) toast(err); return; }
        setTimeout(connect, backoff);
        backoff = Math.min(backoff * 2, 30000);
        return;
      }
      const source = new EventSource(`/v1/rooms/${encodeURIComponent(roomId)}/live?token=${encodeURIComponent(token)}`);
      es = source;
      source.onopen = () => { backoff = 1000; setConn(true); };
      source.addEventListener("snapshot", (e) => applySnapshot(JSON.parse(e.data)));
      source.addEventListener("metrics", (e) => applyDelta(JSON.parse(e.data)));
      source.addEventListener("alert", (e) => applyAlert(JSON.parse(e.data)));
      source.addEventListener("poll", (e) => applyPoll(JSON.parse(e.data)));
      source.onerror = () => {
        setConn(false);
        if (source.readyState === EventSource.CLOSED) {
          // Refused (expired token, server restarted, unknown room): check, then retry with a new token.
          source.close();
          if (es === source) es = null;
          reloadState();
          setTimeout(connect, backoff);
          backoff = Math.min(backoff * 2, 30000);
        }
      };
    }

    reloadState().then(connect);
  }

  // ---- start -------------------------------------------------------------------------------------
  takeKeyFromFragment();
  document.getElementById("lang-toggle").addEventListener("click", () => {
    lang = lang === "zh" ? "en" : "zh";
    localStorage.setItem(LANG_STORE, lang);
    applyLang();
  });
  applyLang();
  const page = document.body.dataset.page;
  setupAuth(page === "room" ? roomPage : indexPage);
})();
