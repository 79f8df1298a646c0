"""A small organisation for the dashboard's unit tests: HQ and two provinces."""

from __future__ import annotations

from complaints_shared.organisation import parse_organisation


def _province(pid: str, zone: str | None = None) -> list[dict]:
    return [
        {"id": pid, "kind": "province", "parent": "HQ", **({"timezone": zone} if zone else {})},
        {"id": f"{pid}-SUP", "kind": "supervision_line", "parent": pid},
        {"id": f"{pid}-CS", "kind": "province_cs_department", "parent": pid},
        {"id": f"{pid}-CARDS", "kind": "province_department", "parent": pid, "lines": ["cards"]},
        {"id": f"{pid}-KM", "kind": "branch", "parent": pid},
        {"id": f"{pid}-KM-01", "kind": "outlet", "parent": f"{pid}-KM"},
        {"id": f"{pid}-KM-02", "kind": "outlet", "parent": f"{pid}-KM"},
        {"id": f"{pid}-DL", "kind": "branch", "parent": pid},
        {"id": f"{pid}-DL-01", "kind": "outlet", "parent": f"{pid}-DL"},
    ]


ORG = parse_organisation(
    {
        "timezone": "Asia/Shanghai",
        "business_lines": ["cards"],
        "units": [
            {"id": "HQ", "kind": "hq"},
            {"id": "HQ-DIO", "kind": "hq_discipline_office", "parent": "HQ"},
            *_province("YN"),
            *_province("XJ", zone="Asia/Urumqi"),
        ],
    }
)
