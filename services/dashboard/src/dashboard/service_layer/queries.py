"""What the API asks of the projection: load what a scope shows, then the pure figures.

Every read path decides alike (`scope.shows`, the shared visibility rule): the figures, lists
and exports of a scope, a complaint's timeline, and the version a live page is told about.
Every time returned is in the local offset of the unit it concerns: the scope's unit, or the
complaint's receiving unit for what is about one complaint.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import async_sessionmaker

from complaints_shared.organisation import Organisation
from complaints_shared.workflow.lifecycle import stays
from complaints_shared.workflow.local_time import local_to
from complaints_shared.workflow.visibility import Involvement, Sight, sight_of

from ..adapters import repository
from ..domain import live, period
from ..domain.model import Complaint
from ..domain.scope import Scope, grouper, label, reach, shows, unit_timezones
from ..domain.stats import day_bounds
from ..domain.summary import Query, summarise
from ..domain.timeline import handoffs

# Local days start up to 14 hours before and 12 after UTC's: load a little more, then filter
# by each complaint's own local day.
_SLACK = timedelta(days=1)
_VERSION_PAGE = 100


class DashboardQueries:
    def __init__(self, org: Organisation, sessions: async_sessionmaker) -> None:
        self.org = org
        self.sessions = sessions
        self.zone = unit_timezones(org)

    async def visible(self, scope: Scope, first: date, last: date) -> list[Complaint]:
        start, end = day_bounds(first, last, self.zone(scope.root))
        async with self.sessions() as session:
            found = await repository.in_scope(
                session, reach(self.org, scope.sight), start - _SLACK, end + _SLACK
            )
        return [c for c in found if shows(self.org, scope.sight, c.involvement)]

    async def summary(self, q: Query) -> dict[str, Any]:
        return summarise(self.org, await self.visible(q.scope, q.first, q.last), q)

    async def complaint_list(
        self, q: Query, state: str, dimension: str | None, key: str | None
    ) -> list[dict[str, Any]]:
        """The open complaints behind one live count, soonest due first."""
        group = grouper(self.org, q.scope.groups_under)
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
        far = datetime.max.replace(tzinfo=q.now.tzinfo)

        def soonest(c: Complaint) -> tuple[datetime, str]:
            upcoming = _next_due(c)
            return (upcoming.due_at if upcoming else far, c.complaint_id)  # type: ignore[return-value]

        return [self.row(c, q) for c in sorted(found, key=soonest)]

    async def export(self, q: Query) -> list[dict[str, Any]]:
        """One row per complaint received in the period: the facts the figures are made of."""
        received = period.cohort(
            await self.visible(q.scope, q.first, q.last), q.first, q.last, self.zone
        )
        received.sort(key=lambda c: (c.received_at, c.complaint_id))
        return [self.row(c, q) for c in received]

    def row(self, c: Complaint, q: Query) -> dict[str, Any]:
        upcoming = _next_due(c)
        local = local_to(self.org, c.receiving_unit, c.received_at)
        seconds = {s.measure: s.seconds for s in c.samples}
        due = local_to(self.org, c.receiving_unit, upcoming.due_at) if upcoming else None
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
            "next_due_at": due.isoformat() if due else None,
            "classification": c.classification,
            "satisfaction": c.satisfaction,
            "start_seconds": seconds.get("start"),
            "resolve_seconds": seconds.get("resolve"),
        }

    async def timeline(self, caller: str, complaint_id: str, now: datetime) -> dict | None:
        """The hand-off timeline, or None when the complaint is unknown or the caller may not
        see it (the two are not told apart)."""
        async with self.sessions() as session:
            complaint = await repository.one(session, complaint_id)
            sight = sight_of(self.org, caller)
            if complaint is None or not shows(self.org, sight, complaint.involvement):
                return None
            entries = await repository.entries(session, complaint_id)
        found = {
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
                {**asdict(stay), "label": label(self.org, stay.unit)}
                for stay in stays(complaint.state, now)
            ],
        }
        # Event data is kept as JSON: its times are strings, moved to the local offset too.
        return local_to(self.org, complaint.receiving_unit, found, strings=True)

    async def version(self, scope: Scope) -> str:
        """When a complaint the scope shows last changed, in the scope's local offset ("" for
        none): a live page re-fetches when it moves, and a change it may not see moves nothing."""
        within = reach(self.org, scope.sight)
        offset = 0
        async with self.sessions() as session:
            while True:
                page = await repository.latest_changes(
                    session, within, offset=offset, limit=_VERSION_PAGE
                )
                for changed, involved, restricted in page:
                    if self._shows(scope.sight, involved, restricted):
                        return local_to(self.org, scope.root, changed).isoformat()
                if len(page) < _VERSION_PAGE:
                    return ""
                offset += _VERSION_PAGE

    def _shows(self, sight: Sight, involved: list[str], restricted: bool) -> bool:
        return shows(self.org, sight, Involvement(frozenset(involved), restricted))


def _next_due(c: Complaint):
    active = [r for r in c.runs if r.active and r.due_at is not None]
    return min(active, key=lambda r: r.due_at, default=None)
