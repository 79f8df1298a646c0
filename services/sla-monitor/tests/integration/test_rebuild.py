"""Complaint states are rebuilt from the log with the clocks: at start-up when they are
missing (as right after the migration that added them), and on a policy change."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import delete, func, select

from complaints_shared.contracts import complaint_events as c
from complaints_shared.contracts import routing_events as r
from complaints_shared.messaging.inbox import Inbox
from complaints_shared.messaging.outbox import Outbox
from sla_monitor.adapters import tables
from sla_monitor.adapters.stores import sql_stores
from sla_monitor.config import SlaSettings
from sla_monitor.service_layer import recompute
from sla_monitor.service_layer.handlers import unit_calendars

pytestmark = pytest.mark.integration


async def test_missing_states_are_rebuilt_at_start_up(sla, monkeypatch):
    cid = f"C-{uuid.uuid4().hex[:12]}"
    await sla.feed(
        cid,
        c.ComplaintReceived(
            kind="complaint",
            channel="on_site",
            receiving_unit="YN-KM-01",
            business_line="cards",
            flags=("major_liability",),
            received_at=datetime.now(UTC),
            customer=c.Customer(name="A", phone="13900000000"),
            summary="s",
            posted_by="YN-KM-01",
        ),
        r.ComplaintAssigned(
            owner_unit="YN-KM-01", handling_level="branch", rule="t", reason="t", restricted=True
        ),
        r.ComplaintReported(to_unit="YN-SUP", by_unit="YN-KM-01", reason="t"),
    )

    async def read_log(bootstrap, topic, on_total=None):
        for record in sla.log:
            yield record

    monkeypatch.setattr(recompute, "read_log", read_log)
    settings = SlaSettings()
    org = sla.app.state.org
    stores = sql_stores(
        sla.app.state.sessions,
        Outbox(tables.outbox),
        Inbox(tables.processed_events, consumer="sla-monitor"),
    )
    bootstrap_servers = settings.kafka_bootstrap_servers
    calendars = unit_calendars(org)
    await recompute.recompute_if_policy_changed(
        stores, bootstrap_servers, org, settings.policy(), calendars
    )
    assert await status(sla, cid, "YN-SUP") == 200

    async with sla.app.state.sessions.begin() as session:
        await session.execute(delete(tables.complaint_states))
    assert await status(sla, cid, "YN-SUP") == 404  # unknown without its state
    await recompute.recompute_if_policy_changed(
        stores, bootstrap_servers, org, settings.policy(), calendars
    )
    assert await status(sla, cid, "YN-SUP") == 200
    assert await status(sla, cid, "YN-DL") == 404
    async with sla.app.state.sessions() as session:
        count = select(func.count()).select_from(tables.complaint_states)
        assert (await session.execute(count)).scalar() == 1


async def status(sla, cid: str, caller: str) -> int:
    return (await sla.get(f"/v1/complaints/{cid}/clocks", caller)).status_code
