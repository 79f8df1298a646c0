"""The API's pure parts: query checks (4xx, never 500), visibility per row, local times."""

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from complaints_shared.http.problems import Problem
from complaints_shared.organisation import load_organisation, parse_organisation
from complaints_shared.workflow.lifecycle import ComplaintState
from sla_monitor.adapters.clock_queries import Row
from sla_monitor.entrypoints import params
from sla_monitor.entrypoints.views import (
    breach_view,
    clock_view,
    visible,
    visible_rows,
)

DEMO = load_organisation(Path(__file__).parents[4] / "deploy/demo/organisation.yaml")
DUE = datetime(2026, 11, 16, 9, 30, tzinfo=UTC)


def state(*involved: str, restricted: bool = False) -> ComplaintState:
    return ComplaintState(registered=True, involved=involved, restricted=restricted)


# The breach views below as the owner reads them.
OWNER = {"caller": "YN-KM-01", "state": state("YN-KM-01")}


def clock_row(owner: str, complaint_id: str = "C-1") -> dict:
    return {
        "complaint_id": complaint_id,
        "clock": "start",
        "run": 1,
        "owner_unit": owner,
        "status": "running",
        "breached": False,
        "started_at": DUE - timedelta(hours=2),
        "due_at": DUE,
        "remaining_seconds": None,
        "budget_seconds": 7200,
        "calendar": "24x7",
        "handling_level": "branch",
    }


def status_of(call) -> int:
    with pytest.raises(Problem) as raised:
        call()
    return raised.value.status


def test_scope_unknown_unit_is_422_and_outside_the_subtree_403():
    assert params.scope(DEMO, "YN-KM", None) == "YN-KM"
    assert params.scope(DEMO, "YN-KM", "YN-KM-01") == "YN-KM-01"
    assert status_of(lambda: params.scope(DEMO, "YN-KM", "NOPE")) == 422
    assert status_of(lambda: params.scope(DEMO, "YN-KM", "YN-DL")) == 403
    assert status_of(lambda: params.scope(DEMO, "YN-KM-01", "YN-KM")) == 403
    assert status_of(lambda: params.scope(DEMO, "STRANGER", "YN-KM")) == 403


def test_instants_need_an_offset_and_a_representable_utc_time():
    assert params.instant("to", None) is None
    eight = timezone(timedelta(hours=8))
    assert params.instant("to", datetime(2026, 1, 1, 8, tzinfo=eight)) == datetime(
        2026, 1, 1, tzinfo=UTC
    )
    assert status_of(lambda: params.instant("to", datetime(1, 1, 1))) == 422
    assert status_of(lambda: params.instant("from", datetime(1, 1, 1, tzinfo=eight))) == 422
    minus = timezone(timedelta(hours=-8))
    assert status_of(lambda: params.instant("to", datetime(9999, 12, 31, 23, tzinfo=minus))) == 422


def test_within_lies_between_zero_and_a_year():
    assert params.within(timedelta(0)) == timedelta(0)
    assert status_of(lambda: params.within(timedelta(seconds=-1))) == 422
    assert status_of(lambda: params.within(timedelta(days=367))) == 422


def test_unknown_complaint_is_never_visible():
    assert not visible(DEMO, "HQ", None)
    assert visible(DEMO, "HQ", state("YN-KM-01", restricted=True))


@pytest.mark.parametrize(
    ("caller", "sees"),
    [
        ("YN-KM-01", True),  # involved
        ("YN-KM", True),  # the branch above it
        ("YN", True),
        ("HQ", True),
        ("YN-KM-02", False),  # a sibling outlet
        ("YN-DL", False),  # a sibling branch
        ("YN-SUP", False),  # the province supervision line, not involved
        ("YN-CS", False),
        ("GD", False),
        ("STRANGER", False),
    ],
)
def test_restricted_rows_only_for_the_involved_and_above(caller: str, sees: bool):
    rows = [Row(clock_row("YN-KM-01"), state("YN-KM-01", restricted=True))]
    assert bool(visible_rows(DEMO, caller, rows)) is sees


def test_unrestricted_rows_also_for_the_province_supervisors():
    rows = [
        Row(clock_row("YN-KM-01", "C-open"), state("YN-KM-01")),
        Row(clock_row("YN-KM-01", "C-secret"), state("YN-KM-01", restricted=True)),
    ]
    for caller in ("YN-SUP", "YN-CS"):
        assert [r.values["complaint_id"] for r in visible_rows(DEMO, caller, rows)] == ["C-open"]
    assert visible_rows(DEMO, "YN-DL", rows) == []


def test_times_are_in_the_owner_units_offset():
    view = clock_view(DEMO, clock_row("YN-KM-01"))
    assert view["due_at"].isoformat() == "2026-11-16T17:30:00+08:00"
    assert view["started_at"].isoformat() == "2026-11-16T15:30:00+08:00"
    assert view["state"] == "running" and view["calendar"] == "24x7"
    assert breach_view(DEMO, clock_row("YN-KM-01"), **OWNER)["due_at"].utcoffset() == timedelta(
        hours=8
    )


def test_a_unit_with_its_own_time_zone_reads_its_own_offset():
    org = parse_organisation(
        {
            "timezone": "Asia/Shanghai",
            "business_lines": ["cards"],
            "units": [
                {"id": "HQ", "kind": "hq"},
                {"id": "P", "kind": "province", "parent": "HQ"},
                {"id": "P-SUP", "kind": "supervision_line", "parent": "P"},
                {"id": "P-CARDS", "kind": "province_department", "parent": "P", "lines": ["cards"]},
                {"id": "P-B", "kind": "branch", "parent": "P", "timezone": "Asia/Urumqi"},
                {"id": "P-B-01", "kind": "outlet", "parent": "P-B"},
            ],
        }
    )
    assert clock_view(org, clock_row("P-B-01"))["due_at"].isoformat().endswith("+06:00")
    assert clock_view(org, clock_row("P"))["due_at"].isoformat().endswith("+08:00")


def test_a_breach_names_its_handler_or_null():
    row = {**clock_row("YN-KM-01"), "handler_id": "u-7", "handler_name": "Li"}
    assert breach_view(DEMO, row, **OWNER)["handler"] == {"id": "u-7", "name": "Li"}
    nameless = {**row, "handler_name": None}
    assert breach_view(DEMO, nameless, **OWNER)["handler"] == {"id": "u-7", "name": None}
    assert breach_view(DEMO, {**row, "handler_id": None}, **OWNER)["handler"] is None
    assert breach_view(DEMO, clock_row("YN-KM-01"), **OWNER)["handler"] is None  # an older row


def test_a_breach_names_its_handler_in_clear_only_for_the_owner_of_the_time_and_above():
    """The handler belongs to the complaint's owner at the due time, not to the clock's owner:
    the supervision line owning a return visit reads the outlet's handler masked."""
    held = ComplaintState(
        registered=True,
        involved=("YN-KM-01", "YN-SUP", "YN-KM-CARDS"),
        owners=(("YN-KM-01", DUE - timedelta(hours=3)), ("YN-KM-CARDS", DUE + timedelta(hours=1))),
    )
    row = {
        **clock_row("YN-SUP"),
        "clock": "return_visit",
        "handler_id": "u-7",
        "handler_name": "张三",
    }
    names = {
        caller: breach_view(DEMO, row, caller=caller, state=held)["handler"]["name"]
        for caller in ("YN-KM-01", "YN-KM", "YN", "HQ", "YN-SUP", "YN-KM-CARDS")
    }
    assert names == {
        "YN-KM-01": "张三",
        "YN-KM": "张三",
        "YN": "张三",
        "HQ": "张三",
        "YN-SUP": "张*",
        "YN-KM-CARDS": "张*",  # the owner since, not when it breached
    }
    assert breach_view(DEMO, row, caller="YN-SUP", state=held)["handler"]["id"] == "u-7"
    # no stay known (an older state): the clock's owner stands in
    bare = breach_view(DEMO, row, caller="YN-SUP", state=state("YN-SUP"))
    assert bare["handler"]["name"] == "张三"
