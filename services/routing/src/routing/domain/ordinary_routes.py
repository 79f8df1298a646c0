"""The ordinary routes, rules 5-13 of docs/domain.md#initial-routing-rules: by the line that
took the call, then by business line.

Each proposes an owner or says in words why it does not apply; `rules.route` runs them in
`ORDINARY_RULES` order after the special routes.
"""

from __future__ import annotations

from complaints_shared.organisation import Organisation
from complaints_shared.workflow.hierarchy import province_supervision_line

from .hierarchy import line_near, may_own, member_of_kind
from .receipt import Proposal, Receipt, Rule


def hotline_hand_on(r: Receipt, org: Organisation) -> Proposal:
    """A hotline receipt → the assistance line of the level; major liability → its supervision line
    (rule 5)."""
    if r.line_kind != "hotline":
        return Proposal(None, "not received by a hotline")
    # Confidential cases go to the supervision line, the line that reports upward; all other
    # cases to the assistance line, which handles at its level
    # (docs/domain.md#initial-routing-rules, rule 5).
    if "major_liability" in r.facts.flags:
        prefs, why = ("supervision_line", "assistance_line"), "a major liability case goes to"
    else:
        prefs, why = ("assistance_line", "supervision_line"), "it hands on to"
    line = line_near(org, r.unit.id, prefs)
    if line is None:
        return Proposal(None, "received by a hotline, but no line to hand on to")
    return Proposal(
        line, f"the hotline does not handle complaints; {why} the {_words(org, line)} {line}"
    )


def assistance_line(r: Receipt, org: Organisation) -> Proposal:
    """An assistance-line receipt stays with that line, at its own level (rule 6)."""
    if r.line_kind != "assistance_line":
        return Proposal(None, "not received by an assistance line")
    # The line that took the call; with no assistance line at or above the level, the
    # supervision line of the level stands in.
    line = r.line_unit or line_near(org, r.unit.id, ("supervision_line",))
    if line is None:
        return Proposal(None, "received by an assistance line, but none exists at this level")
    return Proposal(line, f"the {_words(org, line)} {line} handles complaints at its own level")


def supervision_line(r: Receipt, org: Organisation) -> Proposal:
    """A supervision-line receipt stays with that line, which investigates (rule 7)."""
    if r.line_kind != "supervision_line":
        return Proposal(None, "not received by a supervision line")
    line = r.line_unit
    if line is None:
        return Proposal(None, "received by a supervision line, but none exists at this level")
    return Proposal(
        line, f"the supervision line {line} investigates, then hands on or handles itself"
    )


_HANDLES_OWN_LINE = ("outlet", "branch_department", "province_department")


def receiving_unit_within_authority(r: Receipt, org: Organisation) -> Proposal:
    """An outlet or department that covers the line keeps the complaint (rule 8)."""
    line = r.facts.business_line
    if r.unit.kind not in _HANDLES_OWN_LINE:
        return Proposal(None, f"{r.unit.id} is a {r.unit.kind}: ownership goes by business line")
    if not may_own(org, r.unit.id, line):
        return Proposal(None, f"{r.unit.id} does not cover {line}")
    return Proposal(
        r.unit.id, f"{r.unit.id} received a {line} complaint and handles it within its authority"
    )


def line_department(r: Receipt, org: Organisation) -> Proposal:
    """The line's department at the receiving level; a branch's department before the branch
    (rule 9)."""
    line = r.facts.business_line
    if r.level is None or r.level.kind not in ("branch", "province"):
        return Proposal(None, "received outside any branch or province")
    kind = f"{r.level.kind}_department"
    department = member_of_kind(org, r.level.id, kind, line)
    if department is None:
        return Proposal(None, f"{r.level.id} has no {line} department")
    return Proposal(
        department, f"handled by business line: the {line} department {department} of {r.level.id}"
    )


def branch_service_management(r: Receipt, org: Organisation) -> Proposal:
    """No department for the line, but the branch covers it → the branch itself (rule 10)."""
    line = r.facts.business_line
    if r.level is None or r.level.kind != "branch":
        return Proposal(None, "not received at branch level")
    if not may_own(org, r.level.id, line):
        return Proposal(None, f"the branch {r.level.id} does not cover {line}")
    return Proposal(
        r.level.id,
        f"the branch {r.level.id}, service management of its level, handles {line} itself",
    )


def province_line_department(r: Receipt, org: Organisation) -> Proposal:
    """A line the branch level does not cover → the province department of the line (rule 11)."""
    line = r.facts.business_line
    if r.level is None or r.level.kind != "branch" or r.province is None:
        return Proposal(None, "not a branch-level receipt inside a province")
    department = member_of_kind(org, r.province, "province_department", line)
    if department is None:
        return Proposal(None, f"{r.province} has no {line} department")
    return Proposal(
        department,
        f"{line} is beyond the branch {r.level.id}: "
        f"the province's {line} department {department} handles it",
    )


def supervision_line_designates(r: Receipt, org: Organisation) -> Proposal:
    """No department covers the line → the province supervision line designates one (rule 12)."""
    line = province_supervision_line(org, r.unit.id)
    if line is None:
        return Proposal(None, "received outside any province")
    return Proposal(
        line,
        f"no department covers {r.facts.business_line}: the supervision line {line} designates one",
    )


def receiving_unit_fallback(r: Receipt, org: Organisation) -> Proposal:
    """Received at HQ (no province above): the receiving unit; a hotline's parent (rule 13)."""
    owner = r.unit.parent if r.unit.kind == "hotline" and r.unit.parent else r.unit.id
    return Proposal(owner, f"received at HQ level: {owner} handles it")


ORDINARY_RULES: tuple[tuple[str, Rule], ...] = (
    ("hotline_hand_on", hotline_hand_on),
    ("assistance_line", assistance_line),
    ("supervision_line", supervision_line),
    ("receiving_unit_within_authority", receiving_unit_within_authority),
    ("line_department", line_department),
    ("branch_service_management", branch_service_management),
    ("province_line_department", province_line_department),
    ("supervision_line_designates", supervision_line_designates),
    ("receiving_unit_fallback", receiving_unit_fallback),
)


def _words(org: Organisation, unit_id: str) -> str:
    return org.unit(unit_id).kind.replace("_", " ")
