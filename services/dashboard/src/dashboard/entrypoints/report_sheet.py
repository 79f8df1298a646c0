"""The monthly reports laid out as printed tables with Chinese labels: the HTML page and the PDF
both draw this same sheet. Units without any figure are left out of the printed tables (the JSON
and the CSV list every unit)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from complaints_shared.labels import CATEGORIES, CATEGORY_LABELS, CLOCK_LABELS

Row = dict[str, Any]

NONE = "—"


@dataclass(frozen=True)
class Section:
    title: str
    headers: list[str]
    rows: list[list[str]]


@dataclass(frozen=True)
class Sheet:
    title: str
    subtitle: str
    sections: list[Section]
    note: str


def rate(value: float | None) -> str:
    return NONE if value is None else f"{value * 100:.1f}%"


def hours(seconds: float | None) -> str:
    return NONE if seconds is None else f"{seconds / 3600:.1f}小时"


def average(value: float | None) -> str:
    return NONE if value is None else f"{value:.2f}"


def unit_name(row: Row) -> str:
    return row["label"] if row["label"] == row["unit"] else f"{row['label']}（{row['unit']}）"


def handler_name(row: Row) -> str:
    handler = row.get("handler") or {}
    name, number = handler.get("name"), handler.get("id", "")
    return f"{name}（{number}）" if name else str(number)


def _active(rows: Iterable[Row], counts: tuple[str, ...]) -> list[Row]:
    return [r for r in rows if any(r[k] for k in counts) or r["satisfaction"]["count"]]


def _subtitle(report: Row, unit_label: str) -> str:
    return f"单位：{unit_label}　月份：{report['month']}（{report['timezone']} 当地时间）"


def assessment_sheet(report: Row, unit_label: str) -> Sheet:
    counts = ("received", "taken", "valid", "special", "breaches", "repeat_complainants")
    units = _active(report["units"], counts)
    clocks = [
        name
        for name, figures in report["totals"]["clocks"].items()
        if figures["on_time"] or figures["late"]
    ]
    categories = [c for c in CATEGORIES if report["totals"]["by_category"][c]]

    def main(row: Row, *names: str) -> list[str]:
        return [
            *names,
            *(str(row[k]) for k in counts if k in row),
            hours(row["time_to_start"]["median_seconds"]),
            hours(row["time_to_resolve"]["median_seconds"]),
            hours(row["time_to_resolve"]["p90_seconds"]),
            average(row["satisfaction"]["average"]),
            str(row["satisfaction"]["count"]),
        ]

    def on_time(row: Row) -> list[str]:
        cells = []
        for clock in clocks:
            figures = row["clocks"].get(clock, {"on_time": 0, "late": 0, "rate": None})
            cells.append(f"{figures['on_time']}/{figures['late']} {rate(figures['rate'])}")
        return cells

    head = ["受理量", "接办量", "有效投诉", "特殊投诉", "超时（归责）", "重复投诉"]
    times = ["签收用时中位数", "办结用时中位数", "办结用时90分位", "满意度均分", "回访评分数"]
    totals = report["totals"]
    sections = [
        Section(
            "各单位考核指标",
            ["单位", *head, *times],
            [main(r, unit_name(r)) for r in units] + [main({**totals, **_no_durations()}, "合计")],
        ),
        Section(
            "各时限按时率（按时/超时 按时率）",
            ["单位", *(CLOCK_LABELS.get(c, (c,))[0] for c in clocks)],
            [[unit_name(r), *on_time(r)] for r in units] + [["合计", *on_time(totals)]],
        ),
        Section(
            "按投诉类别（受理量）",
            ["单位", *(CATEGORY_LABELS[c][0] for c in categories)],
            [[unit_name(r), *(str(r["by_category"][c]) for c in categories)] for r in units]
            + [["合计", *(str(totals["by_category"][c]) for c in categories)]],
        ),
        Section(
            "经办人考核指标",
            ["单位", "经办人", *head[1:], *times],
            [main(r, unit_name(r), handler_name(r)) for r in report["handlers"]],
        ),
        Section(
            "经办人各时限按时率（按时/超时 按时率）",
            ["单位", "经办人", *(CLOCK_LABELS.get(c, (c,))[0] for c in clocks)],
            [[unit_name(r), handler_name(r), *on_time(r)] for r in report["handlers"]],
        ),
    ]
    return Sheet(
        title="投诉处理月度考核表",
        subtitle=_subtitle(report, unit_label),
        sections=sections,
        note="口径：各数字按业务发生时间计入当月（受理、定性、时限结果、超时、回访均按发生时间）；"
        "超时归责于当时的责任单位和经办人；经办人一栏的接办量、重复投诉按其当月签收或接手的投诉计。"
        "无任何数字的单位未列出。",
    )


def _no_durations() -> Row:
    empty = {"median_seconds": None, "p90_seconds": None}
    return {"time_to_start": empty, "time_to_resolve": empty}


def return_visit_sheet(report: Row, unit_label: str) -> Sheet:
    counts = ("due", "made", "reached", "on_time", "late", "dissatisfied")

    def cells(row: Row) -> list[str]:
        sat = row["satisfaction"]
        return [
            *(str(row[k]) for k in counts[:5]),
            rate(row["on_time_rate"]),
            average(sat["average"]),
            str(row["dissatisfied"]),
            *(str(sat["distribution"][str(n)]) for n in range(1, 6)),
        ]

    head = ["应回访", "已回访", "联系上", "按时", "超时", "按时率", "满意度均分", "不满意（1-2分）"]
    scores = [f"{n}分" for n in range(1, 6)]
    units = _active(report["units"], counts)

    def asks(a: Row) -> list[str]:
        score = a["satisfaction"]
        when = a["visited_at"][:16].replace("T", " ")
        return [
            a["complaint_id"],
            a["label"],
            when,
            NONE if score is None else str(score),
            a["customer_asks"],
        ]

    return Sheet(
        title="客户回访月度汇总表",
        subtitle=_subtitle(report, unit_label),
        sections=[
            Section(
                "各单位回访情况",
                ["单位", *head, *scores],
                [[unit_name(r), *cells(r)] for r in units] + [["合计", *cells(report["totals"])]],
            ),
            Section(
                "经办人回访情况",
                ["单位", "经办人", *head, *scores],
                [[unit_name(r), handler_name(r), *cells(r)] for r in report["handlers"]],
            ),
            Section(
                "客户诉求",
                ["投诉编号", "单位", "回访时间", "满意度", "客户诉求"],
                [asks(a) for a in report["customer_asks"]],
            ),
        ],
        note="口径：回访按其所评价的处理单位及经办人计；应回访按回访到期时间计入当月，"
        "已回访、联系上、满意度按回访时间计，按时/超时按回访时限结果的发生时间计。"
        "无任何数字的单位未列出。",
    )
