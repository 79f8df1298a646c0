"""The SLA monitor's settings: the shared ones, its database, and every clock budget."""

from __future__ import annotations

from datetime import timedelta

from pydantic import AliasChoices, Field

from complaints_shared.settings import ServiceSettings

from .domain.policy import ClockPolicy


class SlaSettings(ServiceSettings):
    database_url: str = Field(
        default="postgresql+asyncpg://postgres@127.0.0.1:5544/sla_monitor",
        validation_alias=AliasChoices("SLA_MONITOR_DATABASE_URL", "DATABASE_URL"),
    )
    resolve_days_branch: float = 1
    resolve_days_province: float = 2
    resolve_days_supervision: float = 3
    resolve_days_hq: float = 3
    transfer_minutes: float = 60
    start_minutes: float = 120
    investigate_minutes: float = Field(
        default=1440,
        ge=0,
        description="the 24x7 investigate clock of a logistics complaint: the owner's "
        "supervisor investigates and decides a plan",
    )
    inquiry_reply_minutes: float = 30
    customer_days: float = 5
    warn_fractions: list[float] = [0.75]
    warn_before_due_minutes: list[float] = [60]
    return_visit_days: float = Field(default=3, ge=0)
    return_visit_sample_percent: int = Field(default=10, ge=0, le=100)
    level_overrides_minutes: dict[str, dict[str, float]] = Field(
        default_factory=dict,
        description="per handling level, minutes of a 24x7 clock, "
        'e.g. {"province": {"start": 240}}',
    )

    def policy(self) -> ClockPolicy:
        return ClockPolicy(
            resolve_days={
                "branch": self.resolve_days_branch,
                "province": self.resolve_days_province,
                "supervision": self.resolve_days_supervision,
                "hq": self.resolve_days_hq,
            },
            transfer=timedelta(minutes=self.transfer_minutes),
            start=timedelta(minutes=self.start_minutes),
            investigate=timedelta(minutes=self.investigate_minutes),
            inquiry_reply=timedelta(minutes=self.inquiry_reply_minutes),
            customer_days=self.customer_days,
            warn_fractions=tuple(self.warn_fractions),
            warn_before_due=tuple(timedelta(minutes=m) for m in self.warn_before_due_minutes),
            level_overrides={
                level: {clock: timedelta(minutes=m) for clock, m in clocks.items()}
                for level, clocks in self.level_overrides_minutes.items()
            },
            return_visit_days=self.return_visit_days,
            return_visit_sample_percent=self.return_visit_sample_percent,
        )
