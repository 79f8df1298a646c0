"""What intake admits: pure checks over the organisation, with the current time passed in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from complaints_shared.organisation import Organisation


@dataclass(frozen=True)
class Refusal:
    status: int  # 403 for a caller acting beyond its rights, 422 for bad content
    field: str | None
    message: str


def check_complaint(
    org: Organisation,
    *,
    caller: str,
    receiving_unit: str,
    business_line: str,
    received_at: datetime,
    now: datetime,
    skew: timedelta,
) -> list[Refusal]:
    """Every reason to refuse a new complaint; empty when it is admissible."""
    refusals = []
    if receiving_unit not in org:
        refusals.append(Refusal(422, "receiving_unit", f"unknown unit {receiving_unit!r}"))
    elif caller not in org or not org.is_self_or_above(caller, receiving_unit):
        refusals.append(
            Refusal(
                403,
                "receiving_unit",
                f"unit {caller!r} may post only as itself or a unit below it, "
                f"not as {receiving_unit!r}",
            )
        )
    lines = org.spec.business_lines
    if lines and business_line not in lines:
        refusals.append(
            Refusal(
                422, "business_line", f"unknown business line {business_line!r}; use {list(lines)}"
            )
        )
    if received_at > now + skew:
        refusals.append(Refusal(422, "received_at", "lies in the future"))
    return refusals


def check_action(
    org: Organisation, *, caller: str, unit: str, at: datetime, now: datetime, skew: timedelta
) -> list[Refusal]:
    """Every reason to refuse a unit's action on a complaint."""
    refusals = []
    if unit not in org:
        refusals.append(Refusal(422, "unit", f"unknown unit {unit!r}"))
    elif caller not in org or not org.is_self_or_above(caller, unit):
        refusals.append(
            Refusal(403, "unit", f"unit {caller!r} may act only as itself or a unit below it")
        )
    if at > now + skew:
        refusals.append(Refusal(422, "at", "lies in the future"))
    return refusals
