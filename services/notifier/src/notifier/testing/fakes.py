"""In-memory stores with the same behaviour as the SQL adapters (the contract tests under
tests/integration/ run the same cases on both).

`FakeTables` holds the notifier's tables as dictionaries; the fake stores are views on it, so
what the handlers record the dispatcher's store finds, as on PostgreSQL. There are no
transactions: every write is at once visible, and locks are no-ops.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ..adapters.alert_store import ERASED_CUSTOMER, NewAlert, NewDelivery
from ..adapters.delivery_store import SUPERSEDED, Delivery, StoredAlert
from ..adapters.notifications import LISTED_NAMES
from ..domain.facts import ComplaintFacts
from ..domain.policy import Window
from ..service_layer.stores import Stores

OPEN = ("pending", "folded")


@dataclass
class FakeTables:
    facts: dict[str, ComplaintFacts] = field(default_factory=dict)
    alerts: dict[str, dict[str, Any]] = field(default_factory=dict)  # by alert id
    deliveries: dict[str, dict[str, Any]] = field(default_factory=dict)  # by delivery id
    windows: dict[str, dict[str, Any]] = field(default_factory=dict)  # by recipient key
    last_seq: int = 0

    def stores(self, session: AsyncSession | None = None) -> Stores:
        """A `StoresFor`: the handlers' stores (the session is ignored)."""
        return Stores(facts=FakeFacts(self), alerts=FakeAlertStore(self))

    def delivery_store(self, session: AsyncSession | None = None) -> FakeDeliveryStore:
        """A `DeliveriesFor`: the dispatcher's store (the session is ignored)."""
        return FakeDeliveryStore(self)

    def reads(self) -> FakeNotificationReads:
        return FakeNotificationReads(self)

    def alerts_of(self, complaint_id: str) -> list[dict[str, Any]]:
        """Every alert row of a complaint, in the order they were recorded (for assertions)."""
        rows = [row for row in self.alerts.values() if row["complaint_id"] == complaint_id]
        return sorted(rows, key=lambda row: row["seq"])


class FakeFacts:
    def __init__(self, tables: FakeTables) -> None:
        self.tables = tables

    async def load(self, complaint_id: str) -> ComplaintFacts | None:
        facts = self.tables.facts.get(complaint_id)
        return None if facts is None else replace(facts, breaches=dict(facts.breaches))

    async def save(self, complaint_id: str, facts: ComplaintFacts) -> None:
        self.tables.facts[complaint_id] = replace(facts, breaches=dict(facts.breaches))


class FakeAlertStore:
    def __init__(self, tables: FakeTables) -> None:
        self.tables = tables

    async def add_alert(self, alert: NewAlert) -> bool:
        if alert.alert_id in self.tables.alerts:
            return False
        self.tables.last_seq += 1
        self.tables.alerts[alert.alert_id] = {
            **asdict(alert),
            "status": "pending",
            "attempts": 0,
            "seq": self.tables.last_seq,
            "delivery_id": None,
            "sent_at": None,
            "reason": None,
            "created_at": datetime.now(UTC),
        }
        return True

    async def lock_window(self, key: str, now: datetime) -> tuple[Window | None, str | None]:
        row = self.tables.windows.setdefault(
            key, {"window_start": now, "sent": 0, "digest_id": None}
        )
        if row["sent"] == 0:
            return None, None
        return Window(row["window_start"], row["sent"]), row["digest_id"]

    async def save_window(self, key: str, window: Window, digest_id: str | None) -> None:
        if key in self.tables.windows:
            self.tables.windows[key] = {
                "window_start": window.start,
                "sent": window.sent,
                "digest_id": digest_id,
            }

    async def lock_delivery_status(self, delivery_id: str) -> str | None:
        row = self.tables.deliveries.get(delivery_id)
        return None if row is None else str(row["status"])

    async def add_delivery(self, delivery: NewDelivery) -> None:
        self.tables.deliveries.setdefault(
            delivery.delivery_id,
            {
                **asdict(delivery),
                "status": "pending",
                "attempts": 0,
                "lease_until": None,
                "last_error": None,
                "finished_at": None,
            },
        )

    async def attach(self, alert_id: str, delivery_id: str, *, folded: bool) -> None:
        if alert_id in self.tables.alerts:
            self.tables.alerts[alert_id] |= {
                "delivery_id": delivery_id,
                "status": "folded" if folded else "pending",
            }

    async def forget_customer(self, complaint_id: str, masked: str) -> None:
        for row in self.tables.alerts.values():
            if row["complaint_id"] == complaint_id:
                row["message"] = row["message"].replace(masked, ERASED_CUSTOMER)

    async def call_off(self, complaint_id: str, clock: str, stopped_at: datetime) -> int:
        steps = {
            row["delivery_id"]
            for row in self.tables.alerts.values()
            if row["complaint_id"] == complaint_id
            and row["clock"] == clock
            and row["status"] == "pending"
            and row["scheduled_for"] is not None
            and row["scheduled_for"] > stopped_at
        }
        ids = [
            delivery_id
            for delivery_id, row in self.tables.deliveries.items()
            if delivery_id in steps and row["status"] == "pending" and row["attempts"] == 0
        ]
        for delivery_id in ids:
            self.tables.deliveries[delivery_id] |= {
                "status": "cancelled",
                "finished_at": stopped_at,
            }
        for row in self.tables.alerts.values():
            if row["delivery_id"] in ids:
                row |= {"status": "cancelled", "reason": f"the {clock} clock stopped first"}
            elif (
                row["complaint_id"] == complaint_id
                and row["clock"] == clock
                and row["expires_at"] is not None
                and row["status"] in OPEN
                and self.tables.deliveries.get(row["delivery_id"], {}).get("status") == "pending"
            ):
                row |= {"status": "superseded", "reason": f"the {clock} clock stopped first"}
        return len(ids)


def _delivery(row: dict[str, Any]) -> Delivery:
    return Delivery(**{name: row[name] for name in Delivery.__dataclass_fields__})


def _alert(row: dict[str, Any]) -> StoredAlert:
    return StoredAlert(**{name: row[name] for name in StoredAlert.__dataclass_fields__})


class FakeDeliveryStore:
    def __init__(self, tables: FakeTables) -> None:
        self.tables = tables

    async def claim(self, now: datetime, limit: int, lease: timedelta) -> list[Delivery]:
        due = [
            row
            for row in self.tables.deliveries.values()
            if (row["status"] == "pending" and row["next_attempt_at"] <= now)
            or (row["status"] == "sending" and row["lease_until"] < now)
        ]
        claimed = sorted(due, key=lambda row: row["next_attempt_at"])[:limit]
        for row in claimed:
            row |= {
                "status": "sending",
                "attempts": row["attempts"] + 1,
                "lease_until": now + lease,
            }
        return [_delivery(row) for row in claimed]

    async def next_due(self) -> datetime | None:
        rows = self.tables.deliveries.values()
        times = [
            min((r["next_attempt_at"] for r in rows if r["status"] == "pending"), default=None),
            min((r["lease_until"] for r in rows if r["status"] == "sending"), default=None),
        ]
        return min((t for t in times if t is not None), default=None)

    async def open_alerts(self, delivery_id: str) -> list[StoredAlert]:
        return [_alert(row) for row in self._open(delivery_id)]

    async def mark_sent(self, claimed: Delivery, now: datetime) -> list[StoredAlert]:
        if not self._settle(claimed, status="sent", finished_at=now, last_error=None):
            return []
        return self._close(claimed, status="sent", attempts=claimed.attempts, sent_at=now)

    async def mark_failed(self, claimed: Delivery, now: datetime, reason: str) -> list[StoredAlert]:
        if not self._settle(claimed, status="failed", finished_at=now, last_error=reason):
            return []
        return self._close(claimed, status="failed", attempts=claimed.attempts, reason=reason)

    async def retry_later(self, claimed: Delivery, at: datetime, reason: str) -> bool:
        if not self._settle(claimed, status="pending", next_attempt_at=at, last_error=reason):
            return False
        self._close(claimed, attempts=claimed.attempts, reason=reason)
        return True

    async def mark_empty(self, claimed: Delivery, now: datetime) -> None:
        self._settle(claimed, status="cancelled", finished_at=now)

    async def supersede(
        self, claimed: Delivery, alert_ids: list[str], now: datetime, *, whole: bool
    ) -> None:
        if whole and not self._settle(claimed, status="superseded", finished_at=now):
            return
        for row in self._open(claimed.delivery_id):
            if row["alert_id"] in alert_ids:
                row |= {"status": "superseded", "reason": SUPERSEDED}

    def _open(self, delivery_id: str) -> list[dict[str, Any]]:
        rows = [
            row
            for row in self.tables.alerts.values()
            if row["delivery_id"] == delivery_id and row["status"] in OPEN
        ]
        return sorted(rows, key=lambda row: row["seq"])

    def _settle(self, claimed: Delivery, **values: Any) -> bool:
        row = self.tables.deliveries.get(claimed.delivery_id)
        if row is None or row["status"] != "sending" or row["attempts"] != claimed.attempts:
            return False
        row |= {"lease_until": None, **values}
        return True

    def _close(self, claimed: Delivery, **values: Any) -> list[StoredAlert]:
        rows = self._open(claimed.delivery_id)
        for row in rows:
            row |= values
        return [_alert(row) for row in rows]


class FakeNotificationReads:
    def __init__(self, tables: FakeTables) -> None:
        self.tables = tables

    async def facts(self, complaint_id: str) -> ComplaintFacts | None:
        return await FakeFacts(self.tables).load(complaint_id)

    async def alerts_of(self, complaint_id: str) -> list[dict[str, Any]]:
        return [
            {name: row[name] for name in LISTED_NAMES}
            for row in self.tables.alerts_of(complaint_id)
        ]
