"""Labels of contract codes that more than one service prints: (Chinese, English) per code.

The handling form (intake), the dashboard and its monthly reports name a complaint's category,
business line, channel and clocks; one table each keeps them saying the same words.
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

CLOCK_LABELS: dict[str, tuple[str, str]] = {
    "transfer": ("转办时限", "transfer"),
    "start": ("签收时限", "start"),
    "resolve": ("办结时限", "resolve"),
    "inquiry_reply": ("咨询答复时限", "inquiry reply"),
    "committed": ("承诺时限", "committed"),
    "customer": ("客户端到端时限", "customer (end to end)"),
    "return_visit": ("回访时限", "return visit"),
    "investigate": ("调查处理时限", "investigate"),
}

LINE_LABELS: dict[str, tuple[str, str]] = {
    "deposits": ("存款", "deposits"),
    "loans": ("贷款", "loans"),
    "cards": ("银行卡", "cards"),
    "logistics": ("物流", "logistics"),
}

CHANNEL_LABELS: dict[str, tuple[str, str]] = {
    "assistance_line": ("客户协助热线", "assistance line"),
    "hotline": ("客服热线", "hotline"),
    "supervision_line": ("服务监督热线", "supervision line"),
    "on_site": ("现场", "on site"),
    "department": ("部门", "department"),
    "opinion_book": ("意见簿", "opinion book"),
    "media": ("新闻媒体", "media"),
    "letter": ("来信", "letter"),
    "consumer_hotline": ("12315", "consumer hotline"),
    "email": ("电子邮件", "email"),
    "online": ("在线", "online"),
}


def prefixed(prefix: str, labels: dict[str, tuple[str, str]]) -> dict[str, tuple[str, str]]:
    """`labels` keyed `prefix.code`, as the services' word tables key them."""
    return {f"{prefix}.{code}": pair for code, pair in labels.items()}
