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

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert

from complaints_shared.contracts import sla_events as s
from complaints_shared.contracts.envelope import Envelope, MalformedEvent, derived_id, from_kafka
from complaints_shared.contracts.registry import parse
from complaints_shared.contracts.topics import COMPLAINT_EVENTS
from complaints_shared.logging import get_logger
from complaints_shared.messaging.log_reader import read_log
from complaints_shared.organisation import Organisation
from complaints_shared.runtime import Plumbing
from complaints_shared.workflow.lifecycle import ComplaintState

from ..adapters import complaint_states as lifecycle_store
from ..adapters.tables import (
    breaches,
    clocks,
    complaint_clocks,
    complaint_states,
    projection_meta,
)
from ..domain import clocks as k
from . import clock_store
from .lifecycle_fold import fold, folds
from .translate import SOURCE, clock_input, effect_envelopes

log = get_logger(__name__)


@dataclass
class Rebuilt:
    states: dict[str, tuple[int, k.ComplaintClocks]] = field(default_factory=dict)
    effects: dict[str, list[k.ClockEffect]] = field(default_factory=dict)
    lifecycles: dict[str, ComplaintState] = field(default_factory=dict)
    applied_ids: list[str] = field(default_factory=list)
    records: int = 0


def fingerprint(policy: k.ClockPolicy, org: Organisation) -> str:
    calendars = {name: spec.model_dump() for name, spec in org.spec.calendars.items()}
    units = {u.id: [u.calendar, u.timezone] for u in org.spec.units}
    material = json.dumps([repr(policy), calendars, units, org.spec.timezone], sort_keys=True)
    return hashlib.sha256(material.encode()).hexdigest()


async def fold_log(
    bootstrap: str,
    policy: k.ClockPolicy,
    calendars: k.Calendars,
    now: datetime,
    progress: Callable[[int], None] | None = None,
    on_total: Callable[[int], None] | None = None,
) -> Rebuilt:
    """Fold every clock-relevant event of the log, then fire the timers due by `now`; fold
    every lifecycle event into its complaint's state."""
    rebuilt = Rebuilt()
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
        if event is not None and folds(type(event)) and envelope.id not in folded:
            folded.add(envelope.id)
            lifecycle = rebuilt.lifecycles.get(cid, ComplaintState())
            rebuilt.lifecycles[cid] = fold(lifecycle, envelope, event)
        clock_event = clock_input(envelope, event) if event is not None else None
        if isinstance(event, s.SlaWarning | s.SlaBreached):
            # Our own timer events mark where the live ticker fired: fire there too, so an
            # event that arrived after a breach had been announced folds as it did live.
            clock_event = k.TimerTick(envelope.time)
        if clock_event is None:
            if envelope.id in folded:
                rebuilt.applied_ids.append(envelope.id)
            continue
        state = rebuilt.states.get(cid, (record.partition, k.ComplaintClocks()))[1]
        state, effects = k.decide(state, clock_event, policy, calendars)
        rebuilt.states[cid] = (record.partition, state)
        rebuilt.effects.setdefault(cid, []).extend(effects)
        rebuilt.applied_ids.append(envelope.id)
    for cid, (partition, state) in rebuilt.states.items():
        state, effects = k.decide(state, k.TimerTick(now), policy, calendars)
        rebuilt.states[cid] = (partition, state)
        rebuilt.effects[cid].extend(effects)
    return rebuilt


async def write_projection(
    plumbing: Plumbing, rebuilt: Rebuilt, calendars: k.Calendars, *, announce: bool
) -> int:
    """Replace the projection with `rebuilt` in one transaction; return clocks rescheduled."""
    rescheduled = 0
    async with plumbing.sessions.begin() as session:
        before = {
            (row.complaint_id, row.clock, row.run): row.due_at
            for row in (await session.execute(select(clocks).where(clocks.c.status == "running")))
        }
        for table in (complaint_clocks, clocks, breaches, complaint_states):
            await session.execute(delete(table))
        await lifecycle_store.save_many(session, rebuilt.lifecycles)
        for cid, (partition, state) in rebuilt.states.items():
            effects = rebuilt.effects.get(cid, [])
            await clock_store.save(session, cid, partition, state, effects, calendars)
            await plumbing.outbox.append(
                session, effect_envelopes(cid, effects, None, state, calendars)
            )
            if announce:
                moved = _moved(cid, state, before)
                rescheduled += len(moved)
                await plumbing.outbox.append(session, moved)
        if rebuilt.applied_ids:
            await session.execute(
                insert(plumbing.inbox.table).on_conflict_do_nothing(),
                [{"consumer": plumbing.inbox.consumer, "event_id": i} for i in rebuilt.applied_ids],
            )
    return rescheduled


def _moved(cid: str, state: k.ComplaintClocks, before: dict) -> list:
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
        moved.append(
            Envelope(
                id=derived_id(cid, event.type_name(), f"{clock.name}|{clock.run}|{clock.due_at}"),
                source=SOURCE,
                type=event.type_name(),
                subject=cid,
                time=datetime.now(UTC),
                data=event.model_dump(mode="json"),
            )
        )
    return moved


async def recompute_if_policy_changed(
    plumbing: Plumbing, org: Organisation, policy: k.ClockPolicy, calendars: k.Calendars
) -> None:
    """At start-up: rebuild from the log if the projection was computed under other rules."""
    current = fingerprint(policy, org)
    async with plumbing.sessions() as session:
        stored = (
            await session.execute(
                select(projection_meta.c.value).where(projection_meta.c.key == "fingerprint")
            )
        ).scalar()
        has_state = (
            await session.execute(select(complaint_clocks.c.complaint_id).limit(1))
        ).first()
        has_lifecycles = (
            await session.execute(select(complaint_states.c.complaint_id).limit(1))
        ).first()
    if has_state and (stored != current or not has_lifecycles):
        log.info(
            "recomputing clocks and complaint states from the log",
            policy_changed=stored != current,
            states_missing=not has_lifecycles,
        )
        rebuilt = await fold_log(
            plumbing.settings.kafka_bootstrap_servers, policy, calendars, datetime.now(UTC)
        )
        moved = await write_projection(plumbing, rebuilt, calendars, announce=True)
        log.info("clocks recomputed", complaints=len(rebuilt.states), rescheduled=moved)
    async with plumbing.sessions.begin() as session:
        await session.execute(
            insert(projection_meta)
            .values(key="fingerprint", value=current)
            .on_conflict_do_update(index_elements=["key"], set_={"value": current})
        )
