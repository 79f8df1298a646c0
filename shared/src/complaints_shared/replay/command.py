"""`python -m <service> replay [--check]`: fold the whole log with the service's own handlers
into memory, then compare with the live projection (`--check`) or write a fresh copy.

Without `--check` the rebuilt projection is written to the schema `replay` of the service's
database (the live tables are left alone: an operator compares, or swaps it in while the
service is stopped); with it nothing is written, and the exit code is 1 when a row differs.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncEngine

from ..contracts.base import Event
from ..contracts.envelope import Envelope
from ..db import make_engine
from ..messaging.consumer import Handler
from .compare import Compared, Difference, Row, differences
from .copies import read_rows, write_copy
from .driver import Folded, fold_log
from .journal import Journal
from .progress import progress_bar

SCHEMA = "replay"  # where the rebuilt copy is written
SHOWN = 20  # differences listed per table


@dataclass
class Replay:
    """A service's replay: its live handlers wired to in-memory stores on `journal`, the
    tables compared, and `rows(written_at)`, the replayed tables' rows (processing-time columns
    set to `written_at`)."""

    service: str
    handlers: Mapping[type[Event], Handler]
    journal: Journal
    compared: Sequence[Compared]
    rows: Callable[[datetime], Mapping[Table, list[Row]]]
    before: Callable[[Envelope], None] | None = None


async def run_replay(
    replay: Replay,
    *,
    bootstrap_servers: str,
    database_url: str,
    check: bool,
    schema: str = SCHEMA,
    say: Callable[[str], None] = print,
) -> int:
    started = time.perf_counter()
    with progress_bar(f"replaying the log into {replay.service}") as bar:
        folded = await fold_log(
            bootstrap_servers,
            replay.handlers,
            replay.journal,
            before=replay.before,
            progress=bar.advance,
            on_total=bar.total,
        )
    elapsed = time.perf_counter() - started
    say(report_line(folded, elapsed))
    say(folded.summary())
    for event_id, type_, why in folded.refused[:SHOWN]:
        say(f"  refused {type_} {event_id}: {why}")
    rows = replay.rows(datetime.now(UTC))
    engine = make_engine(database_url, pool_size=1)
    try:
        if check:
            return await _check(engine, replay, rows, say)
        started = time.perf_counter()
        await write_copy(engine, schema, rows)
        written = sum(len(r) for r in rows.values())
        say(
            f"wrote {written} rows into schema {schema} "
            f"({', '.join(t.name for t in rows)}) in {time.perf_counter() - started:.1f}s; "
            "the live tables are unchanged"
        )
        return 0
    finally:
        await engine.dispose()


def report_line(folded: Folded, elapsed: float) -> str:
    """The line benchmarks read: records, complaints, seconds, rate."""
    rate = folded.records / max(elapsed, 1e-9)
    return (
        f"{folded.records} events, {len(folded.complaints)} complaints in {elapsed:.1f}s "
        f"({rate:,.0f} events/s)"
    )


async def _check(
    engine: AsyncEngine, replay: Replay, rows: Mapping[Table, list[Row]], say: Callable[[str], None]
) -> int:
    found: list[Difference] = []
    for spec in replay.compared:
        live = await read_rows(engine, spec.table)
        diffs = differences(spec, live, rows.get(spec.table, []))
        ignored = ", ".join(spec.ignored) or "none"
        say(
            f"{spec.name}: {len(live)} live rows, {len(rows.get(spec.table, []))} replayed, "
            f"{len(diffs)} differences (not compared: {ignored})"
        )
        for difference in diffs[:SHOWN]:
            say(f"  {difference}")
        if len(diffs) > SHOWN:
            say(f"  … and {len(diffs) - SHOWN} more")
        found += diffs
    say("the replayed projection equals the live one" if not found else "DIFFERENT")
    return 1 if found else 0
