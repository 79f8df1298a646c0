"""The base of every event's data: frozen, typed, versioned by its type name (`….v1`)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, ClassVar

from pydantic import AfterValidator, BaseModel, ConfigDict


def _require_offset(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("timestamp must carry a UTC offset")
    return value


AwareDatetime = Annotated[datetime, AfterValidator(_require_offset)]


class Event(BaseModel):
    """Data of one event type. Consumers ignore fields they do not know (forward compatible)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    NAME: ClassVar[str]
    VERSION: ClassVar[int] = 1

    @classmethod
    def type_name(cls) -> str:
        return f"{cls.NAME}.v{cls.VERSION}"
