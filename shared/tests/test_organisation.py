"""The organisation file: a valid tree, and every way `parse_organisation` refuses one."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from complaints_shared.organisation import OrganisationError, load_organisation, parse_organisation

DEMO = Path(__file__).resolve().parents[2] / "deploy" / "demo" / "organisation.yaml"


def minimal() -> dict[str, Any]:
    """The smallest valid organisation: HQ, a province with its supervision line and departments."""
    return {
        "business_lines": ["cards", "loans"],
        "calendars": {"cn": {"hours": ["09:00-12:00"]}},
        "units": [
            {"id": "HQ", "kind": "hq"},
            {"id": "HQ-QSG", "kind": "hq_quality_group", "parent": "HQ"},
            {"id": "P", "kind": "province", "parent": "HQ", "calendar": "cn"},
            {"id": "P-SUP", "kind": "supervision_line", "parent": "P"},
            {"id": "P-CARDS", "kind": "province_department", "parent": "P", "lines": ["cards"]},
            {"id": "P-LOANS", "kind": "province_department", "parent": "P", "lines": ["loans"]},
            {"id": "P-B", "kind": "branch", "parent": "P", "lines": ["cards"]},
            {"id": "P-B-01", "kind": "outlet", "parent": "P-B", "lines": ["cards"]},
        ],
    }


def with_units(*units: dict[str, Any], drop: tuple[str, ...] = ()) -> dict[str, Any]:
    data = copy.deepcopy(minimal())
    data["units"] = [u for u in data["units"] if u["id"] not in drop] + list(units)
    return data


def test_the_demo_organisation_is_valid_and_covers_two_provinces():
    org = load_organisation(DEMO)
    assert [p.id for p in org.units_of_kind("province")] == ["YN", "GD"]
    assert org.units_of_kind("hq_quality_group")[0].id == "HQ-QSG"


def test_the_minimal_organisation_is_valid():
    org = parse_organisation(minimal())
    assert "P-B-01" in org
    assert [u.id for u in org.ancestors("P-B-01")] == ["P-B", "P", "HQ"]
    assert org.is_self_or_above("P", "P-B-01")
    assert not org.is_self_or_above("P-B-01", "P")
    assert org.inherited("P-B-01", "calendar") == "cn"
    assert org.inherited("P-B-01", "timezone") == "Asia/Shanghai"


def test_units_of_kind_keeps_file_order():
    org = parse_organisation(minimal())
    assert [u.id for u in org.units_of_kind("province_department")] == ["P-CARDS", "P-LOANS"]
    assert org.units_of_kind("hq_discipline_office") == ()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param(
            with_units({"id": "P-B", "kind": "branch", "parent": "P"}),
            "unit P-B: duplicate id",
            id="duplicate id",
        ),
        pytest.param(
            with_units({"id": "X", "kind": "branch", "parent": "NOWHERE"}),
            "unit X: unknown parent 'NOWHERE'",
            id="unknown parent",
        ),
        pytest.param(
            with_units(
                {"id": "A", "kind": "branch", "parent": "B"},
                {"id": "B", "kind": "branch", "parent": "A"},
            ),
            "unit A: its parents form a cycle",
            id="cycle",
        ),
        pytest.param(
            with_units({"id": "X", "kind": "branch", "parent": "P", "calendar": "mars"}),
            "unit X: unknown calendar 'mars'",
            id="unknown calendar",
        ),
        pytest.param(
            with_units({"id": "X", "kind": "outlet", "parent": "P-B", "lines": ["insurance"]}),
            "unit X: line 'insurance' is not one of business_lines ['cards', 'loans']",
            id="unit lists a line not in business_lines",
        ),
        pytest.param(
            with_units(drop=("P-SUP",)),
            "unit P: province has no supervision line",
            id="province without a supervision line",
        ),
        pytest.param(
            with_units(drop=("P-LOANS",)),
            "unit P: business line 'loans' is covered by no province_department",
            id="business line no department covers",
        ),
        pytest.param(
            with_units({"id": "X", "kind": "galaxy", "parent": "P"}),
            "unit X: kind",
            id="unknown kind names the unit",
        ),
    ],
)
def test_a_broken_organisation_is_refused_naming_the_unit(data, message):
    with pytest.raises(OrganisationError) as caught:
        parse_organisation(data)
    assert message in str(caught.value)


def test_coverage_is_checked_per_province():
    # Q's departments cover only cards: the loans department of province P does not count for Q.
    data = with_units(
        {"id": "Q", "kind": "province", "parent": "HQ"},
        {"id": "Q-SUP", "kind": "supervision_line", "parent": "Q"},
        {"id": "Q-CARDS", "kind": "province_department", "parent": "Q", "lines": ["cards"]},
    )
    with pytest.raises(OrganisationError) as caught:
        parse_organisation(data)
    assert "unit Q: business line 'loans'" in str(caught.value)
    assert "unit P:" not in str(caught.value)


def test_a_branch_department_does_not_count_as_province_coverage():
    data = with_units(
        {"id": "P-B-LOANS", "kind": "branch_department", "parent": "P-B", "lines": ["loans"]},
        drop=("P-LOANS",),
    )
    with pytest.raises(OrganisationError, match="unit P: business line 'loans'"):
        parse_organisation(data)


def test_every_content_problem_is_reported_at_once():
    data = with_units(
        {"id": "X", "kind": "outlet", "parent": "P-B", "lines": ["insurance"], "calendar": "mars"},
        drop=("P-SUP",),
    )
    with pytest.raises(OrganisationError) as caught:
        parse_organisation(data)
    text = str(caught.value)
    assert "unit X: unknown calendar 'mars'" in text
    assert "unit X: line 'insurance'" in text
    assert "unit P: province has no supervision line" in text


def test_a_supervision_line_below_a_branch_does_not_satisfy_the_province():
    data = with_units(
        {"id": "P-B-SUP", "kind": "supervision_line", "parent": "P-B"},
        drop=("P-SUP",),
    )
    with pytest.raises(OrganisationError, match="unit P: province has no supervision line"):
        parse_organisation(data)


def test_an_organisation_without_provinces_needs_no_coverage():
    data = {"business_lines": ["cards"], "units": [{"id": "HQ", "kind": "hq"}]}
    assert "HQ" in parse_organisation(data)


def test_load_organisation_reads_yaml(tmp_path):
    path = tmp_path / "org.yaml"
    path.write_text(
        "business_lines: [cards]\n"
        "units:\n"
        "  - {id: HQ, kind: hq}\n"
        "  - {id: P, kind: province, parent: HQ}\n"
        "  - {id: P-SUP, kind: supervision_line, parent: P}\n",
        encoding="utf-8",
    )
    with pytest.raises(OrganisationError, match="unit P: business line 'cards'"):
        load_organisation(path)
