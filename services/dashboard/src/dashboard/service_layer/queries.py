"""What the API asks of the projection: load what a scope may see, then the pure figures."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import async_sessionmaker

from complaints_shared.organisation import Organisation

from ..adapters import repository
from ..domain import live, period
from ..domain.model import Complaint
from ..domain.scope import Scope, grouper, label, may_see, unit_timezones
from ..domain.stats import day_bounds
from ..domain.summary import Query, summarise
from ..domain.timeline import handoffs, stays

# Local days start up to 14 hours before and 12 after UTC's: load a little more, then filter
# by each complaint's own local day.
_SLACK = timedelta(days=1)


class DashboardQueries:
    def __init__(self, org: Organisation, sessions: async_sessionmaker) -> None:
        self.org = org
        self.sessions = sessions
        self.zone = unit_timezones(org)

    async def visible(self, scope: Scope, first: date, last: date) -> list[Complaint]:
        start, end = day_bounds(first, last, self.zone(scope.root))
        async with self.sessions() as session:
            found = await repository.in_scope(session, scope.units, start - _SLACK, end + _SLACK)
        return [c for c in found if may_see(self.org, scope, c)]

    async def summary(self, q: Query) -> dict[str, Any]:
        return summarise(self.org, await self.visible(q.scope, q.first, q.last), q)

    async def complaint_list(
        self, q: Query, state: str, dimension: str | None, key: str | None
    ) -> list[dict[str, Any]]:
        """The open complaints behind one live count, soonest due first."""
        group = grouper(self.org, q.scope.root)
        keys = {
            "unit": lambda c: group(c.responsible_unit or ""),
            "line": lambda c: c.business_line,
            "channel": lambda c: c.channel,
        }
        pick = keys.get(dimension or "")
        found = [
            c
            for c in await self.visible(q.scope, q.first, q.last)
            if live.matches(c, state, q.now, q.soon, pick, key)
        ]
        rows = [self.row(c, q) for c in found]
        far = datetime.max.replace(tzinfo=q.now.tzinfo).isoformat()
        return sorted(rows, key=lambda r: (r["next_due_at"] or far, r["complaint_id"]))

    async def export(self, q: Query) -> list[dict[str, Any]]:
        """One row per complaint received in the period: the facts the figures are made of."""
        received = period.cohort(
            await self.visible(q.scope, q.first, q.last), q.first, q.last, self.zone
        )
        received.sort(key=lambda c: (c.received_at, c.complaint_id))
        return [self.row(c, q) for c in received]

    def row(self, c: Complaint, q: Query) -> dict[str, Any]:
        active = [r for r in c.runs if r.active and r.due_at is not None]
        upcoming = min(active, key=lambda r: r.due_at, default=None)
        local = c.received_at.astimezone(ZoneInfo(self.zone(c.receiving_unit)))
        seconds = {s.measure: s.seconds for s in c.samples}
        return {
            "complaint_id": c.complaint_id,
            "received_at": local.isoformat(),
            "received_day": local.date().isoformat(),
            "kind": c.kind,
            "channel": c.channel,
            "business_line": c.business_line,
            "severity": c.severity,
            "receiving_unit": c.receiving_unit,
            "receiving_label": label(self.org, c.receiving_unit or ""),
            "owner_unit": c.owner_unit,
            "owner_label": label(self.org, c.owner_unit) if c.owner_unit else None,
            "status": c.status,
            "live": sorted(live.live_states(c, q.now, q.soon)),
            "breached_clocks": sorted({r.clock for r in c.runs if r.breached}),
            "next_clock": upcoming.clock if upcoming else None,
            "next_due_at": upcoming.due_at.isoformat() if upcoming else None,
            "classification": c.classification,
            "satisfaction": c.satisfaction,
            "start_seconds": seconds.get("start"),
            "resolve_seconds": seconds.get("resolve"),
        }

    async def timeline(self, scope: Scope, complaint_id: str, now: datetime) -> dict | None:
        """The hand-off timeline, or None when the complaint is unknown or not the scope's."""
        async with self.sessions() as session:
            complaint = await repository.one(session, complaint_id)
            if complaint is None or not may_see(self.org, scope, complaint):
                return None
            entries = await repository.entries(session, complaint_id)
        return {
            "complaint_id": complaint_id,
            "complaint": {
                "kind": complaint.kind,
                "channel": complaint.channel,
                "business_line": complaint.business_line,
                "severity": complaint.severity,
                "receiving_unit": complaint.receiving_unit,
                "owner_unit": complaint.owner_unit,
                "handling_level": complaint.handling_level,
                "status": complaint.status,
                "received_at": complaint.received_at,
                "customer": {"name": complaint.customer_name, "phone": complaint.customer_phone},
            },
            "events": [{"type": e.type, "time": e.time, "data": e.data} for e in entries],
            "handoffs": handoffs(entries),
            "stays": [
                {**stay.__dict__, "label": label(self.org, stay.unit)}
                for stay in stays(entries, now)
            ],
        }
