"""Routing's message handlers: each applies a pure decision and appends its events."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from complaints_shared.contracts import complaint_events as c
from complaints_shared.contracts import routing_events as r
from complaints_shared.contracts import sla_events as s
from complaints_shared.contracts.base import Event
from complaints_shared.contracts.envelope import Envelope
from complaints_shared.messaging.consumer import Handler
from complaints_shared.messaging.outbox import Outbox
from complaints_shared.organisation import Organisation

from ..adapters import repository
from ..adapters.repository import RouteState
from ..domain.rules import (
    ComplaintFacts,
    Decision,
    TransferRejected,
    escalation_target,
    request_transfer,
    route,
)

SOURCE = "/routing"
# A breached deadline the owner had to meet: sign for it, resolve it, keep the promised date.
ESCALATED_CLOCKS = frozenset({"resolve", "start", "committed"})


def assigned_event(decision: Decision, previous_owner: str | None) -> r.ComplaintAssigned:
    return r.ComplaintAssigned(
        owner_unit=decision.owner_unit,
        handling_level=decision.handling_level,
        rule=decision.rule,
        reason=decision.reason,
        previous_owner=previous_owner,
        also_involved=decision.also_involved,
        reported_to=decision.reported_to,
        restricted=decision.restricted,
        considered=tuple(
            r.RuleOutcome(rule=c.rule, fired=c.fired, reason=c.reason) for c in decision.considered
        ),
    )


def reports(decision: Decision, by_unit: str) -> list[r.ComplaintReported]:
    """One countable event per unit the receipt is reported to (supervision line, HQ)."""
    return [
        r.ComplaintReported(to_unit=unit, by_unit=by_unit, reason=decision.rule)
        for unit in decision.reported_to
    ]


def facts_of(event: c.ComplaintReceived) -> ComplaintFacts:
    return ComplaintFacts(
        kind=event.kind,
        channel=event.channel,
        receiving_unit=event.receiving_unit,
        business_line=event.business_line,
        severity=event.severity,
        flags=frozenset(event.flags),
    )


class RoutingHandlers:
    def __init__(self, org: Organisation, outbox: Outbox) -> None:
        self.org = org
        self.outbox = outbox

    def registry(self) -> dict[type, Handler]:
        return {
            c.ComplaintReceived: self.route_complaint,
            c.TransferRequested: self.transfer_complaint,
            s.SlaBreached: self.escalate_breach,
        }

    async def route_complaint(
        self, session: AsyncSession, envelope: Envelope, event: c.ComplaintReceived
    ) -> None:
        """Assign a newly received complaint to its first owner."""
        facts = facts_of(event)
        decision = route(facts, self.org)
        state = RouteState(
            facts=facts,
            owner_unit=decision.owner_unit,
            handling_level=decision.handling_level,
            history=(decision.owner_unit,),
            restricted=decision.restricted,
        )
        await repository.save(session, envelope.subject, state)
        await self.emit(
            session,
            envelope,
            assigned_event(decision, None),
            *reports(decision, event.receiving_unit),
        )

    async def transfer_complaint(
        self, session: AsyncSession, envelope: Envelope, event: c.TransferRequested
    ) -> None:
        """Hand the complaint on if the rules allow it; a refusal is recorded, never dropped."""
        state = await repository.load(session, envelope.subject)
        if state is None:
            await self.emit(
                session,
                envelope,
                r.TransferRejected(
                    requested_by=event.unit,
                    to_unit=event.to_unit,
                    reason="routing has no record of this complaint",
                    rule="unknown_complaint",
                ),
            )
            return
        outcome = request_transfer(
            state.facts,
            self.org,
            current_owner=state.owner_unit,
            requested_by=event.unit,
            reason=event.reason,
            to_unit=event.to_unit,
            history=state.history,
        )
        if isinstance(outcome, TransferRejected):
            rejected = r.TransferRejected(
                requested_by=event.unit,
                to_unit=event.to_unit,
                reason=outcome.reason,
                rule=outcome.rule,
            )
            await self.emit(session, envelope, rejected)
            return
        await repository.save(
            session,
            envelope.subject,
            RouteState(
                facts=state.facts,
                owner_unit=outcome.owner_unit,
                handling_level=outcome.handling_level,
                history=(*state.history, outcome.owner_unit),
                restricted=state.restricted or outcome.restricted,
            ),
        )
        transferred = r.ComplaintTransferred(
            from_unit=state.owner_unit,
            to_unit=outcome.owner_unit,
            reason=event.reason,
            rule=outcome.rule,
            requested_by=event.unit,
        )
        await self.emit(
            session,
            envelope,
            transferred,
            assigned_event(outcome, state.owner_unit),
            *reports(outcome, state.owner_unit),
        )

    async def escalate_breach(
        self, session: AsyncSession, envelope: Envelope, event: s.SlaBreached
    ) -> None:
        """A breached `resolve`, `start` or `committed` clock goes to the owner's supervisor.

        The owner keeps the complaint; the supervisor is now involved and accountable for
        chasing it (DOMAIN.md §4: overdue handling is visible, attributed and escalated).
        """
        if event.clock not in ESCALATED_CLOCKS or event.owner_unit not in self.org:
            return
        target = escalation_target(self.org, event.owner_unit)
        if target is None:  # nothing above HQ
            return
        escalated = r.ComplaintEscalated(
            from_unit=event.owner_unit,
            to_unit=target,
            clock=event.clock,
            reason=f"the {event.clock} clock of {event.owner_unit} breached at "
            f"{event.due_at.isoformat()}",
        )
        await self.emit(session, envelope, escalated)

    async def emit(self, session: AsyncSession, cause: Envelope, *events: Event) -> None:
        await self.outbox.append(
            session,
            [
                cause.caused(
                    type=e.type_name(),
                    source=SOURCE,
                    data=e.model_dump(mode="json"),
                    discriminator=str(index),
                )
                for index, e in enumerate(events)
            ],
        )
