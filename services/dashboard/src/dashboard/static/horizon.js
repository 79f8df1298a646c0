// The calendar-horizon banner. Working-time deadlines skip public holidays only where a holiday
// calendar has been loaded for that year; when `GET /v1/calendar-horizon` says `warning` (a
// calendar does not reach far enough ahead), a line at the top of the page says which years are
// missing, in the page's language. No answer, a 404 or any other error: no banner.
"use strict";
window.DashboardHorizon = (() => {
  const fill = (text, values) => text.replace(/\{(\w+)\}/g, (all, key) => values[key] ?? all);
  const years = (list, W) => [...new Set(list)].sort((a, b) => a - b).join(W["horizon.separator"]);

  // One sentence for a calendar (named when several calendars fall short in different ways).
  function sentence(W, calendar, named) {
    const covered = Array.isArray(calendar.covered_years) ? calendar.covered_years : [];
    const missing = Array.isArray(calendar.missing_years) ? calendar.missing_years : [];
    const prefix = named ? fill(W["horizon.calendar"], { calendar: calendar.calendar }) : "";
    if (!missing.length) return null;
    const text = covered.length
      ? fill(W["horizon.covered"], { last: Math.max(...covered), missing: years(missing, W) })
      : fill(W["horizon.nothing"], { missing: years(missing, W) });
    return prefix + text;
  }

  function sentences(W, body) {
    const short = (Array.isArray(body.calendars) ? body.calendars : []).filter((c) => c && c.warning);
    const shapes = new Set(short.map((c) => JSON.stringify([c.covered_years, c.missing_years])));
    const lines = shapes.size > 1 ? short.map((c) => sentence(W, c, true))
      : short.slice(0, 1).map((c) => sentence(W, c, false));
    const found = lines.filter(Boolean);
    return found.length ? found : [fill(W["horizon.general"], { days: body.horizon_days ?? "" })];
  }

  function show(box, W, body) {
    if (!body || body.warning !== true) {
      box.hidden = true;
      box.replaceChildren();
      return;
    }
    box.replaceChildren(...sentences(W, body).map((line) => {
      const span = document.createElement("span");
      span.textContent = line;
      return span;
    }));
    box.hidden = false;
  }

  async function check(box, W) {
    let body = null;
    try {
      const response = await fetch("/v1/calendar-horizon",
        { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (response.ok) body = await response.json();
    } catch (error) { body = null; }
    show(box, W, body);
    box.dataset.checked = String(Date.now());  // when the horizon was last asked for
  }

  return { check };
})();
