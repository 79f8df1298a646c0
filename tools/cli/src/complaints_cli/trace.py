"""`complaints trace ID`: where a complaint has been and every event of its life.

Intake's `GET /v1/complaints/{id}` and `/timeline` give the status, the units it stayed with
(arrival, departure, dwell) and every event with its type, time and source service. Intake does
not publish the events' trace context; `--from-log` reads it from the log itself (each record's
W3C `traceparent` header), matched to the timeline by event id.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table

from complaints_shared.contracts.topics import COMPLAINT_EVENTS
from complaints_shared.messaging.log_reader import read_log


class TraceError(RuntimeError):
    """Something the operator must act on (a refused token, an unknown complaint, …)."""


@dataclass(frozen=True)
class Trace:
    complaint: dict[str, Any]
    timeline: dict[str, Any]


def fetch(base_url: str, complaint_id: str, token: str | None, *, timeout: float = 10.0) -> Trace:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        with httpx.Client(base_url=base_url, headers=headers, timeout=timeout) as client:
            view = client.get(f"/v1/complaints/{complaint_id}")
            _check(view, complaint_id, token)
            timeline = client.get(f"/v1/complaints/{complaint_id}/timeline")
            _check(timeline, complaint_id, token)
    except httpx.TransportError as exc:
        raise TraceError(f"intake is unreachable at {base_url}: {exc}") from exc
    return Trace(view.json(), timeline.json())


def _check(response: httpx.Response, complaint_id: str, token: str | None) -> None:
    if response.status_code == 401:
        hint = "the token was refused" if token else "no token: set COMPLAINTS_TOKEN or --token"
        raise TraceError(f"intake answered 401 ({hint})")
    if response.status_code == 404:
        raise TraceError(
            f"complaint {complaint_id} not found, or not visible to the token's unit "
            "(a unit sees its own complaints and those below it; HQ sees every one)"
        )
    if response.status_code >= 400:
        raise TraceError(f"intake answered {response.status_code}: {response.text[:300]}")


def trace_id(traceparent: str | None) -> str | None:
    """The trace id of a W3C `traceparent` (`00-<trace id>-<span id>-<flags>`)."""
    if not traceparent:
        return None
    parts = traceparent.strip().split("-")
    return parts[1] if len(parts) == 4 and len(parts[1]) == 32 else None


async def _traces_from_log(bootstrap: str, complaint_id: str) -> dict[str, str]:
    key = complaint_id.encode()
    found: dict[str, str] = {}
    async for record in read_log(bootstrap, COMPLAINT_EVENTS):
        if record.key != key:
            continue
        headers = {name: raw for name, raw in record.headers or ()}
        event_id, parent = headers.get("ce_id"), headers.get("traceparent")
        if event_id is not None and parent is not None:
            found.setdefault(event_id.decode(errors="replace"), parent.decode(errors="replace"))
    return found


def traces_from_log(bootstrap: str, complaint_id: str, *, timeout: float) -> dict[str, str]:
    """event id -> traceparent for every record of the complaint now in the log (read from
    the beginning, without a consumer group, for at most `timeout` seconds)."""

    async def bounded() -> dict[str, str]:
        async with asyncio.timeout(timeout):
            return await _traces_from_log(bootstrap, complaint_id)

    try:
        return asyncio.run(bounded())
    except TimeoutError as exc:
        raise TraceError(f"reading the log took longer than {timeout:g}s (--timeout)") from exc
    except Exception as exc:  # aiokafka raises several kinds for an unreachable broker
        raise TraceError(f"cannot read the log at {bootstrap}: {exc!r}") from exc


def format_seconds(seconds: float | int | None) -> str:
    """A dwell time: `45s`, `12m 05s`, `3h 07m`, `2d 04h 30m`."""
    if seconds is None:
        return "—"
    total = int(seconds)
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours:02d}h {minutes:02d}m"
    if hours:
        return f"{hours}h {minutes:02d}m"
    if minutes:
        return f"{minutes}m {secs:02d}s"
    return f"{secs}s"


def _when(value: str | None) -> str:
    if not value:
        return "—"
    try:
        return datetime.fromisoformat(value).isoformat(sep=" ", timespec="seconds")
    except ValueError:
        return value


def _service(source: str | None) -> str:
    return (source or "?").lstrip("/") or "?"


def _event_trace(event: dict[str, Any], from_log: dict[str, str] | None) -> str | None:
    """The event's trace id: from the timeline if intake ever returns one, else the log's."""
    for field in ("trace_id", "traceid"):
        if isinstance(event.get(field), str):
            return str(event[field])
    for field in ("traceparent",):
        if isinstance(event.get(field), str):
            return trace_id(str(event[field]))
    if from_log is not None:
        return trace_id(from_log.get(str(event.get("event_id"))))
    return None


def render(console: Console, trace: Trace, traces: dict[str, str] | None = None) -> None:
    """Print the complaint, the units it passed through and every event."""
    view, timeline = trace.complaint, trace.timeline
    cid = view.get("complaint_id") or timeline.get("complaint_id")
    console.print(f"[bold]Complaint {cid}[/bold]")
    facts = [
        ("status", view.get("status")),
        ("owner", view.get("owner_unit")),
        ("level", view.get("handling_level")),
        ("received by", view.get("receiving_unit")),
        ("received at", _when(view.get("received_at"))),
        ("line", view.get("business_line")),
        ("channel", view.get("channel")),
    ]
    console.print("  ".join(f"{name}: [cyan]{value}[/cyan]" for name, value in facts if value))

    stays = timeline.get("stays") or []
    units = Table(title="Units it passed through", title_justify="left")
    for column in ("#", "unit", "arrived", "left", "dwell"):
        units.add_column(column, no_wrap=True)
    for n, stay in enumerate(stays, 1):
        until = stay.get("until")
        units.add_row(
            str(n),
            str(stay.get("unit")),
            _when(stay.get("since")),
            _when(until) if until else "[yellow]still there[/yellow]",
            format_seconds(stay.get("seconds")),
        )
    if not stays:
        units.add_row("—", "(not assigned yet)", "", "", "")
    console.print(units)

    handoffs = timeline.get("handoffs") or []
    if handoffs:
        moves = Table(title="Hand-offs", title_justify="left")
        for column in ("at", "from", "to", "why"):
            moves.add_column(column)
        for move in handoffs:
            moves.add_row(
                _when(move.get("at")),
                str(move.get("from_unit")),
                str(move.get("to_unit")),
                str(move.get("why")),
            )
        console.print(moves)

    events = timeline.get("events") or []
    table = Table(title=f"Events ({len(events)})", title_justify="left")
    for column in ("#", "time", "type", "service", "event id", "trace id"):
        table.add_column(column, no_wrap=column != "type", overflow="fold")
    any_trace = False
    for event in events:
        tid = _event_trace(event, traces)
        any_trace = any_trace or tid is not None
        table.add_row(
            str(event.get("position", "")),
            _when(event.get("time")),
            str(event.get("type")),
            _service(event.get("source")),
            str(event.get("event_id")),
            tid or "—",
        )
    console.print(table)
    if traces is None and not any_trace and events:
        console.print(
            "[dim]trace ids: intake's timeline does not expose them; "
            "--from-log reads them from the log's traceparent headers[/dim]"
        )
    elif traces is not None and not any_trace and events:
        console.print("[dim]trace ids: no traceparent header on this complaint's records[/dim]")
