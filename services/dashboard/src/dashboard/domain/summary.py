"""Every figure of the page for one scope, period and instant, as plain JSON-ready data."""

from __future__ import annotations

import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from complaints_shared.contracts.complaint_events import Channel
from complaints_shared.labels import CATEGORIES
from complaints_shared.organisation import Organisation
from complaints_shared.workflow.local_time import local_to

from . import live, period
from .model import ClockRun, Complaint
from .scope import Scope, grouper, is_outside, label, unit_timezones

CHANNELS = typing.get_args(Channel)
CATEGORY_RANK = {category: n for n, category in enumerate(CATEGORIES)}


@dataclass(frozen=True)
class FigureQuery:
    """What a page asks for: the figures of `scope` for the local days `first`..`last`,
    observed at `now`; with `as_of`, as the dashboard knew them at that moment (`now` is then
    that moment too)."""

    scope: Scope
    first: date
    last: date
    now: datetime
    as_of: datetime | None = None
    soon: timedelta = timedelta(hours=1)
    at_risk_limit: int = 50
    repeat_limit: int = 200


Row = dict[str, Any]
Table = Mapping[str, Mapping[str, Any]]  # {row key: {column: value}}
Group = Callable[[str], str]
Figure = Callable[[list[Complaint]], Row]  # one figure over some complaints


def _all(_: str) -> str:
    """A group of one: every unit's figures together."""
    return "all"


def summarise(org: Organisation, complaints: list[Complaint], q: FigureQuery) -> Row:
    """`complaints` are those the scope shows (`scope.shows`), open or received lately.

    Times are in the local offset of the scope's unit, or of the receiving unit for a row
    about one complaint."""
    group = grouper(org, q.scope.groups_under)
    zone = unit_timezones(org)
    rows = _Rows(org, q.scope.groups_under)
    open_ = [c for c in complaints if c.open]
    received = period.cohort(complaints, q.first, q.last, zone)
    return {
        "scope": {**_unit(org, q.scope.root, q.scope.root), "timezone": zone(q.scope.root)},
        "caller": q.scope.caller,
        "generated_at": local_to(org, q.scope.root, q.now).isoformat(),
        "as_of": local_to(org, q.scope.root, q.as_of).isoformat() if q.as_of else None,
        "period": {"from": q.first.isoformat(), "to": q.last.isoformat()},
        "live": _live(rows, open_, group, q),
        "at_risk": [
            _at_risk_row(org, complaint, run, state, q.now)
            for complaint, run, state in live.at_risk(complaints, q.now, q.at_risk_limit)
        ],
        "received": _received(rows, received, group, zone, q),
        "on_time": _on_time(rows, received, group),
        "durations": _durations(rows, received, group),
        "classification": {
            **period.classification(received),
            "by_category": rows.categories(received, period.classification),
        },
        "satisfaction": _satisfaction(rows, received, group),
        "return_visits": _return_visits(rows, received, group, q.now),
        "repeat_complainants": _repeat_complainants(rows, received, group, q),
        "extensions": _extensions(rows, received, group),
    }


class _Rows:
    """Tables as ordered rows: units in the organisation's order, other keys by `rank`."""

    def __init__(self, org: Organisation, groups_under: str) -> None:
        self.org = org
        self.groups_under = groups_under
        self.order = {unit: n for n, unit in enumerate(org.units)}

    def units(self, table: Table) -> list[Row]:
        order = self.order
        keys = sorted(table, key=lambda k: (order.get(k, len(order)), k))
        return [{**_unit(self.org, self.groups_under, key), **table[key]} for key in keys]

    def plain(self, table: Table, rank: dict[str, int]) -> list[Row]:
        keys = sorted(table, key=lambda k: (rank.get(k, len(rank)), k))
        return [{"key": key, **table[key]} for key in keys]

    def categories(self, complaints: list[Complaint], figure: Figure) -> list[Row]:
        """`figure` over the complaints of each category, in the contract's order of categories
        (`by_category`: shaped as `by_line`, one row per key)."""
        parts = period.by_category(complaints)
        return self.plain({key: figure(found) for key, found in parts.items()}, CATEGORY_RANK)


def _live(rows: _Rows, open_: list[Complaint], group: Group, q: FigureQuery) -> Row:
    lines = {line: n for n, line in enumerate(rows.org.spec.business_lines)}
    channels = {channel: n for n, channel in enumerate(CHANNELS)}
    by_unit = live.count_by(open_, lambda c: group(c.responsible_unit or ""), q.now, q.soon)
    by_line = live.count_by(open_, lambda c: c.business_line, q.now, q.soon)
    by_channel = live.count_by(open_, lambda c: c.channel, q.now, q.soon)
    by_category = live.count_by(open_, lambda c: c.category, q.now, q.soon)
    return {
        "due_within_seconds": int(q.soon.total_seconds()),
        "totals": live.totals(open_, q.now, q.soon),
        "by_unit": rows.units(by_unit),
        "by_line": rows.plain(by_line, lines),
        "by_channel": rows.plain(by_channel, channels),
        "by_category": rows.plain(by_category, CATEGORY_RANK),
    }


def _received(
    rows: _Rows,
    received: list[Complaint],
    group: Group,
    zone: Callable[[str | None], str],
    q: FigureQuery,
) -> Row:
    org = rows.org
    day_list, series = period.received_series(received, q.first, q.last, zone, group)
    return {
        "total": len(received),
        "days": [day.isoformat() for day in day_list],
        "series": rows.units({key: {"counts": counts} for key, counts in series.items()}),
        "by_unit": rows.units(
            {
                unit: {"kind": org.unit(unit).kind if unit in org else None, "count": n}
                for unit, n in period.received_by_unit(received).items()
            }
        ),
        "by_category": rows.categories(received, lambda found: {"count": len(found)}),
    }


def _on_time(rows: _Rows, received: list[Complaint], group: Group) -> Row:
    table = period.on_time_by(received, group)
    return {
        "clocks": period.clock_names(received),
        "rows": rows.units(
            {
                key: {"clocks": {name: value.as_dict() for name, value in row.items()}}
                for key, row in table.items()
            }
        ),
        "by_category": rows.categories(received, _on_time_of),
    }


def _on_time_of(complaints: list[Complaint]) -> Row:
    row = period.on_time_by(complaints, _all).get("all", {})
    return {"clocks": {name: value.as_dict() for name, value in row.items()}}


def _durations(rows: _Rows, received: list[Complaint], group: Group) -> Row:
    durations: Row = {}
    for measure in period.MEASURES:
        table, total = period.durations_of(period.seconds_by(received, measure, group))
        durations[measure] = {
            "rows": rows.units(table),
            "total": total,
            "by_category": rows.categories(received, _durations_of(measure)),
        }
    return durations


def _durations_of(measure: str) -> Figure:
    def figure(complaints: list[Complaint]) -> Row:
        return period.durations_of(period.seconds_by(complaints, measure, _all))[1]

    return figure


def _satisfaction(rows: _Rows, received: list[Complaint], group: Group) -> Row:
    return {
        **period.satisfaction(received),
        "rows": rows.units(period.satisfaction_by(received, group)),
        "by_category": rows.categories(received, period.satisfaction),
    }


def _return_visits(rows: _Rows, received: list[Complaint], group: Group, now: datetime) -> Row:
    table, total = period.visits_by(received, group, now)
    return {
        "total": total,
        "rows": rows.units(table),
        "by_category": rows.categories(
            received, lambda found: period.visits_by(found, _all, now)[1]
        ),
    }


def _extensions(rows: _Rows, received: list[Complaint], group: Group) -> Row:
    table, total = period.extensions_by(received, group)
    return {
        "total": total,
        "rows": rows.units(table),
        "by_category": rows.categories(
            received, lambda found: period.extensions_by(found, _all)[1]
        ),
    }


# Units whose scope lists repeat complainants' complaints one by one.
LISTS_REPEATS = frozenset({"hq", "province"})


def _repeat_complainants(
    rows: _Rows, received: list[Complaint], group: Group, q: FigureQuery
) -> Row:
    """Counts per group; for a province (or HQ) also the complaints themselves, the most
    prior complaints first, the customer masked (`complaints` is None below a province)."""
    org = rows.org
    repeats = sorted(
        (c for c in received if c.repeat_complainant),
        key=lambda c: (-c.prior_complaints, c.received_at, c.complaint_id),
    )
    listed = org.unit(rows.groups_under).kind in LISTS_REPEATS
    return {
        "total": period.repeat_counts(received),
        "rows": rows.units(period.repeat_by(received, group)),
        "by_category": rows.categories(received, period.repeat_counts),
        "count": len(repeats),
        "complaints": [_repeat_row(org, c) for c in repeats[: q.repeat_limit]] if listed else None,
    }


def _repeat_row(org: Organisation, complaint: Complaint) -> Row:
    assert complaint.received_at is not None  # in the cohort: registered
    unit = complaint.receiving_unit
    return {
        "complaint_id": complaint.complaint_id,
        "receiving_unit": unit,
        "receiving_label": label(org, unit or ""),
        "received_at": local_to(org, unit, complaint.received_at).isoformat(),
        "customer_name": complaint.customer_name,  # masked
        "customer_phone": complaint.customer_phone,  # masked
        "key_customer": complaint.key_customer,
        "prior_complaints": complaint.prior_complaints,
    }


def _unit(org: Organisation, root: str, unit: str) -> Row:
    return {"key": unit, "label": label(org, unit), "outside": is_outside(org, root, unit)}


def _at_risk_row(
    org: Organisation, complaint: Complaint, run: ClockRun, state: str, now: datetime
) -> Row:
    assert run.due_at is not None  # `live.at_risk` lists only runs with a due time
    return {
        "complaint_id": complaint.complaint_id,
        "clock": run.clock,
        "run": run.run,
        "owner_unit": run.owner_unit,
        "owner_label": label(org, run.owner_unit),
        "state": state,
        "due_at": local_to(org, complaint.receiving_unit, run.due_at).isoformat(),
        "seconds_left": int((run.due_at - now).total_seconds()),
        "business_line": complaint.business_line,
        "category": complaint.category,
        "channel": complaint.channel,
        "receiving_unit": complaint.receiving_unit,
    }
