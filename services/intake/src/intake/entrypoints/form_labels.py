"""The handling form's words: Chinese by default, English with ?lang=en."""

from __future__ import annotations

from typing import Literal

from complaints_shared.labels import (
    CATEGORY_LABELS,
    CHANNEL_LABELS,
    CLOCK_LABELS,
    LINE_LABELS,
    prefixed,
)

Language = Literal["zh", "en"]

_WORDS: dict[str, tuple[str, str]] = {
    "title": ("客户投诉处理单", "Complaint handling form"),
    "draft": ("草稿（尚未办结）", "DRAFT (not yet resolved)"),
    "number": ("编号", "Number"),
    "generated_at": ("制表时间", "Printed"),
    "times_note": (
        "表中时间均为受理单位当地时间（UTC{offset}）；时限余量按工作时间计。",
        "Times are the receiving unit's local time (UTC{offset}); margins are working time.",
    ),
    "none": ("无", "none"),
    "colon": ("：", ": "),
    "blank": ("—", "—"),
    # sections
    "section.received": ("受理情况", "Receipt"),
    "section.units": ("流转经过", "Units it passed through"),
    "section.handling": ("调查处理", "Investigation and handling"),
    "section.deadlines": ("时限执行情况", "Deadlines"),
    "section.extensions": ("延期情况", "Extensions"),
    "section.return_visits": ("回访情况", "Return visits"),
    # receipt
    "received_at": ("受理时间", "Received"),
    "channel": ("受理渠道", "Channel"),
    "receiving_unit": ("受理单位", "Receiving unit"),
    "kind": ("类型", "Kind"),
    "customer": ("客户（已脱敏）", "Customer (masked)"),
    "business_line": ("业务条线", "Business line"),
    "category": ("投诉类别", "Category"),
    "summary": ("投诉内容", "What happened"),
    "asks_for": ("客户诉求", "Customer asks for"),
    # units
    "unit": ("单位", "Unit"),
    "arrival": ("到达时间", "Arrived"),
    "signed_for": ("签收时间", "Signed for"),
    "signed_by": ("签收人", "Signed by"),
    "departure": ("离开时间", "Left"),
    # handling
    "cause": ("调查结果及原因", "Investigation and cause"),
    "plan": ("处理方案", "Plan"),
    "promised_by": ("承诺完成", "promised by"),
    "classification": ("投诉定性", "Classification"),
    "classified_by": ("定性单位/人/时间", "Decided by"),
    "actions_taken": ("整改措施", "Actions taken"),
    "reply": ("答复内容", "Reply"),
    "reply_at": ("答复时间", "Replied"),
    "replied_by": ("答复单位/人", "Replied by"),
    "class.valid": ("有效投诉", "valid"),
    "class.special": ("特殊投诉", "special"),
    # deadlines
    "clock": ("时限", "Clock"),
    "owner": ("责任单位", "Owner"),
    "started_at": ("开始时间", "Started"),
    "due_at": ("到期时间", "Due"),
    "result": ("结果", "Result"),
    "margin": ("余量（工作时间）", "Margin (working time)"),
    "state.met": ("按时", "met"),
    "state.missed": ("超时", "missed"),
    "state.running": ("计时中", "running"),
    "state.cancelled": ("已取消", "cancelled"),
    "early": ("提前{d}", "{d} early"),
    "late": ("超出{d}", "{d} late"),
    "hours": ("{h}小时{m:02d}分", "{h} h {m:02d} min"),
    "minutes": ("{m}分", "{m} min"),
    **prefixed("clock", CLOCK_LABELS),
    # extensions
    "requested_by": ("申请单位/人/时间", "Requested by"),
    "extended_to": ("延期至", "Extended to"),
    "extension_reason": ("延期原因", "Reason"),
    "extension_decision": ("审批结果", "Decision"),
    "decision_reason": ("审批意见", "Decision reason"),
    "resolve_due_moved": ("办结时限（原→新）", "Resolve due (was → now)"),
    "extension.approved": ("批准", "approved"),
    "extension.refused": ("不批准", "refused"),
    "extension.pending": ("待审批", "pending"),
    "extension.cancelled_by.handoff": ("因转办取消", "cancelled by a hand-off"),
    "extension.cancelled_by.reply": ("因答复取消", "cancelled by the reply"),
    # return visits
    "visit_at": ("回访时间", "Visited"),
    "visited_by": ("回访单位/人", "By"),
    "reached": ("是否联系上", "Reached"),
    "yes": ("是", "yes"),
    "no": ("否", "no"),
    "satisfaction": ("满意度（1-5）", "Satisfaction (1-5)"),
    "customer_asks": ("客户诉求", "Customer asks"),
    "comment": ("回访意见", "Comment"),
    # signatures
    "handled_by": ("经办人签字", "Handled by"),
    "approved_by": ("负责人签字", "Approved by"),
    "date": ("日期", "Date"),
    # kinds, lines, categories, channels
    "kind.complaint": ("投诉", "complaint"),
    "kind.inquiry": ("咨询", "inquiry"),
    **prefixed("line", LINE_LABELS),
    **prefixed("category", CATEGORY_LABELS),
    **prefixed("channel", CHANNEL_LABELS),
}


class Words:
    """The form's words in one language; an unknown code reads as itself."""

    def __init__(self, language: Language) -> None:
        index = 1 if language == "en" else 0
        self.language = language
        self.words = {key: pair[index] for key, pair in _WORDS.items()}

    def __getitem__(self, key: str) -> str:
        return self.words[key]

    def of(self, prefix: str, code: str | None) -> str:
        """The label of a code (`channel`, `on_site` -> 现场); the code itself if unknown."""
        if code is None:
            return self.words["blank"]
        return self.words.get(f"{prefix}.{code}", code)

    def aside(self, text: str) -> str:
        """`text` in brackets after a name, as the language writes it."""
        return f"（{text}）" if self.language == "zh" else f" ({text})"

    def margin(self, seconds: int | None) -> str:
        if seconds is None:
            return self.words["blank"]
        minutes = abs(seconds) // 60
        hours, rest = divmod(minutes, 60)
        span = (
            self.words["hours"].format(h=hours, m=rest)
            if hours
            else self.words["minutes"].format(m=rest)
        )
        return self.words["early" if seconds >= 0 else "late"].format(d=span)
