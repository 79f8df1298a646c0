"""A rebuild from the log folds every lifecycle event into its complaint's state too, and
marks each event a live handler would have taken as applied."""

from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

from complaints_shared.contracts import complaint_events as c
from complaints_shared.contracts import notification_events as n
from complaints_shared.contracts import routing_events as r
from complaints_shared.contracts.envelope import Envelope, to_kafka
from complaints_shared.organisation import load_organisation
from sla_monitor.config import SlaSettings
from sla_monitor.service_layer import recompute
from sla_monitor.service_layer.handlers import unit_calendars

AT = datetime(2026, 11, 16, 1, 0, tzinfo=UTC)
DEMO = Path(__file__).parents[4] / "deploy/demo/organisation.yaml"
NOTIFICATION = {
    "channel": "email",
    "recipient_unit": "YN-KM",
    "recipient": "y***@example",
    "attempts": 1,
    "cause_event_id": "e2",
    "cause_type": "complaint.assigned.v1",
}


def record(event_id: str, data) -> SimpleNamespace:
    envelope = Envelope(event_id, "/t", data.type_name(), "C-1", AT, data.model_dump(mode="json"))
    key, value, headers = to_kafka(envelope)
    return SimpleNamespace(key=key, value=value, headers=headers, partition=2)


async def test_fold_log_rebuilds_lifecycle_states(monkeypatch):
    received = c.ComplaintReceived(
        kind="complaint",
        channel="on_site",
        receiving_unit="YN-KM-01",
        business_line="cards",
        flags=("major_liability",),
        received_at=AT,
        customer=c.Customer(name="A", phone="13900000000"),
        summary="s",
        posted_by="YN-KM-01",
    )
    log = [
        record("e1", received),
        record(
            "e2",
            r.ComplaintAssigned(owner_unit="YN-KM", handling_level="branch", rule="t", reason="t"),
        ),
        record("e3", r.ComplaintReported(to_unit="YN-SUP", by_unit="YN-KM", reason="t")),
        record("e3", r.ComplaintReported(to_unit="YN-SUP", by_unit="YN-KM", reason="t")),
        record("e4", n.NotificationSent(**NOTIFICATION)),
    ]

    async def read_log(bootstrap, topic, on_total=None):
        for item in log:
            yield item

    monkeypatch.setattr(recompute, "read_log", read_log)
    calendars = unit_calendars(load_organisation(DEMO))
    rebuilt = await recompute.fold_log(
        "unused", SlaSettings().policy(), calendars, AT + timedelta(hours=1)
    )
    state = rebuilt.lifecycles["C-1"]
    assert state.restricted and state.owner_unit == "YN-KM"
    assert state.involved == ("YN-KM-01", "YN-KM", "YN-SUP")
    assert set(rebuilt.applied_ids) == {"e1", "e2", "e3"}
