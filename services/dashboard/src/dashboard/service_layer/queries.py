"""What the API asks of the projection: load what a scope shows, then the pure figures.

Every read path decides alike (`scope.shows`, the shared visibility rule): the figures, lists
and exports of a scope, a complaint's timeline, and the version a live page is told about.
Every time returned is in the local offset of the unit it concerns: the scope's unit, or the
complaint's receiving unit for what is about one complaint.

With `as_of` (`FigureQuery.as_of`, a timeline's `as_of`) the same code reads the projection as it
stood at that moment: each complaint's latest snapshot recorded by then, and the timeline
entries recorded by then (record time, not event time).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import asdict
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

from complaints_shared.organisation import Organisation
from complaints_shared.workflow.lifecycle import stays
from complaints_shared.workflow.local_time import local_to
from complaints_shared.workflow.visibility import sight_of

from ..adapters.projection_interfaces import Reading
from ..domain import live, period
from ..domain.model import Complaint
from ..domain.scope import Scope, grouper, label, reach, shows, unit_timezones
from ..domain.stats import day_bounds
from ..domain.summary import FigureQuery, summarise
from ..domain.timeline import handoffs

# Local days start up to 14 hours before and 12 after UTC's: load a little more, then filter
# by each complaint's own local day.
_SLACK = timedelta(days=1)
_VERSION_PAGE = 100


class DashboardQueries:
    def __init__(self, org: Organisation, reading: Reading) -> None:
        self.org = org
        self.reading = reading
        self.zone = unit_timezones(org)

    async def visible(
        self, scope: Scope, first: date, last: date, as_of: datetime | None = None
    ) -> list[Complaint]:
        """What the scope shows (now, or as the projection stood at `as_of`)."""
        start, end = day_bounds(first, last, self.zone(scope.root))
        within = reach(self.org, scope.sight)
        async with self.reading() as reader:
            if as_of is None:
                found = await reader.in_scope(within, start - _SLACK, end + _SLACK)
            else:
                found = await reader.in_scope_at(within, start - _SLACK, end + _SLACK, as_of)
        return [c for c in found if shows(self.org, scope.sight, c.involvement)]

    async def summary(self, q: FigureQuery) -> dict[str, Any]:
        return summarise(self.org, await self.visible(q.scope, q.first, q.last, q.as_of), q)

    def local_time(self, unit: str, moment: datetime | None) -> str | None:
        return local_to(self.org, unit, moment).isoformat() if moment else None

    async def complaint_list(
        self, q: FigureQuery, state: str, dimension: str | None, key: str | None
    ) -> list[dict[str, Any]]:
        """The open complaints behind one live count, soonest due first."""
        group = grouper(self.org, q.scope.groups_under)
        keys: dict[str, Callable[[Complaint], str | None]] = {
            "unit": lambda c: group(c.responsible_unit or ""),
            "line": lambda c: c.business_line,
            "channel": lambda c: c.channel,
            "category": lambda c: c.category,
        }
        pick = keys.get(dimension or "")
        found = [
            c
            for c in await self.visible(q.scope, q.first, q.last, q.as_of)
            if live.matches(c, state, q.now, q.soon, pick, key)
        ]
        far = datetime.max.replace(tzinfo=q.now.tzinfo)

        def soonest(c: Complaint) -> tuple[datetime, str]:
            upcoming = _next_due(c)
            return (upcoming.at if upcoming else far, c.complaint_id)

        return [self.row(c, q) for c in sorted(found, key=soonest)]

    async def export(self, q: FigureQuery) -> list[dict[str, Any]]:
        """One row per complaint received in the period: the facts the figures are made of."""
        received = period.cohort(
            await self.visible(q.scope, q.first, q.last, q.as_of), q.first, q.last, self.zone
        )
        received.sort(key=lambda c: (c.received_at, c.complaint_id))
        return [self.row(c, q) for c in received]

    def row(self, c: Complaint, q: FigureQuery) -> dict[str, Any]:
        upcoming = _next_due(c)
        local = local_to(self.org, c.receiving_unit, c.received_at)
        seconds = {s.measure: s.seconds for s in c.samples}
        due = local_to(self.org, c.receiving_unit, upcoming.at) if upcoming else None
        visit = c.latest_run(period.VISIT_CLOCK)
        visited = local_to(self.org, c.receiving_unit, c.visited_at) if c.visited_at else None
        return {
            "complaint_id": c.complaint_id,
            "received_at": local.isoformat(),
            "received_day": local.date().isoformat(),
            "kind": c.kind,
            "channel": c.channel,
            "business_line": c.business_line,
            "category": c.category,
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
            "return_visits": c.return_visits,
            "visit_reached": c.visit_reached,
            "visited_at": visited.isoformat() if visited else None,
            "visit_timeliness": period.visit_verdict(visit, q.now) if visit else None,
            "prior_complaints": c.prior_complaints,
            "repeat_complainant": c.repeat_complainant,
            "key_customer": c.key_customer,
            "start_seconds": seconds.get("start"),
            "resolve_seconds": seconds.get("resolve"),
        }

    async def timeline(
        self, caller: str, complaint_id: str, now: datetime, as_of: datetime | None = None
    ) -> dict[str, Any] | None:
        """The hand-off timeline, or None when the complaint is unknown or the caller may not
        see it (the two are not told apart).

        With `as_of` (then also `now`): the complaint as its latest snapshot recorded by then
        has it, and the entries recorded by then; None if none was. The caller must see it
        both then and now (a complaint restricted since stays hidden)."""
        sight = sight_of(self.org, caller)
        async with self.reading() as reader:
            complaint = await reader.one(complaint_id)
            if complaint is None or not shows(self.org, sight, complaint.involvement):
                return None
            if as_of is not None:
                complaint = await reader.one_at(complaint_id, as_of)
                if complaint is None or not shows(self.org, sight, complaint.involvement):
                    return None
            entries = await reader.entries(complaint_id, recorded_by=as_of)
        found = {
            "complaint_id": complaint_id,
            "as_of": as_of,
            "complaint": {
                "kind": complaint.kind,
                "channel": complaint.channel,
                "business_line": complaint.business_line,
                "category": complaint.category,
                "severity": complaint.severity,
                "receiving_unit": complaint.receiving_unit,
                "owner_unit": complaint.owner_unit,
                "handling_level": complaint.handling_level,
                "status": complaint.status,
                "received_at": complaint.received_at,
                "customer": {"name": complaint.customer_name, "phone": complaint.customer_phone},
            },
            "events": [
                {"type": e.type, "time": e.time, "recorded_at": e.recorded_at, "data": e.data}
                for e in entries
            ],
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
        none): a live page re-fetches when it moves, and a change it may not see moves nothing.

        The store narrows by `reach`; `shows` decides, a page of recent changes at a time."""
        within = reach(self.org, scope.sight)
        async with self.reading() as reader:
            for offset in itertools.count(0, _VERSION_PAGE):
                page = await reader.latest_changes(within, offset=offset, limit=_VERSION_PAGE)
                for change in page:
                    if shows(self.org, scope.sight, change.involvement):
                        return local_to(self.org, scope.root, change.at).isoformat()
                if len(page) < _VERSION_PAGE:
                    break
        return ""


class _Due(NamedTuple):
    clock: str
    at: datetime


def _next_due(c: Complaint) -> _Due | None:
    """The complaint's active clock that falls due first, and when."""
    due = [_Due(r.clock, r.due_at) for r in c.runs if r.active and r.due_at is not None]
    return min(due, key=lambda d: d.at, default=None)
