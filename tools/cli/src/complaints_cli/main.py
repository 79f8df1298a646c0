"""`complaints`: the operators' command line.

Reads where the services are from the environment (the variables the services themselves use,
defaulting to what `make run` starts) and calls intake with the bearer token in
`COMPLAINTS_TOKEN` or `--token`.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from complaints_shared.contracts.topics import COMPLAINT_EVENTS
from complaints_shared.http.auth import issue_token
from complaints_shared.organisation import OrganisationError, load_organisation
from complaints_shared.settings import ConfigurationError, ServiceSettings

from . import calendars, dlq, ops, trace
from .config import SERVICE_NAMES, SERVICES, bootstrap_servers, org_directory, service

app = typer.Typer(
    name="complaints",
    help="Operate the complaint-handling system: traces, dead letters, outboxes, consumer lag, "
    "tokens, calendars and replays.",
    no_args_is_help=True,
    add_completion=False,
)
dlq_app = typer.Typer(help="The dead-letter topic: list, show, redrive.", no_args_is_help=True)
outbox_app = typer.Typer(help="The services' outboxes.", no_args_is_help=True)
calendar_app = typer.Typer(help="The organisation's working calendars.", no_args_is_help=True)
app.add_typer(dlq_app, name="dlq")
app.add_typer(outbox_app, name="outbox")
app.add_typer(calendar_app, name="calendar")


def out() -> Console:
    """Standard output, made per command: it follows COLUMNS and the runner's streams."""
    return Console()


def err() -> Console:
    return Console(stderr=True)


Timeout = Annotated[
    float, typer.Option("--timeout", min=0.1, help="seconds to wait for the broker or databases")
]
ServiceNames = Annotated[
    list[str] | None,
    typer.Option("--service", "-s", help="only this service (repeatable)", show_default=False),
]


def fail(message: str, code: int = 1) -> typer.Exit:
    err().print(f"[red]error:[/red] {escape(message)}")
    return typer.Exit(code)


def _services(names: list[str] | None) -> list[ops.Service]:
    if not names:
        return list(SERVICES)
    unknown = [n for n in names if n not in SERVICE_NAMES]
    if unknown:
        raise fail(f"unknown service(s) {unknown}; known: {', '.join(SERVICE_NAMES)}", 2)
    return [service(n) for n in names]


# -- trace ------------------------------------------------------------------------------------
@app.command("trace")
def trace_command(
    complaint_id: Annotated[str, typer.Argument(help="the complaint id")],
    token: Annotated[
        str | None,
        typer.Option(
            "--token", envvar="COMPLAINTS_TOKEN", help="bearer token (a unit that sees it)"
        ),
    ] = None,
    from_log: Annotated[
        bool, typer.Option("--from-log", help="read the trace ids from the log's records")
    ] = False,
    timeout: Timeout = 30.0,
) -> None:
    """Every unit the complaint passed through, with dwell times, and every event with its
    time, service and trace id. Intake from COMPLAINTS_INTAKE_URL (http://127.0.0.1:8001)."""
    try:
        found = trace.fetch(service("intake").base_url(), complaint_id, token, timeout=timeout)
        traces = (
            trace.traces_from_log(bootstrap_servers(), complaint_id, timeout=timeout)
            if from_log
            else None
        )
    except trace.TraceError as exc:
        raise fail(str(exc)) from None
    trace.render(out(), found, traces)


# -- dead letters -----------------------------------------------------------------------------
def _letters(timeout: float) -> list[dlq.DeadLetter]:
    try:
        return dlq.read_dead_letters(bootstrap_servers(), timeout=timeout)
    except dlq.DeadLetterError as exc:
        raise fail(str(exc)) from None


@dlq_app.command("list")
def dlq_list(
    complaint: Annotated[
        str | None, typer.Option("--complaint", help="only this complaint's records")
    ] = None,
    consumer: Annotated[
        str | None, typer.Option("--consumer", help="only those this consumer group refused")
    ] = None,
    timeout: Timeout = 30.0,
) -> None:
    """Every dead letter, oldest first: where it is (PARTITION:OFFSET), who refused it, why."""
    letters = _letters(timeout)
    shown = [
        d
        for d in letters
        if (complaint is None or d.complaint_id == complaint)
        and (consumer is None or d.consumer == consumer)
    ]
    table = Table(title=f"Dead letters ({len(shown)} of {len(letters)})", title_justify="left")
    for column in ("ref", "dead-lettered", "consumer", "type", "event id", "complaint", "reason"):
        table.add_column(column, overflow="fold")
    for d in shown:
        table.add_row(
            d.ref,
            d.at.isoformat(sep=" ", timespec="seconds") if d.at else "?",
            d.consumer,
            d.event_type or "(no ce_type)",
            d.event_id or "(no ce_id)",
            d.complaint_id,
            escape(d.reason[:160]),
        )
    out().print(table)
    if shown:
        out().print("[dim]complaints dlq show REF · complaints dlq redrive REF[/dim]")


@dlq_app.command("show")
def dlq_show(
    ref: Annotated[str, typer.Argument(help="OFFSET or PARTITION:OFFSET (see `dlq list`)")],
    timeout: Timeout = 30.0,
) -> None:
    """One dead letter: the reason, the consumer, where it came from, the original record."""
    letters = _letters(timeout)
    try:
        letter = dlq.find(letters, ref)
    except dlq.DeadLetterError as exc:
        raise fail(str(exc)) from None
    out().print(f"[bold]Dead letter {letter.ref}[/bold] of {escape(dlq.DEAD_LETTERS)}")
    rows = [
        ("reason", letter.reason),
        ("consumer", letter.consumer),
        ("source", letter.source),
        ("dead-lettered at", letter.at.isoformat() if letter.at else "?"),
        ("complaint (key)", letter.complaint_id),
        ("event type", letter.event_type or "(no ce_type header)"),
        ("event id", letter.event_id or "(no ce_id header)"),
    ]
    for name, value in rows:
        out().print(f"  [cyan]{name}:[/cyan] {escape(value)}")
    out().print("[bold]original headers[/bold]")
    for name, raw in letter.original_headers():
        out().print(f"  {escape(name)}: {escape(raw.decode(errors='replace'))}")
    out().print("[bold]original value[/bold]")
    out().print(escape(letter.value_text()), soft_wrap=True)
    others = dlq.siblings(letters, letter)
    if others:
        refused = ", ".join(f"{d.consumer} ({d.ref})" for d in others)
        out().print(f"[yellow]the same record was also refused by {escape(refused)}[/yellow]")


@dlq_app.command("redrive")
def dlq_redrive(
    ref: Annotated[str, typer.Argument(help="OFFSET or PARTITION:OFFSET (see `dlq list`)")],
    data: Annotated[
        Path | None,
        typer.Option(
            "--data",
            exists=True,
            dir_okay=False,
            help="a JSON file with the corrected event data, sent in place of the record's value",
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="publish even if it would be refused again")
    ] = False,
    timeout: Timeout = 30.0,
) -> None:
    """Publish the dead letter's original record again to the main topic: its key, its value
    (or --data), its headers without the dlq_* ones. A dead-lettered event was not recorded
    as processed, so once the cause is fixed the consumers that refused it apply it, once;
    those that had applied it drop it by its event id."""
    value: bytes | None = None
    if data is not None:
        try:
            value = dlq.corrected_value(json.loads(data.read_text(encoding="utf-8")))
        except ValueError as exc:
            raise fail(f"{data}: not JSON ({exc})", 2) from None
        except dlq.DeadLetterError as exc:
            raise fail(str(exc), 2) from None
    letters = _letters(timeout)
    try:
        letter = dlq.find(letters, ref)
    except dlq.DeadLetterError as exc:
        raise fail(str(exc)) from None
    headers = letter.original_headers()
    problem = dlq.check_record(letter.key, letter.value if value is None else value, headers)
    if problem is not None and not force:
        raise fail(
            f"the record would be refused again: {problem}. Correct it with --data FILE "
            "(the event's data as JSON), or --force if the consumers were fixed instead"
        )
    if letter.event_id is None:
        err().print("[yellow]warning:[/yellow] no ce_id: consumers cannot de-duplicate it")
    try:
        sent = dlq.redrive(bootstrap_servers(), letter, value, timeout=timeout)
    except dlq.DeadLetterError as exc:
        raise fail(str(exc)) from None
    what = "with corrected data" if value is not None else "as it was"
    out().print(
        f"re-published dead letter {letter.ref} ({escape(letter.event_type or '?')}, event "
        f"{escape(letter.event_id or '?')}) {what} to {COMPLAINT_EVENTS} "
        f"partition {sent.partition} offset {sent.offset}"
    )
    others = dlq.siblings(letters, letter)
    if others:
        groups = ", ".join(sorted({d.consumer for d in others} | {letter.consumer}))
        out().print(
            f"[dim]refused by {escape(groups)}: this one record reaches every consumer group; "
            "do not redrive the others[/dim]"
        )


# -- outbox and lag ---------------------------------------------------------------------------
@outbox_app.command("status")
def outbox_status(services: ServiceNames = None, timeout: Timeout = 5.0) -> None:
    """Unpublished outbox rows and the age of the oldest, per service database
    (INTAKE_DATABASE_URL, … ; default the `make run` PostgreSQL on 5544)."""
    report = ops.outbox_status(_services(services), timeout=timeout)
    table = Table(title="Outboxes", title_justify="left")
    for column in ("service", "unpublished", "oldest unpublished", "age", "published"):
        table.add_column(column)
    for row in report:
        if row.error is not None:
            table.add_row(row.service, f"[red]{escape(row.error)}[/red]", "", "", "")
            continue
        table.add_row(
            row.service,
            str(row.pending),
            row.oldest.isoformat(sep=" ", timespec="seconds") if row.oldest else "—",
            trace.format_seconds(row.age_seconds) if row.age_seconds is not None else "—",
            str(row.published),
        )
    out().print(table)
    if any(row.error for row in report):
        raise typer.Exit(1)


@app.command("lag")
def lag_command(services: ServiceNames = None, timeout: Timeout = 5.0) -> None:
    """Per consumer group and partition: the position stored in the service's database, the
    topic's end offset, and the difference."""
    report = ops.lag(_services(services), bootstrap_servers(), {COMPLAINT_EVENTS}, timeout=timeout)
    table = Table(title="Consumer lag", title_justify="left")
    for column in ("group", "topic", "partition", "position", "end", "lag"):
        table.add_column(
            column, justify="right" if column in ("position", "end", "lag") else "left"
        )
    ahead = False
    for p in report.positions:
        end = report.ends.get(ops.TopicPartition(p.topic, p.partition))
        if end is None:
            shown = "?"
        elif end >= p.next_offset:
            shown = str(end - p.next_offset)
        else:
            shown, ahead = f"0 ({end - p.next_offset})", True
        table.add_row(
            p.group_id,
            p.topic,
            str(p.partition),
            str(p.next_offset),
            "?" if end is None else str(end),
            shown,
        )
    out().print(table)
    for name, why in report.errors.items():
        err().print(f"[red]{escape(name)}:[/red] {escape(why)}")
    if report.broker_error:
        err().print(f"[red]broker:[/red] {escape(report.broker_error)}")
    if ahead:
        out().print(
            "[dim]a negative difference: the broker's end offset is below the stored position "
            "(the development broker counts batches in its end offsets); read it as caught up"
            "[/dim]"
        )
    if report.errors or report.broker_error:
        raise typer.Exit(1)


# -- token ------------------------------------------------------------------------------------
@app.command("token")
def token_command(
    unit: Annotated[str, typer.Option("--unit", "-u", help="the unit the token speaks for")],
    ttl: Annotated[int, typer.Option("--ttl", min=1, help="lifetime in seconds")] = 3600,
) -> None:
    """Print an HS256 bearer token for a unit, signed with JWT_SECRET (with JWT_AUDIENCE and
    JWT_ISSUER when set). Refuses the development secret unless DEV_MODE=true."""
    try:
        settings = ServiceSettings()
        settings.check_authentication()
    except ValidationError as exc:
        raise fail(f"settings: {exc}", 2) from None
    except ConfigurationError as exc:
        raise fail(str(exc), 2) from None
    if not settings.jwt_secret.get_secret_value():
        raise fail("JWT_SECRET is empty: tokens come from the identity provider (JWKS)", 2)
    if ttl > settings.jwt_max_lifetime_seconds:
        raise fail(
            f"--ttl {ttl} is longer than JWT_MAX_LIFETIME_SECONDS "
            f"({settings.jwt_max_lifetime_seconds}): the services would refuse the token",
            2,
        )
    typer.echo(
        issue_token(
            unit,
            settings.jwt_secret,
            valid_for=timedelta(seconds=ttl),
            audience=settings.jwt_audience,
            issuer=settings.jwt_issuer,
        )
    )


# -- calendars --------------------------------------------------------------------------------
@calendar_app.command("check")
def calendar_check(
    org: Annotated[
        Path | None,
        typer.Option("--org", help="the organisation file (default ORG_DIRECTORY)"),
    ] = None,
    as_of: Annotated[
        datetime | None,
        typer.Option("--as-of", formats=["%Y-%m-%d"], help="check as if today were this day"),
    ] = None,
    days: Annotated[int, typer.Option("--days", min=1, help="how far ahead")] = (
        calendars.HORIZON_DAYS
    ),
) -> None:
    """Which years each calendar's official holiday schedule covers; exit 1 with a warning when
    the coming --days reach a year it does not (deadlines there would ignore holidays)."""
    path = org or Path(org_directory())
    try:
        organisation = load_organisation(path)
    except (OSError, OrganisationError, ValueError) as exc:
        raise fail(f"{path}: {exc}", 2) from None
    today = as_of.date() if as_of else datetime.now(UTC).date()
    report = calendars.check(organisation, today, days=days)
    end = today + timedelta(days=days)
    table = Table(
        title=f"Calendars of {path}: {today} to {end} ({days} days)", title_justify="left"
    )
    for column in ("calendar", "official", "official years", "own dates", "units", "verdict"):
        table.add_column(column, overflow="fold")
    for c in report:
        if c.error:
            verdict = f"[red]invalid: {escape(c.error)}[/red]"
        elif c.missing:
            verdict = f"[yellow]not covered: {', '.join(map(str, c.missing))}[/yellow]"
        elif c.official is None:
            verdict = "[dim]" + escape("; ".join(c.notes)) + "[/dim]"
        else:
            verdict = "[green]covered[/green]"
        table.add_row(
            c.name,
            c.official or "—",
            f"{c.official_years.start}–{c.official_years.stop - 1}" if c.official_years else "—",
            ", ".join(map(str, c.own_years)) or "—",
            ", ".join(c.units) or "—",
            verdict,
        )
    out().print(table)
    warned = [c for c in report if c.warning]
    for c in warned:
        if c.error:
            err().print(f"[red]error:[/red] calendar {c.name!r}: {escape(c.error)}")
            continue
        years = ", ".join(map(str, c.missing))
        err().print(
            f"[yellow]warning:[/yellow] calendar {c.name!r} has no {c.official} holidays for "
            f"{years}, which the next {days} days reach: deadlines there count public holidays "
            "as working days. Upgrade the package that ships the schedule (chinesecalendar) "
            "once it has the year, or list that year's holidays and workdays in the calendar."
        )
    if warned:
        raise typer.Exit(1)


# -- replay -----------------------------------------------------------------------------------
@app.command("replay")
def replay_command(
    name: Annotated[str, typer.Argument(metavar="SERVICE", help=", ".join(SERVICE_NAMES))],
    check: Annotated[
        bool, typer.Option("--check", help="only compare the rebuilt projection with the live one")
    ] = False,
) -> None:
    """Rebuild a service's projection from the start of the log with the service's own
    handlers, or --check it against the live one (exit 1 naming every difference). Runs
    `python -m PACKAGE replay` with the service's settings from the environment; the SLA
    monitor rewrites its projection, the others write a fresh copy in the schema `replay`
    (docs/replay.md)."""
    if name not in SERVICE_NAMES:
        raise fail(f"unknown service {name!r}; known: {', '.join(SERVICE_NAMES)}", 2)
    package = service(name).package
    command = [sys.executable, "-m", package, "replay", *(["--check"] if check else [])]
    raise typer.Exit(subprocess.run(command, check=False).returncode)
