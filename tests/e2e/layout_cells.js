// The dashboard's table cells, for tests/e2e/test_dashboard_layout.py (page.evaluate): the
// cells of names (first column, no figure), which must be free to wrap, and the cells and
// column heads of figures, which must be right-aligned in tabular numerals.
() => {
  const style = (el) => getComputedStyle(el);
  const names = [...document.querySelectorAll("#board table tr > :first-child")]
    .filter((c) => c.textContent.length > 0 && !c.querySelector(".fig"));
  const figures = [...document.querySelectorAll("#board td")].filter((c) => c.querySelector(".fig"));
  const heads = [...document.querySelectorAll("#board th.num")];
  return {
    names: names.length,
    nowrap: names.filter((c) => !["normal", "pre-wrap", "break-spaces"].includes(style(c).whiteSpace))
      .map((c) => c.textContent),
    figures: figures.length,
    misaligned: [...figures, ...heads].filter((c) => style(c).textAlign !== "right")
      .map((c) => c.textContent),
    proportional: figures.filter((c) => !style(c).fontVariantNumeric.includes("tabular-nums"))
      .map((c) => c.textContent),
    heads: heads.length,
  };
}
