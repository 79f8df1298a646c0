"""The dashboard's page laid out on a laptop (1366x768), at 1440x900 and on a desktop
(1920x1080), in Chromium (docs/dashboard-page.md).

At each size: no two tables or cards overlap (the boxes of every table, card, tile and banner,
as shown, that is clipped by a scrolling box around them, pairwise), no table spills past the
window or its card, long unit names may wrap, and figures are right-aligned in tabular
numerals. Screenshots go to test-artifacts/.

Also the parts the page shows only when the service offers them: the table by category (the
summary's `live.by_category`, labelled in Chinese, the raw key where no label is known) and
the banner for a holiday calendar that does not reach far enough ahead
(`GET /v1/calendar-horizon`), answered here by route interception.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Sequence
from functools import partial
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Route, StorageState, sync_playwright

from complaints_shared.testing import wait_for

from .browser_support import launch, projected, screenshot, sign_in
from .workflow_support import ago, post_complaint

pytestmark = pytest.mark.e2e
LAPTOP = (1366, 768)
# (size, language): 1440 is where the tables once overlapped; English words are the widest.
LAYOUTS = [(LAPTOP, "zh"), ((1440, 900), "zh"), ((1920, 1080), "zh"), (LAPTOP, "en")]
# Complaints received at province departments and lines of YN, whose names are the longest of
# the organisation (云南省分公司物流业务部, 云南省分公司客户服务热线, …), and at a branch.
SEEDS = [
    ("YN-LOGISTICS", "logistics", "on_site", "late_delivery"),
    ("YN-LOGISTICS", "logistics", "letter", "handover_dispute"),
    ("YN-CARDS", "cards", "online", "service_quality"),
    ("YN-DEPOSITS", "deposits", "email", "attitude"),
    ("YN-LOANS", "loans", "on_site", "process"),
    ("YN-HOT", "cards", "hotline", "product"),
    ("YN-DL-02", "logistics", "on_site", "damaged_goods"),
]
SAMPLE_CATEGORIES = [  # rows the table by category shows when the summary has none yet
    {"key": "attitude", "open": 3, "due_soon": 1, "breached": 0},
    {"key": "late_delivery", "open": 12, "due_soon": 0, "breached": 4},
]
UNKNOWN_CATEGORY = {"key": "no_such_category", "open": 1, "due_soon": 0, "breached": 1}
HORIZON = "**/v1/calendar-horizon"
SUMMARY = re.compile(r"/v1/dashboard/summary\?")
Handler = Callable[[Route], None]

HERE = Path(__file__).parent
GEOMETRY = (HERE / "layout_geometry.js").read_text(encoding="utf-8")  # overlaps, spills
CELLS = (HERE / "layout_cells.js").read_text(encoding="utf-8")  # wrapping names, aligned figures


@pytest.fixture(scope="module")
def seeded(system) -> list[str]:
    with system.client("YN") as client:
        ids = [
            post_complaint(
                system,
                client,
                unit,
                business_line=line,
                channel=channel,
                category=category,
                received_at=ago(minutes=20),
                summary="layout scenario",
            )
            for unit, line, channel, category in SEEDS
        ]
        for cid in ids:
            wait_for(partial(projected, system, client, cid), what=f"{cid} projected")
    return ids


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def signed_in(system, browser: Browser) -> StorageState:
    """The province office's session, signed in once through the form, for every page here."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(system.url("dashboard", "/dashboard"))
    sign_in(page, system, "YN")
    state = context.storage_state()
    context.close()
    return state


def open_page(
    system,
    browser: Browser,
    state: StorageState,
    size: tuple[int, int],
    routes: Sequence[tuple[str | re.Pattern[str], Handler]] = (),
    lang: str = "zh",
) -> tuple[Page, list[str]]:
    """The dashboard at `size`, with `routes` answering in the service's place; the page and
    the script errors it raises."""
    width, height = size
    context = browser.new_context(viewport={"width": width, "height": height}, storage_state=state)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    for pattern, handler in routes:
        page.route(pattern, handler)
    page.goto(system.url("dashboard", f"/dashboard?lang={lang}"))
    page.wait_for_selector("#board:not([hidden]) [data-metric='live.total.open']")
    page.wait_for_selector("#horizon[data-checked]", state="attached")  # asked, answered
    return page, errors


def close(page: Page) -> None:
    """Closes the page's context; a route still answering (a refresh in flight) is dropped."""
    page.unroute_all(behavior="ignoreErrors")
    page.context.close()


def with_categories(extra: list[dict]) -> tuple[re.Pattern[str], Handler]:
    """The summary from the service, with rows by category added (`SAMPLE_CATEGORIES` where
    the service gives none yet) and `extra` after them."""

    def handle(route: Route) -> None:
        response = route.fetch()
        if response.status != 200:
            route.fulfill(response=response)
            return
        summary = response.json()
        live = summary["live"]
        live["by_category"] = (live.get("by_category") or SAMPLE_CATEGORIES) + extra
        route.fulfill(status=200, json=summary, headers={"Cache-Control": "no-store"})

    return SUMMARY, handle


def answer(status: int, payload: dict | None = None) -> Handler:
    def handle(route: Route) -> None:
        route.fulfill(status=status, json=payload if payload is not None else {"status": status})

    return handle


def words(page: Page) -> dict[str, str]:
    return json.loads(page.text_content("#words") or "{}")


@pytest.mark.parametrize(
    ("size", "lang"), LAYOUTS, ids=[f"{w}x{h}-{lang}" for (w, h), lang in LAYOUTS]
)
def test_tables_stand_apart_at_laptop_and_desktop_sizes(
    system, seeded, browser, signed_in, size, lang
):
    page, errors = open_page(system, browser, signed_in, size, [with_categories([])], lang)
    # Filled: the rows of long unit names and of categories are there.
    page.wait_for_function(
        "document.querySelectorAll('#live-unit tr').length >= 4"
        " && document.querySelectorAll('#live-category tr').length >= 3"
    )
    labels = page.eval_on_selector_all(
        "#live-unit tr > th:first-child", "e => e.map(c => c.textContent)"
    )
    assert max(map(len, labels)) >= 10, labels  # e.g. 云南省分公司物流业务部
    screenshot(page, f"dashboard-{size[0]}x{size[1]}" + ("-en" if lang == "en" else ""))

    geometry = page.evaluate(GEOMETRY)
    print(f"\n{size} {lang}: {geometry['boxes']} boxes, {geometry['tables']} tables")
    assert geometry["tables"] >= 15 and geometry["boxes"] >= 20, geometry
    assert geometry["overlaps"] == [], geometry["overlaps"]
    assert geometry["spills"] == [], geometry["spills"]
    assert geometry["scrolls"] == [], geometry["scrolls"]  # at these sizes, every table fits
    assert geometry["pageWidth"] <= geometry["width"], geometry  # no sideways scrolling

    cells = page.evaluate(CELLS)
    assert cells["names"] >= 20 and cells["nowrap"] == [], cells
    assert cells["figures"] >= 50 and cells["heads"] >= 10, cells
    assert cells["misaligned"] == [] and cells["proportional"] == [], cells
    assert errors == []
    close(page)


def test_categories_are_labelled_in_chinese_or_shown_by_their_key(system, browser, signed_in):
    routes = [with_categories([UNKNOWN_CATEGORY])]
    page, errors = open_page(system, browser, signed_in, LAPTOP, routes)
    page.wait_for_selector("#live-category [data-figure='live.category.no_such_category.open']")
    assert page.is_visible("#live-category-box")
    w = words(page)
    assert page.inner_text("#live-category-box h2") == w["by_category"]  # 按(投诉)类别
    rows = page.eval_on_selector_all(
        "#live-category tr:not(:first-child)",
        "rows => rows.map(r => [r.querySelector('[data-figure]').dataset.figure.split('.')[2],"
        " r.cells[0].textContent])",
    )
    assert rows[-1] == ["no_such_category", "no_such_category"]  # no label: the key itself
    for key, shown in rows[:-1]:
        assert shown == w.get(f"category.{key}", key), (key, shown)
    shown = page.get_attribute(
        "[data-figure='live.category.no_such_category.breached']", "data-value"
    )
    assert shown == "1"
    assert errors == []
    close(page)


CN_SHORT = {
    "calendar": "cn",
    "covered_years": [2025, 2026],
    "missing_years": [2027],
    "warning": True,
}
WARNING = {"horizon_days": 90, "warning": True, "calendars": [CN_SHORT]}
TWO_SHORT = {
    "horizon_days": 90,
    "warning": True,
    "calendars": [
        CN_SHORT,
        {"calendar": "hk", "covered_years": [], "missing_years": [2026, 2027], "warning": True},
        {"calendar": "mo", "covered_years": [2026, 2027], "missing_years": [], "warning": False},
    ],
}
QUIET = WARNING | {"warning": False, "calendars": [CN_SHORT | {"warning": False}]}


def test_a_calendar_horizon_warning_shows_a_banner_at_the_top(system, browser, signed_in):
    page, errors = open_page(system, browser, signed_in, LAPTOP, [(HORIZON, answer(200, WARNING))])
    page.wait_for_selector("#horizon:not([hidden])")
    assert page.inner_text("#horizon") == (
        "节假日安排仅覆盖至 2026 年：2027 年的法定节假日尚未载入，跨年的期限未计入节假日"
    )
    banner, board = (page.locator(s).bounding_box() for s in ("#horizon", "#board"))
    assert banner and board and banner["y"] + banner["height"] <= board["y"]  # above the figures
    assert banner["y"] < LAPTOP[1] / 4  # at the top, visible without scrolling
    screenshot(page, "dashboard-horizon-warning", full_page=False)
    assert page.evaluate(GEOMETRY)["overlaps"] == []
    assert errors == []
    close(page)


def test_each_short_calendar_gets_its_line(system, browser, signed_in):
    routes = [(HORIZON, answer(200, TWO_SHORT))]
    page, errors = open_page(system, browser, signed_in, LAPTOP, routes)
    page.wait_for_selector("#horizon:not([hidden])")
    lines = page.eval_on_selector_all("#horizon span", "e => e.map(s => s.textContent)")
    assert lines == [
        "日历 cn：节假日安排仅覆盖至 2026 年：2027 年的法定节假日尚未载入，跨年的期限未计入节假日",
        "日历 hk：节假日安排尚未载入：2026、2027 年的法定节假日缺失，相关期限未计入节假日",
    ]
    assert errors == []
    close(page)


@pytest.mark.parametrize(
    "status, payload", [(200, QUIET), (404, None), (500, None)], ids=["no-warning", "404", "500"]
)
def test_no_banner_without_a_warning(system, browser, signed_in, status, payload):
    asked: list[str] = []

    def handle(route: Route) -> None:
        asked.append(route.request.url)
        answer(status, payload)(route)

    page, errors = open_page(system, browser, signed_in, LAPTOP, [(HORIZON, handle)])
    assert asked  # the page asked, and was answered `status`
    assert page.is_hidden("#horizon") and page.inner_text("#horizon") == ""
    assert errors == []
    close(page)
