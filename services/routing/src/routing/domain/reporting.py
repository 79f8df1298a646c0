"""Who is told of a receipt besides the owner (the two modifiers of
docs/domain.md#initial-routing-rules); used by routing and transfers."""

from __future__ import annotations

from collections.abc import Iterable

from complaints_shared.organisation import Organisation
from complaints_shared.workflow.hierarchy import province_of

from .hierarchy import LINE_KINDS, hq_office, supervision_line_near


def line_reports(org: Organisation, lines: Iterable[str]) -> tuple[str, ...]:
    """The supervision line each phone line reports its receipts to: the one of the line's own
    level (a level without one reports to the level above). A supervision line reports to
    nobody at its own level: it is the one being reported to."""
    reports = []
    for line in lines:
        if org.unit(line).kind not in LINE_KINDS:
            continue
        supervisor = supervision_line_near(org, line)
        if supervisor is not None and supervisor != line:
            reports.append(supervisor)
    return tuple(reports)


def liability_reports(org: Organisation, unit_id: str) -> tuple[str, ...]:
    """Where a major liability accident or criminal case is reported at once: the province
    company of the unit and the HQ quality-service leadership group (`major_liability`,
    docs/domain.md#initial-routing-rules)."""
    province = province_of(org, unit_id)
    group = hq_office(org, "hq_quality_group")
    return tuple(u for u in (province, group) if u is not None)


def distinct(units: Iterable[str], *, without: str) -> tuple[str, ...]:
    """Units in first-seen order, once each, never the owner."""
    seen: dict[str, None] = {}
    for unit in units:
        if unit != without:
            seen.setdefault(unit, None)
    return tuple(seen)
