"""Helpers for end-to-end tests that write to the log directly: a complaint as a record, and
how many repeated deliveries a service has dropped."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import httpx

from complaints_shared.contracts.complaint_events import ComplaintReceived, Customer
from complaints_shared.contracts.envelope import Envelope, new_id


def received(complaint_id: str, summary: str) -> Envelope:
    """A `complaint.received` at a Shenzhen outlet, as a record a test publishes itself."""
    event = ComplaintReceived(
        kind="complaint",
        channel="online",
        receiving_unit="GD-SZ-01",
        business_line="deposits",
        received_at=datetime(2026, 11, 19, 10, 0, tzinfo=UTC),
        customer=Customer(name="Test Customer", phone="13700000000"),
        summary=summary,
        posted_by="GD-SZ",
    )
    return Envelope(
        id=new_id(),
        source="/tests",
        type=event.type_name(),
        subject=complaint_id,
        time=event.received_at,
        data=event.model_dump(mode="json"),
    )


def duplicates_seen(system, service: str) -> int:
    """Repeated deliveries the service's inbox has dropped (its Prometheus counter)."""
    text = httpx.get(system.url(service, "/metrics")).text
    pattern = rf'events_consumed_total\{{outcome="duplicate",service="{service}"\}} ([0-9.]+)'
    match = re.search(pattern, text)
    return int(float(match.group(1))) if match else 0
