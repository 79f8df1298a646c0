"""Every figure of the page for one scope, period and instant, as plain JSON-ready data."""

from __future__ import annotations

import typing
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from complaints_shared.contracts.complaint_events import Channel
from complaints_shared.organisation import Organisation
from complaints_shared.workflow.local_time import local_to

from . import live, period
from .model import Complaint
from .scope import Scope, grouper, is_outside, label, unit_timezones

CHANNELS = typing.get_args(Channel)


@dataclass(frozen=True)
class Query:
    scope: Scope
    first: date
    last: date
    now: datetime
    soon: timedelta = timedelta(hours=1)
    at_risk_limit: int = 50


def summarise(org: Organisation, complaints: list[Complaint], q: Query) -> dict:
    """`complaints` are those the scope shows (`scope.shows`), open or received lately.

    Times are in the local offset of the scope's unit, or of the receiving unit for a row
    about one complaint."""
    group = grouper(org, q.scope.groups_under)
    zone = unit_timezones(org)
    order = {unit: n for n, unit in enumerate(org.units)}
    lines = {line: n for n, line in enumerate(org.spec.business_lines)}
    channels = {channel: n for n, channel in enumerate(CHANNELS)}

    def unit_rows(table: dict[str, dict]) -> list[dict]:
        keys = sorted(table, key=lambda k: (order.get(k, len(order)), k))
        return [{**_unit(org, q.scope.groups_under, key), **table[key]} for key in keys]

    def plain_rows(table: dict[str, dict], rank: dict[str, int]) -> list[dict]:
        keys = sorted(table, key=lambda k: (rank.get(k, len(rank)), k))
        return [{"key": key, **table[key]} for key in keys]

    open_ = [c for c in complaints if c.open]
    by = {
        "unit": lambda c: group(c.responsible_unit or ""),
        "line": lambda c: c.business_line,
        "channel": lambda c: c.channel,
    }
    received = period.cohort(complaints, q.first, q.last, zone)
    clocks = period.clock_names(received)
    on_time = period.on_time_by(received, group)
    day_list, series = period.received_series(received, q.first, q.last, zone, group)
    durations = {}
    for measure in period.MEASURES:
        rows, total = period.durations_of(period.seconds_by(received, measure, group))
        durations[measure] = {"rows": unit_rows(rows), "total": total}
    return {
        "scope": {**_unit(org, q.scope.root, q.scope.root), "timezone": zone(q.scope.root)},
        "caller": q.scope.caller,
        "generated_at": local_to(org, q.scope.root, q.now).isoformat(),
        "period": {"from": q.first.isoformat(), "to": q.last.isoformat()},
        "live": {
            "due_within_seconds": int(q.soon.total_seconds()),
            "totals": live.totals(open_, q.now, q.soon),
            "by_unit": unit_rows(live.count_by(open_, by["unit"], q.now, q.soon)),
            "by_line": plain_rows(live.count_by(open_, by["line"], q.now, q.soon), lines),
            "by_channel": plain_rows(live.count_by(open_, by["channel"], q.now, q.soon), channels),
        },
        "at_risk": [
            _at_risk_row(org, complaint, run, state, q.now)
            for complaint, run, state in live.at_risk(open_, q.now, q.at_risk_limit)
        ],
        "received": {
            "total": len(received),
            "days": [day.isoformat() for day in day_list],
            "series": unit_rows({key: {"counts": counts} for key, counts in series.items()}),
            "by_unit": unit_rows(
                {
                    unit: {"kind": org.unit(unit).kind if unit in org else None, "count": n}
                    for unit, n in period.received_by_unit(received).items()
                }
            ),
        },
        "on_time": {
            "clocks": clocks,
            "rows": unit_rows(
                {
                    key: {"clocks": {name: value.as_dict() for name, value in row.items()}}
                    for key, row in on_time.items()
                }
            ),
        },
        "durations": durations,
        "classification": period.classification(received),
        "satisfaction": period.satisfaction(received),
    }


def _unit(org: Organisation, root: str, unit: str) -> dict:
    return {"key": unit, "label": label(org, unit), "outside": is_outside(org, root, unit)}


def _at_risk_row(org: Organisation, complaint: Complaint, run, state: str, now: datetime) -> dict:
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
        "channel": complaint.channel,
        "receiving_unit": complaint.receiving_unit,
    }
