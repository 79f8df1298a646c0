"""The SLA benchmarks' system and seed data: PostgreSQL, the broker and the SLA monitor's
schema, and 100,000 complaints' running clocks bulk-loaded straight into its tables.

The states are the pure fold's (`Arrival` then `Assignment`) over 2,000 distinct receipts, each
shared by 50 complaints; each row's partition is the one the broker puts its key in; the
projection fingerprint is stored so the service does not rebuild from the (empty) log.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

import asyncpg
from aiokafka.partitioner import DefaultPartitioner

from complaints_shared.db import asyncpg_connect_args
from complaints_shared.organisation import load_organisation
from devstack.ports import free_port
from devstack.stack import DEMO_ORG, Stack, StackConfig
from sla_monitor.adapters.clock_store import clock_rows
from sla_monitor.config import SlaSettings
from sla_monitor.domain import clocks as k
from sla_monitor.service_layer.handlers import unit_calendars
from sla_monitor.service_layer.recompute import fingerprint

COMPLAINTS = 100_000
TEMPLATES = 2_000  # distinct folded states; each is shared by COMPLAINTS / TEMPLATES complaints
RECEIVED_WITHIN = timedelta(minutes=30)  # receipts spread over the last 30 min
PARTITIONS = 6  # as `make run`
SEED = 20_240_601
SERVICE = "sla-monitor"


@contextmanager
def sla_stack() -> Iterator[Stack]:
    """PostgreSQL, the broker, topics and the SLA monitor's schema (no service started yet).

    The work directory is world-readable (not mkdtemp's 0700): PostgreSQL runs as another
    system user when this runs as root.
    """
    workdir = Path(tempfile.mkdtemp(prefix="complaints-bench-"))
    workdir.chmod(0o755)
    config = StackConfig(
        workdir=workdir,
        pg_port=free_port(),
        broker_port=free_port(),
        service_ports={SERVICE: free_port()},
        durable=False,  # throw-away data: fsync, synchronous_commit, full_page_writes off
        partitions=PARTITIONS,
    )
    stack = Stack(config)
    try:
        stack.start_infrastructure()
        stack.create_topics()
        migrate = subprocess.run(
            [sys.executable, "-m", "sla_monitor", "migrate"],
            env=stack.env(),
            capture_output=True,
            text=True,
        )
        if migrate.returncode:
            raise RuntimeError(f"sla_monitor migrate failed:\n{migrate.stdout}{migrate.stderr}")
        yield stack
    except BaseException:
        for log in sorted(stack.logs.glob("*.log")):
            tail = log.read_text(errors="replace").splitlines()[-30:]
            print(f"--- {log.name} (last lines)\n" + "\n".join(tail), file=sys.stderr)
        raise
    finally:
        stack.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def database_url(stack: Stack) -> str:
    return stack.database_urls["SLA_MONITOR_DATABASE_URL"]


def partition_of(complaint_id: str) -> int:
    """The partition the producers (aiokafka's default partitioner) put this key in."""
    every = list(range(PARTITIONS))
    return DefaultPartitioner()(complaint_id.encode(), every, every)


# -- 1. seeding ---------------------------------------------------------------------------------
def folded_templates(now: datetime) -> list[dict]:
    """TEMPLATES folded states: received and assigned at instants spread over the last 30 min."""
    org = load_organisation(DEMO_ORG)
    policy, calendars = SlaSettings().policy(), unit_calendars(org)
    owners = [(u.id, "branch") for u in org.units_of_kind("outlet")]
    owners += [(u.id, "branch") for u in org.units_of_kind("branch_department")]
    owners += [(u.id, "province") for u in org.units_of_kind("province_department")]
    templates = []
    for i in range(TEMPLATES):
        unit, level = owners[i % len(owners)]
        at = now - RECEIVED_WITHIN * (i / TEMPLATES)
        state, _ = k.fold(
            [k.Arrival("complaint", unit, at), k.Assignment(unit, level, at)], policy, calendars
        )
        rows = clock_rows("", state, calendars)
        assert all(row["status"] == "running" for row in rows) and len(rows) == 4
        templates.append(
            {
                "owner": unit,
                "state": json.dumps(k.to_json(state)),
                "next_timer": k.next_timer(state),
                "clocks": [
                    (
                        row["clock"],
                        row["run"],
                        row["owner_unit"],
                        row["status"],
                        row["breached"],
                        row["started_at"],
                        row["due_at"],
                        row["remaining_seconds"],
                        row["budget_seconds"],
                        row["calendar"],
                        row["handling_level"],
                    )
                    for row in rows
                ],
            }
        )
    return templates


def complaint_id(i: int) -> str:
    return f"BENCH-{i:06d}"


async def seed(url: str, templates: list[dict]) -> None:
    complaint_rows, clock_records = [], []
    for i in range(COMPLAINTS):
        cid, template = complaint_id(i), templates[i % TEMPLATES]
        complaint_rows.append((cid, partition_of(cid), template["state"], template["next_timer"]))
        clock_records += [(cid, *clock) for clock in template["clocks"]]
    conn = await asyncpg.connect(**asyncpg_connect_args(url))
    try:
        await conn.copy_records_to_table(
            "complaint_clocks",
            records=complaint_rows,
            columns=["complaint_id", "partition", "state", "next_timer"],
        )
        await conn.copy_records_to_table(
            "clocks",
            records=clock_records,
            columns=[
                "complaint_id",
                "clock",
                "run",
                "owner_unit",
                "status",
                "breached",
                "started_at",
                "due_at",
                "remaining_seconds",
                "budget_seconds",
                "calendar",
                "handling_level",
            ],
        )
        await conn.execute("ANALYZE complaint_clocks; ANALYZE clocks")
        current = fingerprint(SlaSettings().policy(), load_organisation(DEMO_ORG))
        await conn.execute(
            "INSERT INTO projection_meta (key, value) VALUES ('fingerprint', $1)", current
        )
    finally:
        await conn.close()


async def running_counts(url: str) -> tuple[int, int]:
    conn = await asyncpg.connect(**asyncpg_connect_args(url))
    try:
        clocks = await conn.fetchval("SELECT count(*) FROM clocks WHERE status = 'running'")
        complaints = await conn.fetchval(
            "SELECT count(*) FROM complaint_clocks WHERE next_timer IS NOT NULL"
        )
        return clocks, complaints
    finally:
        await conn.close()


# -- 2-3. promises through the broker, a tail on the log ----------------------------------------
