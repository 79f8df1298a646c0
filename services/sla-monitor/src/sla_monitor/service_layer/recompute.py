"""Rebuild the clock projection from the start of the log.

Used by `python -m sla_monitor replay` and, at start-up, when the clock policy or the
calendars changed since the projection was built: running clocks are then recomputed from the
log, and every clock whose due time moved is announced with `sla.clock_rescheduled`. Each
complaint's lifecycle state is rebuilt with them (and at start-up when it is missing, as after
the migration that added it).

The rebuilt effects get the same deterministic ids as the live ones, so re-emitting them
through the outbox adds nothing to the log that is already there.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from complaints_shared.contracts import sla_events as s
from complaints_shared.contracts.complaint_events import HandlerRef
from complaints_shared.contracts.envelope import Envelope, MalformedEvent, from_kafka
from complaints_shared.contracts.registry import parse
from complaints_shared.contracts.topics import COMPLAINT_EVENTS
from complaints_shared.logging import get_logger
from complaints_shared.messaging.log_reader import read_log
from complaints_shared.organisation import Organisation
from complaints_shared.workflow.lifecycle import ComplaintState

from ..adapters.projection_store import DueTimes
from ..adapters.stores import Stores
from ..domain import clocks as k
from .lifecycle_fold import fold, folds
from .translate import clock_input, effect_envelopes, sla_envelope, visit_owners

log = get_logger(__name__)


@dataclass
class Rebuilt:
    """The projection folded from the log: per complaint its partition and clocks, the effects
    along the way and its lifecycle state; the ids of the events a live handler would have
    taken; and how many records were read."""

    states: dict[str, tuple[int, k.ComplaintClocks]] = field(default_factory=dict)
    effects: dict[str, list[k.ClockEffect]] = field(default_factory=dict)
    lifecycles: dict[str, ComplaintState] = field(default_factory=dict)
    applied_ids: list[str] = field(default_factory=list)
    records: int = 0


# The version of the fold's rules: raised when they change what a log folds to (2: deadline
# extensions; 3: the investigate clock, plans, breaches attributed to the handler), so the
# first start-up after such an upgrade rebuilds the projection.
FOLD_RULES = 3


def fingerprint(policy: k.ClockPolicy, org: Organisation) -> str:
    """A digest of the fold's rules version, the clock policy, and the organisation file's
    calendars and time zones."""
    calendars = {name: spec.model_dump() for name, spec in org.spec.calendars.items()}
    units = {u.id: [u.calendar, u.timezone] for u in org.spec.units}
    material = json.dumps(
        [FOLD_RULES, repr(policy), calendars, units, org.spec.timezone], sort_keys=True
    )
    return hashlib.sha256(material.encode()).hexdigest()


async def fold_log(
    bootstrap: str,
    policy: k.ClockPolicy,
    calendars: k.Calendars,
    now: datetime,
    progress: Callable[[int], object] | None = None,
    on_total: Callable[[int], None] | None = None,
    *,
    org: Organisation | None = None,
) -> Rebuilt:
    """Fold every clock-relevant event of the log, then fire the timers due by `now`; fold
    every lifecycle event into its complaint's state. As live, each event's clock effects are
    attributed to the handler of the lifecycle state before the event.

    `org` (the organisation `calendars` come from) names who owes each return visit; pass it
    whenever the result must agree with the live projection (without it no return-visit
    clock starts)."""
    rebuilt = Rebuilt()
    owners = visit_owners(org)
    folded: set[str] = set()
    async for record in read_log(bootstrap, COMPLAINT_EVENTS, on_total=on_total):
        rebuilt.records += 1
        if progress:
            progress(1)
        try:
            envelope = from_kafka(record.key, record.value, record.headers)
            event = parse(envelope)
        except MalformedEvent:
            continue  # the live consumer dead-letters it; it changes no clock
        cid = envelope.subject
        handler = rebuilt.lifecycles.get(cid, ComplaintState()).handler  # before this event
        if event is not None and folds(type(event)) and envelope.id not in folded:
            folded.add(envelope.id)
            lifecycle = rebuilt.lifecycles.get(cid, ComplaintState())
            rebuilt.lifecycles[cid] = fold(lifecycle, envelope, event)
        clock_event = clock_input(envelope, event, owners) if event is not None else None
        if isinstance(event, s.SlaWarning | s.SlaBreached):
            # Our own timer events mark where the live ticker fired: fire there too, so an
            # event that arrived after a breach had been announced folds as it did live, and
            # attribute what fires there as the live ticker did (it ran at its own pace, not
            # at this position of the log).
            clock_event = k.TimerTick(envelope.time)
            handler = attributed_to(event.handler)
        if clock_event is None:
            if envelope.id in folded:
                rebuilt.applied_ids.append(envelope.id)
            continue
        state = rebuilt.states.get(cid, (record.partition, k.ComplaintClocks()))[1]
        state, effects = k.decide(state, clock_event, policy, calendars, handler=handler)
        rebuilt.states[cid] = (record.partition, state)
        rebuilt.effects.setdefault(cid, []).extend(effects)
        rebuilt.applied_ids.append(envelope.id)
    for cid, (partition, state) in rebuilt.states.items():
        handler = rebuilt.lifecycles.get(cid, ComplaintState()).handler  # as it stands now
        state, effects = k.decide(state, k.TimerTick(now), policy, calendars, handler=handler)
        rebuilt.states[cid] = (partition, state)
        rebuilt.effects[cid].extend(effects)
    return rebuilt


def attributed_to(ref: HandlerRef | None) -> k.Handler | None:
    """The handler a logged `sla.*` event names, as the fold's effects carry it."""
    return None if ref is None else k.Handler(ref.id, ref.name)


async def write_projection(
    stores: Stores,
    rebuilt: Rebuilt,
    calendars: k.Calendars,
    *,
    announce: bool,
    now: datetime | None = None,
) -> int:
    """Replace the projection with `rebuilt` in one transaction; return clocks rescheduled.

    With `announce`, each running clock whose due time moved gets `sla.clock_rescheduled`,
    dated `now` (default: the wall clock)."""
    now = now or datetime.now(UTC)
    rescheduled = 0
    async with stores.transaction() as session:
        projection, clocks = stores.projection(session), stores.clocks(session)
        before = await projection.running_due_times()
        await projection.clear()
        await projection.save_complaint_states(rebuilt.lifecycles)
        for cid, (partition, state) in rebuilt.states.items():
            effects = rebuilt.effects.get(cid, [])
            await clocks.save(cid, partition, state, effects, calendars)
            await stores.outbox.append(
                session, effect_envelopes(cid, effects, None, state, calendars)
            )
            if announce:
                moved = _moved(cid, state, before, now)
                rescheduled += len(moved)
                await stores.outbox.append(session, moved)
        await projection.mark_applied(rebuilt.applied_ids)
    return rescheduled


def _moved(cid: str, state: k.ComplaintClocks, before: DueTimes, now: datetime) -> list[Envelope]:
    """`sla.clock_rescheduled` for each running clock whose due time moved by a second or more."""
    moved = []
    for clock in state.clocks.values():
        old = before.get((cid, clock.name, clock.run))
        if clock.status != "running" or old is None or clock.due_at is None:
            continue
        if abs((old - clock.due_at).total_seconds()) < 1:
            continue
        event = s.ClockRescheduled(
            clock=clock.name,
            owner_unit=clock.owner,
            due_at=clock.due_at,
            previous_due_at=old,
            reason="clock policy or calendar changed",
        )
        what = f"{clock.name}|{clock.run}|{clock.due_at}"
        moved.append(sla_envelope(cid, event, what=what, time=now, cause=None))
    return moved


async def recompute_if_policy_changed(
    stores: Stores,
    bootstrap_servers: str,
    org: Organisation,
    policy: k.ClockPolicy,
    calendars: k.Calendars,
) -> None:
    """At start-up: rebuild from the log if the projection was computed under other rules
    (docs/domain.md#recompute-on-policy-change), or if the complaint states are missing."""
    current = fingerprint(policy, org)
    async with stores.transaction() as session:
        projection = stores.projection(session)
        stored = await projection.fingerprint()
        has_clocks = await projection.has_clocks()
        has_states = await projection.has_complaint_states()
    if has_clocks and (stored != current or not has_states):
        log.info(
            "recomputing clocks and complaint states from the log",
            policy_changed=stored != current,
            states_missing=not has_states,
        )
        rebuilt = await fold_log(bootstrap_servers, policy, calendars, datetime.now(UTC), org=org)
        moved = await write_projection(stores, rebuilt, calendars, announce=True)
        log.info("clocks recomputed", complaints=len(rebuilt.states), rescheduled=moved)
    async with stores.transaction() as session:
        await stores.projection(session).set_fingerprint(current)
