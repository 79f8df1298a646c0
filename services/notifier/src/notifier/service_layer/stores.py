"""The stores a handler works on, opened on the consumer's transaction.

The consumer hands every handler its session (the inbox record is written in the same
transaction); a handler turns it into `Stores` with the `StoresFor` that `bootstrap` wired
(the SQL adapters) or a test passes (`notifier.testing.fakes`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from ..adapters.alert_store import AlertStore
from ..adapters.delivery_store import DeliveryStore
from ..adapters.facts import FactsStore


@dataclass(frozen=True)
class Stores:
    facts: FactsStore
    alerts: AlertStore


StoresFor = Callable[[AsyncSession], Stores]
DeliveriesFor = Callable[[AsyncSession], DeliveryStore]
