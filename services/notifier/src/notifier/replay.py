"""`python -m notifier replay [--check]`: what the notifier recorded — each complaint's facts
(`complaint_facts`) and every alert it decided on (`alerts`) — rebuilt from the whole log by its
own handlers (`NotifierHandlers`, as the live consumer wires them) on in-memory stores.

A replay never sends anything: its alert store records the alerts and drops what would
deliver them (no delivery, no rate window, nothing the dispatcher reads), and the copy it
writes holds no delivery. What the handlers record is a function of the log alone (a warning
is recorded however late, with its due time as its expiry; an escalation step is scheduled
from the breach's due time; texts state the due time, never how late it is "now"), so the
replay equals the live projection however late the live notifier applied each event. The
handlers' clock only places deliveries, which a replay has none of: it is the time of the
event being applied. How each alert went out (its delivery, status — `superseded` for a
warning the dispatcher found past its due time —, attempts, when it was sent) is the
dispatcher's doing at processing time and is not compared.
"""

from __future__ import annotations

import argparse
import asyncio
from dataclasses import asdict
from datetime import datetime, timedelta

from complaints_shared.contracts.envelope import Envelope
from complaints_shared.organisation import Organisation, load_organisation
from complaints_shared.replay.command import Replay, run_replay
from complaints_shared.replay.compare import Compared
from complaints_shared.replay.copies import in_utc
from complaints_shared.replay.journal import Journal

from .adapters.alert_store import ERASED_CUSTOMER, NewAlert, NewDelivery
from .adapters.facts import facts_values
from .adapters.tables import alerts, complaint_facts
from .config import NotifierSettings
from .domain.facts import ComplaintFacts
from .domain.policy import RateLimit, Window
from .service_layer.handlers import NotifierHandlers
from .service_layer.recording import AlertBook
from .service_layer.stores import Stores

FACTS, ALERTS, ALERTS_OF = "facts", "alerts", "alerts_of"
DISPATCH = "how it went out: the dispatcher's doing, at processing time"
COMPARED = (
    Compared(complaint_facts, ("complaint_id",)),
    Compared(
        alerts,
        ("alert_id",),
        ignored={
            "status": DISPATCH,
            "attempts": DISPATCH,
            "delivery_id": DISPATCH,
            "sent_at": DISPATCH,
            "reason": DISPATCH,
            "created_at": "processing time: when the live consumer recorded the alert",
            "seq": "processing order: partitions are applied concurrently live",
        },
    ),
)


class ReplayFacts:
    """The `FactsStore` on the replay's journal."""

    def __init__(self, journal: Journal) -> None:
        self.journal = journal

    async def load(self, complaint_id: str) -> ComplaintFacts | None:
        facts: ComplaintFacts | None = self.journal.get(FACTS, complaint_id)
        return facts

    async def save(self, complaint_id: str, facts: ComplaintFacts) -> None:
        self.journal.put(FACTS, complaint_id, facts)


class RecordedOnly:
    """The `AlertStore` of a replay: alerts are recorded, nothing is ever to be delivered."""

    def __init__(self, journal: Journal) -> None:
        self.journal = journal

    async def add_alert(self, alert: NewAlert) -> bool:
        if (ALERTS, alert.alert_id) in self.journal:
            return False
        row = {**in_utc(asdict(alert)), "status": "pending", "attempts": 0}
        self.journal.put(ALERTS, alert.alert_id, row)
        cid = alert.complaint_id
        self.journal.put(ALERTS_OF, cid, (*self.journal.get(ALERTS_OF, cid, ()), alert.alert_id))
        return True

    async def lock_window(self, key: str, now: datetime) -> tuple[Window | None, str | None]:
        return None, None  # every alert alone: no rate window, no digest

    async def save_window(self, key: str, window: Window, digest_id: str | None) -> None:
        return None

    async def lock_delivery_status(self, delivery_id: str) -> str | None:
        return None

    async def add_delivery(self, delivery: NewDelivery) -> None:
        return None  # never delivered

    async def attach(self, alert_id: str, delivery_id: str, *, folded: bool) -> None:
        return None

    async def call_off(self, complaint_id: str, clock: str, stopped_at: datetime) -> int:
        return 0  # nothing is scheduled to go out

    async def forget_customer(self, complaint_id: str, masked: str) -> None:
        for alert_id in self.journal.get(ALERTS_OF, complaint_id, ()):
            row = self.journal.get(ALERTS, alert_id)
            message = row["message"].replace(masked, ERASED_CUSTOMER)
            self.journal.put(ALERTS, alert_id, {**row, "message": message})


class EventClock:
    """`now` for the handlers (it only places deliveries): the time of the event applied."""

    def __init__(self) -> None:
        self.at = datetime.min

    def set(self, envelope: Envelope) -> None:
        self.at = envelope.time

    def __call__(self) -> datetime:
        return self.at


def notifier_replay(org: Organisation, settings: NotifierSettings) -> Replay:
    journal = Journal()
    stores = Stores(facts=ReplayFacts(journal), alerts=RecordedOnly(journal))
    limit = RateLimit(
        messages=settings.alert_rate_limit,
        window=timedelta(seconds=settings.alert_rate_window_seconds),
    )
    clock = EventClock()
    handlers = NotifierHandlers(org, settings, AlertBook(limit), lambda session: stores, clock)

    def rows(written_at: datetime) -> dict:
        return {
            complaint_facts: [
                {"complaint_id": cid, **facts_values(facts)} for cid, facts in journal.rows(FACTS)
            ],
            alerts: [
                {**row, "created_at": written_at, "delivery_id": None, "sent_at": None}
                | {"reason": None}
                for _, row in journal.rows(ALERTS)
            ],
        }

    return Replay("notifier", handlers.registry(), journal, COMPARED, rows, before=clock.set)


def replay(settings: NotifierSettings, args: argparse.Namespace) -> int:
    org = load_organisation(settings.org_directory)
    return asyncio.run(
        run_replay(
            notifier_replay(org, settings),
            bootstrap_servers=settings.kafka_bootstrap_servers,
            database_url=settings.database_url,
            check=args.check,
        )
    )
