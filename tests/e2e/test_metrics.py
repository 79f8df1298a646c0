"""The metrics ops read, at the running services' /metrics: each one is exported where it
belongs, and moves when what it counts happens (docs/deploy.md#metrics-and-alerts).

Component-level proofs are in tests/integration/test_observability.py (lag per partition, a
relay with no broker, handler exceptions by reason) and the notifier's retried and given-up
deliveries in tests/e2e/test_tracing.py (a stack of its own with a webhook that is down).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from complaints_shared.contracts.complaint_events import ComplaintReceived
from complaints_shared.contracts.envelope import new_id
from complaints_shared.contracts.topics import COMPLAINT_EVENTS
from complaints_shared.testing import wait_for
from complaints_shared.testing.kafka import produce_raw
from devstack.stack import SERVICES

pytestmark = pytest.mark.e2e
EVERY_SERVICE = tuple(spec.name for spec in SERVICES)
CONSUMING = {
    "events_consumed_total",
    "events_dead_lettered_total",
    "event_handler_duration_seconds",
    "consumer_lag_records",
    "http_server_request_duration_seconds",
}
PUBLISHING = {"outbox_published_total", "outbox_pending_rows", "outbox_oldest_pending_age_seconds"}
OWN = {
    "sla-monitor": {
        "sla_warnings_total",
        "sla_breaches_total",
        "sla_clocks_running",
        "sla_clocks_breached",
    },
    "notifier": {"notifier_deliveries_total"},
}
Samples = list[tuple[str, dict[str, str], float]]


def scrape(system, service: str) -> tuple[set[str], Samples]:
    """The metric names a service declares and every sample it exports now."""
    text = httpx.get(system.url(service, "/metrics"), timeout=10).text
    names: set[str] = set()
    samples: Samples = []
    for family in text_string_to_metric_families(text):
        # The parser drops a counter's `_total` from the family's name, not its samples'.
        names.add(f"{family.name}_total" if family.type == "counter" else family.name)
        samples += [(s.name, s.labels, s.value) for s in family.samples]
    return names, samples


def value(system, service: str, sample: str, **labels: str) -> float:
    """The sum of `sample` over the series whose labels include `labels`."""
    _, samples = scrape(system, service)
    return sum(v for name, have, v in samples if name == sample and labels.items() <= have.items())


def moved(read: Callable[[], float], before: float, *, what: str, by: float = 1) -> float:
    return wait_for(lambda: (now := read()) >= before + by and now, timeout=60, what=what)


def late_complaint(unit: str) -> dict:
    """Registered three days after it came in: its clocks are breached on arrival."""
    return {
        "kind": "complaint",
        "channel": "on_site",
        "receiving_unit": unit,
        "business_line": "cards",
        "received_at": (datetime.now(UTC) - timedelta(days=3)).isoformat(),
        "customer": {"name": "王昭君", "phone": "13933334444"},
        "summary": "metrics scenario",
    }


def test_every_service_exports_the_metrics_ops_read(system):
    for service in EVERY_SERVICE:
        names, _ = scrape(system, service)
        expected = CONSUMING | OWN.get(service, set())
        if service != "dashboard":  # the dashboard reads the log and writes no events
            expected |= PUBLISHING
        assert expected <= names, f"{service} lacks {expected - names}"


def test_a_breach_moves_the_sla_notifier_http_and_handler_metrics(system):
    def breaches() -> float:
        return value(system, "sla-monitor", "sla_breaches_total")

    def warnings() -> float:
        return value(system, "sla-monitor", "sla_warnings_total")

    def sent() -> float:
        return value(system, "notifier", "notifier_deliveries_total", outcome="sent")

    def posted() -> float:
        return value(
            system,
            "intake",
            "http_server_request_duration_seconds_count",
            method="POST",
            route="/v1/complaints",
            status="202",
        )

    def handled(service: str) -> float:
        return value(
            system,
            service,
            "event_handler_duration_seconds_count",
            event_type=ComplaintReceived.type_name(),
        )

    def gauge(name: str) -> float:
        return value(system, "sla-monitor", name)

    before = {
        "breaches": breaches(),
        "warnings": warnings(),
        "sent": sent(),
        "posted": posted(),
        "breached clocks": gauge("sla_clocks_breached"),
        **{service: handled(service) for service in EVERY_SERVICE},
    }
    with system.client("YN") as client:
        answer = client.post(
            system.url("intake", "/v1/complaints"), json=late_complaint("YN-KM-01")
        )
        assert answer.status_code == 202, answer.text
    moved(posted, before["posted"], what="the POST timed by its route template")
    for service in EVERY_SERVICE:
        moved(lambda s=service: handled(s), before[service], what=f"{service}'s handler timed")
    moved(breaches, before["breaches"], what="sla_breaches_total moved")
    moved(warnings, before["warnings"], what="sla_warnings_total moved")
    moved(sent, before["sent"], what="notifier_deliveries_total{outcome=sent} moved")
    # The clock gauges are refreshed from the clocks table every 15 seconds.
    moved(lambda: gauge("sla_clocks_breached"), before["breached clocks"], what="a breached clock")
    assert gauge("sla_clocks_running") >= gauge("sla_clocks_breached") >= 1


def test_every_consumer_reports_its_lag_per_partition_and_catches_up(system):
    def lags(service: str) -> dict[str, float]:
        _, samples = scrape(system, service)
        return {
            labels["partition"]: v
            for name, labels, v in samples
            if name == "consumer_lag_records" and labels.get("topic") == COMPLAINT_EVENTS
        }

    with system.client("YN") as client:
        for _ in range(3):  # different complaints: likely more than one partition
            answer = client.post(
                system.url("intake", "/v1/complaints"), json=late_complaint("YN-KM-02")
            )
            assert answer.status_code == 202, answer.text
    for service in EVERY_SERVICE:
        caught_up = wait_for(
            lambda s=service: (now := lags(s)) and all(v == 0 for v in now.values()) and now,
            timeout=60,
            what=f"{service} caught up on every partition it reports",
        )
        assert set(caught_up) <= {"0", "1", "2"}, caught_up  # the system's three partitions


def test_a_broker_outage_grows_intake_s_outbox_backlog_until_it_drains(system):
    def pending() -> float:
        return value(system, "intake", "outbox_pending_rows")

    def oldest() -> float:
        return value(system, "intake", "outbox_oldest_pending_age_seconds")

    with system.client("YN") as client:
        system.proxy.cut()
        try:
            for count in (1, 2):
                answer = client.post(
                    system.url("intake", "/v1/complaints"), json=late_complaint("YN-KM-01")
                )
                assert answer.status_code == 202, answer.text
                wait_for(lambda c=count: pending() >= c, timeout=60, what=f"{count} pending")
            wait_for(lambda: oldest() >= 1, timeout=60, what="the oldest row ageing")
        finally:
            system.proxy.restore()
    wait_for(lambda: pending() == 0 and oldest() == 0, timeout=90, what="the backlog drained")


def test_a_poison_record_raises_every_consumer_s_dead_letter_count(system):
    def malformed(service: str) -> float:
        return value(system, service, "events_dead_lettered_total", reason="malformed")

    before = {service: malformed(service) for service in EVERY_SERVICE}
    produce_raw(system.bootstrap, [(new_id().encode(), b"{not json", [])])
    for service in EVERY_SERVICE:
        moved(lambda s=service: malformed(s), before[service], what=f"{service} dead-lettered")
        assert value(system, service, "events_consumed_total", outcome="dead_lettered") >= 1
