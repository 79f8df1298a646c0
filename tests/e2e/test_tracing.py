"""Tracing through the running services, read back from a real OTLP/HTTP receiver.

A stack of its own exports its spans (`OTEL_TRACES_EXPORTER=otlp`, `http/protobuf`) to a
receiver this test starts. One complaint is posted late (its clocks breach at once), alerted
and transferred; every one of the five services leaves spans naming it, each hop's consumer
spans point at the producer span of the record they consumed, and the HTTP and messaging
spans carry the semantic-convention attributes ops search by. The outlet also has a webhook
whose receiver always answers 503: its deliveries are traced, retried and given up, and the
notifier's delivery counter shows all three outcomes.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from complaints_shared.contracts.topics import COMPLAINT_EVENTS
from complaints_shared.http.auth import issue_token
from complaints_shared.telemetry import COMPLAINT_ID
from complaints_shared.testing import wait_for
from complaints_shared.testing.otlp import OtlpReceiver, ReceivedSpan
from devstack.ports import free_port
from devstack.server_log import problems_of
from devstack.stack import DEMO_ORG, SERVICES, Stack, StackConfig

pytestmark = pytest.mark.e2e
SEND, RECEIVE, PROCESS = (f"{op} {COMPLAINT_EVENTS}" for op in ("send", "receive", "process"))


@pytest.fixture(scope="module")
def receiver() -> Iterator[OtlpReceiver]:
    with OtlpReceiver() as running:
        yield running


class Unavailable(BaseHTTPRequestHandler):
    """A webhook receiver that is down: every POST answers 503."""

    posts: list[str] = []

    def do_POST(self) -> None:  # noqa: N802 - the http.server protocol
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.posts.append(self.path)
        self.send_response(503)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def webhook() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Unavailable)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    finally:
        server.shutdown()
        server.server_close()


def organisation_with_webhook(path: Path, unit: str, url: str) -> Path:
    """The demo organisation, `unit`'s contact reachable by webhook too."""
    org = yaml.safe_load(DEMO_ORG.read_text(encoding="utf-8"))
    (entry,) = [u for u in org["units"] if u["id"] == unit]
    entry["contacts"][0]["webhook"] = url
    path.write_text(yaml.safe_dump(org, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def traced(receiver: OtlpReceiver, webhook: str) -> Iterator[Stack]:
    """A stack of its own whose services export their spans to `receiver`."""
    workdir = Path(tempfile.mkdtemp(prefix="complaints-traced-"))
    workdir.chmod(0o755)  # PostgreSQL runs as a system user of its own under root
    config = StackConfig(
        workdir=workdir,
        org_file=organisation_with_webhook(workdir / "organisation.yaml", "YN-KM-01", webhook),
        pg_port=free_port(),
        broker_port=free_port(),
        service_ports={spec.name: free_port() for spec in SERVICES},
        intake_rate_limit=0,
        durable=False,
        partitions=3,
        health_timeout=300.0,  # a busy machine starts five services slowly
        extra_env={
            "OTEL_TRACES_EXPORTER": "otlp",
            "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint,
            "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
            "OTEL_BSP_SCHEDULE_DELAY": "200",
            "ALERT_MAX_ATTEMPTS": "2",
            "ALERT_BACKOFF_SECONDS": "0.2",
        },
    )
    stack = Stack(config)
    try:
        stack.start()
        yield stack
    finally:
        # Read before the stop: a service stopped while a reply is on its way makes PostgreSQL log
        # "connection to client lost", which says nothing about what the services did.
        logged = problems_of(stack.postgres) if stack.postgres else []
        stack.stop()
        if os.environ.get("KEEP_SYSTEM_LOGS"):
            print(f"traced stack logs kept in {workdir / 'logs'}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    assert not logged, "PostgreSQL's server log:\n" + "\n".join(logged)


def client(stack: Stack, unit: str) -> httpx.Client:
    token = issue_token(unit, stack.config.jwt_secret)
    return httpx.Client(headers={"Authorization": f"Bearer {token}"}, timeout=10)


def view(stack: Stack, http: httpx.Client, cid: str) -> dict:
    return http.get(f"{stack.base_url('intake')}/v1/complaints/{cid}").json()


def owned_by(stack: Stack, http: httpx.Client, cid: str, unit: str) -> dict:
    return wait_for(
        lambda: (v := view(stack, http, cid)).get("owner_unit") == unit and v,
        timeout=60,
        what=f"{cid} owned by {unit}",
    )


def post_breach_and_transfer(stack: Stack) -> str:
    """A complaint registered three days late (its clocks breached, the owner alerted), then
    handed on from the outlet to its branch."""
    body = {
        "kind": "complaint",
        "channel": "on_site",
        "receiving_unit": "YN-KM-01",
        "business_line": "cards",
        "received_at": (datetime.now(UTC) - timedelta(days=3)).isoformat(),
        "customer": {"name": "卓文君", "phone": "13922223333"},
        "summary": "traced complaint",
    }
    with client(stack, "YN-KM-01") as outlet:
        answer = outlet.post(f"{stack.base_url('intake')}/v1/complaints", json=body)
        assert answer.status_code == 202, answer.text
        cid = answer.json()["complaint_id"]
        owned_by(stack, outlet, cid, "YN-KM-01")
        wait_for(
            lambda: any(c["state"] == "breached" for c in view(stack, outlet, cid)["clocks"]),
            timeout=60,
            what="a breached clock",
        )
        transfer = {
            "type": "transfer_requested",
            "unit": "YN-KM-01",
            "at": datetime.now(UTC).isoformat(),
            "reason": "beyond_authority",
        }
        answer = outlet.post(
            f"{stack.base_url('intake')}/v1/complaints/{cid}/events", json=transfer
        )
        assert answer.status_code == 202, answer.text
    with client(stack, "YN-KM") as branch:
        owned_by(stack, branch, cid, "YN-KM")

        def alerted() -> bool:
            listed = branch.get(
                f"{stack.base_url('notifier')}/v1/notifications", params={"complaint_id": cid}
            ).json()
            return any(n["status"] == "sent" for n in listed.get("notifications", []))

        wait_for(alerted, timeout=60, what="an alert sent")
    return cid


@pytest.fixture(scope="module")
def complaint(traced: Stack) -> str:
    return post_breach_and_transfer(traced)


def services_naming(receiver: OtlpReceiver, cid: str) -> set[str]:
    return {s.service for s in receiver.received(lambda s: s.attributes.get(COMPLAINT_ID) == cid)}


def test_one_complaint_is_traced_through_all_five_services(complaint, receiver):
    cid = complaint
    everyone = {spec.name for spec in SERVICES}
    wait_for(
        lambda: services_naming(receiver, cid) >= everyone,
        timeout=60,
        what="spans naming the complaint from every service",
    )
    # The processing of the last record each service consumed may still be on its way.
    spans = receiver.received(lambda s: s.attributes.get(COMPLAINT_ID) == cid)
    by_name: dict[str, list[ReceivedSpan]] = {}
    for span in spans:
        by_name.setdefault(span.name, []).append(span)

    # HTTP: the posting, and the transfer, are server spans with the HTTP conventions.
    http = [s for s in spans if s.kind == "server" and s.service == "intake"]
    routes = {s.attributes.get("http.route") for s in http}
    assert {"/v1/complaints", "/v1/complaints/{complaint_id}/events"} <= routes, routes
    for span in http:
        method = span.attributes.get("http.request.method", span.attributes.get("http.method"))
        assert method in ("GET", "POST"), span

    # Messaging: every send, receipt and processing carries the conventions.
    sends = {(s.trace_id, s.span_id): s for s in by_name.get(SEND, [])}
    assert {s.service for s in sends.values()} == everyone - {"dashboard"}, "producers"
    for span in [*sends.values(), *by_name.get(RECEIVE, []), *by_name.get(PROCESS, [])]:
        assert span.attributes["messaging.system"] == "kafka", span
        assert span.attributes["messaging.destination.name"] == COMPLAINT_EVENTS, span
    assert all(s.kind == "producer" for s in sends.values())

    # Consumers connect to producers: a receipt is a child of the send span (same trace),
    # a processing span a new trace linked to it. Every service consumed records of others.
    def producer_of(span: ReceivedSpan) -> ReceivedSpan | None:
        if span.name == RECEIVE:
            return sends.get((span.trace_id, span.parent_span_id))
        return next((sends[link] for link in span.links if link in sends), None)

    def connected() -> bool:
        """Every consumer span of the complaint has its producer's span among those received
        so far (read again at each try: spans keep arriving while the wait runs)."""
        nonlocal sends
        sends = {(s.trace_id, s.span_id): s for s in receiver.received(lambda s: s.name == SEND)}
        consumed = receiver.received(
            lambda s: s.attributes.get(COMPLAINT_ID) == cid and s.name in (RECEIVE, PROCESS)
        )
        return all(producer_of(s) is not None for s in consumed)

    wait_for(
        connected,
        timeout=90,
        what="every consumer span's producer span received",
    )
    spans = receiver.received(lambda s: s.attributes.get(COMPLAINT_ID) == cid)
    sends = {(s.trace_id, s.span_id): s for s in spans if s.name == SEND}
    consumed = [s for s in spans if s.name in (RECEIVE, PROCESS)]
    for span in consumed:
        assert span.kind == "consumer", span
        assert producer_of(span) is not None, f"{span.service}'s {span.name} has no producer"
    crossing = {
        (producer.service, span.service)
        for span in consumed
        if span.name == PROCESS and (producer := producer_of(span)) is not None
    }
    consumers = {consumer for producer, consumer in crossing if producer != consumer}
    assert consumers == everyone, crossing
    # The request's trace continues into intake's send: a hop from HTTP onto the log.
    post = next(s for s in http if s.attributes.get("http.route") == "/v1/complaints")
    assert any(s.trace_id == post.trace_id and s.service == "intake" for s in sends.values())


def deliveries(stack: Stack) -> dict[tuple[str, str], float]:
    """The notifier's `notifier_deliveries_total` by (channel, outcome)."""
    text = httpx.get(f"{stack.base_url('notifier')}/metrics").text
    pattern = r'notifier_deliveries_total\{channel="([^"]+)",outcome="([^"]+)"\} ([0-9.e+]+)'
    return {(c, o): float(v) for c, o, v in re.findall(pattern, text)}


def test_a_webhook_that_is_down_is_traced_retried_and_given_up(complaint, traced, receiver):
    cid = complaint
    counted = wait_for(
        lambda: (d := deliveries(traced)).get(("webhook", "failed")) and d,
        timeout=60,
        what="a webhook delivery given up",
    )
    assert counted.get(("webhook", "retry"), 0) >= 1, counted
    assert counted.get(("log", "sent"), 0) >= 1, counted  # the e-mail address, no SMTP here
    assert len(Unavailable.posts) >= 2 * counted[("webhook", "failed")]
    # Each attempt is a delivery span naming the complaint, the POST to the receiver under it.
    calls = wait_for(
        lambda: receiver.received(
            lambda s: (
                s.service == "notifier"
                and s.kind == "client"
                and "/hook" in str(s.attributes)
                and s.attributes.get(COMPLAINT_ID) == cid
            )
        ),
        timeout=30,
        what="the webhook calls traced with the complaint id",
    )
    method = calls[0].attributes.get("http.request.method", calls[0].attributes.get("http.method"))
    assert method == "POST"
    assert calls[0].parent_span_id, "the call is part of its delivery's trace"
