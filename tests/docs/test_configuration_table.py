"""The README's configuration table lists every setting of every service, and nothing else."""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import AliasChoices
from pydantic_settings import BaseSettings

from complaints_shared.settings import ServiceSettings
from dashboard.config import DashboardSettings
from intake.config import IntakeSettings
from notifier.config import NotifierSettings
from routing.config import RoutingSettings
from sla_monitor.config import SlaSettings

ROOT = Path(__file__).resolve().parents[2]
SETTINGS: tuple[type[BaseSettings], ...] = (
    ServiceSettings,
    IntakeSettings,
    RoutingSettings,
    SlaSettings,
    NotifierSettings,
    DashboardSettings,
)
# Read straight from the environment rather than through a settings class.
DIRECT = {
    "OTEL_TRACES_EXPORTER",
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
    "OTEL_EXPORTER_OTLP_PROTOCOL",
    "DEVSTACK_PG_PORT",
    "DEVSTACK_BROKER_PORT",
    "DEVSTACK_FRESH",
    "DEVSTACK_DIR",
    "DEVSTACK_PORT_BASE",
    "DEMO_DATA",
    "DEMO_TRICKLE",
}


def variable(name: str, alias: object) -> str:
    """The environment variable a settings field reads: its first alias, else its name."""
    if isinstance(alias, AliasChoices):
        first = alias.choices[0]
        return first if isinstance(first, str) else name.upper()
    if isinstance(alias, str):
        return alias
    return name.upper()


def settings_variables() -> set[str]:
    return {
        variable(name, field.validation_alias)
        for cls in SETTINGS
        for name, field in cls.model_fields.items()
    }


def documented() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    return [re.match(r"\| `([A-Z0-9_]+)`", row).group(1) for row in rows]  # type: ignore[union-attr]


def test_every_setting_is_documented_once_and_nothing_else():
    names = documented()
    assert len(names) == len(set(names)), "a variable is documented twice"
    assert set(names) - DIRECT == settings_variables()


def test_the_table_is_one_table():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    lines = section.splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith("|"))
    last = max(i for i, line in enumerate(lines) if line.startswith("|"))
    assert all(line.startswith("|") for line in lines[first : last + 1]), "the table is broken"
    widths = {line.count("|") for line in lines[first : last + 1]}
    assert len(widths) == 1, "rows with different numbers of cells"


def test_the_direct_variables_are_read_by_the_code():
    sources = "\n".join(
        path.read_text(encoding="utf-8")
        for folder in ("shared/src", "deploy/devstack/src")
        for path in (ROOT / folder).rglob("*.py")
    )
    for name in DIRECT:
        assert f'"{name}"' in sources, name
