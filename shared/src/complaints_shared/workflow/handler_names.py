"""Who reads a handler's name in clear (docs/workflow.md "Handler names"): one rule for every
service that shows one.

A handler (`{"id", "name"}`) is a member of staff of the unit that owned the complaint when the
handler acted; when another unit took the action (a unit above the owner acting on its behalf,
a supervision line deciding an extension or making a return visit), of that unit too. Those
units and every unit above them read the name in clear; any other unit that may see the
complaint reads it masked (`masking.mask_staff_name`: '张三' -> '张*'). The id is kept: a staff
number, what the worklist's `handler=` filter and the breach attribution go by.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from complaints_shared.masking import mask_staff_name
from complaints_shared.organisation import Organisation

from .hierarchy import is_self_or_above
from .lifecycle import ComplaintState

# The event that names a new owner: the units of the actions after it are judged against it.
_ASSIGNED = "complaint.assigned"


def reads_handler_name(org: Organisation, caller: str, *units: str | None) -> bool:
    """Whether `caller` reads in clear the name of a handler of `units` (the owner when the
    handler acted, and the unit that acted): it is one of them or above one of them."""
    return any(unit is not None and is_self_or_above(org, caller, unit) for unit in units)


def shown_handler(
    org: Organisation, caller: str, handler: Mapping[str, Any] | None, *units: str | None
) -> dict[str, Any] | None:
    """`handler` as `caller` is shown it: a copy, its name masked unless `reads_handler_name`."""
    if not handler:
        return None
    shown = dict(handler)
    name = shown.get("name")
    if isinstance(name, str) and not reads_handler_name(org, caller, *units):
        shown["name"] = mask_staff_name(name)
    return shown


def shown_entries(
    org: Organisation, caller: str, entries: Iterable[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """Timeline entries (each with `type` and `data`, in log order) as `caller` is shown them:
    every handler's name it may not read masked. The owner when a handler acted is the one the
    latest `complaint.assigned` before the entry named (before any: the clock's owner an SLA
    event names); the acting unit is the entry's `unit`."""
    owner: str | None = None
    shown = []
    for entry in entries:
        data = entry.get("data") or {}
        if entry.get("type") == _ASSIGNED and isinstance(data.get("owner_unit"), str):
            owner = data["owner_unit"]
        handler = data.get("handler")
        if isinstance(handler, Mapping):
            units = (owner or data.get("owner_unit"), data.get("unit"))
            data = {**data, "handler": shown_handler(org, caller, handler, *units)}
            shown.append({**entry, "data": data})
        else:
            shown.append(dict(entry))
    return shown


def owner_at(state: ComplaintState, instant: datetime) -> str | None:
    """The unit that owned the complaint at `instant` (event time): the latest stay begun by
    then; None before the first assignment. For a handler an event names after the fact, such
    as the breach the SLA monitor lists."""
    owner = None
    for unit, since in state.owners:
        if since > instant:
            break
        owner = unit
    return owner
