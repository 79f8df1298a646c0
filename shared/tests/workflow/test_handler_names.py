"""Who reads a handler's name in clear (docs/workflow.md "Handler names"): the mask, a table of
callers × the unit the handler acted for, the timeline walk, and properties over random units.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from complaints_shared.masking import mask_staff_name
from complaints_shared.organisation import load_organisation
from complaints_shared.workflow.handler_names import (
    owner_at,
    reads_handler_name,
    shown_entries,
    shown_handler,
)
from complaints_shared.workflow.lifecycle import ComplaintState

DEMO = Path(__file__).resolve().parents[3] / "deploy" / "demo" / "organisation.yaml"
ORG = load_organisation(DEMO)
UNITS = sorted(ORG.units)
ZHANG = {"id": "e1042", "name": "张三"}


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("张三", "张*"),
        ("张三丰", "张*"),
        ("欧阳小明", "欧*"),
        ("Alice Smith", "A*"),
        (" 李四 ", "李*"),
        ("张", "*"),
        ("", ""),
        ("   ", ""),
    ],
)
def test_the_mask_keeps_the_first_character_and_hides_the_length(name, masked):
    assert mask_staff_name(name) == masked


@pytest.mark.parametrize(
    ("caller", "units", "clear"),
    [
        ("YN-KM-01", ("YN-KM-01",), True),  # the owner
        ("YN-KM", ("YN-KM-01",), True),  # its branch
        ("YN", ("YN-KM-01",), True),  # its province
        ("HQ", ("YN-KM-01",), True),  # head office
        ("YN-SUP", ("YN-KM-01",), False),  # supervises the province, is not above the outlet
        ("YN-CS", ("YN-KM-01",), False),
        ("YN-KM-02", ("YN-KM-01",), False),  # a sibling outlet
        ("YN-KM-CARDS", ("YN-KM-01",), False),  # a sibling department
        ("HQ-DIO", ("YN-KM-01",), False),  # an office of head office, not head office
        ("YN-KM-01", ("YN-KM",), False),  # a unit below the owner
        ("YN-SUP", ("YN-KM-01", "YN-SUP"), True),  # the unit that took the action
        ("YN-CS", ("YN-KM-01", "YN-SUP"), False),
        ("NOWHERE", ("YN-KM-01",), False),  # a unit not in the organisation
        ("YN", (None,), False),  # nobody to attribute the handler to
        ("YN", (None, "YN-KM"), True),
    ],
)
def test_who_reads_the_name(caller, units, clear):
    assert reads_handler_name(ORG, caller, *units) is clear
    shown = shown_handler(ORG, caller, ZHANG, *units)
    assert shown == (ZHANG if clear else {"id": "e1042", "name": "张*"})


def test_a_handler_without_a_name_or_none_at_all():
    assert shown_handler(ORG, "YN-SUP", None, "YN-KM-01") is None
    assert shown_handler(ORG, "YN-SUP", {"id": "e1"}, "YN-KM-01") == {"id": "e1"}
    assert shown_handler(ORG, "YN-SUP", {"id": "e1", "name": None}, "YN-KM-01") == {
        "id": "e1",
        "name": None,
    }


def test_the_argument_is_left_alone():
    handler = dict(ZHANG)
    shown_handler(ORG, "YN-SUP", handler, "YN-KM-01")
    assert handler == ZHANG


def _entry(kind: str, **data):
    return {"type": kind, "position": 1, "data": data}


def test_a_timeline_names_each_handler_by_the_owner_of_its_time():
    entries = [
        _entry("complaint.received", receiving_unit="YN-KM-01"),
        # signed for before the assignment reached the log: the acting unit counts
        _entry("complaint.accepted", unit="YN-KM-01", handler=ZHANG),
        _entry("complaint.assigned", owner_unit="YN-KM-01"),
        _entry("sla.breached", clock="start", owner_unit="YN-SUP", handler=ZHANG),
        _entry("complaint.assigned", owner_unit="YN-KM-CARDS"),
        _entry("complaint.accepted", unit="YN-KM-CARDS", handler={"id": "e2", "name": "李四"}),
        _entry("complaint.note", unit="YN-KM-01", text="x", handler=ZHANG),
    ]

    def names(caller: str) -> list[str | None]:
        shown = shown_entries(ORG, caller, entries)
        return [e["data"]["handler"]["name"] for e in shown if "handler" in e["data"]]

    # The breach names the owner's handler: a clock owned elsewhere gives no clear sight.
    assert names("YN-KM-01") == ["张三", "张三", "李*", "张三"]
    # A note the former owner adds later is by a handler acting on the new owner's complaint.
    assert names("YN-KM-CARDS") == ["张*", "张*", "李四", "张三"]
    assert names("YN-SUP") == ["张*", "张*", "李*", "张*"]
    assert names("YN-KM") == ["张三", "张三", "李四", "张三"]
    assert entries[1]["data"]["handler"] == ZHANG  # the entries are left alone
    # Before any assignment an SLA event's handler is judged by the clock's owner.
    early = [_entry("sla.warning", clock="start", owner_unit="YN-KM-01", handler=ZHANG)]
    assert shown_entries(ORG, "YN-KM-01", early)[0]["data"]["handler"] == ZHANG
    assert shown_entries(ORG, "YN-SUP", early)[0]["data"]["handler"]["name"] == "张*"


units = st.sampled_from(UNITS)
names = st.text(min_size=2, max_size=20).filter(lambda n: len(n.strip()) >= 2)


@given(caller=units, owner=units, actor=st.one_of(st.none(), units), name=names)
def test_clear_exactly_for_the_units_at_or_above_the_owner_or_the_actor(caller, owner, actor, name):
    above = {owner, *(u.id for u in ORG.ancestors(owner))}
    if actor is not None:
        above |= {actor, *(u.id for u in ORG.ancestors(actor))}
    shown = shown_handler(ORG, caller, {"id": "x", "name": name}, owner, actor)
    assert shown is not None and shown["id"] == "x"  # the id always stays
    if caller in above:
        assert shown["name"] == name
    else:
        # masked: the first character only, and never the rest of the name
        assert shown["name"] == name.strip()[0] + "*"
    # the owner, the actor and head office always read it
    for reader in (owner, actor or owner, "HQ"):
        assert shown_handler(ORG, reader, {"id": "x", "name": name}, owner, actor) == {
            "id": "x",
            "name": name,
        }


@given(name=st.text(max_size=30))
def test_the_mask_never_shows_more_than_one_character(name):
    masked = mask_staff_name(name)
    assert len(masked) <= 2
    assert masked in ("", "*") or (masked[1] == "*" and masked[0] == name.strip()[0])
    assert mask_staff_name(masked) == masked or masked == "*"


def test_the_owner_at_an_instant_is_the_latest_stay_begun_by_then():
    t0 = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
    state = ComplaintState(owners=(("YN-KM-01", t0), ("YN-KM", t0 + timedelta(hours=1))))
    assert owner_at(state, t0 - timedelta(seconds=1)) is None
    assert owner_at(state, t0) == "YN-KM-01"
    assert owner_at(state, t0 + timedelta(minutes=59)) == "YN-KM-01"
    assert owner_at(state, t0 + timedelta(hours=1)) == "YN-KM"
    assert owner_at(ComplaintState(), t0) is None
