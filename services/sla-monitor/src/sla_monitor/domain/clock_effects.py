"""What the clock fold decides: effects the service layer turns into `sla.*` events.

Each is named for what happens to a clock (`ClockStart`, `ClockBreach`, ...); `translate`
maps it to its contract event (`sla.clock_started`, `sla.breached`, ...).

Every effect names its clock, the clock's `run` (1 for the first start of that clock on the
complaint, +1 on each restart: with the complaint id, clock, run and kind it makes a
deterministic event id) and the owner it is attributed to. A warning, a breach and a stop are
also attributed to the handler at that moment (`handler`: the member of staff holding the
complaint in the owning unit, as the caller of `clocks.decide` knows it from the shared
lifecycle fold; None when nobody holds it). Times are UTC; `.time` is the event time or timer
instant the effect marks, never the processing clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from complaints_shared.workflow.calendar_coverage import ROUND_THE_CLOCK as ROUND_THE_CLOCK
from complaints_shared.workflow.lifecycle import Handler

ClockName = Literal[
    "transfer",
    "start",
    "investigate",
    "resolve",
    "inquiry_reply",
    "committed",
    "customer",
    "return_visit",
]
# The order in which clocks are listed, stopped, started and fired when instants tie.
CLOCK_ORDER: tuple[ClockName, ...] = (
    "transfer",
    "start",
    "investigate",
    "resolve",
    "inquiry_reply",
    "committed",
    "customer",
    "return_visit",
)


@dataclass(frozen=True)
class ClockStart:
    clock: ClockName
    run: int
    owner: str
    started_at: datetime
    due_at: datetime
    budget_seconds: int
    calendar: str  # "24x7", or the unit whose working calendar counts
    handling_level: str | None = None

    @property
    def time(self) -> datetime:
        return self.started_at


@dataclass(frozen=True)
class ClockPause:
    clock: ClockName
    run: int
    owner: str
    at: datetime
    remaining_seconds: int

    @property
    def time(self) -> datetime:
        return self.at


@dataclass(frozen=True)
class ClockResumption:
    clock: ClockName
    run: int
    owner: str
    at: datetime
    due_at: datetime

    @property
    def time(self) -> datetime:
        return self.at


@dataclass(frozen=True)
class ClockReschedule:
    """A running or paused clock's due time moved (an approved deadline extension).

    For a paused clock both due times are those it would have if resumed at `at`. `key`
    tells this move from the run's others (the extension request's id), for the event id.
    """

    clock: ClockName
    run: int
    owner: str
    at: datetime
    due_at: datetime
    previous_due_at: datetime
    reason: str
    key: str

    @property
    def time(self) -> datetime:
        return self.at


@dataclass(frozen=True)
class ClockStop:
    clock: ClockName
    run: int
    owner: str
    outcome: Literal["met", "cancelled"]
    at: datetime
    late: bool = False  # met after the clock breached
    # The due time the clock had (for a paused clock: had it resumed at the stop), and the
    # working time on the clock's own calendar from the stop to it: positive when stopped
    # early, negative when late (real seconds on a 24x7 clock).
    due_at: datetime | None = None
    margin_seconds: int | None = None
    handler: Handler | None = None

    @property
    def time(self) -> datetime:
        return self.at


@dataclass(frozen=True)
class ClockWarning:
    clock: ClockName
    run: int
    owner: str
    point: str  # "75%", "1h", ...
    at: datetime  # the instant the point marks
    due_at: datetime
    remaining_seconds: int
    handler: Handler | None = None

    @property
    def time(self) -> datetime:
        return self.at


@dataclass(frozen=True)
class ClockBreach:
    clock: ClockName
    run: int
    owner: str
    due_at: datetime
    handler: Handler | None = None

    @property
    def time(self) -> datetime:
        return self.due_at


# The effects that name the handler at their moment.
ATTRIBUTED = (ClockStop, ClockWarning, ClockBreach)

ClockEffect = (
    ClockStart
    | ClockPause
    | ClockResumption
    | ClockReschedule
    | ClockStop
    | ClockWarning
    | ClockBreach
)
