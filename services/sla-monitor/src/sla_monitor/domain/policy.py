"""Clock budgets (DOMAIN.md §4) and the due time of a `resolve` clock."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from .working_time import Calendar, add_working_days


@dataclass(frozen=True)
class ClockPolicy:
    resolve_days: dict[str, float] = field(
        default_factory=lambda: {"branch": 1, "province": 2, "supervision": 3, "hq": 3}
    )

    def resolve_due(self, calendar: Calendar, assigned_at: datetime, level: str) -> datetime:
        """Resolve and reply within N working days of receiving the assignment."""
        return add_working_days(calendar, assigned_at, self.resolve_days[level])
