"""Initial routing over the demo organisation: one row per case, each naming the rule of
docs/domain.md#initial-routing-rules that decides it.

Row ids read "<rule>: <case>". Expectations: owner, handling level, the rule that chose
the owner, and (where the rule is about them) the units also involved, reported to, restricted.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from complaints_shared.organisation import load_organisation
from routing.domain.rules import RULE_NAMES, RoutingFacts, UnknownUnitError, route

DEMO = Path(__file__).resolve().parents[4] / "deploy" / "demo" / "organisation.yaml"
ORG = load_organisation(DEMO)


def facts(
    unit: str,
    line: str = "cards",
    *,
    channel: str = "on_site",
    severity: str = "normal",
    flags: tuple[str, ...] = (),
    kind: str = "complaint",
) -> RoutingFacts:
    return RoutingFacts(kind, channel, unit, line, severity, frozenset(flags))


def row(case_id, complaint, owner, level, rule, *, also=(), reported=(), restricted=False):
    expected = (owner, level, rule, tuple(also), tuple(reported), restricted)
    return pytest.param(complaint, expected, id=case_id)


HOTLINE = "hotline"
AST = "assistance_line"
SUP = "supervision_line"
LIABLE = ("major_liability",)

CASES = [
    # Rule 5, hotline: registers, hands on to the same level's assistance line; its receipt is
    # reported to that level's supervision line.
    row("hotline_hand_on: branch hotline call -> branch assistance line",
        facts("YN-KM", channel=HOTLINE), "YN-KM-AST", "branch", "hotline_hand_on",
        reported=["YN-KM-SUP"]),
    row("hotline_hand_on: received by the branch hotline unit itself",
        facts("YN-KM-HOT", channel=HOTLINE), "YN-KM-AST", "branch", "hotline_hand_on",
        reported=["YN-KM-SUP"]),
    row("hotline_hand_on: the hotline unit outranks a contradictory channel",
        facts("YN-KM-HOT", channel="on_site"), "YN-KM-AST", "branch", "hotline_hand_on",
        reported=["YN-KM-SUP"]),
    row("hotline_hand_on: province hotline -> province assistance line",
        facts("YN-HOT", channel=HOTLINE), "YN-AST", "province", "hotline_hand_on",
        reported=["YN-SUP"]),
    row("hotline_hand_on: hotline channel at the province company",
        facts("YN", "loans", channel=HOTLINE), "YN-AST", "province", "hotline_hand_on",
        reported=["YN-SUP"]),
    row("hotline_hand_on: the other province, other line",
        facts("GD-SZ-HOT", "logistics", channel=HOTLINE), "GD-SZ-AST", "branch",
        "hotline_hand_on", reported=["GD-SZ-SUP"]),
    row("hotline_hand_on: an inquiry routes like a complaint",
        facts("YN-DL-HOT", "deposits", channel=HOTLINE, kind="inquiry"), "YN-DL-AST", "branch",
        "hotline_hand_on", reported=["YN-DL-SUP"]),
    row("hotline_hand_on: major liability goes to the branch supervision line",
        facts("YN-KM-HOT", channel=HOTLINE, flags=LIABLE), "YN-KM-SUP", "branch",
        "hotline_hand_on", reported=["YN", "HQ-QSG"], restricted=True),
    row("hotline_hand_on: major liability at the province hotline -> province supervision",
        facts("YN-HOT", channel=HOTLINE, flags=LIABLE), "YN-SUP", "supervision",
        "hotline_hand_on", reported=["YN", "HQ-QSG"], restricted=True),
    # Rule 6, the assistance line handles at its own level, reporting to its supervision line.
    row("assistance_line: the branch assistance line handles",
        facts("YN-KM-AST", channel=AST), "YN-KM-AST", "branch", "assistance_line",
        reported=["YN-KM-SUP"]),
    row("assistance_line: the province assistance line handles",
        facts("YN-AST", "loans", channel=AST), "YN-AST", "province", "assistance_line",
        reported=["YN-SUP"]),
    row("assistance_line: assistance-line channel at a branch -> that branch's line",
        facts("YN-DL", channel=AST), "YN-DL-AST", "branch", "assistance_line",
        reported=["YN-DL-SUP"]),
    row("assistance_line: assistance-line channel at an outlet -> its branch's line",
        facts("GD-GZ-01", channel=AST), "GD-GZ-AST", "branch", "assistance_line",
        reported=["GD-GZ-SUP"]),
    # Rules 8-9: branches and outlets handle within their authority, by business line.
    row("receiving_unit_within_authority: outlet covering the line keeps it",
        facts("YN-KM-01"), "YN-KM-01", "branch", "receiving_unit_within_authority"),
    row("receiving_unit_within_authority: outlet, opinion book, deposits",
        facts("YN-KM-02", "deposits", channel="opinion_book"), "YN-KM-02", "branch",
        "receiving_unit_within_authority"),
    row("receiving_unit_within_authority: outlet in the other province",
        facts("GD-SZ-02", "logistics"), "GD-SZ-02", "branch", "receiving_unit_within_authority"),
    row("line_department: outlet without the line -> its branch's department",
        facts("YN-KM-01", "loans"), "YN-KM-LOANS", "branch", "line_department"),
    row("line_department: a branch's department, not the branch, handles its line",
        facts("YN-KM", channel="letter"), "YN-KM-CARDS", "branch", "line_department"),
    row("line_department: branch by email, loans",
        facts("YN-DL", "loans", channel="email"), "YN-DL-LOANS", "branch", "line_department"),
    row("receiving_unit_within_authority: branch department, its own line",
        facts("YN-KM-CARDS", channel="department"), "YN-KM-CARDS", "branch",
        "receiving_unit_within_authority"),
    row("line_department: branch department, another line -> the sibling department",
        facts("YN-KM-CARDS", "loans", channel="department"), "YN-KM-LOANS", "branch",
        "line_department"),
    # Rules 8-9: the province handles by business line at its own level.
    row("line_department: province company by letter -> its loans department",
        facts("YN", "loans", channel="letter"), "YN-LOANS", "province", "line_department"),
    row("line_department: customer-service department passes to the line department",
        facts("YN-CS", channel="department"), "YN-CARDS", "province", "line_department"),
    row("receiving_unit_within_authority: province department, its own line",
        facts("YN-DEPOSITS", "deposits", channel="department"), "YN-DEPOSITS", "province",
        "receiving_unit_within_authority"),
    row("line_department: province department, another line",
        facts("YN-DEPOSITS", channel="department"), "YN-CARDS", "province", "line_department"),
    row("line_department: 12315 consumer hotline to the province",
        facts("GD", "logistics", channel="consumer_hotline"), "GD-LOGISTICS", "province",
        "line_department"),
    # Rule 4, major from the province, the assistance line, or below -> province supervision
    # line, which reports it on to the HQ quality group.
    row("major_to_supervision_line: major from the province assistance line",
        facts("YN-AST", channel=AST, severity="major"), "YN-SUP", "supervision",
        "major_to_supervision_line", reported=["HQ-QSG"]),
    row("major_to_supervision_line: major from the province company",
        facts("YN", "loans", channel="letter", severity="major"), "YN-SUP", "supervision",
        "major_to_supervision_line", reported=["HQ-QSG"]),
    row("major_to_supervision_line: major from a province department",
        facts("GD-LOANS", "loans", channel="department", severity="major"), "GD-SUP",
        "supervision", "major_to_supervision_line", reported=["HQ-QSG"]),
    row("major_to_supervision_line: a major outlet case needs the province",
        facts("YN-KM-01", severity="major"), "YN-SUP", "supervision",
        "major_to_supervision_line", reported=["HQ-QSG"]),
    row("major_to_supervision_line: major from a branch assistance line",
        facts("YN-KM-AST", channel=AST, severity="major"), "YN-SUP", "supervision",
        "major_to_supervision_line", reported=["HQ-QSG", "YN-KM-SUP"]),
    row("major_to_supervision_line: major outranks the hotline's hand-on",
        facts("YN-KM-HOT", channel=HOTLINE, severity="major"), "YN-SUP", "supervision",
        "major_to_supervision_line", reported=["HQ-QSG", "YN-KM-SUP"]),
    row("major_to_supervision_line: major at a branch supervision line goes to the province",
        facts("YN-KM-SUP", channel=SUP, severity="major"), "YN-SUP", "supervision",
        "major_to_supervision_line", reported=["HQ-QSG"]),
    # Rules 7 and 3: the supervision line investigates; major ones go to HQ's quality group.
    row("supervision_line: the province supervision line takes its call",
        facts("YN-SUP", channel=SUP), "YN-SUP", "supervision", "supervision_line"),
    row("supervision_line: supervision-line channel at the province company",
        facts("GD", "deposits", channel=SUP), "GD-SUP", "supervision", "supervision_line"),
    row("supervision_line: a branch supervision line handles at branch level",
        facts("YN-KM-SUP", channel=SUP), "YN-KM-SUP", "branch", "supervision_line"),
    row("major_to_quality_group: major at the province supervision line",
        facts("YN-SUP", channel=SUP, severity="major"), "HQ-QSG", "hq",
        "major_to_quality_group"),
    row("major_to_quality_group: supervision-line channel at the province, major",
        facts("GD", "loans", channel=SUP, severity="major"), "HQ-QSG", "hq",
        "major_to_quality_group"),
    # Rules 1-2 and the `major_liability` modifier: special routes, whatever the channel.
    row("discipline_office: staff discipline at an outlet",
        facts("YN-KM-01", flags=("discipline",)), "HQ-DIO", "hq", "discipline_office"),
    row("discipline_office: via a hotline, whose receipt is still reported",
        facts("YN-KM-HOT", channel=HOTLINE, flags=("discipline",)), "HQ-DIO", "hq",
        "discipline_office", reported=["YN-KM-SUP"]),
    row("media_exposure: flag at a branch -> province CS with the line's department",
        facts("YN-KM", flags=("media_exposure",)), "YN-CS", "province", "media_exposure",
        also=["YN-CARDS"]),
    row("media_exposure: the media channel counts as exposure",
        facts("GD-GZ", "loans", channel="media"), "GD-CS", "province", "media_exposure",
        also=["GD-LOANS"]),
    row("major_liability: owner unchanged, restricted, reported up at once",
        facts("YN-KM-01", flags=LIABLE), "YN-KM-01", "branch",
        "receiving_unit_within_authority", reported=["YN", "HQ-QSG"], restricted=True),
    row("major_liability: at a province department",
        facts("GD-CARDS", channel="department", flags=LIABLE), "GD-CARDS", "province",
        "receiving_unit_within_authority", reported=["GD", "HQ-QSG"], restricted=True),
    # Flags combine: discipline > media > major > channel; lower specials become involved.
    row("precedence: discipline over media; media's units also involved",
        facts("YN-KM", flags=("discipline", "media_exposure")), "HQ-DIO", "hq",
        "discipline_office", also=["YN-CS", "YN-CARDS"]),
    row("precedence: media over major; the supervision line also involved",
        facts("YN-KM-01", severity="major", flags=("media_exposure",)), "YN-CS", "province",
        "media_exposure", also=["YN-CARDS", "YN-SUP"], reported=["HQ-QSG"]),
    row("precedence: discipline over major at the supervision line",
        facts("YN-SUP", channel=SUP, severity="major", flags=("discipline",)), "HQ-DIO", "hq",
        "discipline_office", also=["HQ-QSG"]),
    row("precedence: discipline with major liability stays restricted",
        facts("GD-SZ-01", flags=("discipline", "major_liability")), "HQ-DIO", "hq",
        "discipline_office", reported=["GD", "HQ-QSG"], restricted=True),
    row("precedence: media with major liability",
        facts("YN-DL-02", "logistics", flags=("media_exposure", "major_liability")), "YN-CS",
        "province", "media_exposure", also=["YN-LOGISTICS"], reported=["YN", "HQ-QSG"],
        restricted=True),
    row("precedence: major with major liability at a branch hotline",
        facts("YN-KM-HOT", channel=HOTLINE, severity="major", flags=LIABLE), "YN-SUP",
        "supervision", "major_to_supervision_line", reported=["HQ-QSG", "YN-KM-SUP", "YN"],
        restricted=True),
    row("precedence: every flag and major at once",
        facts("YN-KM-01", severity="major",
              flags=("discipline", "media_exposure", "major_liability")),
        "HQ-DIO", "hq", "discipline_office", also=["YN-CS", "YN-CARDS", "YN-SUP"],
        reported=["HQ-QSG", "YN"], restricted=True),
    # Rule 13, HQ: no province above; the receiving HQ unit handles.
    row("receiving_unit_fallback: received by head office",
        facts("HQ", channel="email"), "HQ", "hq", "receiving_unit_fallback"),
    row("receiving_unit_fallback: received by the HQ quality group",
        facts("HQ-QSG", "loans", channel="letter"), "HQ-QSG", "hq", "receiving_unit_fallback"),
    row("major_to_quality_group: major received at HQ",
        facts("HQ", channel="email", severity="major"), "HQ-QSG", "hq",
        "major_to_quality_group"),
]  # fmt: skip


@pytest.mark.parametrize(("complaint", "expected"), CASES)
def test_routing_table(complaint, expected):
    decision = route(complaint, ORG)
    got = (
        decision.owner_unit,
        decision.handling_level,
        decision.rule,
        decision.also_involved,
        decision.reported_to,
        decision.restricted,
    )
    assert got == expected, decision.reason
    # explain: every rule, in order; the deciding rule is the first owner rule that fired.
    assert tuple(c.rule for c in decision.considered) == RULE_NAMES
    first_fired = next(c for c in decision.considered if c.fired)
    assert first_fired.rule == decision.rule
    assert first_fired.reason == decision.reason
    assert all(c.reason for c in decision.considered)


def test_the_table_has_at_least_forty_cases():
    assert len(CASES) >= 40


def test_a_hotline_hand_on_names_the_hotline():
    decision = route(facts("YN-KM", channel=HOTLINE), ORG)
    assert decision.extra == {"handed_on_by": "YN-KM-HOT"}
    assert "does not handle" in decision.reason


def test_explain_says_why_lower_rules_did_not_decide():
    decision = route(facts("YN-KM-01", flags=("discipline",)), ORG)
    by_rule = {c.rule: c for c in decision.considered}
    assert by_rule["receiving_unit_within_authority"].fired is False
    assert "discipline_office decided" in by_rule["receiving_unit_within_authority"].reason
    assert by_rule["media_exposure"].reason == "not exposed by news media"


def test_an_unknown_receiving_unit_is_refused():
    with pytest.raises(UnknownUnitError, match="NOWHERE"):
        route(facts("NOWHERE"), ORG)


def test_the_same_complaint_gives_the_same_decision():
    complaint = facts("YN-KM-01", severity="major", flags=("media_exposure", "discipline"))
    again = facts("YN-KM-01", severity="major", flags=("discipline", "media_exposure"))
    assert route(complaint, ORG) == route(again, ORG)
