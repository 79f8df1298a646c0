"""Labels of contract codes that more than one service prints: (Chinese, English) per code.

The handling form (intake) and the dashboard both name a complaint's category; one table keeps
them saying the same words.
"""

from __future__ import annotations

import typing

from complaints_shared.contracts.complaint_events import Category

CATEGORIES: tuple[str, ...] = typing.get_args(Category)  # in the contract's order

CATEGORY_LABELS: dict[str, tuple[str, str]] = {
    "attitude": ("服务态度", "attitude"),
    "service_quality": ("服务质量", "service quality"),
    "product": ("产品", "product"),
    "process": ("业务流程", "process"),
    "environment": ("营业环境", "environment"),
    "facilities": ("设施设备", "facilities"),
    "late_delivery": ("延误", "late delivery"),
    "damaged_goods": ("破损", "damaged goods"),
    "wrong_goods": ("错发", "wrong goods"),
    "short_delivery": ("短少", "short delivery"),
    "lost_goods": ("丢失", "lost goods"),
    "handover_dispute": ("交接争议", "handover dispute"),
    "other": ("其他", "other"),
}


def prefixed(prefix: str, labels: dict[str, tuple[str, str]]) -> dict[str, tuple[str, str]]:
    """`labels` keyed `prefix.code`, as the services' word tables key them."""
    return {f"{prefix}.{code}": pair for code, pair in labels.items()}
