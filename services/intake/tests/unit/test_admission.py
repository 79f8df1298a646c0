"""Who may post, act and read, checked against the demo organisation with a fixed clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from complaints_shared.organisation import load_organisation
from intake.domain.admission import check_action, check_complaint

DEMO = Path(__file__).resolve().parents[4] / "deploy" / "demo" / "organisation.yaml"
ORG = load_organisation(DEMO)
NOW = datetime(2026, 11, 23, 2, 15, tzinfo=UTC)
SKEW = timedelta(minutes=5)
OK: list[tuple[int, str]] = []


def refused(refusals) -> list[tuple[int, str | None]]:
    return [(r.status, r.field) for r in refusals]


def complaint(caller="YN-KM", receiving_unit="YN-KM", business_line="cards", received_at=NOW):
    return check_complaint(
        ORG,
        caller=caller,
        receiving_unit=receiving_unit,
        business_line=business_line,
        received_at=received_at,
        now=NOW,
        skew=SKEW,
    )


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        pytest.param({}, OK, id="as-itself"),
        pytest.param({"caller": "YN"}, OK, id="province-for-its-branch"),
        pytest.param({"caller": "YN", "receiving_unit": "YN-KM-01"}, OK, id="two-levels-down"),
        pytest.param({"caller": "HQ", "receiving_unit": "GD-SZ-02"}, OK, id="hq-for-any-unit"),
        pytest.param({"caller": "YN-KM-01"}, [(403, "receiving_unit")], id="outlet-for-its-branch"),
        pytest.param({"caller": "YN-DL"}, [(403, "receiving_unit")], id="sibling-branch"),
        pytest.param({"caller": "GD"}, [(403, "receiving_unit")], id="other-province"),
        pytest.param({"caller": "XX"}, [(403, "receiving_unit")], id="caller-not-in-org"),
        pytest.param({"receiving_unit": "YN-XX"}, [(422, "receiving_unit")], id="unknown-unit"),
        pytest.param({"business_line": "pets"}, [(422, "business_line")], id="unknown-line"),
        pytest.param(
            {"received_at": NOW - timedelta(days=40)}, OK, id="long-ago-is-fine-for-late-letters"
        ),
        pytest.param({"received_at": NOW + SKEW}, OK, id="future-at-the-skew"),
        pytest.param(
            {"received_at": NOW + SKEW + timedelta(seconds=1)},
            [(422, "received_at")],
            id="future-beyond-the-skew",
        ),
        pytest.param(
            {"caller": "YN-DL", "business_line": "pets", "received_at": NOW + timedelta(hours=1)},
            [(403, "receiving_unit"), (422, "business_line"), (422, "received_at")],
            id="several-problems-together",
        ),
        pytest.param(
            {"receiving_unit": "YN-XX", "business_line": "pets"},
            [(422, "receiving_unit"), (422, "business_line")],
            id="unknown-unit-and-line",
        ),
    ],
)
def test_check_complaint(arguments, expected):
    assert refused(complaint(**arguments)) == expected


def test_a_refusal_says_who_may_not_post_as_whom():
    (refusal,) = complaint(caller="YN-KM-01", receiving_unit="YN-KM")
    assert "'YN-KM-01'" in refusal.message and "'YN-KM'" in refusal.message


def test_an_unknown_business_line_refusal_lists_the_known_lines():
    (refusal,) = complaint(business_line="pets")
    assert "'pets'" in refusal.message and "cards" in refusal.message


@pytest.mark.parametrize(
    ("caller", "unit", "at", "expected"),
    [
        pytest.param("YN-KM", "YN-KM", NOW, OK, id="as-itself"),
        pytest.param("YN", "YN-KM-01", NOW, OK, id="as-a-unit-below"),
        pytest.param("YN-KM-01", "YN-KM", NOW, [(403, "unit")], id="as-the-unit-above"),
        pytest.param("YN-KM", "YN-DL", NOW, [(403, "unit")], id="as-a-sibling"),
        pytest.param("YN-KM", "YN-XX", NOW, [(422, "unit")], id="unknown-unit"),
        pytest.param("YN-KM", "YN-KM", NOW + SKEW, OK, id="future-within-the-skew"),
        pytest.param("YN-KM", "YN-KM", NOW + SKEW * 2, [(422, "at")], id="future-beyond-the-skew"),
        pytest.param(
            "YN-DL", "YN-KM", NOW + SKEW * 2, [(403, "unit"), (422, "at")], id="several-problems"
        ),
    ],
)
def test_check_action(caller, unit, at, expected):
    refusals = check_action(ORG, caller=caller, unit=unit, at=at, now=NOW, skew=SKEW)
    assert refused(refusals) == expected
