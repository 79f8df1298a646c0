"""Which complaints a scope shows: the shared visibility rule, restricted cases included."""

from __future__ import annotations

import pytest

from complaints_shared.workflow.visibility import Involvement, sight_of
from dashboard.domain.scope import ScopeRefused, reach, resolve_scope, shows

from .events import T0, assigned, fold, received
from .org import ORG

# A major liability case received (and owned) by the outlet YN-KM-01: restricted.
RESTRICTED = fold(received("YN-KM-01", flags=["major_liability"]), (assigned("YN-KM-01"), T0))
ORDINARY = fold(received("YN-KM-01"), (assigned("YN-KM-01"), T0))


def test_a_caller_reads_its_own_unit_and_may_narrow_it_but_not_widen_it():
    assert resolve_scope(ORG, "HQ", None).everything
    assert resolve_scope(ORG, "YN", None).sight.units >= {"YN", "YN-KM-01", "YN-SUP"}
    assert "XJ-KM" not in resolve_scope(ORG, "YN", None).sight.units
    assert resolve_scope(ORG, "YN", "YN-KM").sight.units == {"YN-KM", "YN-KM-01", "YN-KM-02"}
    for caller, unit, status in [
        ("YN", "XJ", 403),
        ("YN-KM", "YN", 403),
        ("YN-KM", "YN-DL", 403),
        ("YN", "NOPE", 422),
        ("NOPE", None, 403),
    ]:
        with pytest.raises(ScopeRefused) as refused:
            resolve_scope(ORG, caller, unit)
        assert refused.value.status == status


@pytest.mark.parametrize(
    ("unit", "restricted_seen", "ordinary_seen"),
    [
        ("YN-KM-01", True, True),  # the involved outlet
        ("YN-KM", True, True),  # the branch above it
        ("YN", True, True),  # the province above that
        ("HQ", True, True),
        ("YN-DL", False, False),  # a sibling branch
        ("YN-KM-02", False, False),  # a sibling outlet
        ("YN-SUP", False, True),  # the province's supervision line, not involved
        ("YN-CS", False, True),  # the province's customer-service department, not involved
        ("YN-CARDS", False, False),  # a province department supervises nothing
        ("HQ-DIO", False, False),  # an HQ office is not HQ
        ("XJ", False, False),
        ("XJ-SUP", False, False),  # another province's supervision line
    ],
)
def test_who_sees_a_restricted_case_and_an_ordinary_one(unit, restricted_seen, ordinary_seen):
    assert RESTRICTED.restricted and not ORDINARY.restricted
    sight = sight_of(ORG, unit)
    assert shows(ORG, sight, RESTRICTED.involvement) is restricted_seen
    assert shows(ORG, sight, ORDINARY.involvement) is ordinary_seen
    # The scope of that unit, read by itself or by HQ, shows the same.
    for caller in (unit, "HQ"):
        scope = resolve_scope(ORG, caller, unit)
        assert shows(ORG, scope.sight, RESTRICTED.involvement) is restricted_seen


def test_a_supervising_unit_involved_in_a_restricted_case_sees_it():
    reported = fold(
        received("YN-KM-01"), (assigned("YN-KM-01", restricted=True, reported_to=("YN-SUP",)), T0)
    )
    assert reported.restricted and reported.units_involved == ["YN-KM-01", "YN-SUP"]
    assert shows(ORG, sight_of(ORG, "YN-SUP"), reported.involvement)
    assert not shows(ORG, sight_of(ORG, "YN-CS"), reported.involvement)


def test_a_complaint_no_unit_is_involved_in_yet_is_unknown_even_to_hq():
    assert not shows(ORG, sight_of(ORG, "HQ"), Involvement(frozenset()))


def _within(found, involvement: Involvement) -> bool:
    """What the repository's SQL selects for a reach (`adapters.projection_reads._within`)."""
    if found is None:
        return bool(involvement.involved)
    if found.units & involvement.involved:
        return True
    return not involvement.restricted and bool(found.unrestricted & involvement.involved)


def test_the_database_selection_is_the_same_rule_as_shows():
    involvements = [
        Involvement(frozenset(units), restricted)
        for units in (
            (),
            ("YN-KM-01",),
            ("YN-KM-01", "YN-SUP"),
            ("YN-DL-01", "HQ-DIO"),
            ("XJ-KM-02",),
            ("YN",),
            ("YN-CS", "XJ-DL"),
        )
        for restricted in (False, True)
    ]
    for unit in ORG.units:
        sight = sight_of(ORG, unit)
        for involvement in involvements:
            assert _within(reach(ORG, sight), involvement) == shows(ORG, sight, involvement), (
                unit,
                involvement,
            )
