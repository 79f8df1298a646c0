"""The complaint's lifecycle as a pure fold: `state = apply(state, event, at)` (docs/workflow.md).

Statuses: received -> assigned -> in_progress <-> waiting_on_customer -> resolved -> closed.
A hand-off to another owner puts the complaint back to `assigned`; `reopened` takes a resolved
or closed complaint back to `in_progress`. The same fold gives the owner, the handler, the units
involved (for visibility) and the stays, so every service that reads the log agrees on them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Literal

from complaints_shared.contracts.base import Event

from .visibility import Involvement

Status = Literal["received", "assigned", "in_progress", "waiting_on_customer", "resolved", "closed"]
STATUSES: tuple[Status, ...] = (
    "received",
    "assigned",
    "in_progress",
    "waiting_on_customer",
    "resolved",
    "closed",
)
FINAL: frozenset[str] = frozenset({"resolved", "closed"})
OPEN: tuple[Status, ...] = tuple(s for s in STATUSES if s not in FINAL)

# Unit actions that move the status; every other action leaves it alone.
_STATUS_AFTER_ACTION: dict[str, Status] = {
    "complaint.accepted": "in_progress",
    "complaint.waiting_on_customer": "waiting_on_customer",
    "complaint.customer_responded": "in_progress",
    "complaint.resolved": "resolved",
    "complaint.reopened": "in_progress",
    "complaint.closed": "closed",
}
_SETS_HANDLER = frozenset({"complaint.accepted", "complaint.handler_changed"})


@dataclass(frozen=True)
class Handler:
    """The member of staff handling the complaint in the owning unit."""

    id: str
    name: str | None = None


@dataclass(frozen=True)
class PendingExtension:
    """An owner's request for more time, waiting for a decision."""

    request_id: str  # the id of the `complaint.extension_requested` event
    until: datetime
    unit: str
    at: datetime


@dataclass(frozen=True)
class ComplaintState:
    """One complaint as the log tells it (no personal data)."""

    status: Status = "received"
    registered: bool = False  # its `complaint.received` has been folded
    receiving_unit: str | None = None
    business_line: str | None = None
    owner_unit: str | None = None
    handling_level: str | None = None
    handler: Handler | None = None
    restricted: bool = False
    involved: tuple[str, ...] = ()  # in order of involvement, each once
    owners: tuple[tuple[str, datetime], ...] = ()  # one entry per stay: unit, since
    ended_at: datetime | None = None  # the reply (or closing) that ended the last stay
    running_clocks: tuple[str, ...] = ()
    resolve_due_at: datetime | None = None  # the owner's resolve deadline as the SLA monitor set it
    pending_extension: PendingExtension | None = None
    closed_extensions: tuple[str, ...] = ()  # requests decided, or cancelled by a hand-off
    extensions_approved: int = 0

    @property
    def involvement(self) -> Involvement:
        return Involvement(frozenset(self.involved), self.restricted)

    @property
    def open(self) -> bool:
        return self.status not in FINAL


def apply(
    state: ComplaintState, event: Event, at: datetime, *, event_id: str | None = None
) -> ComplaintState:
    """The complaint after `event`, which happened (event time) at `at`; `event_id` is the
    event's id (an extension request is known by it)."""
    name = event.NAME
    if name == "complaint.received":
        flags = getattr(event, "flags", ())
        return _involve(
            replace(
                state,
                registered=True,
                receiving_unit=event.receiving_unit,  # type: ignore[attr-defined]
                business_line=event.business_line,  # type: ignore[attr-defined]
                restricted=state.restricted or "major_liability" in flags,
            ),
            event.receiving_unit,  # type: ignore[attr-defined]
        )
    if name == "complaint.assigned":
        return _assigned(state, event, at)
    if name in ("complaint.transferred", "complaint.escalated", "complaint.reported"):
        return _involve(state, event.to_unit)  # type: ignore[attr-defined]
    if name.startswith("sla."):
        return _clock(state, event)
    if name.startswith("complaint.") and hasattr(event, "unit"):
        return _unit_action(state, event, at, event_id)
    return state


def _assigned(state: ComplaintState, event: Any, at: datetime) -> ComplaintState:
    state = _involve(state, event.owner_unit, *event.also_involved, *event.reported_to)
    state = replace(
        state,
        restricted=state.restricted or event.restricted,
        handling_level=event.handling_level,
    )
    if event.owner_unit == state.owner_unit:
        return state  # the same owner again: its stay and its sign-for continue
    handoff = event.previous_owner is not None
    status = state.status
    if status == "received" or (handoff and status not in FINAL):
        status = "assigned"
    state = _cancel_pending_extension(state)  # a hand-off cancels a pending request
    return replace(
        state,
        status=status,
        owner_unit=event.owner_unit,
        handler=None,
        owners=(*state.owners, (event.owner_unit, at)),
    )


def _unit_action(
    state: ComplaintState, event: Any, at: datetime, event_id: str | None
) -> ComplaintState:
    name = event.NAME
    if name == "complaint.extension_requested":
        request = PendingExtension(event_id or "", event.until, event.unit, at)
        return replace(state, pending_extension=request)
    if name == "complaint.extension_decided":
        return _extension_decided(state, event)
    changes: dict[str, Any] = {}
    status = _STATUS_AFTER_ACTION.get(name)
    if status is not None:
        changes["status"] = status
    if name in ("complaint.resolved", "complaint.closed"):
        changes["ended_at"] = state.ended_at or at
        state = _cancel_pending_extension(state)  # replied: no more time is needed
    elif name == "complaint.reopened":
        changes["ended_at"] = None
    handler = getattr(event, "handler", None)
    if name in _SETS_HANDLER and handler is not None:
        changes["handler"] = Handler(handler.id, handler.name)
    return replace(state, **changes) if changes else state


def _extension_decided(state: ComplaintState, event: Any) -> ComplaintState:
    pending = state.pending_extension
    if pending is None or pending.request_id != event.request_id:
        return state
    approved = 1 if event.decision == "approved" else 0
    return replace(
        state,
        pending_extension=None,
        closed_extensions=(*state.closed_extensions, pending.request_id),
        extensions_approved=state.extensions_approved + approved,
    )


def _cancel_pending_extension(state: ComplaintState) -> ComplaintState:
    pending = state.pending_extension
    if pending is None:
        return state
    closed = (*state.closed_extensions, pending.request_id)
    return replace(state, pending_extension=None, closed_extensions=closed)


def _clock(state: ComplaintState, event: Any) -> ComplaintState:
    clock, owner = getattr(event, "clock", None), getattr(event, "owner_unit", None)
    if not isinstance(clock, str):
        return state
    due = getattr(event, "due_at", None)
    if clock == "resolve" and isinstance(due, datetime) and event.NAME != "sla.clock_stopped":
        state = replace(state, resolve_due_at=due)
    if event.NAME == "sla.clock_started":
        state = _involve(state, owner) if isinstance(owner, str) else state
        if clock not in state.running_clocks:
            state = replace(state, running_clocks=(*state.running_clocks, clock))
    elif event.NAME == "sla.clock_stopped" and clock in state.running_clocks:
        state = replace(state, running_clocks=tuple(c for c in state.running_clocks if c != clock))
    return state


def _involve(state: ComplaintState, *units: str | None) -> ComplaintState:
    new = [u for u in units if u and u not in state.involved]
    if not new:
        return state
    return replace(state, involved=tuple(dict.fromkeys([*state.involved, *new])))


@dataclass(frozen=True)
class Stay:
    unit: str
    since: datetime
    until: datetime | None  # None while the complaint is still there
    seconds: int


def stays(state: ComplaintState, now: datetime) -> list[Stay]:
    """How long the complaint sat with each owner. A repeated assignment to the same owner
    continues its stay (owners X, X, Y are two stays); the last stay ends with the reply or
    closing, unless the complaint was reopened since."""
    result = []
    for index, (unit, since) in enumerate(state.owners):
        until = state.owners[index + 1][1] if index + 1 < len(state.owners) else state.ended_at
        end = until or now
        result.append(Stay(unit, since, until, max(0, int((end - since).total_seconds()))))
    return result


def to_json(state: ComplaintState) -> dict[str, Any]:
    """A JSON-able form of the state, for a service that stores it."""
    return {
        "status": state.status,
        "registered": state.registered,
        "receiving_unit": state.receiving_unit,
        "business_line": state.business_line,
        "owner_unit": state.owner_unit,
        "handling_level": state.handling_level,
        "handler": None
        if state.handler is None
        else {"id": state.handler.id, "name": state.handler.name},
        "restricted": state.restricted,
        "involved": list(state.involved),
        "owners": [[unit, since.isoformat()] for unit, since in state.owners],
        "ended_at": state.ended_at.isoformat() if state.ended_at else None,
        "running_clocks": list(state.running_clocks),
        "resolve_due_at": _iso(state.resolve_due_at),
        "pending_extension": None
        if state.pending_extension is None
        else {
            "request_id": state.pending_extension.request_id,
            "until": state.pending_extension.until.isoformat(),
            "unit": state.pending_extension.unit,
            "at": state.pending_extension.at.isoformat(),
        },
        "closed_extensions": list(state.closed_extensions),
        "extensions_approved": state.extensions_approved,
    }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def from_json(data: dict[str, Any]) -> ComplaintState:
    handler = data.get("handler")
    ended = data.get("ended_at")
    return ComplaintState(
        status=data["status"],
        registered=data["registered"],
        receiving_unit=data.get("receiving_unit"),
        business_line=data.get("business_line"),
        owner_unit=data.get("owner_unit"),
        handling_level=data.get("handling_level"),
        handler=Handler(handler["id"], handler.get("name")) if handler else None,
        restricted=data.get("restricted", False),
        involved=tuple(data.get("involved", ())),
        owners=tuple((u, datetime.fromisoformat(t)) for u, t in data.get("owners", ())),
        ended_at=datetime.fromisoformat(ended) if ended else None,
        running_clocks=tuple(data.get("running_clocks", ())),
        resolve_due_at=_time(data.get("resolve_due_at")),
        pending_extension=_pending(data.get("pending_extension")),
        closed_extensions=tuple(data.get("closed_extensions", ())),
        extensions_approved=data.get("extensions_approved", 0),
    )


def _pending(data: dict[str, Any] | None) -> PendingExtension | None:
    if not data:
        return None
    return PendingExtension(
        data["request_id"],
        datetime.fromisoformat(data["until"]),
        data["unit"],
        datetime.fromisoformat(data["at"]),
    )
