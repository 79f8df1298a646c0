"""The SLA monitor logs the years its calendars cover, and a WARNING when the next 90 days
reach a year one of them does not."""

from __future__ import annotations

import asyncio
import itertools
from datetime import date
from typing import Any

from complaints_shared.organisation import parse_organisation
from sla_monitor.service_layer.calendar_horizon import (
    check_calendar_horizon,
    watch_calendar_horizon,
)


class RecordingLog:
    def __init__(self) -> None:
        self.lines: list[tuple[str, str, dict[str, Any]]] = []
        self.warned = asyncio.Event()

    def info(self, event: str, **fields: Any) -> None:
        self.lines.append(("info", event, fields))

    def warning(self, event: str, **fields: Any) -> None:
        self.lines.append(("warning", event, fields))
        self.warned.set()

    def of(self, level: str) -> list[tuple[str, dict[str, Any]]]:
        return [(event, fields) for lvl, event, fields in self.lines if lvl == level]


def organisation():
    return parse_organisation(
        {
            "business_lines": ["cards"],
            "calendars": {
                "cn": {"official": "cn", "hours": ["09:00-17:00"]},
                "ours": {"official": "cn", "holidays": ["2027-01-01"]},
                "plain": {"hours": ["09:00-17:00"]},
            },
            "units": [
                {"id": "HQ", "kind": "hq", "calendar": "plain"},
                {"id": "HQ-QSG", "kind": "hq_quality_group", "parent": "HQ"},
                {"id": "P", "kind": "province", "parent": "HQ", "calendar": "cn"},
                {"id": "P-SUP", "kind": "supervision_line", "parent": "P"},
                {"id": "P-CARDS", "kind": "province_department", "parent": "P", "lines": ["cards"]},
            ],
        }
    )


def until_2026(name: str) -> range:
    return range(2004, 2027)


def test_a_calendar_ending_within_90_days_is_a_warning() -> None:
    log = RecordingLog()
    check_calendar_horizon(organisation(), lambda: date(2026, 12, 2), covered=until_2026, log=log)
    covered = {fields["calendar"]: fields["covered_years"] for _, fields in log.of("info")}
    assert covered == {
        "cn": "2004-2026",
        "ours": "2004-2027",
        "plain": "every year (no official schedule)",
    }
    (warning,) = log.of("warning")
    event, fields = warning
    assert event == "calendar does not cover the next days"
    assert fields["calendar"] == "cn"
    assert fields["missing_years"] == [2027]
    assert fields["horizon_days"] == 90


def test_no_warning_while_the_next_90_days_are_covered() -> None:
    log = RecordingLog()
    check_calendar_horizon(organisation(), lambda: date(2026, 10, 2), covered=until_2026, log=log)
    assert log.of("warning") == []
    assert len(log.of("info")) == 3


def test_an_unknown_schedule_is_a_warning() -> None:
    log = RecordingLog()
    check_calendar_horizon(
        organisation(), lambda: date(2026, 3, 1), covered=lambda name: range(0), log=log
    )
    assert {fields["calendar"] for _, fields in log.of("warning")} == {"cn", "ours"}


async def test_the_running_monitor_checks_again() -> None:
    log = RecordingLog()
    days = itertools.chain([date(2026, 10, 2)], itertools.repeat(date(2026, 12, 2)))
    watch = asyncio.create_task(
        watch_calendar_horizon(
            organisation(), lambda: next(days), every=0, covered=until_2026, log=log
        )
    )
    try:
        async with asyncio.timeout(10):
            await log.warned.wait()
    finally:
        watch.cancel()
    assert log.of("warning")[0][1]["missing_years"] == [2027]
