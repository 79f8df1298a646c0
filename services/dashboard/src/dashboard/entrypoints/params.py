"""What every dashboard request carries: the caller, the scope it asks for, the period."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Annotated

from fastapi import Depends, Query, Request

from complaints_shared.http.problems import Problem, field_error
from complaints_shared.organisation import Organisation
from complaints_shared.workflow.hierarchy import timezone_of

from ..domain.scope import Scope, ScopeRefused, resolve_scope
from ..domain.stats import local_day
from ..domain.summary import FigureQuery
from ..service_layer.queries import DashboardQueries
from .web_session import caller as caller_of_request

DEFAULT_DAYS = 30
MAX_DAYS = 366
# Days a period may name: the time arithmetic on them (local day bounds, a day's slack on
# either side) must stay far inside what dates and the database can hold.
FIRST_DAY = date(1970, 1, 1)
LAST_DAY = date(2999, 12, 31)


def org_of(request: Request) -> Organisation:
    return request.app.state.org


def queries_of(request: Request) -> DashboardQueries:
    return request.app.state.queries


Org = Annotated[Organisation, Depends(org_of)]
Queries = Annotated[DashboardQueries, Depends(queries_of)]
Caller = Annotated[str, Depends(caller_of_request)]  # a bearer token, else the page's session


def scope_for(org: Organisation, caller: str, unit: str | None) -> Scope:
    try:
        return resolve_scope(org, caller, unit)
    except ScopeRefused as refused:
        if refused.status == 403:
            raise Problem(403, "Forbidden", str(refused)) from refused
        raise Problem(
            422, "Invalid request", str(refused), errors=[field_error("unit", str(refused))]
        ) from refused


def caller_scope(
    org: Org,
    caller: Caller,
    unit: Annotated[
        str | None, Query(description="a unit at or below the caller's; the caller's by default")
    ] = None,
) -> Scope:
    return scope_for(org, caller, unit)


CallerScope = Annotated[Scope, Depends(caller_scope)]


def as_of_param(
    as_of: Annotated[
        str | None,
        Query(
            description="an ISO 8601 time with its UTC offset, not in the future: the figures "
            "as the dashboard knew them then (what it had recorded by that moment)"
        ),
    ] = None,
) -> datetime | None:
    if as_of is None:
        return None
    moment = _instant(as_of)
    if moment is None:
        message = "must be an ISO 8601 time with its UTC offset, e.g. 2026-11-23T10:00:00+08:00"
        raise Problem(
            422, "Invalid request", f"as_of {message}", errors=[field_error("as_of", message)]
        )
    if moment > datetime.now(UTC):
        message = "must not lie in the future"
        raise Problem(
            422, "Invalid request", f"as_of {message}", errors=[field_error("as_of", message)]
        )
    return moment


def _instant(text: str) -> datetime | None:
    """An aware time, or None (unreadable, or naive). A `+` of the offset left unencoded in the
    query string reads as a space: taken as the `+` it was."""
    for candidate in (text, text[::-1].replace(" ", "+", 1)[::-1]):
        try:
            moment = datetime.fromisoformat(candidate)
        except ValueError:
            continue
        if moment.tzinfo is None or moment.utcoffset() is None:
            return None
        if not FIRST_DAY <= moment.date() <= LAST_DAY:
            return None
        return moment
    return None


AsOf = Annotated[datetime | None, Depends(as_of_param)]


@dataclass(frozen=True)
class Period:
    first: date
    last: date


def period(
    org: Org,
    scope: CallerScope,
    as_of: AsOf,
    from_: Annotated[
        date | None, Query(alias="from", description="first local day (default: 29 days ago)")
    ] = None,
    to: Annotated[date | None, Query(description="last local day (default: today)")] = None,
) -> Period:
    for name, day in (("from", from_), ("to", to)):
        if day is not None and not FIRST_DAY <= day <= LAST_DAY:
            message = f"must lie between {FIRST_DAY.isoformat()} and {LAST_DAY.isoformat()}"
            raise Problem(
                422, "Invalid request", f"{name} {message}", errors=[field_error(name, message)]
            )
    today = local_day(as_of or datetime.now(UTC), timezone_of(org, scope.root))
    last = to or today
    first = from_ or max(FIRST_DAY, last - timedelta(days=DEFAULT_DAYS - 1))
    if first > last:
        raise Problem(
            422, "Invalid request", "from lies after to", errors=[field_error("from", "after to")]
        )
    if (last - first).days >= MAX_DAYS:
        raise Problem(
            422,
            "Invalid request",
            f"a period spans at most {MAX_DAYS} days",
            errors=[field_error("from", f"more than {MAX_DAYS} days before to")],
        )
    return Period(first, last)


def figure_query(
    scope: CallerScope, chosen: Annotated[Period, Depends(period)], as_of: AsOf
) -> FigureQuery:
    """Observed now, or at `as_of` as the dashboard knew it then."""
    now = as_of or datetime.now(UTC)
    return FigureQuery(scope=scope, first=chosen.first, last=chosen.last, now=now, as_of=as_of)


Figures = Annotated[FigureQuery, Depends(figure_query)]
