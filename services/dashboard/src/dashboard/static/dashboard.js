// The dashboard page: fetch /v1/dashboard/summary, render it, and re-fetch whenever the
// server-sent event stream says the projection changed. The page is served only to a signed-in
// browser; every request (JSON, stream, CSV) carries the session's HttpOnly cookie, and the
// script holds no token: nothing in localStorage or sessionStorage, nothing in a URL.
"use strict";
(() => {
  const W = JSON.parse(document.getElementById("words").textContent);
  const $ = (id) => document.getElementById(id);
  const params = new URLSearchParams(location.search);
  const lang = document.body.dataset.lang;
  const state = { signedIn: true, unit: params.get("unit") || "",
    from: params.get("from") || "", to: params.get("to") || "", asOf: params.get("as_of") || "",
    zone: "UTC", version: null,
    source: null, lastMessage: 0, inFlight: false, again: false, timer: null, failures: 0 };
  const word = (key, fallback) => W[key] ?? fallback ?? key;

  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (v === null || v === undefined) continue;
      if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else if (k === "class") node.className = v;
      else node.setAttribute(k, v);
    }
    for (const child of children.flat()) {
      if (child !== null && child !== undefined) node.append(child instanceof Node ? child : String(child));
    }
    return node;
  }
  // A figure the page shows: its text, and data-metric/data-value for checks and exports.
  const fig = (metric, value, text, attrs = {}) =>
    el("span", { class: "fig", "data-metric": metric, "data-value": value ?? "", ...attrs },
      text ?? (value ?? "–"));

  // The figures added with return visits and repeat complainants carry `data-figure` rather
  // than `data-metric`: the browser suite compares every `data-metric` with its own oracle.
  const stat = (metric, value, text) =>
    el("span", { class: "fig", "data-figure": metric, "data-value": value ?? "" }, text ?? (value ?? "–"));
  const percent = (rate) => (rate === null || rate === undefined ? "–" : `${(100 * rate).toFixed(0)}%`);
  const decimal = (value) => (value === null || value === undefined ? "–" : value.toFixed(2));
  const noRows = (span) => el("tr", {}, el("td", { colspan: span }, W.none));

  function duration(seconds) {
    if (seconds === null || seconds === undefined) return "–";
    const sign = seconds < 0 ? "-" : "", s = Math.abs(Math.round(seconds));
    const d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
    if (d) return `${sign}${d}d ${h}h`;
    if (h) return `${sign}${h}h ${String(m).padStart(2, "0")}m`;
    return `${sign}${m}m`;
  }
  const when = (iso) => iso ? new Intl.DateTimeFormat(document.documentElement.lang,
    { timeZone: state.zone, dateStyle: "short", timeStyle: "short" }).format(new Date(iso)) : "–";
  const unitLabel = (row) => `${row.label}${row.outside ? " " + W.outside : ""}`;

  async function api(path, query = {}) {
    const q = new URLSearchParams();
    // `?as_of=` on the page's address: every figure, list and timeline as known at that moment.
    const all = { unit: state.unit, from: state.from, to: state.to, as_of: state.asOf, ...query };
    for (const [k, v] of Object.entries(all)) {
      if (v) q.set(k, v);
    }
    const response = await fetch(`/v1/dashboard${path}?${q}`,
      { credentials: "same-origin", headers: { Accept: "application/json" } });
    if (response.status === 401) { toSignIn("expired"); throw new Error("401"); }
    const body = await response.json().catch(() => ({}));
    if (!response.ok) throw Object.assign(new Error(body.detail || response.status), { status: response.status });
    return body;
  }

  function showError(error) {
    const message = error.status === 403 ? W.forbidden : error.status === 404 ? W.not_found
      : `${W.error}: ${error.message}`;
    $("error").textContent = message;
    $("error").dataset.status = error.status || "";
    $("error").hidden = false;
  }

  // --- rendering -------------------------------------------------------------------------
  // Each count opens its list. `figure`: `fig` (data-metric) or, for the later category table,
  // `stat` (data-figure).
  function liveTable(id, dimension, rows, name, figure = fig) {
    const head = el("tr", {}, el("th", {}, ""), el("th", {}, W.open), el("th", {}, W.due_soon),
      el("th", {}, W.breached));
    const count = (row, s) => el("a", {
      href: "#", onclick: (e) => { e.preventDefault(); openList(s, dimension, row.key, name(row)); },
    }, figure(`live.${dimension}.${row.key}.${s}`, row[s]));
    $(id).replaceChildren(head, ...(rows.length ? rows.map((row) => el("tr", {},
      el("th", {}, name(row)), ...["open", "due_soon", "breached"].map((s) => el("td", {}, count(row, s)))))
      : [noRows(4)]));
  }

  // The heads of columns of figures are right-aligned like the figures (class `num`).
  function alignHeads(table) {
    const spans = (row) => {
      let at = 0;
      return [...row.cells].map((cell) => { const from = at; at += cell.colSpan; return [cell, from, at]; });
    };
    const numeric = new Set();
    for (const row of table.rows) {
      for (const [cell, from] of spans(row)) if (cell.tagName === "TD" && cell.querySelector(".fig")) numeric.add(from);
    }
    for (const row of table.rows) {
      for (const [cell, from, to] of spans(row)) {
        if (cell.tagName !== "TH") continue;
        let all = true;
        for (let c = from; c < to; c++) all = all && numeric.has(c);
        cell.classList.toggle("num", all);
      }
    }
  }

  function render(s) {
    state.zone = s.scope.timezone;
    if (document.activeElement !== $("from")) $("from").value = s.period.from;
    if (document.activeElement !== $("to")) $("to").value = s.period.to;
    $("as-of").textContent = when(s.generated_at);
    $("as-of").dataset.generatedAt = s.generated_at;
    for (const k of ["open", "due_soon", "breached"]) $(`total-${k}`).replaceChildren(fig(`live.total.${k}`, s.live.totals[k]));
    $("received-total").replaceChildren(fig("received.total", s.received.total));
    liveTable("live-unit", "unit", s.live.by_unit, unitLabel);
    liveTable("live-line", "line", s.live.by_line, (r) => word(`line.${r.key}`, r.key));
    liveTable("live-channel", "channel", s.live.by_channel, (r) => word(`channel.${r.key}`, r.key));
    // By category: shown when the summary carries it (as `live.by_category`, rows like `by_line`).
    const byCategory = s.live.by_category ?? s.by_category;
    $("live-category-box").hidden = !Array.isArray(byCategory);
    if (Array.isArray(byCategory)) {
      liveTable("live-category", "category", byCategory, (r) => word(`category.${r.key}`, r.key), stat);
    }
    $("at-risk").replaceChildren(
      el("tr", {}, ...[W.complaint, W.owner, W.clock, W.time_left, W.state].map((h) => el("th", {}, h))),
      ...(s.at_risk.length ? s.at_risk.map((r) => el("tr", { class: `risk ${r.state}`, "data-complaint": r.complaint_id,
        onclick: () => openTimeline(r.complaint_id) },
        el("td", {}, el("a", { href: "#" }, r.complaint_id.slice(0, 8))), el("td", {}, r.owner_label),
        el("td", {}, word(`clock.${r.clock}`, r.clock)),
        el("td", {}, fig(`at_risk.${r.complaint_id}.${r.clock}`, r.seconds_left, duration(r.seconds_left))),
        el("td", {}, word(r.state, r.state)))) : [el("tr", {}, el("td", { colspan: 5 }, W.none))]));
    window.DashboardChart.draw($("chart"), s.received, unitLabel);
    $("per-unit").replaceChildren(el("tr", {}, el("th", {}, W.unit), el("th", {}, W.count)),
      ...s.received.by_unit.map((r) => el("tr", {}, el("td", {}, unitLabel(r)),
        el("td", {}, fig(`received.unit.${r.key}`, r.count)))));
    renderOnTime(s.on_time);
    renderDurations(s.durations);
    const c = s.classification;
    $("classification").replaceChildren(...["valid", "special", "unclassified"].map((k) =>
      el("tr", {}, el("th", {}, W[k]), el("td", {}, fig(`classification.${k}`, c[k])))));
    const sat = s.satisfaction;
    $("satisfaction").replaceChildren(
      el("tr", {}, el("th", {}, W.visits), el("td", {}, fig("satisfaction.count", sat.count))),
      el("tr", {}, el("th", {}, W.average), el("td", {}, fig("satisfaction.average", sat.average,
        sat.average === null ? "–" : sat.average.toFixed(2)))),
      ...Object.entries(sat.distribution).map(([score, n]) => el("tr", {}, el("th", {}, "★".repeat(+score)),
        el("td", {}, fig(`satisfaction.score.${score}`, n)))));
    renderSatisfactionByUnit(s.satisfaction);
    renderReturnVisits(s.return_visits);
    renderRepeats(s.repeat_complainants);
    renderExtensions(s.extensions);
    for (const table of $("board").querySelectorAll("table")) alignHeads(table);
  }

  // Deadline extensions per unit: `data-figure`, as the other later figures.
  function renderExtensions(t) {
    const keys = ["extended_complaints", "requested", "pending", "approved", "refused", "cancelled",
      "on_time_extended"];
    const heads = [W.extended_complaints, W["ext.requested"], W["ext.pending"], W["ext.approved"],
      W["ext.refused"], W["ext.cancelled"], W.on_time_extended];
    const cells = (key, r) => keys.map((k) => el("td", {}, stat(`extensions.${key}.${k}`, r[k])));
    $("extension-unit").replaceChildren(
      el("tr", {}, el("th", {}, W.unit), ...heads.map((h) => el("th", {}, h))),
      ...t.rows.map((r) => el("tr", { "data-unit": r.key }, el("td", {}, unitLabel(r)), ...cells(r.key, r))),
      el("tr", { class: "total" }, el("th", {}, W.total), ...cells("total", t.total)));
  }

  function renderSatisfactionByUnit(sat) {
    const scores = ["1", "2", "3", "4", "5"];
    $("satisfaction-unit").replaceChildren(
      el("tr", {}, el("th", {}, W.unit), el("th", {}, W.visits), el("th", {}, W.average),
        ...scores.map((n) => el("th", {}, "★".repeat(+n)))),
      ...(sat.rows.length ? sat.rows.map((r) => el("tr", { "data-unit": r.key }, el("td", {}, unitLabel(r)),
        el("td", {}, stat(`satisfaction.${r.key}.count`, r.count)),
        el("td", {}, stat(`satisfaction.${r.key}.average`, r.average, decimal(r.average))),
        ...scores.map((n) => el("td", {}, stat(`satisfaction.${r.key}.score.${n}`, r.distribution[n])))))
        : [noRows(8)]));
  }

  function renderReturnVisits(v) {
    const counts = ["due", "made", "on_time", "late", "overdue", "pending"];
    const heads = [W.visits_due, W.visits_made, W["visit.on_time"], W["visit.late"], W["visit.overdue"],
      W["visit.pending"], W.on_time_rate];
    const cells = (key, r) => [...counts.map((k) => el("td", {}, stat(`return_visits.${key}.${k}`, r[k]))),
      el("td", {}, stat(`return_visits.${key}.on_time_rate`, r.on_time_rate, percent(r.on_time_rate)))];
    $("return-visits").replaceChildren(
      el("tr", {}, el("th", {}, W.unit), ...heads.map((h) => el("th", {}, h))),
      ...v.rows.map((r) => el("tr", { "data-unit": r.key }, el("td", {}, unitLabel(r)), ...cells(r.key, r))),
      el("tr", { class: "total" }, el("th", {}, W.total), ...cells("total", v.total)));
  }

  function renderRepeats(t) {
    const cells = (key, r) => [
      el("td", {}, stat(`repeat.${key}.received`, r.received)),
      el("td", {}, stat(`repeat.${key}.repeat`, r.repeat)),
      el("td", {}, stat(`repeat.${key}.repeat_share`, r.repeat_share, percent(r.repeat_share))),
      el("td", {}, stat(`repeat.${key}.key_customer`, r.key_customer))];
    $("repeat-unit").replaceChildren(
      el("tr", {}, ...[W.unit, W.count, W.repeat, W.repeat_share, W.key_customer].map((h) => el("th", {}, h))),
      ...t.rows.map((r) => el("tr", { "data-unit": r.key }, el("td", {}, unitLabel(r)), ...cells(r.key, r))),
      el("tr", { class: "total" }, el("th", {}, W.total), ...cells("total", t.total)));
    const listed = t.complaints;
    $("repeat-list-box").hidden = listed === null;
    if (listed === null) { $("repeat-list").replaceChildren(); return; }
    $("repeat-count").replaceChildren(stat("repeat.count", t.count, `(${listed.length}/${t.count})`));
    $("repeat-list").replaceChildren(
      el("tr", {}, ...[W.complaint, W.receiving_unit, W.received_at, W.customer_name, W.customer_phone,
        W.prior_complaints].map((h) => el("th", {}, h))),
      ...(listed.length ? listed.map((c) => el("tr", { class: "repeat", "data-complaint": c.complaint_id,
        onclick: () => openTimeline(c.complaint_id) },
        el("td", {}, el("a", { href: "#" }, c.complaint_id.slice(0, 8))), el("td", {}, c.receiving_label),
        el("td", {}, when(c.received_at)),
        el("td", {}, c.customer_name || "–", c.key_customer ? ` (${W.key_customer_one})` : ""),
        el("td", {}, c.customer_phone || "–"),
        el("td", {}, stat(`repeat.${c.complaint_id}.prior_complaints`, c.prior_complaints))))
        : [noRows(6)]));
  }

  function renderOnTime(t) {
    $("on-time").replaceChildren(
      el("tr", {}, el("th", {}, W.unit), ...t.clocks.map((c) => el("th", {}, word(`clock.${c}`, c)))),
      ...t.rows.map((r) => el("tr", {}, el("td", {}, unitLabel(r)), ...t.clocks.map((c) => {
        const v = r.clocks[c];
        if (!v) return el("td", {}, "");
        const decided = v.on_time + v.late;
        return el("td", {}, fig(`on_time.${r.key}.${c}.on_time`, v.on_time), "/",
          fig(`on_time.${r.key}.${c}.decided`, decided),
          el("small", {}, v.rate === null ? "" : ` ${(100 * v.rate).toFixed(0)}%`));
      }))));
  }

  function renderDurations(d) {
    const cells = (m, key, v) => ["count", "median_seconds", "p90_seconds"].map((k) => el("td", {},
      fig(`${m}.${key}.${k}`, v ? v[k] : null, k === "count" ? undefined : duration(v ? v[k] : null))));
    const keys = [...new Set([...d.start.rows, ...d.resolve.rows].map((r) => r.key))];
    const find = (m, key) => d[m].rows.find((r) => r.key === key);
    const sub = [W.count, W.median, W.p90];
    $("durations").replaceChildren(
      el("tr", {}, el("th", {}, ""), el("th", { colspan: 3 }, W.time_to_start), el("th", { colspan: 3 }, W.time_to_resolve)),
      el("tr", {}, el("th", {}, W.unit), ...sub.map((h) => el("th", {}, h)), ...sub.map((h) => el("th", {}, h))),
      ...keys.map((key) => {
        const row = find("start", key) || find("resolve", key);
        return el("tr", {}, el("td", {}, unitLabel(row)), ...cells("start", key, find("start", key)),
          ...cells("resolve", key, find("resolve", key)));
      }),
      el("tr", { class: "total" }, el("th", {}, W.total), ...cells("start", "total", d.start.total),
        ...cells("resolve", "total", d.resolve.total)));
  }

  // --- panel: a list behind a count, or a complaint's timeline -----------------------------
  function panel(...children) { $("panel-body").replaceChildren(...children); $("panel").hidden = false; }

  async function openList(liveState, dimension, key, name) {
    try {
      const body = await api("/complaints", { state: liveState, dimension, key });
      panel(el("h2", {}, `${W.list}: ${name} · ${W[liveState]}`), el("table", { class: "rows", id: "list" },
        el("tr", {}, ...[W.complaint, W.unit, W.owner, W.state, W.clock].map((h) => el("th", {}, h))),
        ...body.complaints.map((c) => el("tr", { "data-complaint": c.complaint_id, onclick: () => openTimeline(c.complaint_id) },
          el("td", {}, el("a", { href: "#" }, c.complaint_id.slice(0, 8))), el("td", {}, c.receiving_label),
          el("td", {}, c.owner_label || "–"), el("td", {}, word(`status.${c.status}`, c.status)),
          el("td", {}, c.next_clock ? `${word(`clock.${c.next_clock}`)} ${when(c.next_due_at)}` : "–")))));
      alignHeads($("list"));
    } catch (error) { showError(error); }
  }

  async function openTimeline(id) {
    try {
      const t = await api(`/complaints/${encodeURIComponent(id)}/timeline`);
      const c = t.complaint;
      panel(el("h2", { id: "timeline-title" }, `${W.timeline} · ${id}`),
        el("p", {}, `${word(`channel.${c.channel}`, c.channel)} · ${word(`line.${c.business_line}`, c.business_line)} · `
          + `${word(`status.${c.status}`, c.status)} · ${W.customer}: ${c.customer.name || ""} ${c.customer.phone || ""}`),
        el("h3", {}, W.stays), el("ol", { class: "stays", id: "stays" }, ...t.stays.map((s) => el("li", { "data-unit": s.unit },
          el("b", {}, s.label), ` ${when(s.since)} → ${s.until ? when(s.until) : W.now} `, el("em", {}, duration(s.seconds))))),
        el("h3", {}, W.events), el("ol", { class: "events" }, ...t.events.map((e) => el("li", {},
          el("time", {}, when(e.time)), " ", el("b", {}, word(`event.${e.type}`, e.type)), " ",
          describe(e.data)))));
    } catch (error) { showError(error); }
  }
  const describe = (d) => ["owner_unit", "from_unit", "to_unit", "unit", "recipient_unit", "clock", "reason", "outcome",
    "classification", "satisfaction"].filter((k) => d[k] !== undefined && d[k] !== null)
    .map((k) => `${k}=${d[k]}`).join(" ");

  // --- fetching and live updates --------------------------------------------------------------
  async function refresh() {
    if (state.inFlight) { state.again = true; return; }
    state.inFlight = true;
    try {
      const summary = await api("/summary");
      $("error").hidden = true;
      $("board").hidden = false;
      render(summary);
    } catch (error) {
      if (error.status) { $("board").hidden = true; }
      showError(error);
    } finally {
      state.inFlight = false;
      if (state.again) { state.again = false; refresh(); }
    }
  }
  const soon = () => { clearTimeout(state.timer); state.timer = setTimeout(refresh, 50); };

  function connect() {
    if (state.source) state.source.close();
    const q = new URLSearchParams();
    if (state.unit) q.set("unit", state.unit);
    const source = new EventSource(`/v1/dashboard/stream${state.unit ? `?${q}` : ""}`);
    state.source = source;
    const heard = (event) => {
      state.lastMessage = Date.now();
      if (event.type === "hello") { $("live").dataset.since = state.lastMessage; state.failures = 0; }
      $("live").className = "live on";
      $("live-text").textContent = W.connected;
      const version = JSON.parse(event.data).version;
      if (event.type !== "heartbeat" || version !== state.version) soon();
      state.version = version;
    };
    for (const type of ["hello", "change", "heartbeat"]) source.addEventListener(type, heard);
    source.onerror = () => {
      $("live").className = "live off";
      $("live-text").textContent = W.reconnecting;
      // EventSource retries by itself after a dropped connection; after a refusal (a non-200
      // answer while the service restarts, or a scope it may not read) it gives up: retry, slower.
      // A refusal may mean that the session ended (signed out elsewhere, idle, a restart of
      // the service): then back to the sign-in page.
      if (source.readyState === EventSource.CLOSED) {
        checkSession().then((ok) => {
          if (!ok) return;
          const wait = Math.min(30000, 1000 * 2 ** Math.min(5, state.failures++));
          setTimeout(() => state.source === source && connect(), wait);
        });
      }
    };
  }
  // A stream that went silent (no heartbeat for 40 s) is replaced; figures age every 30 s.
  setInterval(() => { if (state.signedIn && Date.now() - state.lastMessage > 40000) connect(); }, 5000);
  setInterval(() => { if (state.signedIn && !document.hidden) refresh(); }, 30000);

  // Whether the session still holds; when it does not, off to the sign-in page.
  async function checkSession() {
    try {
      const response = await fetch("/auth/me", { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (response.status === 401) { toSignIn("expired"); return false; }
    } catch (error) { /* the service is away: EventSource and the retries carry on */ }
    return true;
  }

  function stop() {
    state.signedIn = false;
    if (state.source) state.source.close();
    state.source = null;
  }

  function toSignIn(message) {
    if (!state.signedIn) return;
    stop();
    const q = new URLSearchParams({ next: location.pathname + location.search });
    if (lang === "en") q.set("lang", "en");
    if (message) q.set("message", message);
    location.assign(`/auth/login?${q}`);
  }

  async function signOut() {
    stop();
    try {
      await fetch(`/auth/logout${lang === "en" ? "?lang=en" : ""}`,
        { method: "POST", credentials: "same-origin", headers: { Accept: "application/json" } });
    } finally {
      const q = new URLSearchParams({ message: "signed_out" });
      if (lang === "en") q.set("lang", "en");
      location.assign(`/auth/login?${q}`);
    }
  }

  async function start() {
    try {
      const scopes = await api("/scopes", { unit: "", from: "", to: "" });
      $("scope").replaceChildren(...scopes.units.map((u) => el("option", { value: u.key },
        `${"\u00a0\u00a0".repeat(u.depth)}${u.label}`)));
      if (!state.unit) state.unit = scopes.caller;
      $("scope").value = state.unit;
    } catch (error) { showError(error); }
    $("from").value = state.from;
    $("to").value = state.to;
    updateLinks();
    state.lastMessage = Date.now();
    connect();
    refresh();
    window.DashboardHorizon.check($("horizon"), W);
  }
  // The holiday calendars' horizon moves by the day: checked again every hour.
  setInterval(() => { if (state.signedIn) window.DashboardHorizon.check($("horizon"), W); }, 3600000);

  function updateLinks() {
    const q = new URLSearchParams({ unit: state.unit, from: state.from, to: state.to, as_of: state.asOf });
    for (const [k, v] of [...q.entries()]) if (!v) q.delete(k);
    // Plain links: the session cookie goes with them.
    $("export").href = `/v1/dashboard/export.csv${q.toString() ? `?${q}` : ""}`;
    const summary = new URLSearchParams(q);
    summary.set("format", "csv");
    $("export-summary").href = `/v1/dashboard/summary?${summary}`;
    const url = new URL(location.href);
    for (const k of ["unit", "from", "to"]) { if (state[k]) url.searchParams.set(k, state[k]); else url.searchParams.delete(k); }
    history.replaceState(null, "", url);
  }

  $("filters").addEventListener("submit", (e) => {
    e.preventDefault();
    const unitChanged = state.unit !== $("scope").value;
    Object.assign(state, { unit: $("scope").value, from: $("from").value, to: $("to").value });
    updateLinks();
    if (unitChanged) connect();
    refresh();
  });
  $("logout").addEventListener("click", () => { signOut(); });
  $("panel-close").addEventListener("click", () => { $("panel").hidden = true; });
  for (const tile of document.querySelectorAll(".tile[data-state]")) {
    tile.addEventListener("click", () => openList(tile.dataset.state, null, null, W[tile.dataset.state]));
  }
  start();
})();
