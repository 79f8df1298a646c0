"""Alert texts: Chinese by default, English available; never any customer data."""

from __future__ import annotations

TEMPLATES = {
    "zh": {
        "assigned": "投诉 {complaint_id} 已分派给 {unit}（{level}级处理），"
        "请及时签收处理。详情：{link}",
    },
    "en": {
        "assigned": "Complaint {complaint_id} is assigned to {unit} ({level} level); "
        "please sign for it and handle it. Details: {link}",
    },
}


def render(template: str, language: str = "zh", **values: str) -> str:
    return TEMPLATES.get(language, TEMPLATES["zh"])[template].format(**values)
