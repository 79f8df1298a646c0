"""What the fault and scale-out tests check once the load has stopped: every projection caught
up with the log, every accepted complaint in each of them, nothing applied twice, every alert
recorded once, every SLA timer fired once, and each projection equal to a replay of the log."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import time
from collections import Counter, defaultdict

from complaints_shared.contracts.topics import COMPLAINT_EVENTS

from .own_stack import SERVICE_NAMES, LogRecord, OwnSystem, log_ends

# Where each projection keeps its complaints (a row per complaint it has recorded).
HOLDERS = {
    "intake": "SELECT complaint_id FROM complaint_views WHERE owner_unit IS NOT NULL",
    "routing": "SELECT complaint_id FROM complaint_routes",
    "sla-monitor": "SELECT complaint_id FROM complaint_clocks",
    "dashboard": "SELECT complaint_id FROM complaints",
    "notifier": "SELECT DISTINCT complaint_id FROM alerts",
}
PACKAGES = {spec: spec.replace("-", "_") for spec in SERVICE_NAMES}


def ids(rows: list) -> set[str]:
    return {row[0] for row in rows}


def lagging(system: OwnSystem, accepted: set[str], committed: set[str]) -> list[str]:
    """Why the system has not caught up yet (empty once it has): a projection lacks an accepted
    complaint, a committed deadline has not breached, a timer or a delivery is due, an outbox
    row is unpublished, a group is behind the log, or the log is still growing."""
    reasons = []
    for service, query in HOLDERS.items():
        missing = accepted - ids(system.sql(service, query))
        if missing:
            reasons.append(f"{service} lacks {len(missing)} complaints")
    breached = ids(system.sql("sla-monitor", "SELECT complaint_id FROM breaches"))
    if committed - breached:
        reasons.append(f"{len(committed - breached)} committed deadlines not breached")
    due = system.sql("sla-monitor", "SELECT 1 FROM complaint_clocks WHERE next_timer <= now()")
    if due:
        reasons.append(f"{len(due)} SLA timers due")
    sending = system.sql(
        "notifier",
        "SELECT 1 FROM deliveries WHERE status IN ('pending', 'sending')"
        " AND next_attempt_at <= now()",
    )
    if sending:
        reasons.append(f"{len(sending)} deliveries due")
    for service in SERVICE_NAMES:
        if system.sql(service, "SELECT 1 FROM outbox WHERE published_at IS NULL"):
            reasons.append(f"{service}'s outbox not published")
    if reasons:
        return reasons
    ends = log_ends(system.log())
    for service in SERVICE_NAMES:
        behind = position_gaps(system, service, ends)
        if behind:
            reasons.append(f"{service} behind the log: {behind}")
    if not reasons and log_ends(system.log()) != ends:
        reasons.append("the log is still growing")
    return reasons


def position_gaps(system: OwnSystem, service: str, ends: dict[int, int]) -> dict[int, tuple]:
    """Partitions where the service's stored position is not the log's end: (stored, end)."""
    stored = {
        row["partition"]: row["next_offset"]
        for row in system.sql(
            service,
            "SELECT partition, next_offset FROM consumer_positions"
            " WHERE group_id = $1 AND topic = $2",
            service,
            COMPLAINT_EVENTS,
        )
    }
    return {p: (stored.get(p), end) for p, end in ends.items() if stored.get(p) != end}


def wait_caught_up(
    system: OwnSystem, accepted: set[str], committed: set[str], *, timeout: float
) -> None:
    deadline = time.monotonic() + timeout
    reasons: list[str] = []
    while time.monotonic() < deadline:
        try:
            reasons = lagging(system, accepted, committed)
        except Exception as exc:  # a database still coming back
            reasons = [repr(exc)]
        if not reasons:
            return
        time.sleep(0.5)  # polling interval of the deadline-bound wait
    raise AssertionError(f"not caught up after {timeout}s: {reasons}")


def events_by_complaint(records: list[LogRecord]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = defaultdict(set)
    for r in records:
        if r.event_id is not None and r.type is not None:
            found[r.complaint_id].add(r.event_id)
    return found


def assert_in_every_projection(system: OwnSystem, accepted: set[str], unit: str) -> None:
    """Each accepted complaint through every service's API."""
    with system.client(unit) as client:
        for cid in sorted(accepted):
            view = client.get(system.url("intake", f"/v1/complaints/{cid}"))
            assert view.status_code == 200 and view.json()["owner_unit"], (cid, view.text)
            assert view.json()["clocks"], ("intake shows no clock", cid)
            clocks = client.get(system.url("sla-monitor", f"/v1/complaints/{cid}/clocks"))
            assert clocks.status_code == 200 and clocks.json()["clocks"], (cid, clocks.text)
            alerts = client.get(
                system.url("notifier", "/v1/notifications"), params={"complaint_id": cid}
            )
            assert alerts.status_code == 200 and alerts.json()["notifications"], cid
            board = client.get(system.url("dashboard", f"/v1/dashboard/complaints/{cid}/timeline"))
            assert board.status_code == 200, (cid, board.text)
    routed = ids(system.sql("routing", HOLDERS["routing"]))
    assert accepted <= routed, f"routing lacks {sorted(accepted - routed)[:5]}"


def assert_applied_once(
    system: OwnSystem, records: list[LogRecord], accepted: set[str], unit: str
) -> None:
    """Timelines hold each of a complaint's events exactly once (none missing, none twice);
    the dashboard has one row per complaint of the log; every inbox holds only events of the
    log, the read models every one of them; every stored position is the log's end."""
    logged = events_by_complaint(records)
    board: dict[str, list[str]] = defaultdict(list)  # its API shows no ids: read its table
    for row in system.sql("dashboard", "SELECT complaint_id, event_id FROM timeline_entries"):
        board[row["complaint_id"]].append(row["event_id"])
    with system.client(unit) as client:
        for cid in sorted(accepted):
            events = client.get(system.url("intake", f"/v1/complaints/{cid}/timeline")).json()
            shown = client.get(system.url("dashboard", f"/v1/dashboard/complaints/{cid}/timeline"))
            assert len(shown.json()["events"]) == len(logged[cid]), ("dashboard", cid)
            for service, seen in (
                ("intake", [e["event_id"] for e in events["events"]]),
                ("dashboard", board[cid]),
            ):
                twice = [i for i, n in Counter(seen).items() if n > 1]
                assert not twice, f"{service} applied {twice} twice ({cid})"
                assert set(seen) == logged[cid], (service, cid, set(seen) ^ logged[cid])
        # Every complaint of the log was received at the caller's outlet in the last days.
        summary = client.get(system.url("dashboard", "/v1/dashboard/summary")).json()
    complaints = {r.complaint_id for r in records}
    assert summary["received"]["total"] == len(complaints), "the dashboard counts differ"
    rows = ids(system.sql("dashboard", HOLDERS["dashboard"]))
    assert rows == complaints, f"dashboard rows differ from the log: {rows ^ complaints}"
    all_events = {r.event_id for r in records if r.event_id is not None}
    for service in SERVICE_NAMES:
        processed = ids(system.sql(service, "SELECT event_id FROM processed_events"))
        assert processed <= all_events, f"{service} processed events not in the log"
        if service in ("intake", "dashboard"):  # they apply every event
            assert processed == all_events, (service, len(all_events - processed))
    ends = log_ends(records)
    for service in SERVICE_NAMES:
        assert not position_gaps(system, service, ends), service


def assert_alerts_once(system: OwnSystem, records: list[LogRecord]) -> dict[str, int]:
    """One alert per (cause, recipient, channel); one `notification.sent` per alert in the
    log; every delivery that went out carried its delivery id (the receivers' idempotency
    key). Returns how many deliveries went out more than once (allowed after a crash between
    sending and recording: the receiver drops the repeat by its id)."""
    doubled = system.sql(
        "notifier",
        "SELECT cause_event_id, recipient_unit, channel, recipient, count(*) FROM alerts"
        " GROUP BY 1, 2, 3, 4 HAVING count(*) > 1",
    )
    assert not doubled, doubled
    told: dict[tuple, set[str]] = defaultdict(set)
    for r in records:
        if r.type == "notification.sent.v1":
            data = json.loads(r.data)
            key = (data["cause_event_id"], data["recipient_unit"], data["channel"])
            told[(*key, data["recipient"])].add(r.event_id or "")
    assert told, "nobody was told anything"
    assert all(len(events) == 1 for events in told.values()), "an alert recorded twice"
    recorded = system.sql("notifier", "SELECT 1 FROM alerts WHERE status = 'sent'")
    assert len(told) == len(recorded), "alerts sent and `notification.sent` in the log differ"
    sent = ids(system.sql("notifier", "SELECT delivery_id FROM deliveries WHERE status='sent'"))
    sends = Counter(_delivery_ids_logged(system))
    assert sent <= set(sends), f"sent deliveries never logged: {sorted(sent - set(sends))[:5]}"
    return {delivery: n for delivery, n in sends.items() if n > 1}


def _delivery_ids_logged(system: OwnSystem) -> list[str]:
    """The delivery id of every alert the notifier's log channel sent, all instances."""
    found = []
    for path in system.stack.logs.glob("notifier*.log"):
        for line in path.read_text(errors="replace").splitlines():
            if '"alert"' not in line or not line.startswith("{"):
                continue
            entry = json.loads(line)
            if entry.get("event") == "alert":
                assert entry.get("delivery_id"), f"an alert sent without its delivery id: {line}"
                found.append(entry["delivery_id"])
    return found


def replay_check(system: OwnSystem, service: str) -> subprocess.CompletedProcess | None:
    """`python -m <service> replay --check`, or None if the service has no replay command."""
    package = PACKAGES[service]
    if importlib.util.find_spec(f"{package}.replay") is None:
        return None
    return subprocess.run(
        [sys.executable, "-m", package, "replay", "--check"],
        env=system.stack.env(),
        capture_output=True,
        text=True,
        timeout=180,
    )
