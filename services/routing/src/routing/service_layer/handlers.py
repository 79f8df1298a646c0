"""Routing's message handlers: each applies a pure decision and appends its events."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from complaints_shared.contracts import complaint_events as c
from complaints_shared.contracts import routing_events as r
from complaints_shared.contracts.envelope import Envelope
from complaints_shared.messaging.consumer import Handler
from complaints_shared.messaging.outbox import Outbox
from complaints_shared.organisation import Organisation

from ..adapters import repository
from ..adapters.repository import RouteState
from ..domain.rules import ComplaintFacts, Decision, route

SOURCE = "/routing"


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
        return {c.ComplaintReceived: self.route_complaint}

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
        await self.emit(session, envelope, assigned_event(decision, None))

    async def emit(self, session: AsyncSession, cause: Envelope, *events) -> None:
        await self.outbox.append(
            session,
            [
                cause.caused(type=e.type_name(), source=SOURCE, data=e.model_dump(mode="json"))
                for e in events
            ],
        )
