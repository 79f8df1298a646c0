"""Replay speed: rebuilding the SLA monitor's clock projection from the start of the log.

What runs: PostgreSQL and the Kafka-protocol broker, started with devstack as the tests start
them, and the SLA monitor's schema; not its service (nothing else writes while it replays).

The log: COMPLAINTS seeded complaint lifecycles over the last three weeks, produced as
CloudEvents (binary mode, keyed by complaint, `to_kafka`) with one AIOKafkaProducer. Each
is received and assigned; then, by chance, contacted, transferred (and reassigned),
accepted, given a committed deadline, put on hold and resumed, resolved, reopened and
resolved again, closed; what would lie in the future is left out, so some stay open. About
one event in ten (`customer_contacted`) changes no clock, as in a real log.

Timed:
- fold: `sla_monitor.service_layer.recompute.fold_log` in this process: read the topic from
  the beginning, decode and validate each record, fold it, then a timer tick at now (median
  of RUNS runs after a warm-up run);
- end to end: `python -m sla_monitor replay` as a process, wall clock from spawn to exit:
  interpreter start-up, the fold, and rewriting the projection (clock states, clock rows,
  breaches, every clock event in the outbox, the inbox) in one transaction. The line it
  prints when the fold is done splits that into start-up, fold and write.
"""

from __future__ import annotations

import asyncio
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import asyncpg
from aiokafka import AIOKafkaProducer
from sla_seed import database_url, sla_stack

from complaints_shared.contracts import complaint_events as c
from complaints_shared.contracts import routing_events as r
from complaints_shared.contracts.base import Event
from complaints_shared.contracts.envelope import Envelope, new_id, to_kafka
from complaints_shared.contracts.topics import COMPLAINT_EVENTS
from complaints_shared.db import asyncpg_connect_args
from complaints_shared.messaging.log_reader import read_log
from complaints_shared.organisation import Organisation, load_organisation
from devstack.stack import DEMO_ORG, Stack
from sla_monitor.config import SlaSettings
from sla_monitor.service_layer.handlers import unit_calendars
from sla_monitor.service_layer.recompute import fold_log

NAME = "sla-replay"
DESCRIPTION = (
    "Replay of the SLA monitor: events/s and complaints/s folding the whole log, and end to "
    "end with `python -m sla_monitor replay` rewriting the projection."
)

COMPLAINTS = 5_000
WINDOW = timedelta(days=21)  # receipts spread over the last three weeks
RUNS = 3
SEED = 20_240_601
FOLD_LINE = re.compile(r"events, \d+ complaints in ([0-9.]+)s")
CUSTOMER = {"name": "王五", "phone": "13800000000"}


# -- the log ------------------------------------------------------------------------------------
class Lifecycles:
    """Seeded complaint lifecycles on the demo organisation, as envelopes in event-time order."""

    def __init__(self, org: Organisation, now: datetime) -> None:
        self.random = random.Random(SEED)
        self.now = now
        kinds = ("outlet", "branch_department")
        self.receivers = [u.id for kind in kinds for u in org.units_of_kind(kind)]
        self.owners = {
            "branch": [u.id for u in org.units_of_kind("branch")],
            "province": [u.id for u in org.units_of_kind("province_department")],
            "hq": ["HQ-QSG"],
        }

    def complaint(self, n: int) -> Iterator[Envelope]:
        rnd, cid = self.random, f"REPLAY-{n:06d}"
        received = self.now - WINDOW * rnd.random()
        receiver = rnd.choice(self.receivers)
        level = rnd.choices(("branch", "province", "hq"), weights=(80, 15, 5))[0]
        owner = rnd.choice(self.owners[level])
        kind = "inquiry" if rnd.random() < 0.1 else "complaint"
        at = received

        def later(seconds: float) -> datetime:
            nonlocal at
            at = at + timedelta(seconds=seconds)
            return at

        yield self.envelope(
            cid,
            received,
            c.ComplaintReceived(
                kind=kind,
                channel="on_site",
                receiving_unit=receiver,
                business_line="deposits",
                received_at=received,
                customer=c.Customer(**CUSTOMER),
                summary="replay benchmark",
                posted_by=receiver,
            ),
        )
        yield self.assigned(cid, later(1), owner, level, None)
        if rnd.random() < 0.5:
            yield self.action(cid, c.CustomerContacted, later(rnd.uniform(300, 3600)), owner)
        if rnd.random() < 0.1:
            other = rnd.choice([u for u in self.owners["branch"] if u != owner])
            transfer = r.ComplaintTransferred(
                from_unit=owner, to_unit=other, reason="not ours", rule="transfer"
            )
            yield self.envelope(cid, later(rnd.uniform(600, 3000)), transfer)
            yield self.assigned(cid, later(1), other, "branch", owner)
            owner, level = other, "branch"
        if rnd.random() < 0.9:
            yield self.action(cid, c.ComplaintAccepted, later(rnd.uniform(300, 9000)), owner)
        if rnd.random() < 0.15:
            promised = at + timedelta(days=rnd.uniform(1, 4))
            yield self.action(
                cid, c.DeadlineCommitted, later(600), owner, committed_deadline=promised
            )
        if rnd.random() < 0.2:
            yield self.action(cid, c.WaitingOnCustomer, later(rnd.uniform(600, 7200)), owner)
            yield self.action(cid, c.CustomerResponded, later(rnd.uniform(600, 86400)), owner)
        if rnd.random() < 0.85:
            yield self.action(cid, c.Resolved, later(rnd.uniform(3600, 3 * 86400)), owner)
            if rnd.random() < 0.05:
                yield self.action(cid, c.Reopened, later(rnd.uniform(3600, 86400)), owner)
                yield self.action(cid, c.Resolved, later(rnd.uniform(3600, 86400)), owner)
            if rnd.random() < 0.85:
                yield self.action(cid, c.Closed, later(rnd.uniform(3600, 86400)), owner)

    def assigned(
        self, cid: str, at: datetime, owner: str, level: str, previous: str | None
    ) -> Envelope:
        event = r.ComplaintAssigned(
            owner_unit=owner,
            handling_level=level,
            rule="benchmark",
            reason="seeded",
            previous_owner=previous,
        )
        return self.envelope(cid, at, event, source="/routing")

    def action(self, cid: str, kind: type[c.UnitAction], at: datetime, unit: str, **extra):
        if kind is c.Resolved:
            extra["reply"] = "resolved"
        return self.envelope(cid, at, kind(unit=unit, at=at, posted_by=unit, **extra))

    def envelope(self, cid: str, at: datetime, event: Event, source: str = "/intake") -> Envelope:
        return Envelope(
            id=new_id(),
            source=source,
            type=event.type_name(),
            subject=cid,
            time=at,
            data=event.model_dump(mode="json"),
        )

    def log(self) -> Iterator[Envelope]:
        for n in range(COMPLAINTS):
            for envelope in self.complaint(n):
                if envelope.time >= self.now:
                    break  # the rest of this lifecycle has not happened yet
                yield envelope


async def produce(bootstrap: str, envelopes: Iterator[Envelope]) -> int:
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, acks="all", linger_ms=20, max_batch_size=256 * 1024
    )
    await producer.start()
    count = 0
    try:
        for envelope in envelopes:
            key, value, headers = to_kafka(envelope)
            await producer.send(COMPLAINT_EVENTS, value, key=key, headers=headers)
            count += 1
        await producer.flush()
    finally:
        await producer.stop()
    return count


# -- timing -------------------------------------------------------------------------------------
async def read_once(bootstrap: str) -> float:
    """Reading the log alone, as `fold_log` reads it (the end is 0.5 s without new records)."""
    started = time.perf_counter()
    async for _ in read_log(bootstrap, COMPLAINT_EVENTS):
        pass
    return time.perf_counter() - started


async def fold_once(bootstrap: str, org: Organisation) -> tuple[float, int, int]:
    policy, calendars = SlaSettings().policy(), unit_calendars(org)
    started = time.perf_counter()
    rebuilt = await fold_log(bootstrap, policy, calendars, datetime.now(UTC))
    return time.perf_counter() - started, rebuilt.records, len(rebuilt.states)


@dataclass
class Replayed:
    total: float  # spawn to exit
    folded: float  # spawn to the command's "N events, M complaints in Xs" line
    fold: float  # the X it reports
    output: str


def replay_command(stack: Stack) -> Replayed:
    """Run `python -m sla_monitor replay`, noting when it reports the fold done.

    The line comes between the fold and the projection write, so the wall clock splits
    into start-up (`folded - fold`), fold and write (`total - folded`).
    """
    lines, folded = [], float("nan")
    with tempfile.TemporaryFile() as stderr:  # the progress bar; read only on failure
        started = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "-m", "sla_monitor", "replay"],
            env={**stack.env(), "PYTHONUNBUFFERED": "1"},
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        )
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line)
            if FOLD_LINE.search(line):
                folded = time.perf_counter() - started
        process.wait()
        total = time.perf_counter() - started
        if process.returncode:
            stderr.seek(0)
            error = stderr.read().decode(errors="replace")[-3000:]
            raise RuntimeError(f"replay failed:\n{''.join(lines)}\n{error}")
    output = "".join(lines)
    reported = FOLD_LINE.search(output)
    if reported is None:
        raise RuntimeError(f"replay did not report its fold:\n{output}")
    return Replayed(total, folded, float(reported.group(1)), output)


async def projection_counts(url: str) -> tuple[int, int, int]:
    conn = await asyncpg.connect(**asyncpg_connect_args(url))
    try:
        return (
            await conn.fetchval("SELECT count(*) FROM complaint_clocks"),
            await conn.fetchval("SELECT count(*) FROM clocks"),
            await conn.fetchval("SELECT count(*) FROM outbox"),
        )
    finally:
        await conn.close()


def run() -> dict:
    org = load_organisation(DEMO_ORG)
    with sla_stack() as stack:
        events = asyncio.run(produce(stack.bootstrap, Lifecycles(org, datetime.now(UTC)).log()))
        folds = [asyncio.run(fold_once(stack.bootstrap, org)) for _ in range(RUNS + 1)][1:]
        records = {n for _, n, _ in folds}
        complaints = {m for _, _, m in folds}
        if records != {events} or complaints != {COMPLAINTS}:
            raise RuntimeError(f"fold read {records} events of {complaints} complaints")
        fold_seconds = statistics.median(s for s, _, _ in folds)
        read_seconds = statistics.median(
            asyncio.run(read_once(stack.bootstrap)) for _ in range(RUNS)
        )
        replayed = replay_command(stack)
        states, clock_rows, outbox_rows = asyncio.run(projection_counts(database_url(stack)))
    if states != COMPLAINTS:
        raise RuntimeError(f"replay wrote {states} of {COMPLAINTS} complaints:\n{replayed.output}")
    write = replayed.total - replayed.folded
    return {
        "figures": {
            "events in the log": events,
            "complaints": COMPLAINTS,
            f"fold: events/s (median of {RUNS})": round(events / fold_seconds),
            f"fold: complaints/s (median of {RUNS})": round(COMPLAINTS / fold_seconds),
            "fold time (s)": round(fold_seconds, 2),
            f"of which reading the log alone (s, median of {RUNS})": round(read_seconds, 2),
            "end to end `replay`: events/s": round(events / replayed.total),
            "end to end `replay`: complaints/s": round(COMPLAINTS / replayed.total),
            "end to end `replay`: time (s)": round(replayed.total, 2),
            "of which process start-up (s)": round(replayed.folded - replayed.fold, 2),
            "of which the fold, as `replay` reports it (s)": round(replayed.fold, 2),
            "of which the projection write (s)": round(write, 2),
            "projection write: complaints/s": round(COMPLAINTS / write),
            "projection written: clock rows / outbox rows": f"{clock_rows:,} / {outbox_rows:,}",
        },
        "method": (
            f"{COMPLAINTS:,} seeded complaint lifecycles over the last 3 weeks "
            f"({events:,} CloudEvents on {stack.config.partitions} partitions of the dev "
            "broker); fold = `fold_log` in-process (read from offset 0, decode, validate, fold, "
            f"timer tick at now), median of {RUNS} after a warm-up; end to end = wall clock of "
            "`python -m sla_monitor replay` (process start-up, fold, projection rewritten in one "
            "transaction); the SLA monitor service is not running."
        ),
    }


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=2, ensure_ascii=False))
