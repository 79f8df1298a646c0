// A small stacked bar chart in inline SVG: complaints received per local day, one colour per
// unit. Each bar segment carries data-metric/data-value like every other figure of the page.
"use strict";
window.DashboardChart = (() => {
  const NS = "http://www.w3.org/2000/svg";
  const COLOURS = ["#2f6fb0", "#e07b39", "#3a9b5c", "#c94c4c", "#8461b8", "#9a7b4f", "#d36fb0",
    "#6f7f8f", "#b5b536", "#2fb0b0"];
  const svg = (tag, attrs = {}) => {
    const node = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
    return node;
  };

  function draw(container, received, unitLabel) {
    const days = received.days, series = received.series;
    const width = 640, height = 220, left = 32, bottom = 34, top = 10;
    const totals = days.map((_, i) => series.reduce((sum, s) => sum + s.counts[i], 0));
    const max = Math.max(1, ...totals);
    const step = (width - left - 8) / Math.max(1, days.length);
    const bar = Math.max(2, step * 0.7);
    const y = (n) => top + (height - top - bottom) * (1 - n / max);
    const chart = svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", class: "chart" });
    for (const tick of [0, Math.ceil(max / 2), max]) {
      chart.append(svg("line", { x1: left, x2: width, y1: y(tick), y2: y(tick), class: "grid" }));
      const label = svg("text", { x: left - 4, y: y(tick) + 4, "text-anchor": "end", class: "axis" });
      label.textContent = tick;
      chart.append(label);
    }
    days.forEach((day, i) => {
      const x = left + i * step + (step - bar) / 2;
      let base = 0;
      series.forEach((s, n) => {
        const count = s.counts[i];
        if (!count) return;
        const rect = svg("rect", { x, width: bar, y: y(base + count), height: y(base) - y(base + count),
          fill: COLOURS[n % COLOURS.length], "data-metric": `received.day.${s.key}.${day}`, "data-value": count });
        const title = svg("title");
        title.textContent = `${day} ${unitLabel(s)}: ${count}`;
        rect.append(title);
        chart.append(rect);
        base += count;
      });
      const every = Math.ceil(days.length / 8);
      if (i % every === 0 && (i + every / 2 < days.length || i === days.length - 1)) {
        const label = svg("text", { x: x + bar / 2, y: height - bottom + 14, "text-anchor": "middle", class: "axis" });
        label.textContent = day.slice(5);
        chart.append(label);
      }
    });
    const legend = document.createElement("ul");
    legend.className = "legend";
    series.forEach((s, n) => {
      const item = document.createElement("li");
      const swatch = document.createElement("i");
      swatch.style.background = COLOURS[n % COLOURS.length];
      item.append(swatch, unitLabel(s));
      legend.append(item);
    });
    container.replaceChildren(chart, legend);
  }

  return { draw };
})();
