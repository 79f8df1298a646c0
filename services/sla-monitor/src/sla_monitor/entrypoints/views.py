"""What the API answers, as pure functions: clocks and breaches as the caller reads them.

Times are in the local offset of the unit each row concerns (its clock's owner), and only
complaints the caller may see appear (docs/workflow.md "Who sees what").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from complaints_shared.organisation import Organisation
from complaints_shared.workflow.handler_names import owner_at, shown_handler
from complaints_shared.workflow.lifecycle import ComplaintState
from complaints_shared.workflow.local_time import local_to
from complaints_shared.workflow.visibility import may_see, sees, sight_of

from ..adapters.clock_queries import Row


def visible(org: Organisation, caller: str, state: ComplaintState | None) -> bool:
    """Whether the caller may see the complaint: never when it is unknown."""
    return state is not None and may_see(org, caller, state.involvement)


def visible_rows(org: Organisation, caller: str, rows: Iterable[Row]) -> list[Row]:
    """The rows of complaints the caller may see."""
    sight = sight_of(org, caller)
    return [row for row in rows if sees(org, sight, row.state.involvement)]


def clock_view(org: Organisation, row: Mapping[str, Any]) -> dict[str, Any]:
    """One clock; a paused clock shows its remaining working time and the due time it would
    have if resumed at once. `extensions` counts the approved deadline extensions of the run
    (only `resolve` is ever extended) and `original_due_at` is the due time it had before the
    first (null when it had none)."""
    view = {
        "name": row["clock"],
        "run": row["run"],
        "state": "breached" if row["breached"] and row["status"] == "running" else row["status"],
        "breached": row["breached"],
        "owner_unit": row["owner_unit"],
        "started_at": row["started_at"],
        "due_at": row["due_at"],
        "remaining_seconds": row["remaining_seconds"],
        "budget_seconds": row["budget_seconds"],
        "calendar": row["calendar"],
        "handling_level": row["handling_level"],
        "original_due_at": row.get("original_due_at"),
        "extensions": row.get("extensions") or 0,
    }
    return local_to(org, row["owner_unit"], view)


def due_view(org: Organisation, row: Mapping[str, Any]) -> dict[str, Any]:
    return {"complaint_id": row["complaint_id"], **clock_view(org, row)}


def breach_view(
    org: Organisation, row: Mapping[str, Any], *, caller: str, state: ComplaintState
) -> dict[str, Any]:
    """One breach, attributed to the owning unit and to the handler who held the complaint
    when it breached (`handler`: {id, name}, null when nobody did). The handler's name is
    masked for a caller that is neither the complaint's owner at the due time nor above it
    (docs/workflow.md "Handler names"): the clock's owner is not enough (a return visit's
    supervision line does not read the branch's staff)."""
    handler_id = row.get("handler_id")
    due = row.get("due_at")
    owner = (owner_at(state, due) if isinstance(due, datetime) else None) or row["owner_unit"]
    handler = None if handler_id is None else {"id": handler_id, "name": row.get("handler_name")}
    view = {
        "complaint_id": row["complaint_id"],
        "clock": row["clock"],
        "run": row["run"],
        "owner_unit": row["owner_unit"],
        "due_at": row["due_at"],
        "handler": shown_handler(org, caller, handler, owner),
    }
    return local_to(org, row["owner_unit"], view)
