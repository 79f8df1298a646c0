"""Faults under a steady load: each service killed (`kill -9`) in the middle of its work and
restarted, PostgreSQL restarted, the broker cut off for ten seconds. Afterwards every
complaint intake accepted is in every projection, nothing was applied twice, every alert was
recorded once, and each projection equals a replay of the log.

The test runs a stack of its own (it kills things), with a durable PostgreSQL (it restarts it)
and three partitions, the broker behind a TCP proxy. See docs/faults.md.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from complaints_shared.testing import wait_for
from notifier.config import NotifierSettings

from .own_stack import SERVICE_NAMES, LogRecord, OwnSystem, own_system
from .projection_checks import (
    assert_alerts_once,
    assert_applied_once,
    assert_in_every_projection,
    replay_check,
    wait_caught_up,
)
from .steady_load import CALLER, SteadyLoad

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]
OUTAGE_SECONDS = 10.0
CUTS = 2  # faults that can interrupt a delivery between its send and its record
DISPATCH_CONCURRENCY = NotifierSettings.model_fields["alert_dispatch_concurrency"].default


@dataclass
class Faulted:
    system: OwnSystem
    accepted: set[str]
    committed: set[str]
    records: list[LogRecord]


def crash_while_working(system: OwnSystem, service: str) -> None:
    """`kill -9` the service the moment it is seen applying events, then start it again."""
    before = system.consumed(service)
    wait_for(lambda: system.consumed(service) > before, timeout=60, what=f"{service} at work")
    system.stack.kill_service(service)
    system.stack.restart_service(service, timeout=180)


def accepting(load: SteadyLoad, more: int, what: str, *, until: float = 0.0) -> None:
    """Wait until intake has accepted `more` complaints (and `until` has passed)."""
    target = load.count() + more
    wait_for(
        lambda: load.count() >= target and time.monotonic() >= until,
        timeout=90 + max(0.0, until - time.monotonic()),
        what=what,
    )


@pytest.fixture(scope="module")
def faulted() -> Iterator[Faulted]:
    with own_system("complaints-faults-", partitions=3, durable=True) as system:
        load = SteadyLoad(system, per_second=2.0, drive_every=3)
        load.start()
        try:
            wait_for(lambda: len(load.committed) >= 2, timeout=90, what="the load under way")
            for service in ("routing", "sla-monitor", "notifier", "dashboard", "intake"):
                crash_while_working(system, service)
            accepting(load, 3, "complaints accepted after the crashes")
            system.stack.restart_postgres()
            accepting(load, 3, "complaints accepted after the database restart")
            system.proxy.cut()
            try:  # intake keeps accepting, into its outbox, for the whole outage
                until = time.monotonic() + OUTAGE_SECONDS
                accepting(load, 3, "complaints accepted while the broker is away", until=until)
            finally:
                system.proxy.restore()
            accepting(load, 3, "complaints accepted after the outage")
        finally:
            load.stop()
        assert not load.errors, load.errors
        accepted, committed = set(load.accepted), set(load.committed)
        wait_caught_up(system, accepted, committed, timeout=300)
        yield Faulted(system, accepted, committed, system.log())


def test_every_accepted_complaint_is_in_every_projection(faulted):
    assert len(faulted.accepted) >= 20 and faulted.committed
    assert_in_every_projection(faulted.system, faulted.accepted, CALLER)


def test_no_event_is_applied_twice(faulted):
    assert_applied_once(faulted.system, faulted.records, faulted.accepted, CALLER)


def test_every_alert_is_recorded_once_and_sent_with_its_delivery_id(faulted):
    resent = assert_alerts_once(faulted.system, faulted.records)
    # A repeat is possible only for a delivery in flight when a fault cut its send from its
    # record (the notifier's kill, the database's restart): at most the dispatcher's
    # concurrency each time, and each such delivery sent once more, with the same id.
    assert all(times == 2 for times in resent.values()), resent
    assert len(resent) <= CUTS * DISPATCH_CONCURRENCY, resent


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_each_projection_equals_a_replay_of_the_log(faulted, service):
    result = replay_check(faulted.system, service)
    if result is None:
        pytest.skip(f"{service} has no `replay --check` command yet")
    assert result.returncode == 0, result.stdout + result.stderr
