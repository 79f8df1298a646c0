"""Intake's read model: every event of the log folded into complaint, clock and timeline views.

Status, owner, handler, units involved and stays come from the shared lifecycle fold, so intake
and the dashboard read the same log alike. The command state is kept current here too.

Each event's timeline entry is written last, with the complaint's view and clocks as they are
right after the event (`view_after`): the history `?as_of=` reads.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from complaints_shared.contracts import complaint_events as c
from complaints_shared.contracts import personal_data_events as p
from complaints_shared.contracts import sla_events as s
from complaints_shared.contracts.base import Event
from complaints_shared.contracts.envelope import Envelope
from complaints_shared.organisation import Organisation
from complaints_shared.workflow.lifecycle import ComplaintState, apply, to_json
from complaints_shared.workflow.visibility import provinces_of

from ..adapters.registry import CommandStore, SqlCommandStore
from ..adapters.views import SqlViews, ViewStore
from ..domain.extensions import extension_deciders
from .submissions import fold_foreign

ERASED: dict[str, Any] = {"erased": True}  # the customer once its personal data is erased

Stores = Callable[[AsyncSession], tuple[ViewStore, CommandStore]]


def sql_stores(session: AsyncSession) -> tuple[ViewStore, CommandStore]:
    return SqlViews(session), SqlCommandStore(session)


class Projection:
    def __init__(self, org: Organisation, stores: Stores = sql_stores) -> None:
        self.org = org
        self.stores = stores

    async def project(self, session: AsyncSession, envelope: Envelope, event: Event) -> None:
        """Apply one event (already de-duplicated by the inbox) to the views."""
        views, commands = self.stores(session)
        await fold_foreign(commands, envelope, event)
        state = await views.lock_state(envelope.subject) or ComplaintState()
        folded = apply(state, event, envelope.time, event_id=envelope.id)
        await views.upsert_view(
            envelope.subject, self._state_columns(folded) | _event_columns(event)
        )
        if await _project_clock(views, envelope, event):
            await views.refresh_next_due(envelope.subject)
        if isinstance(event, p.PersonalDataErased):
            # The masked customer leaves the received entry and every snapshot kept before.
            await views.forget_customer(envelope.subject)
        await views.add_timeline_entry(
            complaint_id=envelope.subject,
            event_id=envelope.id,
            type=event.NAME,
            time=envelope.time,
            source=envelope.source,
            data=_public_data(event),
            view_after=await views.snapshot(envelope.subject),
        )

    def _state_columns(self, state: ComplaintState) -> dict[str, Any]:
        handler = (
            None if state.handler is None else {"id": state.handler.id, "name": state.handler.name}
        )
        return {
            "state": to_json(state),
            "status": state.status,
            "owner_unit": state.owner_unit,
            "handling_level": state.handling_level,
            "restricted": state.restricted,
            "units_involved": list(state.involved),
            "provinces": sorted(provinces_of(self.org, state.involved)),
            "handler_id": state.handler.id if state.handler else None,
            "handler": handler,
            "extension_deciders": extension_deciders(self.org, state),
        }


def _event_columns(event: Event) -> dict[str, Any]:
    """What the view shows that is not the workflow's business."""
    if isinstance(event, c.ComplaintReceived):
        return {
            "kind": event.kind,
            "channel": event.channel,
            "receiving_unit": event.receiving_unit,
            "business_line": event.business_line,
            "category": event.category,
            "severity": event.severity,
            "flags": list(event.flags),
            "received_at": event.received_at,
            "customer": _masked_customer(event.customer),
            "prior_complaints": event.prior_complaints,
            "repeat_complainant": event.repeat_complainant,
        }
    if isinstance(event, p.PersonalDataErased):
        return {"customer": ERASED}
    if isinstance(event, c.Classified):
        return {"classification": event.classification}
    if isinstance(event, c.ReturnVisitRecorded):
        return {"satisfaction": event.satisfaction}
    return {}


async def _project_clock(views: ViewStore, envelope: Envelope, event: Event) -> bool:
    match event:
        case s.ClockStarted():
            values = {
                "state": "running",
                "started_at": event.started_at,
                "due_at": event.due_at,
                "late": False,
                "calendar": event.calendar,
            }
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
            return False
    values["owner_unit"] = event.owner_unit
    await views.upsert_clock(envelope.subject, event.clock, values)
    return True


def _masked_customer(customer: c.Customer) -> dict[str, str]:
    """The customer as the event has it since version 2: masked name and phone."""
    return {"name": customer.name, "phone": customer.phone}


def _public_data(event: Event) -> dict[str, Any]:
    """The event's data as the timeline keeps it: of a receipt, the customer masked and no
    sealed part (the form opens the command side's copy)."""
    data = event.model_dump(mode="json")
    if isinstance(event, c.ComplaintReceived):
        data["customer"] = _masked_customer(event.customer)
        data.pop("sealed", None)
    return data
