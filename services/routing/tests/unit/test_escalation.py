"""Escalation on a breached clock: the unit that supervises the owner
(docs/domain.md#escalation)."""

from __future__ import annotations

from pathlib import Path

import pytest

from complaints_shared.organisation import load_organisation, parse_organisation
from routing.domain.hierarchy import rank
from routing.domain.rules import escalation_target

DEMO = Path(__file__).resolve().parents[4] / "deploy" / "demo" / "organisation.yaml"
ORG = load_organisation(DEMO)


@pytest.mark.parametrize(
    ("owner", "supervisor"),
    [
        pytest.param("YN-KM-01", "YN-KM", id="outlet -> its branch (service management)"),
        pytest.param("YN-KM-CARDS", "YN-KM", id="branch department -> its branch"),
        pytest.param("YN-KM-AST", "YN-KM", id="branch assistance line -> its branch"),
        pytest.param("YN-KM-SUP", "YN-KM", id="branch supervision line -> its branch"),
        pytest.param("YN-KM", "YN-CS", id="branch -> the province customer-service department"),
        pytest.param("GD-GZ", "GD-CS", id="branch of the other province"),
        pytest.param("YN-CARDS", "YN-SUP", id="province department -> supervision line"),
        pytest.param("YN-CS", "YN-SUP", id="customer-service department -> supervision line"),
        pytest.param("YN-AST", "YN-SUP", id="province assistance line -> supervision line"),
        pytest.param("YN", "YN-SUP", id="province company -> supervision line"),
        pytest.param("YN-SUP", "HQ-QSG", id="supervision line -> HQ quality group"),
        pytest.param("HQ-QSG", None, id="HQ quality group: nobody above"),
        pytest.param("HQ-DIO", None, id="HQ discipline office: nobody above"),
        pytest.param("HQ", None, id="head office: nobody above"),
    ],
)
def test_the_supervisor_of_an_owner(owner, supervisor):
    assert escalation_target(ORG, owner) == supervisor


def test_escalation_always_goes_up_and_ends_at_hq():
    for unit_id in ORG.units:
        chain = [unit_id]
        while (above := escalation_target(ORG, chain[-1])) is not None:
            assert rank(ORG, above) > rank(ORG, chain[-1]), chain
            chain.append(above)
        assert len(chain) <= 6, chain


def test_a_province_without_a_customer_service_department_uses_its_supervision_line():
    org = parse_organisation(
        {
            "business_lines": ["cards"],
            "units": [
                {"id": "HQ", "kind": "hq"},
                {"id": "P", "kind": "province", "parent": "HQ"},
                {"id": "P-SUP", "kind": "supervision_line", "parent": "P"},
                {"id": "P-CARDS", "kind": "province_department", "parent": "P", "lines": ["cards"]},
                {"id": "P-B", "kind": "branch", "parent": "P", "lines": ["cards"]},
            ],
        }
    )
    assert escalation_target(org, "P-B") == "P-SUP"
    assert escalation_target(org, "P-SUP") is None  # no HQ quality group in this organisation


def test_an_unknown_owner_is_an_error():
    with pytest.raises(KeyError):
        escalation_target(ORG, "NOWHERE")


def test_the_same_owner_always_escalates_to_the_same_unit():
    assert [escalation_target(ORG, u) for u in ORG.units] == [
        escalation_target(ORG, u) for u in ORG.units
    ]
