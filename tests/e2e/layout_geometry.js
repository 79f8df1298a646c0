// The dashboard's layout as shown, for tests/e2e/test_dashboard_layout.py (page.evaluate): every
// table, card, tile and banner with its box as seen (clipped by any scrolling box around it); the
// pairs that overlap (neither inside the other); the tables that spill past the window, or past
// their box where that box does not scroll on purpose; and those that scroll in their box.
() => {
  const shown = (el) => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
  const seen = (el) => {
    const r = el.getBoundingClientRect();
    let [left, top, right, bottom] = [r.left, r.top, r.right, r.bottom];
    for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
      const s = getComputedStyle(a), q = a.getBoundingClientRect();
      if (s.overflowX !== "visible") { left = Math.max(left, q.left); right = Math.min(right, q.right); }
      if (s.overflowY !== "visible") { top = Math.max(top, q.top); bottom = Math.min(bottom, q.bottom); }
    }
    return { left, top, right, bottom };
  };
  const name = (el) => {
    const inner = el.matches("table") ? null : el.querySelector("table[id]");
    return (el.id ? `#${el.id}` : `${el.tagName.toLowerCase()}.${[...el.classList].join(".")}`)
      + (inner ? `(#${inner.id})` : "");
  };
  const boxes = [...document.querySelectorAll("table, .card, .tile, .banner")].filter(shown);
  const overlaps = [];
  boxes.forEach((a, i) => boxes.slice(i + 1).forEach((b) => {
    if (a.contains(b) || b.contains(a)) return;
    const p = seen(a), q = seen(b);
    const w = Math.min(p.right, q.right) - Math.max(p.left, q.left);
    const h = Math.min(p.bottom, q.bottom) - Math.max(p.top, q.top);
    if (w > 0.5 && h > 0.5) overlaps.push([name(a), name(b), Math.round(w), Math.round(h)]);
  }));
  const width = document.documentElement.clientWidth;
  const spills = [], scrolls = [];
  for (const table of [...document.querySelectorAll("table")].filter(shown)) {
    const s = seen(table), box = table.parentElement;
    if (s.left < -0.5 || s.right > width + 0.5) spills.push([name(table), "window", Math.round(s.right)]);
    if (table.getBoundingClientRect().width > box.clientWidth + 0.5) {
      if (["auto", "scroll"].includes(getComputedStyle(box).overflowX)) scrolls.push(name(table));
      else spills.push([name(table), "its box", Math.round(table.getBoundingClientRect().width)]);
    }
  }
  return { boxes: boxes.length, tables: document.querySelectorAll("table").length, overlaps,
    spills, scrolls, pageWidth: document.documentElement.scrollWidth, width };
}
