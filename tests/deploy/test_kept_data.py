"""The checks `make run` makes before it goes on with kept data (pure parts).

A changed organisation file, signing secret or partition count is named in the refusal; a
service's stored position past the restored log's end is named with how much is missing.
"""

from __future__ import annotations

import threading
from pathlib import Path
from types import SimpleNamespace

from devstack import demo_loader
from devstack.keeping import (
    JWT_SECRET,
    ORGANISATION,
    PARTITIONS,
    Position,
    changed_settings,
    fingerprints,
    log_refusal,
    settings_refusal,
    shortfalls,
    unarchived,
)
from devstack.kept import DEMO_MONTH
from devstack.stack import DEMO_ORG

WORKDIR = Path(".devstack")
ORG = Path("deploy/demo/organisation.yaml")


def test_the_same_settings_change_nothing():
    kept = fingerprints(b"units: []", "a-secret", 6)
    assert changed_settings(kept, fingerprints(b"units: []", "a-secret", 6)) == []


def test_each_changed_setting_is_named():
    kept = fingerprints(b"units: []", "a-secret", 6)
    assert changed_settings(kept, fingerprints(b"units: [x]", "a-secret", 6)) == [ORGANISATION]
    assert changed_settings(kept, fingerprints(b"units: []", "other", 6)) == [JWT_SECRET]
    assert changed_settings(kept, fingerprints(b"units: []", "a-secret", 3)) == [PARTITIONS]
    both = changed_settings(kept, fingerprints(b"units: [x]", "other", 6))
    assert both == [ORGANISATION, JWT_SECRET]


def test_a_setting_not_kept_before_is_no_change():
    now = fingerprints(b"units: []", "a-secret", 6)
    assert changed_settings({}, now) == []
    assert changed_settings({ORGANISATION: now[ORGANISATION]}, now) == []


def test_the_secret_is_kept_as_a_digest_only():
    kept = fingerprints(b"units: []", "a-very-recognisable-secret", 6)
    assert "a-very-recognisable-secret" not in "".join(kept.values())
    assert len(kept[JWT_SECRET]) == 64


def test_the_settings_refusal_names_what_changed_and_how_to_start_clean():
    message = settings_refusal([JWT_SECRET], ORG, WORKDIR)
    assert "JWT_SECRET" in message and "organisation" not in message
    assert "make reset" in message and "FRESH=1" in message and str(WORKDIR) in message
    message = settings_refusal([ORGANISATION], ORG, WORKDIR)
    assert str(ORG) in message and "JWT_SECRET" not in message


def position(next_offset: int, partition: int = 0, service: str = "routing") -> Position:
    return Position(service, service, "complaint-events", partition, next_offset)


def test_positions_within_the_restored_log_are_fine():
    ends = {("complaint-events", 0): 10, ("complaint-events", 1): 0}
    assert shortfalls([position(10), position(3), position(0, partition=1)], ends) == []


def test_a_position_past_the_end_is_a_shortfall():
    ends = {("complaint-events", 0): 10}
    found = shortfalls([position(12), position(10, service="intake")], ends)
    assert [(s.position.service, s.end, s.missing) for s in found] == [("routing", 10, 2)]


def test_a_partition_the_log_does_not_have_ends_at_zero():
    found = shortfalls([position(1, partition=5)], {("complaint-events", 0): 10})
    assert [(s.end, s.missing) for s in found] == [(0, 1)]


def test_the_log_refusal_names_each_service_partition_and_gap():
    found = shortfalls(
        [position(12), position(7, partition=2, service="notifier")],
        {("complaint-events", 0): 10, ("complaint-events", 2): 4},
    )
    message = log_refusal(found, WORKDIR)
    assert "notifier (notifier) applied complaint-events[2] up to offset 7" in message
    assert "kept log ends at 4: 3 record(s) missing" in message
    assert "routing (routing) applied complaint-events[0] up to offset 12" in message
    assert "make reset" in message
    assert message.index("notifier") < message.index("routing (routing)")


def test_published_records_missing_from_the_archive_are_counted_per_service():
    published = {"intake": {"a", "b", "c"}, "routing": {"d"}, "notifier": set()}
    assert unarchived(published, {"a", "b", "c", "d"}) == {}
    assert unarchived(published, {"a", "d"}) == {"intake": 2}


class FakeKept:
    def __init__(self, month: str | None) -> None:
        self.state = {} if month is None else {DEMO_MONTH: month}

    def get(self, name: str) -> str | None:
        return self.state.get(name)

    def put(self, name: str, value: str) -> None:
        self.state[name] = value


def demo_start(monkeypatch, *, resumed: bool, month: str | None) -> list[str]:
    """Which demo loading `demo_loader.start` does (the month itself is not posted here)."""
    loaded: list[str] = []
    monkeypatch.setattr(demo_loader, "load", lambda stack, stopping: loaded.append("month"))
    monkeypatch.setenv("DEMO_DATA", "on")
    monkeypatch.setenv("DEMO_TRICKLE", "off")
    stack = SimpleNamespace(
        config=SimpleNamespace(org_file=DEMO_ORG), resumed=resumed, kept=FakeKept(month)
    )
    assert demo_loader.start(stack, threading.Event()) is None  # type: ignore[arg-type]
    return loaded


def test_the_demo_month_is_loaded_at_the_first_start(monkeypatch):
    assert demo_start(monkeypatch, resumed=False, month=None) == ["month"]


def test_a_restart_on_kept_data_does_not_load_the_month_again(monkeypatch, capsys):
    assert demo_start(monkeypatch, resumed=True, month="loaded") == []
    assert "not loaded again" in capsys.readouterr().out


def test_a_month_stopped_half_way_is_not_posted_twice(monkeypatch, capsys):
    assert demo_start(monkeypatch, resumed=True, month="loading") == []
    assert "make reset" in capsys.readouterr().out


def test_kept_data_without_the_month_loads_it(monkeypatch):
    """The first start had DEMO_DATA=off: the month is loaded (it skips itself when intake
    already has complaints)."""
    assert demo_start(monkeypatch, resumed=True, month=None) == ["month"]
