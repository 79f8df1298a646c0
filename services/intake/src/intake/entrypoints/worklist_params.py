"""The worklist's query parameters: validated, the cursor opaque, units checked against sight."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Literal, get_args

from fastapi import Query

from complaints_shared.http.problems import Problem, field_error
from complaints_shared.organisation import Organisation
from complaints_shared.workflow.hierarchy import province_of
from complaints_shared.workflow.lifecycle import OPEN
from complaints_shared.workflow.visibility import Sight

from ..adapters.worklist import Position

StatusParam = Literal[
    "received", "assigned", "in_progress", "waiting_on_customer", "resolved", "closed"
]
Statuses = Annotated[
    list[StatusParam] | None,
    Query(
        description="repeatable; default every status but resolved and closed (with "
        "dissatisfied=true: every status)"
    ),
]
Dissatisfied = Annotated[
    bool,
    Query(description="true: only complaints whose latest return visit had satisfaction 1-2"),
]
STATUSES: tuple[str, ...] = get_args(StatusParam)
Limit = Annotated[int, Query(ge=1, le=500, description="1-500")]
UnitParam = Annotated[str | None, Query(min_length=1, max_length=64)]


def invalid(field: str, message: str) -> Problem:
    return Problem(
        422, "Invalid request", f"{field}: {message}", errors=[field_error(field, message)]
    )


def encode_cursor(position: Position) -> str:
    due = position.due_at.isoformat() if position.due_at else None
    raw = json.dumps([due, position.complaint_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> Position | None:
    if cursor is None:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        due, complaint_id = json.loads(raw)
        if not isinstance(complaint_id, str) or not (due is None or isinstance(due, str)):
            raise ValueError("unexpected cursor content")
        due_at = datetime.fromisoformat(due) if due is not None else None
        if due_at is not None and due_at.tzinfo is None:
            raise ValueError("cursor time without offset")
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError) as exc:
        raise invalid("cursor", "not a cursor this endpoint gave out") from exc
    return Position(due_at, complaint_id)


def statuses_of(requested: Sequence[str] | None, *, dissatisfied: bool = False) -> tuple[str, ...]:
    """The statuses asked for, else the open ones; for the list of dissatisfied customers every
    status, since a return visit is made once a complaint is resolved."""
    if requested:
        return tuple(dict.fromkeys(requested))
    return STATUSES if dissatisfied else OPEN


def check_unit(org: Organisation, sight: Sight, field: str, unit: str | None) -> None:
    """A unit filter names a known unit the caller can see complaints of."""
    if unit is None:
        return
    if unit not in org:
        raise invalid(field, f"unknown unit {unit!r}")
    if sight.everything or unit in sight.units or province_of(org, unit) in sight.provinces:
        return
    raise Problem(
        403,
        "Forbidden",
        f"{field}: {sight.caller} may not read the complaints of {unit}",
        errors=[field_error(field, f"{sight.caller} may not read the complaints of {unit}")],
    )
