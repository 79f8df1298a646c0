"""Routing's message handlers: each applies a pure decision and appends its events.

Handlers reach storage only through interfaces wired in `bootstrap`: `RouteStore` (built per
session by the `routes` factory) and the outbox (`EventOutbox`). Unit tests wire the fakes of
`routing.testing.fakes`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from complaints_shared.contracts import complaint_events as c
from complaints_shared.contracts import routing_events as r
from complaints_shared.contracts import sla_events as s
from complaints_shared.contracts.base import Event
from complaints_shared.contracts.envelope import Envelope
from complaints_shared.messaging.consumer import Handler
from complaints_shared.organisation import Organisation

from ..adapters.repository import RouteState, RouteStore
from ..domain.rules import (
    Decision,
    RoutingFacts,
    TransferRefusal,
    escalation_target,
    request_transfer,
    route,
)

SOURCE = "/routing"
# A breached deadline the owner had to meet: sign for it, investigate and decide a plan,
# resolve it, keep the promised date.
ESCALATED_CLOCKS = frozenset({"resolve", "start", "investigate", "committed"})

RouteStores = Callable[[AsyncSession], RouteStore]
"""The `RouteStore` working in a session's transaction (`SqlRouteStore` in production)."""


class EventOutbox(Protocol):
    """Where handlers append the events they cause, in the caller's transaction (the shared
    `complaints_shared.messaging.outbox.Outbox`; `FakeOutbox` in unit tests)."""

    async def append(self, session: AsyncSession, envelopes: Iterable[Envelope]) -> None: ...


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
            r.RuleOutcome(rule=rule.rule, fired=rule.fired, reason=rule.reason)
            for rule in decision.considered
        ),
    )


def reports(decision: Decision, by_unit: str) -> list[r.ComplaintReported]:
    """One countable event per unit the receipt is reported to (supervision line, HQ)."""
    return [
        r.ComplaintReported(to_unit=unit, by_unit=by_unit, reason=decision.rule)
        for unit in decision.reported_to
    ]


def rejected_event(request: c.TransferRequested, refusal: TransferRefusal) -> r.TransferRejected:
    """The refusal as the event that records it."""
    return r.TransferRejected(
        requested_by=request.unit,
        to_unit=request.to_unit,
        reason=refusal.reason,
        rule=refusal.rule,
    )


def facts_of(event: c.ComplaintReceived) -> RoutingFacts:
    return RoutingFacts(
        kind=event.kind,
        channel=event.channel,
        receiving_unit=event.receiving_unit,
        business_line=event.business_line,
        severity=event.severity,
        flags=frozenset(event.flags),
    )


class RoutingHandlers:
    def __init__(self, org: Organisation, outbox: EventOutbox, routes: RouteStores) -> None:
        self.org = org
        self.outbox = outbox
        self.routes = routes

    def registry(self) -> dict[type[Event], Handler]:
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
        await self.routes(session).save(envelope.subject, state)
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
        routes = self.routes(session)
        state = await routes.lock(envelope.subject)
        if state is None:
            unknown = TransferRefusal(
                "routing has no record of this complaint", "unknown_complaint"
            )
            await self.emit(session, envelope, rejected_event(event, unknown))
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
        if isinstance(outcome, TransferRefusal):
            await self.emit(session, envelope, rejected_event(event, outcome))
            return
        await self._hand_on(session, routes, envelope, event, state, outcome)

    async def _hand_on(
        self,
        session: AsyncSession,
        routes: RouteStore,
        envelope: Envelope,
        event: c.TransferRequested,
        state: RouteState,
        decision: Decision,
    ) -> None:
        """Record the accepted transfer: the new owner, then `transferred`, `assigned` and a
        `reported` per unit the new owner reports to."""
        await routes.save(
            envelope.subject,
            RouteState(
                facts=state.facts,
                owner_unit=decision.owner_unit,
                handling_level=decision.handling_level,
                history=(*state.history, decision.owner_unit),
                restricted=state.restricted or decision.restricted,
            ),
        )
        transferred = r.ComplaintTransferred(
            from_unit=state.owner_unit,
            to_unit=decision.owner_unit,
            reason=event.reason,
            rule=decision.rule,
            requested_by=event.unit,
        )
        await self.emit(
            session,
            envelope,
            transferred,
            assigned_event(decision, state.owner_unit),
            *reports(decision, state.owner_unit),
        )

    async def escalate_breach(
        self, session: AsyncSession, envelope: Envelope, event: s.SlaBreached
    ) -> None:
        """A breached `resolve`, `start`, `investigate` or `committed` clock goes to the owner's
        supervisor.

        The owner keeps the complaint; the supervisor is now involved and accountable for
        chasing it (docs/domain.md#escalation: overdue handling is visible, attributed and
        escalated).
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
        """Append the events caused by `cause`, with ids derived from it and their position."""
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
