"""`python -m sla_monitor replay`: rebuild the clock projection from the start of the log.

With `--check` it changes nothing and reports whether the rebuilt projection equals the live
one (the same clocks, states and due times), which is how replay is proven deterministic.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from datetime import UTC, datetime

from tqdm import tqdm

from complaints_shared.organisation import load_organisation
from complaints_shared.runtime import Plumbing

from .adapters.clock_store import clock_rows
from .adapters.stores import Stores, sql_stores
from .adapters.tables import outbox, processed_events
from .config import SlaSettings
from .domain import clocks as k
from .service_layer.handlers import unit_calendars
from .service_layer.recompute import Rebuilt, fold_log, write_projection

_COMPARED = (
    "clock",
    "run",
    "owner_unit",
    "status",
    "breached",
    "due_at",
    "remaining_seconds",
    "original_due_at",
    "extensions",
)


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
    bar = tqdm(unit=" events", desc="replaying the log")
    started = time.perf_counter()
    try:
        rebuilt = await fold_log(
            settings.kafka_bootstrap_servers,
            settings.policy(),
            calendars,
            datetime.now(UTC),
            progress=bar.update,
            on_total=lambda total: setattr(bar, "total", total),
            org=org,
        )
        bar.close()
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
    rebuilt_rows = {
        (row["complaint_id"], row["clock"]): tuple(row[c] for c in _COMPARED)
        for cid, (_, state) in rebuilt.states.items()
        for row in clock_rows(cid, state, calendars)
    }
    async with stores.transaction() as session:
        live = await stores.projection(session).all_clock_rows()
    live_rows = {key: tuple(row[c] for c in _COMPARED) for key, row in live.items()}
    differing = {
        key
        for key in rebuilt_rows.keys() | live_rows.keys()
        if rebuilt_rows.get(key) != live_rows.get(key)
    }
    print(f"{len(live_rows)} live clocks, {len(rebuilt_rows)} replayed, {len(differing)} differ")
    for key in sorted(differing)[:20]:
        print(f"  {key}: live {live_rows.get(key)} replayed {rebuilt_rows.get(key)}")
    return 1 if differing else 0
