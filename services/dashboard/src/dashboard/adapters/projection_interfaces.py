"""What the dashboard asks of its projection store, as two small interfaces:

- `ProjectionStore`, what the projection handler needs, inside the consumer's transaction;
- `ProjectionReader`, what the read paths (`DashboardQueries`) and the change feed need.

`repository.SqlProjection` is both, in PostgreSQL; `dashboard.testing.fakes.FakeProjection` is
both, in memory. The same contract tests run against each
(services/dashboard/tests/integration/test_store_contract.py).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from complaints_shared.workflow.visibility import Involvement

from ..domain.model import Complaint
from ..domain.scope import Reach
from ..domain.timeline import Entry


@dataclass(frozen=True)
class Change:
    """When a complaint last changed (processing time), and who is involved in it."""

    at: datetime
    involvement: Involvement


class ProjectionStore(Protocol):
    """The projection's writes, all within the transaction that records the event as seen."""

    async def add_entry(
        self,
        *,
        complaint_id: str,
        event_id: str,
        type: str,
        time: datetime,
        source: str,
        data: dict[str, Any],
    ) -> None:
        """Append a timeline entry; an event already entered (same `event_id`) is skipped."""
        ...

    async def load(self, complaint_id: str) -> Complaint:
        """The complaint as projected so far (locked until the transaction ends), or a
        fresh one."""
        ...

    async def save(self, complaint: Complaint) -> None:
        """Store the complaint, its clock runs and its samples; it now changed (`version`)."""
        ...

    async def add_snapshot(self, complaint: Complaint, *, event_id: str) -> None:
        """Append the complaint as folded after the event `event_id`, recorded now (processing
        time); an event already snapshotted is skipped."""
        ...

    async def forget_customer(self, complaint_id: str) -> None:
        """Erasure: the masked customer leaves every snapshot of the complaint kept before."""
        ...


class ProjectionReader(Protocol):
    """What the read paths ask: every answer is filtered again by `scope.shows`."""

    async def in_scope(
        self, reach: Reach | None, received_from: datetime, received_to: datetime
    ) -> list[Complaint]:
        """Complaints within `reach` (`scope.reach`; None for all) that are not final, were
        received in [received_from, received_to), or have a clock that runs after resolution
        (`live.AFTER_RESOLUTION`: a return visit due) running or paused."""
        ...

    async def one(self, complaint_id: str) -> Complaint | None: ...

    async def in_scope_at(
        self,
        reach: Reach | None,
        received_from: datetime,
        received_to: datetime,
        moment: datetime,
    ) -> list[Complaint]:
        """`in_scope` as the projection stood at `moment`: of each complaint its latest snapshot
        recorded at or before `moment`, taken when that snapshot meets `in_scope`'s terms."""
        ...

    async def one_at(self, complaint_id: str, moment: datetime) -> Complaint | None:
        """The complaint's latest snapshot recorded at or before `moment`."""
        ...

    async def entries(self, complaint_id: str, recorded_by: datetime | None = None) -> list[Entry]:
        """The complaint's timeline entries, in the order they were added; with `recorded_by`,
        only those recorded at or before it."""
        ...

    async def version(self) -> str:
        """Changes whenever the projection changes (wakes the live pages; never sent to them)."""
        ...

    async def latest_changes(self, reach: Reach | None, *, offset: int, limit: int) -> list[Change]:
        """The complaints within `reach`, most recently changed first (ties by id)."""
        ...


# Opens a reader for one unit of work: `async with reading() as reader: …`.
Reading = Callable[[], AbstractAsyncContextManager[ProjectionReader]]
