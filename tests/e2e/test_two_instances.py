"""Two instances of every service in one consumer group, as a deployment scales out: the same
database and group id, another HTTP port. They split the partitions; under a steady load one
instance of each is killed (`kill -9`), the other takes over every partition, the killed one
comes back and the partitions split again. Afterwards nothing is lost, nothing was applied
twice, and every SLA timer fired exactly once (short committed deadlines, counted in the log).

Its own stack, four partitions. See docs/faults.md.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from complaints_shared.contracts.topics import COMPLAINT_EVENTS
from complaints_shared.testing import wait_for
from devstack.ports import free_port

from .own_stack import SERVICE_NAMES, LogRecord, OwnSystem, own_system
from .projection_checks import (
    assert_alerts_once,
    assert_applied_once,
    assert_in_every_projection,
    wait_caught_up,
)
from .steady_load import CALLER, SteadyLoad

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]
PARTITIONS = 4
EVERY_PARTITION = frozenset(range(PARTITIONS))
# The instance killed and restarted mid-load: the first one, except for intake, whose first
# instance keeps taking the load's requests.
KILLED = {name: f"{name}-2" if name == "intake" else name for name in SERVICE_NAMES}


def second(service: str) -> str:
    return f"{service}-2"


def assigned(system: OwnSystem, instance: str) -> frozenset[int] | None:
    """The partitions the instance reports at /metrics as its own; None while it is down."""
    try:
        text = httpx.get(system.url(instance, "/metrics"), timeout=5).text
    except httpx.HTTPError:
        return None
    return frozenset(
        int(sample.labels["partition"])
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "consumer_assigned_partitions"
        and sample.labels.get("topic") == COMPLAINT_EVENTS
        and sample.value == 1
    )


def split(system: OwnSystem, service: str) -> tuple[frozenset[int], frozenset[int]] | None:
    """Both instances' shares once each has one, they do not overlap and cover everything."""
    shares = assigned(system, service), assigned(system, second(service))
    a, b = shares
    if a and b and not a & b and a | b == EVERY_PARTITION:
        return a, b
    return None


@dataclass
class Scaled:
    system: OwnSystem
    accepted: set[str]
    committed: set[str]
    records: list[LogRecord]
    splits: list[dict[str, tuple]]  # before the kill, after the restart
    took_over: dict[str, frozenset[int]]  # what the survivor owned meanwhile


def wait_split(system: OwnSystem) -> dict[str, tuple]:
    return {
        s: wait_for(partial(split, system, s), timeout=120, what=f"{s}'s partitions split")
        for s in SERVICE_NAMES
    }


def owns_everything(system: OwnSystem, instance: str) -> frozenset[int] | None:
    return EVERY_PARTITION if assigned(system, instance) == EVERY_PARTITION else None


@pytest.fixture(scope="module")
def scaled() -> Iterator[Scaled]:
    with own_system("complaints-two-", partitions=PARTITIONS, durable=False) as system:
        stack = system.stack
        for service in SERVICE_NAMES:
            stack.start_instance(service, second(service), free_port())
        for service in SERVICE_NAMES:
            stack.wait_healthy(second(service), timeout=180)
        splits = [wait_split(system)]
        load = SteadyLoad(system, per_second=3.0, drive_every=1, deadline_seconds=6.0)
        load.start()
        took_over = {}
        try:
            wait_for(lambda: len(load.committed) >= 3, timeout=120, what="the load under way")
            for killed in KILLED.values():
                stack.kill_service(killed)
            for service, killed in KILLED.items():
                survivor = second(service) if killed == service else service
                took_over[service] = wait_for(
                    partial(owns_everything, system, survivor),
                    timeout=120,
                    what=f"{survivor} owning every partition",
                )
            for killed in KILLED.values():
                stack.restart_service(killed, timeout=180)
            splits.append(wait_split(system))
            target = load.count() + 5
            wait_for(lambda: load.count() >= target, timeout=90, what="more complaints accepted")
        finally:
            load.stop()
        assert not load.errors, load.errors
        accepted, committed = set(load.accepted), set(load.committed)
        wait_caught_up(system, accepted, committed, timeout=150)
        yield Scaled(system, accepted, committed, system.log(), splits, took_over)


def test_the_instances_split_the_partitions_and_one_takes_over_for_the_other(scaled):
    for shares in scaled.splits:
        assert set(shares) == set(SERVICE_NAMES)
    assert scaled.took_over == {service: EVERY_PARTITION for service in SERVICE_NAMES}


def test_every_accepted_complaint_is_in_every_projection(scaled):
    assert len(scaled.accepted) >= 20
    assert_in_every_projection(scaled.system, scaled.accepted, CALLER)


def test_no_event_is_applied_twice(scaled):
    assert_applied_once(scaled.system, scaled.records, scaled.accepted, CALLER)


def test_every_alert_is_recorded_once(scaled):
    assert_alerts_once(scaled.system, scaled.records)


def test_every_sla_timer_fires_exactly_once(scaled):
    fired: dict[tuple, set[str]] = defaultdict(set)  # (type, complaint, clock, point) -> ids
    for r in scaled.records:
        if r.type in ("sla.breached.v1", "sla.warning.v1", "complaint.escalated.v1"):
            data = json.loads(r.data)
            fired[(r.type, r.complaint_id, data["clock"], data.get("point"))].add(r.event_id or "")
    twice = {key: ids for key, ids in fired.items() if len(ids) > 1}
    assert not twice, twice

    def committed(kind: str) -> set[str]:
        return {cid for (k, cid, clock, _) in fired if (k, clock) == (kind, "committed")}

    breached, escalated = committed("sla.breached.v1"), committed("complaint.escalated.v1")
    assert len(scaled.committed) >= 10
    assert scaled.committed <= breached, "a committed deadline never breached"
    assert scaled.committed <= escalated, "a breach never escalated"
    rows = scaled.system.sql(
        "sla-monitor",
        "SELECT complaint_id, clock, run, count(*) FROM breaches GROUP BY 1, 2, 3"
        " HAVING count(*) > 1",
    )
    assert not rows, rows
