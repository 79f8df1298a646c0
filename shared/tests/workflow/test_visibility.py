"""Who sees a complaint (docs/workflow.md "Who sees what"): a table of callers × cases, and a
property over random involvements.

The base case: received at the outlet YN-KM-01 (Kunming branch, province YN) and owned by it.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from complaints_shared.contracts.complaint_events import ComplaintReceived, Customer
from complaints_shared.contracts.routing_events import (
    ComplaintAssigned,
    ComplaintEscalated,
    ComplaintReported,
)
from complaints_shared.contracts.sla_events import ClockStarted
from complaints_shared.organisation import load_organisation
from complaints_shared.workflow import lifecycle
from complaints_shared.workflow.visibility import Involvement, may_see, sees, sight_of

DEMO = Path(__file__).resolve().parents[3] / "deploy" / "demo" / "organisation.yaml"
ORG = load_organisation(DEMO)
T0 = datetime(2026, 11, 23, 10, 0, tzinfo=timezone(timedelta(hours=8)))
OUTLET = "YN-KM-01"


def received(unit: str, restricted: bool) -> ComplaintReceived:
    return ComplaintReceived(
        kind="complaint",
        channel="on_site",
        receiving_unit=unit,
        business_line="cards",
        severity="major" if restricted else "normal",
        flags=("major_liability",) if restricted else (),
        received_at=T0,
        customer=Customer(name="Test Customer", phone="13800000000"),
        summary="card swallowed by the machine",
        posted_by=unit,
    )


def assigned(owner: str, restricted: bool) -> ComplaintAssigned:
    return ComplaintAssigned(
        owner_unit=owner,
        handling_level="branch",
        rule="receiving_unit_within_authority",
        reason="handles it within its authority",
        restricted=restricted,
    )


def escalated(to_unit: str) -> ComplaintEscalated:
    return ComplaintEscalated(from_unit=OUTLET, to_unit=to_unit, clock="resolve", reason="breach")


def reported(to_unit: str) -> ComplaintReported:
    return ComplaintReported(to_unit=to_unit, by_unit=OUTLET, reason="reported on")


def clock_owned_by(unit: str) -> ClockStarted:
    return ClockStarted(
        clock="resolve",
        owner_unit=unit,
        started_at=T0,
        due_at=T0 + timedelta(days=1),
        budget_seconds=7 * 3600,
        calendar="cn",
    )


def involvement(receiving: str, *extra, restricted: bool) -> Involvement:
    events = [received(receiving, restricted), assigned(receiving, restricted), *extra]
    state = lifecycle.ComplaintState()
    for event in events:
        state = lifecycle.apply(state, event, T0)
    return state.involvement


CASES = {
    "outlet": lambda r: involvement(OUTLET, restricted=r),
    "branch": lambda r: involvement("YN-KM", restricted=r),
    "escalated_to_YN-CS": lambda r: involvement(OUTLET, escalated("YN-CS"), restricted=r),
    "escalated_to_YN-KM": lambda r: involvement(OUTLET, escalated("YN-KM"), restricted=r),
    "reported_to_HQ-QSG": lambda r: involvement(OUTLET, reported("HQ-QSG"), restricted=r),
    "reported_to_YN-KM-SUP": lambda r: involvement(OUTLET, reported("YN-KM-SUP"), restricted=r),
    "clock_of_YN-SUP": lambda r: involvement(OUTLET, clock_owned_by("YN-SUP"), restricted=r),
}

# Base case (received and owned by the outlet): caller -> (sees normal, sees restricted).
BASE: dict[str, tuple[bool, bool]] = {
    "YN-KM-01": (True, True),  # the outlet itself (receiving unit and owner)
    "YN-KM": (True, True),  # its branch
    "YN": (True, True),  # its province company
    "YN-SUP": (True, False),  # province supervision line: the province's cases, unless restricted
    "YN-CS": (True, False),  # province customer-service department: likewise
    "YN-KM-02": (False, False),  # a sibling outlet
    "YN-KM-CARDS": (False, False),  # a department of the same branch
    "YN-KM-SUP": (False, False),  # the branch's own supervision line
    "YN-CARDS": (False, False),  # a province business department
    "YN-DL": (False, False),  # a sibling branch
    "YN-DL-01": (False, False),  # an outlet of the sibling branch
    "GD": (False, False),  # another province
    "GD-SUP": (False, False),  # another province's supervision line
    "GD-GZ-01": (False, False),  # another province's outlet
    "HQ": (True, True),  # head office sees everything
    "HQ-QSG": (False, False),  # an HQ office sees what involves it
    "HQ-DIO": (False, False),
    "NO-SUCH-UNIT": (False, False),
}
# How the other cases differ from the base case: caller -> (sees normal, sees restricted).
CHANGES: dict[str, dict[str, tuple[bool, bool]]] = {
    # Received and owned by the branch: the outlet below it is not involved.
    "branch": {"YN-KM-01": (False, False)},
    # Escalated to the customer-service department: it is now involved.
    "escalated_to_YN-CS": {"YN-CS": (True, True)},
    # Escalated within the chain above: nothing changes.
    "escalated_to_YN-KM": {},
    # Reported to the HQ quality group: it is involved (HQ itself sees everything anyway).
    "reported_to_HQ-QSG": {"HQ-QSG": (True, True)},
    # Reported to the branch's supervision line.
    "reported_to_YN-KM-SUP": {"YN-KM-SUP": (True, True)},
    # The province supervision line owns one of its clocks.
    "clock_of_YN-SUP": {"YN-SUP": (True, True)},
}


def rows() -> list:
    params = []
    for case in CASES:
        table = {**BASE, **CHANGES.get(case, {})}
        for caller, (normal, restricted) in table.items():
            params.append(pytest.param(case, False, caller, normal, id=f"{case}|normal|{caller}"))
            params.append(
                pytest.param(case, True, caller, restricted, id=f"{case}|restricted|{caller}")
            )
    return params


@pytest.mark.parametrize(("case", "restricted", "caller", "want"), rows())
def test_who_sees(case: str, restricted: bool, caller: str, want: bool) -> None:
    inv = CASES[case](restricted)
    assert inv.restricted is restricted
    assert may_see(ORG, caller, inv) is want
    assert sees(ORG, sight_of(ORG, caller), inv) is want


def test_the_involved_units_are_those_of_the_events() -> None:
    inv = CASES["reported_to_HQ-QSG"](True)
    assert inv.involved == {"YN-KM-01", "HQ-QSG"}
    inv = CASES["escalated_to_YN-CS"](False)
    assert inv.involved == {"YN-KM-01", "YN-CS"}


# --- property -------------------------------------------------------------------------------

UNITS = sorted(ORG.units)
PROVINCE_SUPERVISORS = {"YN-SUP": "YN", "YN-CS": "YN", "GD-SUP": "GD", "GD-CS": "GD"}


def above_or_self(caller: str, unit: str) -> bool:
    return caller in ORG and ORG.is_self_or_above(caller, unit)


def in_province(unit: str, province: str) -> bool:
    return ORG.is_self_or_above(province, unit)


def oracle(caller: str, inv: Involvement) -> bool:
    """The rule, stated plainly over the demo organisation."""
    if caller == "HQ":
        return True
    if any(above_or_self(caller, unit) for unit in inv.involved):
        return True
    province = PROVINCE_SUPERVISORS.get(caller)
    return (
        not inv.restricted
        and province is not None
        and any(in_province(unit, province) for unit in inv.involved)
    )


@settings(max_examples=200, deadline=None)
@given(
    caller=st.sampled_from([*UNITS, "NO-SUCH-UNIT"]),
    involved=st.frozensets(st.sampled_from(UNITS), min_size=1, max_size=4),
    restricted=st.booleans(),
)
def test_sight_and_may_see_agree(caller: str, involved: frozenset[str], restricted: bool) -> None:
    inv = Involvement(involved, restricted)
    answer = may_see(ORG, caller, inv)
    assert sees(ORG, sight_of(ORG, caller), inv) == answer
    assert answer == oracle(caller, inv)
    if restricted and answer:
        assert caller == "HQ" or any(above_or_self(caller, unit) for unit in involved)
