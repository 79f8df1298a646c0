"""`python -m sla_monitor replay`: rebuild the clock projection from the start of the log.

With `--check` it changes nothing and reports whether the rebuilt projection equals the live
one, every column of every clock (the same runs, owners, states and due times), which is how
replay is proven deterministic. Unlike the other services' replays, which write a fresh copy
(docs/replay.md), this one rewrites the live projection in one transaction
(`write_projection`, as a start-up after a policy change does). The progress bar, the report
and the comparison are the shared ones (`complaints_shared.replay`).
"""

from __future__ import annotations

import argparse
import asyncio
import time
from datetime import UTC, datetime

from complaints_shared.organisation import load_organisation
from complaints_shared.replay.command import SHOWN
from complaints_shared.replay.compare import Compared, differences
from complaints_shared.replay.progress import progress_bar
from complaints_shared.runtime import Plumbing

from .adapters.clock_store import clock_rows
from .adapters.stores import Stores, sql_stores
from .adapters.tables import clocks, outbox, processed_events
from .config import SlaSettings
from .domain import clocks as k
from .service_layer.handlers import unit_calendars
from .service_layer.recompute import Rebuilt, fold_log, write_projection

COMPARED = Compared(clocks, ("complaint_id", "clock"))  # every column: nothing is processing time


def replay(settings: SlaSettings, args: argparse.Namespace) -> int:
    return asyncio.run(_replay(settings, check=args.check))


async def _replay(settings: SlaSettings, *, check: bool) -> int:
    org = load_organisation(settings.org_directory)
    calendars = unit_calendars(org)
    plumbing = Plumbing.build(
        service="sla-monitor",
        settings=settings,
        database_url=settings.database_url,
        outbox_table=outbox,
        processed_table=processed_events,
    )
    stores = sql_stores(plumbing.sessions, plumbing.outbox, plumbing.inbox)
    started = time.perf_counter()
    try:
        with progress_bar("replaying the log into sla-monitor") as bar:
            rebuilt = await fold_log(
                settings.kafka_bootstrap_servers,
                settings.policy(),
                calendars,
                datetime.now(UTC),
                progress=bar.advance,
                on_total=bar.total,
                org=org,
            )
        elapsed = time.perf_counter() - started
        print(
            f"{rebuilt.records} events, {len(rebuilt.states)} complaints in {elapsed:.1f}s "
            f"({rebuilt.records / max(elapsed, 1e-9):,.0f} events/s)"
        )
        if check:
            return await _compare(stores, rebuilt, calendars)
        await write_projection(stores, rebuilt, calendars, announce=False)
        print("projection rebuilt")
        return 0
    finally:
        await plumbing.engine.dispose()


async def _compare(stores: Stores, rebuilt: Rebuilt, calendars: k.Calendars) -> int:
    rebuilt_rows = [
        row
        for cid, (_, state) in rebuilt.states.items()
        for row in clock_rows(cid, state, calendars)
    ]
    async with stores.transaction() as session:
        live = await stores.projection(session).all_clock_rows()
    differing = differences(COMPARED, live.values(), rebuilt_rows)
    print(
        f"clocks: {len(live)} live rows, {len(rebuilt_rows)} replayed, {len(differing)} differences"
    )
    for difference in differing[:SHOWN]:
        print(f"  {difference}")
    return 1 if differing else 0
