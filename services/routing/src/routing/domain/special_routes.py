"""The special routes: rules 1-4 of docs/domain.md#initial-routing-rules (staff discipline, media
exposure, and the two major-severity routes).

They apply whatever the channel, and outrank the ordinary routes. Each proposes an owner or
says in words why it does not apply.
"""

from __future__ import annotations

from complaints_shared.organisation import Organisation
from complaints_shared.workflow.hierarchy import province_cs_department, province_supervision_line

from .hierarchy import hq_office, is_province_supervision_line, member_of_kind
from .receipt import Proposal, Receipt, Rule


def discipline_office(r: Receipt, org: Organisation) -> Proposal:
    """Staff discipline → the HQ discipline-inspection office (rule 1)."""
    if "discipline" not in r.facts.flags:
        return Proposal(None, "no staff-discipline flag")
    office = hq_office(org, "hq_discipline_office")
    if office is None:
        return Proposal(None, "staff discipline involved, but the organisation has no HQ office")
    return Proposal(
        office,
        f"staff discipline involved: the HQ discipline-inspection office {office} investigates",
    )


def media_exposure(r: Receipt, org: Organisation) -> Proposal:
    """Exposed by news media → the province customer-service department, with the province
    department of the line also involved (rule 2)."""
    # The `media` channel is a media exposure whether or not intake set the flag.
    if "media_exposure" not in r.facts.flags and r.facts.channel != "media":
        return Proposal(None, "not exposed by news media")
    if r.province is None:
        return Proposal(None, "exposed by news media, but received outside any province")
    cs = province_cs_department(org, r.province)
    if cs is None:
        return Proposal(
            None, f"exposed by news media, but {r.province} has no customer-service department"
        )
    department = member_of_kind(org, r.province, "province_department", r.facts.business_line)
    also = (department,) if department else ()
    together = (
        f" together with the {r.facts.business_line} department {department}" if department else ""
    )
    return Proposal(
        cs,
        f"exposed by news media: the customer-service department {cs} investigates{together}",
        also,
    )


def _major_at_top(r: Receipt, org: Organisation) -> bool:
    """Major at the province's supervision line itself, or received above any province."""
    at_province_line = r.line_kind == "supervision_line" and (
        r.line_unit is not None and is_province_supervision_line(org, r.line_unit)
    )
    return at_province_line or r.province is None


def major_to_quality_group(r: Receipt, org: Organisation) -> Proposal:
    """Major at a province's supervision line (or received at HQ) → the HQ quality group
    (rule 3)."""
    if r.facts.severity != "major":
        return Proposal(None, "severity is not major")
    if not _major_at_top(r, org):
        return Proposal(None, "major, but not received by a province's supervision line")
    group = hq_office(org, "hq_quality_group")
    if group is None:
        return Proposal(
            None, "major at the supervision line, but the organisation has no HQ quality group"
        )
    return Proposal(
        group,
        f"major case at the province supervision line: the HQ quality group {group} takes it",
    )


def major_to_supervision_line(r: Receipt, org: Organisation) -> Proposal:
    """Major anywhere else in a province → its supervision line, reporting to the HQ group
    (rule 4)."""
    if r.facts.severity != "major":
        return Proposal(None, "severity is not major")
    if _major_at_top(r, org):
        return Proposal(None, "major at the province supervision line: the HQ quality group's case")
    line = province_supervision_line(org, r.unit.id)
    if line is None:
        return Proposal(None, "major, but the province has no supervision line")
    group = hq_office(org, "hq_quality_group")
    # The supervision line reports its major cases on to the HQ group (rule 4).
    return Proposal(
        line,
        f"major case: it needs the province level, its supervision line {line} takes it",
        reported=(group,) if group else (),
    )


SPECIAL_RULES: tuple[tuple[str, Rule], ...] = (
    ("discipline_office", discipline_office),
    ("media_exposure", media_exposure),
    ("major_to_quality_group", major_to_quality_group),
    ("major_to_supervision_line", major_to_supervision_line),
)
