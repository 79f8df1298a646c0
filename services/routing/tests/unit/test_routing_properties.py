"""Properties over generated organisations and complaints: what docs/domain.md#routing promises
for any organisation (one valid owner, determinism, transfer chains and escalations that end).

Organisations: HQ (quality group and discipline office each optional), 1–3 provinces with their
supervision line (always: validation requires it), optional customer-service department,
assistance line and hotline, departments that together cover every line; 0–3 branches each
(at least one in the first province), with optional lines, departments for some lines and 0–3
outlets. Complaints: any unit (mostly below HQ), channel, line (sometimes one the organisation
does not know), severity and flags.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from complaints_shared.organisation import Organisation, parse_organisation
from routing.domain.hierarchy import rank
from routing.domain.rules import (
    MAX_TRANSFERS,
    RULE_NAMES,
    TRANSFER_REASONS,
    Decision,
    RoutingFacts,
    escalation_target,
    handling_level,
    may_own,
    request_transfer,
    route,
)

LINES = ("deposits", "loans", "cards", "logistics", "insurance")
CHANNELS = (
    "assistance_line", "hotline", "supervision_line", "on_site", "department", "opinion_book",
    "media", "letter", "consumer_hotline", "email", "online",
)  # fmt: skip
FLAGS = ("discipline", "media_exposure", "major_liability")
LINE_UNITS = (("SUP", "supervision_line"), ("AST", "assistance_line"), ("HOT", "hotline"))
FAST = settings(max_examples=100, deadline=None)


@st.composite
def organisation_data(draw: st.DrawFn) -> dict[str, Any]:
    lines = draw(st.lists(st.sampled_from(LINES), min_size=1, max_size=4, unique=True))
    some_lines = st.lists(st.sampled_from(lines), unique=True)
    units: list[dict[str, Any]] = [{"id": "HQ", "kind": "hq"}]
    for suffix, kind in (("QSG", "hq_quality_group"), ("DIO", "hq_discipline_office")):
        if draw(st.booleans()):
            units.append({"id": f"HQ-{suffix}", "kind": kind, "parent": "HQ"})

    def add(uid: str, kind: str, parent: str, unit_lines: list[str] | None = None) -> None:
        units.append({"id": uid, "kind": kind, "parent": parent, "lines": unit_lines or []})

    for p in range(draw(st.integers(1, 3))):
        province = f"P{p}"
        add(province, "province", "HQ")
        add(f"{province}-SUP", "supervision_line", province)
        for suffix, kind in (("CS", "province_cs_department"), *LINE_UNITS[1:]):
            if draw(st.booleans()):
                add(f"{province}-{suffix}", kind, province)
        # Every line goes to one of k departments, so together they cover all lines.
        k = draw(st.integers(1, len(lines)))
        owner_of = draw(st.lists(st.integers(0, k - 1), min_size=len(lines), max_size=len(lines)))
        for d in range(k):
            covered = [line for line, o in zip(lines, owner_of, strict=True) if o == d]
            add(f"{province}-D{d}", "province_department", province, covered)
        for b in range(draw(st.integers(1 if p == 0 else 0, 3))):
            branch = f"{province}-B{b}"
            add(branch, "branch", province, draw(some_lines))
            for suffix, kind in LINE_UNITS:
                if draw(st.booleans()):
                    add(f"{branch}-{suffix}", kind, branch)
            for line in draw(some_lines):
                add(f"{branch}-{line.upper()}", "branch_department", branch, [line])
            for o in range(draw(st.integers(0, 3))):
                add(f"{branch}-{o:02d}", "outlet", branch, draw(some_lines))
    return {"business_lines": lines, "units": units}


@st.composite
def cases(draw: st.DrawFn) -> tuple[dict[str, Any], Organisation, RoutingFacts, list[str]]:
    data = draw(organisation_data())
    org = parse_organisation(data)
    # Each flag on one complaint in four, major one in four: the ordinary routes get their turn.
    flags = [flag for flag in FLAGS if draw(st.integers(0, 3)) == 3]
    facts = RoutingFacts(
        kind=draw(st.sampled_from(("complaint", "inquiry"))),
        channel=draw(st.sampled_from(CHANNELS)),
        # Mostly below HQ, where the rules have most to decide; sometimes HQ or an unknown line.
        receiving_unit=draw(
            st.sampled_from(list(org.units)[-8:]) | st.sampled_from(list(org.units))
        ),
        business_line=draw(st.sampled_from([*data["business_lines"] * 3, "unlisted"])),
        severity=draw(st.sampled_from(("normal", "normal", "normal", "major"))),
        flags=frozenset(flags),
    )
    return data, org, facts, flags


def assert_valid_owner(org: Organisation, facts: RoutingFacts, decision: Decision) -> None:
    owner = decision.owner_unit
    assert owner in org
    assert org.unit(owner).kind != "hotline"
    assert may_own(org, owner, facts.business_line), (owner, facts)
    assert decision.handling_level == handling_level(org, owner)
    assert owner not in decision.also_involved and owner not in decision.reported_to
    for others in (decision.also_involved, decision.reported_to):
        assert len(set(others)) == len(others) and all(u in org for u in others)
    assert decision.restricted == ("major_liability" in facts.flags)


@FAST
@given(cases())
def test_exactly_one_owner_that_exists_and_may_own_the_line(case):
    _, org, facts, _ = case
    decision = route(facts, org)
    assert_valid_owner(org, facts, decision)
    assert tuple(c.rule for c in decision.considered) == RULE_NAMES
    assert next(c for c in decision.considered if c.fired).rule == decision.rule


@FAST
@given(cases())
def test_same_input_same_decision(case):
    data, org, facts, flags = case
    # A freshly parsed organisation and flags given in the other order change nothing.
    reordered = RoutingFacts(
        facts.kind, facts.channel, facts.receiving_unit, facts.business_line, facts.severity,
        frozenset(reversed(flags)),
    )  # fmt: skip
    assert route(facts, org) == route(reordered, parse_organisation(data))


@FAST
@given(cases(), st.data())
def test_every_transfer_chain_ends(case, data):
    _, org, facts, _ = case
    units = list(org.units)
    decision = route(facts, org)
    history = (decision.owner_unit,)
    accepted = 0
    for _ in range(3 * MAX_TRANSFERS):
        owner = history[-1]
        above = [owner, *(u.id for u in org.ancestors(owner))]
        requested_by = data.draw(st.sampled_from(above) | st.sampled_from(units))
        explicit = data.draw(st.booleans())
        request = dict(
            current_owner=owner,
            requested_by=requested_by,
            reason=data.draw(st.sampled_from((*TRANSFER_REASONS, "other"))),
            to_unit=data.draw(st.sampled_from(units)) if explicit else None,
            history=history,
        )
        result = request_transfer(facts, org, **request)
        assert result == request_transfer(facts, org, **request)  # deterministic
        if not isinstance(result, Decision):
            assert result.reason and result.rule
            continue
        accepted += 1
        new_owner = result.owner_unit
        assert new_owner != owner
        assert_valid_owner(org, facts, result)
        # Revisits only upwards: never back down or sideways to a unit that had it.
        assert new_owner not in history or rank(org, new_owner) > rank(org, owner)
        history = (*history, new_owner)
    assert accepted <= MAX_TRANSFERS


@FAST
@given(cases())
def test_a_greedy_chain_of_requests_stops(case):
    _, org, facts, _ = case
    history = (route(facts, org).owner_unit,)
    for reason in (*TRANSFER_REASONS * MAX_TRANSFERS, *TRANSFER_REASONS):
        owner = history[-1]
        result = request_transfer(
            facts, org, current_owner=owner, requested_by=owner, reason=reason, to_unit=None,
            history=history,
        )  # fmt: skip
        if isinstance(result, Decision):
            history = (*history, result.owner_unit)
    assert len(history) - 1 <= MAX_TRANSFERS


@FAST
@given(organisation_data())
def test_escalation_goes_strictly_up_and_ends(data):
    org = parse_organisation(data)
    for unit_id in org.units:
        chain = [unit_id]
        while (above := escalation_target(org, chain[-1])) is not None:
            assert above in org
            assert rank(org, above) > rank(org, chain[-1]), chain
            chain.append(above)
        assert len(chain) <= 6
