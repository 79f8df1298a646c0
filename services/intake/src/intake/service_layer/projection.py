"""Intake's read model: every event of the log folded into complaint, clock and timeline views."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from complaints_shared.contracts import complaint_events as c
from complaints_shared.contracts import routing_events as r
from complaints_shared.contracts import sla_events as s
from complaints_shared.contracts.base import Event
from complaints_shared.contracts.envelope import Envelope
from complaints_shared.masking import mask_name, mask_phone

from ..adapters.tables import clock_views, complaint_views, timeline_entries
from ..domain.lifecycle import next_status


async def project(session: AsyncSession, envelope: Envelope, event: Event) -> None:
    """Apply one event (already de-duplicated by the inbox) to the views."""
    await session.execute(
        insert(timeline_entries).values(
            complaint_id=envelope.subject,
            event_id=envelope.id,
            type=event.NAME,
            time=envelope.time,
            source=envelope.source,
            data=_public_data(event),
        )
    )
    if isinstance(event, c.ComplaintReceived):
        await _received(session, envelope, event)
        return
    view = complaint_views.c
    current = (
        await session.execute(
            select(view.status, view.units_involved)
            .where(view.complaint_id == envelope.subject)
            .with_for_update()
        )
    ).first()
    if current is None:  # an event for a complaint this log never received: keep a stub
        await session.execute(
            insert(complaint_views).values(complaint_id=envelope.subject, status="unknown")
        )
        current = ("unknown", [])
    changes: dict[str, Any] = {"updated_at": func.now()}
    handoff = not isinstance(event, r.ComplaintAssigned) or event.previous_owner is not None
    status = next_status(current[0], event.NAME, handoff=handoff)
    if status:
        changes["status"] = status
    if isinstance(event, r.ComplaintAssigned):
        changes |= {
            "owner_unit": event.owner_unit,
            "handling_level": event.handling_level,
            "restricted": event.restricted,
            "units_involved": _with(current[1], event.owner_unit, *event.also_involved),
        }
    elif isinstance(event, r.ComplaintEscalated | r.ComplaintReported):
        changes["units_involved"] = _with(current[1], event.to_unit)
    elif isinstance(event, c.Classified):
        changes["classification"] = event.classification
    elif isinstance(event, c.ReturnVisitRecorded):
        changes["satisfaction"] = event.satisfaction
    await session.execute(
        update(complaint_views).where(view.complaint_id == envelope.subject).values(**changes)
    )
    await _project_clock(session, envelope, event)


async def _received(session: AsyncSession, envelope: Envelope, event: c.ComplaintReceived) -> None:
    values = {
        "status": "received",
        "kind": event.kind,
        "channel": event.channel,
        "receiving_unit": event.receiving_unit,
        "business_line": event.business_line,
        "severity": event.severity,
        "flags": list(event.flags),
        "received_at": event.received_at,
        "customer": _masked_customer(event.customer),
        "units_involved": [event.receiving_unit],
        "updated_at": func.now(),
    }
    statement = insert(complaint_views).values(complaint_id=envelope.subject, **values)
    await session.execute(
        statement.on_conflict_do_update(index_elements=["complaint_id"], set_=values)
    )


async def _project_clock(session: AsyncSession, envelope: Envelope, event: Event) -> None:
    match event:
        case s.ClockStarted():
            values = {"state": "running", "started_at": event.started_at, "due_at": event.due_at,
                      "late": False}
        case s.ClockPaused():
            values = {"state": "paused", "due_at": event.due_at}
        case s.ClockResumed():
            values = {"state": "running", "due_at": event.due_at}
        case s.ClockRescheduled():
            values = {"due_at": event.due_at}
        case s.SlaBreached():
            values = {"state": "breached", "due_at": event.due_at}
        case s.ClockStopped():
            values = {"state": event.outcome, "late": event.late}
        case _:
            return
    values |= {"owner_unit": event.owner_unit, "updated_at": func.now()}
    statement = insert(clock_views).values(
        complaint_id=envelope.subject, clock=event.clock, **{"state": "running", **values}
    )
    await session.execute(
        statement.on_conflict_do_update(index_elements=["complaint_id", "clock"], set_=values)
    )


def _masked_customer(customer: c.Customer) -> dict[str, str]:
    return {"name": mask_name(customer.name), "phone": mask_phone(customer.phone)}


def _public_data(event: Event) -> dict[str, Any]:
    data = event.model_dump(mode="json")
    if isinstance(event, c.ComplaintReceived):
        data["customer"] = _masked_customer(event.customer)
    return data


def _with(units: list[str], *more: str) -> list[str]:
    return list(dict.fromkeys([*units, *more]))
