"""What the notifier remembers of each complaint (`complaint_facts`), behind `FactsStore`."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from complaints_shared.workflow.lifecycle import from_json, to_json

from ..domain.facts import Breach, ComplaintFacts
from .tables import complaint_facts as t


class FactsStore(Protocol):
    """The facts of each complaint, read and written in the caller's transaction."""

    async def load(self, complaint_id: str) -> ComplaintFacts | None:
        """None when the notifier has never heard of the complaint."""
        ...

    async def save(self, complaint_id: str, facts: ComplaintFacts) -> None: ...


class SqlFacts:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def load(self, complaint_id: str) -> ComplaintFacts | None:
        return await load(self.session, complaint_id)

    async def save(self, complaint_id: str, facts: ComplaintFacts) -> None:
        await save(self.session, complaint_id, facts)


async def load(session: AsyncSession, complaint_id: str) -> ComplaintFacts | None:
    """The facts of a complaint; None when the notifier has never heard of it."""
    row = (await session.execute(select(t).where(t.c.complaint_id == complaint_id))).first()
    if row is None:
        return None
    return ComplaintFacts(
        state=from_json(row.state),
        media=row.media,
        handoff_told=row.handoff_told,
        customer=row.customer,
        breaches={clock: _breach(data) for clock, data in row.breaches.items()},
    )


async def save(session: AsyncSession, complaint_id: str, facts: ComplaintFacts) -> None:
    values = facts_values(facts)
    statement = insert(t).values(complaint_id=complaint_id, **values)
    await session.execute(
        statement.on_conflict_do_update(index_elements=[t.c.complaint_id], set_=values)
    )


def facts_values(facts: ComplaintFacts) -> dict[str, Any]:
    """The columns of `complaint_facts` for the facts (but the id)."""
    return {
        "state": to_json(facts.state),
        "media": facts.media,
        "handoff_told": facts.handoff_told,
        "customer": facts.customer,
        "breaches": {clock: _breach_json(b) for clock, b in facts.breaches.items()},
    }


def _breach_json(breach: Breach) -> dict[str, Any]:
    return {
        "owner": breach.owner,
        "due_at": breach.due_at.isoformat(),
        "owner_told": breach.owner_told,
        "stopped_at": breach.stopped_at.isoformat() if breach.stopped_at else None,
    }


def _breach(data: dict[str, Any]) -> Breach:
    stopped = data.get("stopped_at")
    return Breach(
        owner=data["owner"],
        due_at=datetime.fromisoformat(data["due_at"]),
        owner_told=data.get("owner_told", False),
        stopped_at=datetime.fromisoformat(stopped) if stopped else None,
    )
