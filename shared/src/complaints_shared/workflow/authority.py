"""Who may take which action, and when (docs/workflow.md "Who may act").

`decide` runs the checks in the order the business gives: a caller that may not see the
complaint gets not-found (404); one that may see it but may not take the action (as the unit it
names) gets forbidden (403); an action the status does not allow gets conflict (409), naming the
status and the actions it allows. While routing has not yet named an owner, an action that
depends on the owner is a conflict to retry, not a guess.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from complaints_shared.organisation import Organisation

from .hierarchy import (
    is_hq,
    is_self_or_above,
    province_cs_department,
    province_of,
    province_supervision_line,
    supervised_province,
    unit_above,
)
from .lifecycle import STATUSES, ComplaintState
from .visibility import may_see

# The statuses each action is allowed in.
ALLOWED_IN: dict[str, frozenset[str]] = {
    "accepted": frozenset({"assigned"}),
    "handler_changed": frozenset({"assigned", "in_progress", "waiting_on_customer"}),
    "transfer_requested": frozenset({"assigned", "in_progress", "waiting_on_customer"}),
    "customer_contacted": frozenset({"in_progress", "waiting_on_customer"}),
    "deadline_committed": frozenset({"in_progress", "waiting_on_customer"}),
    "plan_decided": frozenset({"in_progress", "waiting_on_customer"}),
    "extension_requested": frozenset({"in_progress", "waiting_on_customer"}),
    # A request can be pending only then: a reply or a hand-off cancels it.
    "extension_decided": frozenset({"in_progress", "waiting_on_customer"}),
    "waiting_on_customer": frozenset({"in_progress"}),
    "customer_responded": frozenset({"waiting_on_customer"}),
    "classified": frozenset({"in_progress", "waiting_on_customer", "resolved", "closed"}),
    "resolved": frozenset({"in_progress", "waiting_on_customer"}),
    "return_visit_recorded": frozenset({"resolved", "closed"}),
    "reopened": frozenset({"resolved", "closed"}),
    "closed": frozenset({"resolved"}),
    "note": frozenset(STATUSES),
}
ACTIONS: tuple[str, ...] = tuple(ALLOWED_IN)


def allowed_actions(status: str) -> list[str]:
    """The actions a complaint in `status` allows, in the order of the table."""
    return [action for action, statuses in ALLOWED_IN.items() if status in statuses]


@dataclass(frozen=True)
class Refused:
    """Why an action is refused: `status` is the HTTP code (404, 403 or 409)."""

    status: int
    reason: str
    complaint_status: str | None = None
    allowed_actions: tuple[str, ...] = ()
    retry: bool = False  # 409 because routing has not yet named the owner


# A rule answers True (may), False (may not) or None (cannot tell before an owner is known).
Rule = Callable[[Organisation, ComplaintState, str, dict[str, Any]], bool | None]


def _owner_or_above(
    org: Organisation, state: ComplaintState, unit: str, _: dict[str, Any]
) -> bool | None:
    if state.owner_unit is None:
        return None
    return is_self_or_above(org, unit, state.owner_unit)


def _the_province(org: Organisation, state: ComplaintState, unit: str) -> bool:
    """The province company of the complaint, its customer-service department or supervision
    line, or HQ."""
    if is_hq(org, unit):
        return True
    province = province_of(org, state.owner_unit or state.receiving_unit)
    if province is None:
        return False
    return unit == province or supervised_province(org, unit) == province


def _classifier(
    org: Organisation, state: ComplaintState, unit: str, data: dict[str, Any]
) -> bool | None:
    if data.get("classification") == "special":
        return _the_province(org, state, unit)
    return _owner_or_above(org, state, unit, data)


def _return_visitor(org: Organisation, state: ComplaintState, unit: str, _: dict[str, Any]) -> bool:
    """The supervision line of the receiving province or of the receiving branch, the province
    customer-service department, or HQ."""
    receiving = state.receiving_unit
    if is_hq(org, unit):
        return True
    if receiving is None or unit not in org:
        return False
    if unit in (province_supervision_line(org, receiving), province_cs_department(org, receiving)):
        return True
    kind = org.unit(unit).kind
    parent = org.unit(unit).parent
    return (
        kind == "supervision_line"
        and parent is not None
        and org.unit(parent).kind == "branch"
        and is_self_or_above(org, parent, receiving)
    )


def _reopener(org: Organisation, state: ComplaintState, unit: str, _: dict[str, Any]) -> bool:
    """The receiving unit, the province's supervision line, the province company, HQ."""
    if is_hq(org, unit) or unit == state.receiving_unit:
        return True
    near = state.receiving_unit
    return unit in (province_of(org, near), province_supervision_line(org, near)) and unit in org


def _extension_decider(
    org: Organisation, state: ComplaintState, unit: str, _: dict[str, Any]
) -> bool | None:
    """The supervision line of the owner's province, or the unit directly above the owner;
    never the owner itself."""
    owner = state.owner_unit
    if owner is None:
        return None
    if unit == owner:
        return False
    return unit in (unit_above(org, owner), province_supervision_line(org, owner))


def _anyone_who_sees_it(
    org: Organisation, state: ComplaintState, unit: str, _: dict[str, Any]
) -> bool:
    return may_see(org, unit, state.involvement)  # the unit named, not only the caller


WHO_MAY: dict[str, Rule] = {
    "accepted": _owner_or_above,
    "handler_changed": _owner_or_above,
    "transfer_requested": _owner_or_above,
    "customer_contacted": _owner_or_above,
    "deadline_committed": _owner_or_above,
    "plan_decided": _owner_or_above,
    "extension_requested": _owner_or_above,
    "extension_decided": _extension_decider,
    "waiting_on_customer": _owner_or_above,
    "customer_responded": _owner_or_above,
    "classified": _classifier,
    "resolved": _owner_or_above,
    "return_visit_recorded": _return_visitor,
    "reopened": _reopener,
    "closed": _owner_or_above,
    "note": _anyone_who_sees_it,
}


def decide(
    org: Organisation,
    state: ComplaintState,
    *,
    caller: str,
    unit: str,
    action: str,
    data: dict[str, Any] | None = None,
) -> Refused | None:
    """None when `caller`, acting as `unit` (itself or a unit below it), may take `action` on
    the complaint now; otherwise why not. `data` is the action's body (e.g. classification)."""
    data = data or {}
    if not may_see(org, caller, state.involvement):
        return Refused(404, f"no complaint visible to {caller}")
    if not is_self_or_above(org, caller, unit):
        return Refused(403, f"{caller} may act only as itself or a unit below it, not as {unit}")
    may = WHO_MAY[action](org, state, unit, data)
    if may is False:
        return Refused(403, f"{unit} may not take the action {action!r} on this complaint")
    allowed = tuple(allowed_actions(state.status))
    if may is None:
        return Refused(
            409,
            "routing has not yet named the owner of this complaint; retry shortly",
            state.status,
            allowed,
            retry=True,
        )
    if state.status not in ALLOWED_IN[action]:
        return Refused(
            409,
            f"{action!r} is not allowed while the complaint is {state.status}",
            state.status,
            allowed,
        )
    if action == "closed" and "return_visit" in state.running_clocks:
        return Refused(
            409, "a return visit is due: it must be made before closing", state.status, allowed
        )
    if action == "extension_requested":
        return _may_request_extension(state, data, allowed)
    if action == "extension_decided":
        return _may_decide_extension(state, data, allowed)
    return None


def _may_request_extension(
    state: ComplaintState, data: dict[str, Any], allowed: tuple[str, ...]
) -> Refused | None:
    """One request pending at a time, asked before the resolve deadline (event time)."""
    if state.pending_extension is not None:
        return Refused(409, "an extension request is already pending", state.status, allowed)
    at, due = _instant(data.get("at")), state.resolve_due_at
    if at is not None and due is not None and at >= due:
        return Refused(
            409, "an extension must be asked before the resolve deadline", state.status, allowed
        )
    return None


def _may_decide_extension(
    state: ComplaintState, data: dict[str, Any], allowed: tuple[str, ...]
) -> Refused | None:
    request = data.get("request_id")
    pending = state.pending_extension
    if pending is not None and pending.request_id == request:
        return None
    if request in state.closed_extensions:
        return Refused(
            409, f"extension request {request} was already decided", state.status, allowed
        )
    return Refused(404, f"no extension request {request} on this complaint")


def _instant(value: object) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str):
        return datetime.fromisoformat(value)
    return None
