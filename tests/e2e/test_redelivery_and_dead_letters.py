"""At-least-once delivery: a repeated event changes nothing; a poison record never stalls."""

from __future__ import annotations

from collections import Counter

import pytest

from complaints_shared.contracts.envelope import new_id
from complaints_shared.contracts.topics import DEAD_LETTERS
from complaints_shared.testing import wait_for
from complaints_shared.testing.kafka import find_envelopes, produce, produce_raw, read_all

from .log_support import duplicates_seen, received

pytestmark = pytest.mark.e2e
SERVICES = ("intake", "routing", "sla-monitor", "notifier")


def test_an_event_delivered_twice_changes_no_projection(system):
    cid = new_id()
    before = {service: duplicates_seen(system, service) for service in SERVICES}
    original = received(cid, "duplicate delivery check")
    produce(system.bootstrap, original, original)

    with system.client("GD") as client:

        def complete() -> dict | None:
            view = client.get(system.url("intake", f"/v1/complaints/{cid}")).json()
            alerts = (
                client.get(
                    system.url("notifier", "/v1/notifications"), params={"complaint_id": cid}
                )
                .json()
                .get("notifications", [])
            )
            return view if view.get("clocks") and alerts else None

        wait_for(complete, what="the complaint projected")
        # Now deliver the routing and SLA monitor's own events a second time as well.
        derived = [e for e in find_envelopes(system.bootstrap, cid) if e.source != "/tests"]
        assert {e.type for e in derived} >= {"complaint.assigned.v1", "sla.clock_started.v1"}
        produce(system.bootstrap, *derived)
        wait_for(
            lambda: all(duplicates_seen(system, s) > before[s] for s in SERVICES),
            what="every service to see a duplicate",
        )
        wait_for(
            lambda: duplicates_seen(system, "intake") >= before["intake"] + 1 + len(derived),
            what="intake to see every duplicate",
        )

        timeline = client.get(system.url("intake", f"/v1/complaints/{cid}/timeline")).json()
        counts = Counter(event["type"] for event in timeline["events"])
        assert counts["complaint.received"] == 1
        assert counts["complaint.assigned"] == 1
        started = [
            e["data"]["clock"] for e in timeline["events"] if e["type"] == "sla.clock_started"
        ]
        assert len(started) == len(set(started))  # no clock started twice

        # Each alert sent once: the alerts the notifier lists as sent are the `notification.sent`
        # events of the log (both move while later steps go out, hence the wait). Warnings of this
        # late complaint are recorded `superseded`, never sent; later escalation steps may be
        # pending still.
        def settled() -> tuple[list[dict], int] | None:
            alerts = client.get(
                system.url("notifier", "/v1/notifications"), params={"complaint_id": cid}
            ).json()["notifications"]
            events = client.get(system.url("intake", f"/v1/complaints/{cid}/timeline")).json()
            told = sum(1 for e in events["events"] if e["type"] == "notification.sent")
            sent = [a for a in alerts if a["status"] == "sent"]
            return (alerts, told) if len(sent) == told >= 1 else None

        alerts, _ = wait_for(settled, what="the sent alerts and the log agree")
        assert len({a["alert_id"] for a in alerts}) == len(alerts)
        clocks = client.get(system.url("intake", f"/v1/complaints/{cid}")).json()["clocks"]
        assert sorted(c["name"] for c in clocks) == sorted(set(started))


def test_a_malformed_event_is_dead_lettered_and_its_partition_keeps_flowing(system):
    cid = new_id()
    ce_headers = [
        ("ce_id", b"poison-1"),
        ("ce_type", b"complaint.received.v1"),
        ("ce_source", b"/tests"),
        ("ce_specversion", b"1.0"),
        ("ce_subject", cid.encode()),
        ("ce_time", b"2026-11-19T10:00:00Z"),
        ("content-type", b"application/json"),
    ]
    poison = (cid.encode(), b"\xff not json", ce_headers)
    headerless = (cid.encode(), b'{"hello": "world"}', [])
    produce_raw(system.bootstrap, [poison, headerless])
    # same key: same partition, after the poison
    produce(system.bootstrap, received(cid, "duplicate delivery check"))

    with system.client("GD") as client:
        wait_for(
            lambda: (
                client.get(system.url("intake", f"/v1/complaints/{cid}")).json().get("owner_unit")
            ),
            what="the good event behind the poison to be routed",
        )

    def dead_letters() -> list:
        records = [r for r in read_all(system.bootstrap, DEAD_LETTERS) if r.key == cid.encode()]
        consumers = {dict(r.headers)["dlq_consumer"] for r in records}
        return records if consumers >= {s.encode() for s in SERVICES} else []

    records = wait_for(dead_letters, what="dead letters from every consumer")
    reasons = {dict(r.headers)["dlq_reason"].decode() for r in records}
    assert any("not a JSON object" in reason or "undecodable" in reason for reason in reasons)
    assert any("not a CloudEvent" in reason for reason in reasons)
    assert {r.value for r in records} == {poison[1], headerless[1]}
