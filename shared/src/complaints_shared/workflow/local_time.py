"""Times as the unit they concern reads them: ISO 8601 in the unit's local offset."""

from __future__ import annotations

import re
from datetime import datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from complaints_shared.organisation import Organisation

from .hierarchy import timezone_of


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def zone_of(org: Organisation, unit_id: str | None) -> ZoneInfo:
    """The time zone of the unit (inherited from above, else the organisation's)."""
    return _zone(timezone_of(org, unit_id))


_ISO_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$")


def local(value: Any, zone: ZoneInfo, *, strings: bool = False) -> Any:
    """`value` with every aware datetime in it (nested in dicts, lists, tuples) moved to `zone`.

    With `strings`, ISO 8601 strings with an offset (event data kept as JSON) move too, and
    stay strings. Other values pass through unchanged; a naive datetime is left alone.
    """
    if isinstance(value, datetime):
        return value.astimezone(zone) if value.tzinfo is not None else value
    if isinstance(value, dict):
        return {key: local(item, zone, strings=strings) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [local(item, zone, strings=strings) for item in value]
    if strings and isinstance(value, str) and _ISO_TIME.match(value):
        return datetime.fromisoformat(value).astimezone(zone).isoformat()
    return value


def local_to(org: Organisation, unit_id: str | None, value: Any, *, strings: bool = False) -> Any:
    """`value` with its times in the local offset of `unit_id`."""
    return local(value, zone_of(org, unit_id), strings=strings)
