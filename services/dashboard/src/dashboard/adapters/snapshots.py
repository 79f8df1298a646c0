"""A complaint as JSON and back: the snapshots `?as_of=` reads (`complaint_snapshots`), and the
extension requests of a complaint row.

A snapshot holds what the complaint's row and child rows hold, no more: the customer masked,
the shared lifecycle state (`lifecycle.to_json`), clock runs, samples, extension requests.
"""

from __future__ import annotations

from dataclasses import asdict, fields
from datetime import datetime
from typing import Any

from complaints_shared.workflow.lifecycle import from_json as state_from_json
from complaints_shared.workflow.lifecycle import to_json as state_to_json

from ..domain.model import ClockRun, Complaint, ExtensionRequest, Sample

_COMPLAINT_TIMES = ("received_at", "visited_at", "resolved_at", "last_event_at")
_RUN_TIMES = ("started_at", "due_at", "stopped_at", "original_due_at")
_REQUEST_TIMES = ("at", "until", "decided_at")
_NESTED = ("state", "runs", "samples", "extension_requests", "early_acceptance")


def to_json(complaint: Complaint) -> dict[str, Any]:
    data: dict[str, Any] = {
        f.name: getattr(complaint, f.name) for f in fields(Complaint) if f.name not in _NESTED
    }
    for name in _COMPLAINT_TIMES:
        data[name] = _iso(data[name])
    early = complaint.early_acceptance
    data["early_acceptance"] = [early[0], early[1].isoformat()] if early else None
    data["state"] = state_to_json(complaint.state)
    data["runs"] = [_times_out(asdict(run), _RUN_TIMES) for run in complaint.runs]
    data["samples"] = [_times_out(asdict(sample), ("at",)) for sample in complaint.samples]
    data["extension_requests"] = requests_to_json(complaint.extension_requests)
    return data


def from_json(data: dict[str, Any]) -> Complaint:
    """The complaint `to_json` gave; runs and samples in the order the stores read them."""
    values = {k: v for k, v in data.items() if k not in _NESTED}
    for name in _COMPLAINT_TIMES:
        values[name] = _time(values.get(name))
    complaint = Complaint(state=state_from_json(data["state"]), **values)
    early = data.get("early_acceptance")
    if early:
        complaint.early_acceptance = (early[0], datetime.fromisoformat(early[1]))
    complaint.runs = [ClockRun(**_times_in(run, _RUN_TIMES)) for run in data.get("runs", ())]
    complaint.samples = [Sample(**_times_in(s, ("at",))) for s in data.get("samples", ())]
    complaint.extension_requests = requests_from_json(data.get("extension_requests"))
    # in the order the stores read a complaint's rows back
    complaint.runs.sort(key=lambda r: (r.clock, r.run))
    complaint.samples.sort(key=lambda s: (s.at, s.measure, s.unit))
    return complaint


def requests_to_json(requests: list[ExtensionRequest]) -> list[dict[str, Any]]:
    return [_times_out(asdict(request), _REQUEST_TIMES) for request in requests]


def requests_from_json(data: list[dict[str, Any]] | None) -> list[ExtensionRequest]:
    return [ExtensionRequest(**_times_in(request, _REQUEST_TIMES)) for request in data or ()]


def _times_out(data: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    return {k: _iso(v) if k in names else v for k, v in data.items()}


def _times_in(data: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    return {k: _time(v) if k in names else v for k, v in data.items()}


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None
