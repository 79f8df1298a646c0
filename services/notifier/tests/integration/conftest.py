"""The notifier in-process against real parts: PostgreSQL, a Kafka-protocol broker, an SMTP
server (aiosmtpd) and an HTTP receiver (webhooks and the SMS gateway) on free ports.

One notifier runs per test module, with its own database, a one-partition broker (so every
complaint shares one partition: a stalled partition would stall them all), and an
organisation file whose contacts point at the test servers; each scenario has its own outlet.
With --import-mode=importlib test modules cannot import this file, so helpers are fixtures.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import threading
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
import yaml
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiosmtpd.controller import Controller

from complaints_shared.contracts.envelope import Envelope, from_kafka, new_id, to_kafka
from complaints_shared.contracts.routing_events import ComplaintAssigned
from complaints_shared.contracts.topics import COMPLAINT_EVENTS
from complaints_shared.http.auth import issue_token
from complaints_shared.logging import configure_logging
from complaints_shared.migrations import upgrade
from complaints_shared.testing import eventually
from devstack.broker import TansuBroker
from devstack.fixtures import running_broker, running_postgres
from devstack.ports import free_port
from devstack.postgres import EmbeddedPostgres
from notifier.bootstrap import create_app
from notifier.config import NotifierSettings

pytestmark = pytest.mark.integration
JWT_SECRET = "notifier-tests-secret-long-enough-for-hs256"
WEBHOOK_SECRET = "notifier-tests-webhook-secret"


# -- an SMTP server and an HTTP receiver ------------------------------------------------------
@dataclass
class Mail:
    to: list[str]
    subject: str
    body: str
    raw: str


class MailBox:
    def __init__(self) -> None:
        self.mails: list[Mail] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 (aiosmtpd API)
        message = message_from_bytes(envelope.original_content, policy=policy.default)
        body = message.get_body(("plain",)).get_content()
        mail = Mail(list(envelope.rcpt_tos), str(message["Subject"]), body, str(message))
        with self.lock:
            self.mails.append(mail)
        return "250 OK"

    def to(self, address: str) -> list[Mail]:
        with self.lock:
            return [m for m in self.mails if address in m.to]


@dataclass
class Request:
    path: str
    headers: dict[str, str]
    body: bytes
    answered: int

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """`/ok/…` answers 200, `/flaky/N/…` 503 N times then 200, `/down/…` always 500."""

    port: int
    requests: list[Request] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def answer(self, path: str) -> int:
        parts = path.strip("/").split("/")
        if parts[0] == "down":
            return 500
        if parts[0] == "flaky":
            earlier = sum(1 for r in self.requests if r.path == path)
            return 503 if earlier < int(parts[1]) else 200
        return 200

    def at(self, path: str) -> list[Request]:
        with self.lock:
            return [r for r in self.requests if r.path == path]


def _serve(receiver: Receiver) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server API)
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            with receiver.lock:
                status = receiver.answer(self.path)
                receiver.requests.append(Request(self.path, dict(self.headers), body, status))
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", receiver.port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


# -- infrastructure -------------------------------------------------------------------------
@pytest.fixture(scope="session")
def postgres() -> Iterator[EmbeddedPostgres]:
    # Throw-away data: fsync, synchronous_commit and full_page_writes off, for speed.
    with running_postgres("notifier-it-pg-", durable=False) as server:
        yield server


@pytest.fixture(scope="module")
def broker() -> Iterator[TansuBroker]:
    with running_broker(1) as server:
        yield server


@pytest.fixture(scope="session")
def mailbox() -> Iterator[tuple[MailBox, int]]:
    box, port = MailBox(), free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield box, port
    finally:
        controller.stop()


@pytest.fixture(scope="session")
def receiver() -> Iterator[Receiver]:
    receiver = Receiver(free_port())
    server = _serve(receiver)
    try:
        yield receiver
    finally:
        server.shutdown()


@pytest.fixture
def captured_logs(notifier: Notifier) -> Iterator[io.StringIO]:
    """Every line the notifier logs during the test, formatted exactly as in production."""
    root = logging.getLogger()
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(notifier.log_format)
    root.addHandler(handler)
    try:
        yield stream
    finally:
        root.removeHandler(handler)


# -- the notifier ---------------------------------------------------------------------------
OUTLETS = {  # one outlet per scenario, so rate limits and receivers do not mix
    "P-B-01": "ok",  # assignment, redelivery
    "P-B-02": "flaky/2",  # fails twice, then takes it
    "P-B-03": "down",  # always fails
    "P-B-04": "ok",  # the other complaints that keep flowing
    "P-B-05": "ok",  # breaches and their escalation
    "P-B-06": "ok",  # a burst of warnings
}
SETTINGS = {
    "alert_max_attempts": 3,
    "alert_backoff_seconds": 0.5,  # 0.25-0.5 s, then 0.5-1 s
    "alert_rate_limit": 3,
    "alert_rate_window_seconds": 2.0,
    # Escalation steps: the owner at once, the unit above the unit escalated to when 30 min
    # late, the province supervision line when 3 s late.
    "alert_escalation_after_seconds": (0, 1800, 3),
    "alert_dispatch_poll_seconds": 0.5,
    "outbox_poll_seconds": 0.5,
}


def organisation(receiver: Receiver, token: str) -> dict:
    """Province P (supervision line P-SUP, customer-service P-CS), branch P-B, its outlets.

    Every unit's contact has an email `<unit>@<token>.example`, an SMS number of its own and a
    webhook at `/<behaviour>/<token>/<unit>` (see `Receiver`).
    """

    def unit(n: int, uid: str, kind: str, parent: str | None, **more: Any) -> dict:
        contact = {
            "name": f"{uid} desk",
            "email": f"{uid.lower()}@{token}.example",
            "sms": f"+86 139 0000 {n:04d}",
            "webhook": receiver.url(f"/{OUTLETS.get(uid, 'ok')}/{token}/{uid}"),
        }
        return {"id": uid, "kind": kind, "parent": parent, "contacts": [contact], **more}

    outlets = [unit(10 + i, uid, "outlet", "P-B", lines=["cards"]) for i, uid in enumerate(OUTLETS)]
    outlets[0]["timezone"] = "Asia/Urumqi"
    return {
        "timezone": "Asia/Shanghai",
        "business_lines": ["cards"],
        "units": [
            unit(1, "HQ", "hq", None),
            unit(2, "P", "province", "HQ"),
            unit(3, "P-SUP", "supervision_line", "P"),
            unit(4, "P-CS", "province_cs_department", "P"),
            unit(5, "P-CARDS", "province_department", "P", lines=["cards"]),
            unit(6, "P-B", "branch", "P", lines=["cards"]),
            *outlets,
        ],
    }


@dataclass
class Notifier:
    bootstrap: str
    token: str
    receiver: Receiver
    mailbox: MailBox
    api: httpx.AsyncClient
    log_format: logging.Formatter
    org: dict

    def contact(self, unit: str) -> dict:
        return next(u for u in self.org["units"] if u["id"] == unit)["contacts"][0]

    def sms_to(self, unit: str) -> list[Request]:
        number = self.contact(unit)["sms"]
        return [q for q in self.receiver.at(f"/ok/{self.token}/sms") if q.json()["to"] == number]

    def email(self, unit: str) -> str:
        return f"{unit.lower()}@{self.token}.example"

    def hook(self, unit: str) -> str:
        return f"/{OUTLETS.get(unit, 'ok')}/{self.token}/{unit}"

    async def produce(self, *envelopes: Envelope) -> None:
        producer = AIOKafkaProducer(bootstrap_servers=self.bootstrap, acks="all")
        await producer.start()
        try:
            for envelope in envelopes:
                key, value, headers = to_kafka(envelope)
                await producer.send_and_wait(COMPLAINT_EVENTS, value, key=key, headers=headers)
        finally:
            await producer.stop()

    async def read_log(self, topic: str = COMPLAINT_EVENTS) -> list:
        consumer = AIOKafkaConsumer(bootstrap_servers=self.bootstrap, enable_auto_commit=False)
        await consumer.start()
        try:
            partition = TopicPartition(topic, 0)
            consumer.assign([partition])
            await consumer.seek_to_beginning(partition)
            end = (await consumer.end_offsets([partition]))[partition]
            records = []
            while await consumer.position(partition) < end:
                for batch in (await consumer.getmany(timeout_ms=500)).values():
                    records.extend(batch)
            return records
        finally:
            await consumer.stop()

    async def events(self, complaint_id: str, type_: str) -> list[Envelope]:
        records = [r for r in await self.read_log() if r.key == complaint_id.encode()]
        found = [from_kafka(r.key, r.value, r.headers) for r in records]
        return [e for e in found if e.type == type_]

    async def ask(self, complaint_id: str, unit: str = "HQ") -> httpx.Response:
        return await self.api.get(
            "/v1/notifications",
            params={"complaint_id": complaint_id},
            headers={"Authorization": f"Bearer {issue_token(unit, JWT_SECRET)}"},
        )

    async def notifications(self, complaint_id: str, unit: str = "HQ") -> list[dict]:
        response = await self.ask(complaint_id, unit)
        assert response.status_code == 200, response.text
        return response.json()["notifications"]


@pytest.fixture(scope="module")
async def notifier(
    postgres: EmbeddedPostgres,
    broker: TansuBroker,
    mailbox: tuple[MailBox, int],
    receiver: Receiver,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[Notifier]:
    """One notifier for the module (joining a consumer group takes the dev broker ~5 s)."""
    token = uuid.uuid4().hex[:10]
    database = f"notifier_{token}"
    postgres.create_database(database)
    org_file = tmp_path_factory.mktemp("org") / "organisation.yaml"
    org = organisation(receiver, token)
    org_file.write_text(yaml.safe_dump(org))
    box, smtp_port = mailbox
    settings = NotifierSettings(
        NOTIFIER_DATABASE_URL=postgres.url(database),
        kafka_bootstrap_servers=broker.bootstrap,
        org_directory=str(org_file),
        jwt_secret=JWT_SECRET,
        public_base_url="https://complaints.example",
        smtp_host="127.0.0.1",
        smtp_port=smtp_port,
        smtp_from="notifier@complaints.example",
        webhook_secret=WEBHOOK_SECRET,
        sms_gateway_url=receiver.url(f"/ok/{token}/sms"),
        **SETTINGS,
    )
    configure_logging("notifier", "INFO")
    log_format = logging.getLogger().handlers[0].formatter
    await asyncio.to_thread(upgrade, "notifier", settings.database_url)
    app = create_app(settings)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://n") as api,
    ):
        notifier = Notifier(broker.bootstrap, token, receiver, box, api, log_format, org)
        # Wait until the consumer has joined its group: later timings are then the notifier's.
        await notifier.produce(event(new_id(), _assigned("P-CARDS")))
        await eventually(lambda: box.to(notifier.email("P-CARDS")), what="warm-up", within=30)
        yield notifier


def _assigned(owner: str) -> ComplaintAssigned:
    return ComplaintAssigned(owner_unit=owner, handling_level="province", rule="t", reason="t")


# -- events ---------------------------------------------------------------------------------
def event(complaint_id: str, data: Any, *, time: datetime | None = None) -> Envelope:
    return Envelope(
        id=new_id(),
        source="/notifier-tests",
        type=data.type_name(),
        subject=complaint_id,
        time=time or datetime.now(UTC),
        data=data.model_dump(mode="json"),
    )


@pytest.fixture(name="event")
def event_fixture() -> Callable[..., Envelope]:
    return event


@pytest.fixture(name="eventually")
def eventually_fixture() -> Callable[..., Any]:
    return eventually
