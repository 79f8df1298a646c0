"""The command line without a running system: arguments, tokens, calendars, trace output."""

from __future__ import annotations

import json
from datetime import date

import jwt
import pytest
from rich.console import Console
from typer.testing import CliRunner

from complaints_cli import dlq, main, trace
from complaints_shared.settings import DEV_JWT_SECRET
from complaints_shared.workflow.official_holidays import covered_years

runner = CliRunner()
SECRET = "a-test-secret-that-is-long-enough-for-hs256"
WIDE = {"COLUMNS": "220"}


def invoke(*args: str, env: dict[str, str] | None = None):
    return runner.invoke(main.app, list(args), env={**WIDE, **(env or {})})


# -- arguments ---------------------------------------------------------------------------------
def test_without_a_command_it_shows_the_commands():
    result = invoke()
    for command in ("trace", "dlq", "outbox", "lag", "token", "calendar", "replay"):
        assert command in result.output


def test_each_group_lists_its_commands():
    assert {"list", "show", "redrive"} <= set(invoke("dlq", "--help").output.split())
    assert "status" in invoke("outbox", "--help").output
    assert "check" in invoke("calendar", "--help").output


def test_trace_needs_a_complaint_id():
    result = invoke("trace")
    assert result.exit_code == 2
    assert "Missing argument" in result.output


def test_replay_of_an_unknown_service_is_refused():
    result = invoke("replay", "billing")
    assert result.exit_code == 2
    assert "unknown service" in result.output


@pytest.mark.parametrize(
    ("service", "package"),
    [
        ("intake", "intake"),
        ("routing", "routing"),
        ("sla-monitor", "sla_monitor"),
        ("notifier", "notifier"),
        ("dashboard", "dashboard"),
    ],
)
def test_replay_runs_the_services_own_command(monkeypatch, service, package):
    ran = []

    class Differs:
        returncode = 1

    monkeypatch.setattr(
        main.subprocess, "run", lambda command, check: ran.append(command) or Differs
    )
    assert invoke("replay", service, "--check").exit_code == 1  # its exit code, passed on
    assert ran[0][1:] == ["-m", package, "replay", "--check"]
    invoke("replay", service)
    assert ran[1][1:] == ["-m", package, "replay"]


def test_lag_and_outbox_refuse_an_unknown_service():
    assert invoke("lag", "--service", "billing").exit_code == 2
    assert invoke("outbox", "status", "-s", "billing").exit_code == 2


def test_redrive_refuses_a_data_file_that_is_not_an_object(tmp_path):
    data = tmp_path / "data.json"
    data.write_text("[1, 2]")
    result = invoke("dlq", "redrive", "0:1", "--data", str(data))
    assert result.exit_code == 2
    assert "JSON object" in result.output


# -- dead letters (pure parts) -----------------------------------------------------------------
def letter(partition: int, offset: int, consumer: str, source: str = "complaint-events:0:7"):
    return dlq.DeadLetter(
        partition=partition,
        offset=offset,
        timestamp_ms=1_796_000_000_000,
        key=b"c-1",
        value=b"{}",
        headers=[
            ("ce_id", b"e-1"),
            ("ce_type", b"complaint.received.v2"),
            ("dlq_reason", b"bad"),
            ("dlq_consumer", consumer.encode()),
            ("dlq_source", source.encode()),
        ],
    )


def test_a_dead_letter_is_found_by_offset_or_partition_and_offset():
    letters = [letter(0, 3, "intake"), letter(1, 3, "routing"), letter(1, 4, "notifier")]
    assert dlq.find(letters, "4").consumer == "notifier"
    assert dlq.find(letters, "1:3").consumer == "routing"
    with pytest.raises(dlq.DeadLetterError, match="several partitions"):
        dlq.find(letters, "3")
    with pytest.raises(dlq.DeadLetterError, match="no dead letter"):
        dlq.find(letters, "2:3")
    with pytest.raises(dlq.DeadLetterError, match="not OFFSET"):
        dlq.find(letters, "x")


def test_redrive_sends_the_original_headers_and_names_the_other_refusals():
    letters = [letter(0, 3, "intake"), letter(1, 3, "routing"), letter(1, 4, "x", "other:0:1")]
    assert letters[0].original_headers() == [
        ("ce_id", b"e-1"),
        ("ce_type", b"complaint.received.v2"),
    ]
    assert [d.consumer for d in dlq.siblings(letters, letters[0])] == ["routing"]


def test_a_record_that_would_be_refused_again_is_recognised():
    headers = letter(0, 1, "intake").original_headers() + [
        ("ce_source", b"/tests"),
        ("ce_specversion", b"1.0"),
        ("ce_subject", b"c-1"),
        ("ce_time", b"2026-11-19T10:00:00Z"),
        ("content-type", b"application/json"),
    ]
    assert "invalid data" in (dlq.check_record(b"c-1", b'{"kind": "complaint"}', headers) or "")
    assert dlq.check_record(b"c-1", b"{}", headers[:1]) is not None  # no ce_type, no ce_time


# -- token -------------------------------------------------------------------------------------
def test_token_is_signed_with_the_secret_and_lives_ttl_seconds():
    result = invoke("token", "--unit", "YN-KM", "--ttl", "600", env={"JWT_SECRET": SECRET})
    assert result.exit_code == 0, result.output
    claims = jwt.decode(result.output.strip(), SECRET, algorithms=["HS256"])
    assert claims["unit"] == "YN-KM"
    assert claims["exp"] - claims["iat"] == 600


def test_token_refuses_the_development_secret_outside_dev_mode():
    result = invoke(
        "token", "--unit", "HQ", env={"JWT_SECRET": DEV_JWT_SECRET, "DEV_MODE": "false"}
    )
    assert result.exit_code == 2
    assert "development secret" in result.output
    allowed = invoke(
        "token", "--unit", "HQ", env={"JWT_SECRET": DEV_JWT_SECRET, "DEV_MODE": "true"}
    )
    assert allowed.exit_code == 0
    assert jwt.decode(allowed.output.strip(), DEV_JWT_SECRET, algorithms=["HS256"])["unit"] == "HQ"


def test_token_refuses_a_lifetime_the_services_would_refuse():
    result = invoke(
        "token",
        "--unit",
        "HQ",
        "--ttl",
        "7200",
        env={"JWT_SECRET": SECRET, "JWT_MAX_LIFETIME_SECONDS": "3600"},
    )
    assert result.exit_code == 2
    assert "JWT_MAX_LIFETIME_SECONDS" in result.output


def test_token_reports_settings_it_cannot_read():
    result = invoke("token", "--unit", "HQ", env={"JWT_SECRET": SECRET, "DEV_MODE": "maybe"})
    assert result.exit_code == 2
    assert "DEV_MODE" in result.output or "dev_mode" in result.output


def test_token_needs_a_unit():
    assert invoke("token", env={"JWT_SECRET": SECRET}).exit_code == 2


# -- calendar check ----------------------------------------------------------------------------
LAST = covered_years("cn").stop - 1  # the last year the installed schedule covers


def organisation(tmp_path, own_next_year: bool = False):
    own = (
        f"    holidays: ['{LAST + 1}-01-01']\n    workdays: ['{LAST + 1}-01-04']\n"
        if own_next_year
        else ""
    )
    text = (
        "timezone: Asia/Shanghai\n"
        "calendars:\n"
        "  cn:\n    official: cn\n    hours: ['09:00-17:00']\n"
        "  plain:\n    hours: ['09:00-17:00']\n"
        "  ours:\n    official: cn\n" + own + "units:\n"
        "  - {id: HQ, kind: hq, calendar: cn}\n"
    )
    path = tmp_path / "organisation.yaml"
    path.write_text(text)
    return path


def test_a_calendar_whose_official_schedule_ends_soon_is_a_warning(tmp_path):
    path = organisation(tmp_path)
    result = invoke("calendar", "check", "--org", str(path), "--as-of", f"{LAST}-12-01")
    assert result.exit_code == 1, result.output
    assert f"not covered: {LAST + 1}" in result.output
    assert f"calendar 'cn' has no cn holidays for {LAST + 1}" in result.output
    assert f"2004–{LAST}" in result.output
    assert "HQ" in result.output


def test_calendars_covered_for_the_next_90_days_pass(tmp_path):
    path = organisation(tmp_path)
    result = invoke("calendar", "check", "--org", str(path), "--as-of", f"{LAST}-03-01")
    assert result.exit_code == 0, result.output
    assert "covered" in result.output
    assert "warning" not in result.output


def test_a_year_the_file_lists_itself_counts_as_covered(tmp_path):
    from complaints_cli import calendars
    from complaints_shared.organisation import load_organisation

    org = load_organisation(organisation(tmp_path, own_next_year=True))
    report = {c.name: c for c in calendars.check(org, date(LAST, 12, 1))}
    assert report["ours"].missing == ()
    assert report["ours"].own_years == (LAST + 1,)
    assert report["cn"].missing == (LAST + 1,)
    assert report["plain"].official is None and not report["plain"].warning


def test_an_unreadable_organisation_file_is_an_error(tmp_path):
    result = invoke("calendar", "check", "--org", str(tmp_path / "missing.yaml"))
    assert result.exit_code == 2


# -- trace -------------------------------------------------------------------------------------
COMPLAINT = {
    "complaint_id": "c-42",
    "status": "assigned",
    "owner_unit": "YN-KM",
    "handling_level": "branch",
    "receiving_unit": "YN-KM-01",
    "received_at": "2026-11-20T16:00:00+08:00",
}
TIMELINE = {
    "complaint_id": "c-42",
    "events": [
        {
            "position": 1,
            "event_id": "e-received",
            "type": "complaint.received",
            "time": "2026-11-20T16:00:00+08:00",
            "source": "/intake",
            "data": {},
        },
        {
            "position": 2,
            "event_id": "e-assigned",
            "type": "complaint.assigned",
            "time": "2026-11-20T16:00:00+08:00",
            "source": "/routing",
            "data": {},
        },
        {
            "position": 3,
            "event_id": "e-transferred",
            "type": "complaint.transferred",
            "time": "2026-11-20T17:30:00+08:00",
            "source": "/routing",
            "data": {},
        },
    ],
    "handoffs": [
        {
            "from_unit": "YN-KM-01",
            "to_unit": "YN-KM",
            "why": "transfer",
            "at": "2026-11-20T17:30:00+08:00",
        }
    ],
    "stays": [
        {
            "unit": "YN-KM-01",
            "since": "2026-11-20T16:00:00+08:00",
            "until": "2026-11-20T17:30:00+08:00",
            "seconds": 5400,
        },
        {"unit": "YN-KM", "since": "2026-11-20T17:30:00+08:00", "until": None, "seconds": 93784},
    ],
}
TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


def rendered(traces: dict[str, str] | None = None) -> str:
    console = Console(record=True, width=220)
    trace.render(console, trace.Trace(COMPLAINT, TIMELINE), traces)
    return console.export_text()


def test_a_trace_shows_each_unit_with_its_arrival_departure_and_dwell():
    text = rendered()
    held = next(line for line in text.splitlines() if "YN-KM-01" in line and "1h 30m" in line)
    assert "2026-11-20 16:00:00+08:00" in held and "2026-11-20 17:30:00+08:00" in held
    still = next(line for line in text.splitlines() if "still there" in line)
    assert "YN-KM" in still and "1d 02h 03m" in still
    assert "transfer" in text  # the hand-off


def test_a_trace_shows_every_event_with_its_service():
    lines = rendered().splitlines()
    for event_type, service in [
        ("complaint.received", "intake"),
        ("complaint.assigned", "routing"),
        ("complaint.transferred", "routing"),
    ]:
        assert any(event_type in line and f" {service} " in line for line in lines)
    assert "intake's timeline does not expose them" in "\n".join(lines)


def test_a_trace_from_the_log_shows_the_trace_ids():
    text = rendered({"e-received": TRACEPARENT})
    line = next(line for line in text.splitlines() if "complaint.received" in line)
    assert "4bf92f3577b34da6a3ce929d0e0e4736" in line
    assert "does not expose" not in text


def test_trace_command_calls_intake_with_the_token(monkeypatch):
    calls = []

    def fetch(base_url, complaint_id, token, *, timeout):
        calls.append((base_url, complaint_id, token))
        return trace.Trace(COMPLAINT, TIMELINE)

    monkeypatch.setattr(trace, "fetch", fetch)
    monkeypatch.setattr(
        trace, "traces_from_log", lambda bootstrap, cid, timeout: {"e-assigned": TRACEPARENT}
    )
    env = {"COMPLAINTS_TOKEN": "tok", "COMPLAINTS_INTAKE_URL": "http://intake:9"}
    result = invoke("trace", "c-42", "--from-log", env=env)
    assert result.exit_code == 0, result.output
    assert calls == [("http://intake:9", "c-42", "tok")]
    assert "complaint.transferred" in result.output
    assert "4bf92f3577b34da6a3ce929d0e0e4736" in result.output


def test_trace_reports_a_refused_token(monkeypatch):
    def refuse(*args, **kwargs):
        raise trace.TraceError("intake answered 401 (the token was refused)")

    monkeypatch.setattr(trace, "fetch", refuse)
    result = invoke("trace", "c-42", "--token", "bad")
    assert result.exit_code == 1
    assert "401" in result.output


def test_dwell_times_are_readable():
    assert [trace.format_seconds(s) for s in (5, 125, 3 * 3600 + 420, 90061)] == [
        "5s",
        "2m 05s",
        "3h 07m",
        "1d 01h 01m",
    ]
    assert json.dumps(trace.trace_id(TRACEPARENT)) == '"4bf92f3577b34da6a3ce929d0e0e4736"'
