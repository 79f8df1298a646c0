"""Alert texts: Chinese by default, English available.

Each names the complaint, the unit, the clock and its due time in the recipient unit's time
zone, and links to the complaint. The customer appears only masked (`王**`, `*******8000`);
free text (summary, replies, notes, transfer reasons) never enters an alert. The one
exception is an extension's reason: the deciders are told why more time is asked, the owner
why it was approved or refused; it appears in the body only, never in the subject (which is
all an SMS carries).

A text is a function of the log alone, never of when the notifier applied the event: a breach
names its due time, not how late it is "now"; a later escalation step says how long after the
due time it is told, as "at least" that late (it never goes out earlier).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

LANGUAGES = ("zh", "en")

CLOCKS = {
    "zh": {
        "transfer": "转办",
        "start": "签收",
        "resolve": "办结答复",
        "inquiry_reply": "咨询答复",
        "committed": "承诺办结",
        "customer": "客户全程",
        "return_visit": "回访",
        "investigate": "调查处理",
    },
    "en": {
        "transfer": "hand-on",
        "start": "sign-for",
        "resolve": "resolve-and-reply",
        "inquiry_reply": "inquiry reply",
        "committed": "committed deadline",
        "customer": "customer end-to-end",
        "return_visit": "return visit",
        "investigate": "investigation",
    },
}
LEVELS = {
    "zh": {"branch": "分公司", "province": "省公司", "supervision": "监督专线", "hq": "总部"},
    "en": {"branch": "branch", "province": "province", "supervision": "supervision", "hq": "HQ"},
}
# A later escalation step: how long after the due time it is told (it goes out no earlier).
LATE_STEP = {"zh": "，已超时至少 {late}", "en": " and is at least {late} late"}
# The approved extension's new deadline, when the notifier saw the request it decides.
NEW_DEADLINE = {"zh": "新的办结时限为 {until}。", "en": "The new deadline is {until}. "}
ROLES = {
    "zh": {
        "accountable": "超时已升级至贵单位，请督办。",
        "supervisor": "贵单位为问责单位的上级，请督办。",
        "province_supervision": "请省服务监督专线督办。",
        "media_desk": "此为媒体曝光投诉，请省客服部关注。",
        "extension_decider": "贵单位可审批此延期申请，请及时决定。",
    },
    "en": {
        "accountable": "The breach is escalated to your unit: please chase it.",
        "supervisor": "You supervise the accountable unit: please chase it.",
        "province_supervision": "Province supervision line: please chase it.",
        "media_desk": "A media case: the province customer-service department is informed.",
        "extension_decider": "Your unit may decide this request: please decide it.",
    },
}

# (subject, body) per alert kind and language; `{role}` is empty or a sentence of ROLES.
TEMPLATES = {
    "zh": {
        "assigned": (
            "【投诉 {complaint_id}】已分派给{unit}",
            "投诉 {complaint_id}（客户：{customer}）已分派给{unit}（{level}处理），"
            "请及时签收处理。{role}详情：{link}",
        ),
        "transferred": (
            "【投诉 {complaint_id}】由{from_unit}转交{unit}",
            "投诉 {complaint_id}（客户：{customer}）已由{from_unit}转交{unit}，"
            "请及时签收处理。{role}详情：{link}",
        ),
        "warning": (
            "【投诉 {complaint_id}】{clock}时限将于 {due} 到期",
            "投诉 {complaint_id}（客户：{customer}）的{clock}时限将于 {due} 到期，"
            "剩余 {remaining}。责任单位：{unit}。{role}详情：{link}",
        ),
        "breached": (
            "【投诉 {complaint_id}】{clock}时限已超时",
            "投诉 {complaint_id}（客户：{customer}）的{clock}时限已于 {due} 到期{late}。"
            "责任单位：{unit}。{role}详情：{link}",
        ),
        "escalated": (
            "【投诉 {complaint_id}】{clock}时限超时，已升级至{unit}",
            "投诉 {complaint_id}（客户：{customer}）的{clock}时限已于 {due} 到期{late}。"
            "责任单位：{from_unit}，已升级至{unit}。{role}详情：{link}",
        ),
        "resolved": (
            "【投诉 {complaint_id}】已办结",
            "贵单位受理的投诉 {complaint_id}（客户：{customer}）已由{unit}办结。{role}详情：{link}",
        ),
        "extension_requested": (
            "【投诉 {complaint_id}】{unit}申请延期至 {until}",
            "投诉 {complaint_id}（客户：{customer}）：{unit}申请将办结时限延期至 {until}。"
            "理由：{reason}。{role}详情：{link}",
        ),
        "extension_approved": (
            "【投诉 {complaint_id}】延期申请已批准",
            "投诉 {complaint_id}（客户：{customer}）的延期申请已由{unit}批准。{new_deadline}"
            "理由：{reason}。{role}详情：{link}",
        ),
        "extension_refused": (
            "【投诉 {complaint_id}】延期申请未获批准",
            "投诉 {complaint_id}（客户：{customer}）的延期申请未获{unit}批准，"
            "办结时限不变。理由：{reason}。{role}详情：{link}",
        ),
        "digest": (
            "【投诉提醒汇总】{count} 条提醒",
            "以下 {count} 条提醒在限流期间合并发送：\n{lines}",
        ),
    },
    "en": {
        "assigned": (
            "[Complaint {complaint_id}] assigned to {unit}",
            "Complaint {complaint_id} (customer: {customer}) is assigned to {unit} "
            "({level} level); please sign for it and handle it. {role}Details: {link}",
        ),
        "transferred": (
            "[Complaint {complaint_id}] handed from {from_unit} to {unit}",
            "Complaint {complaint_id} (customer: {customer}) was handed from {from_unit} "
            "to {unit}; please sign for it and handle it. {role}Details: {link}",
        ),
        "warning": (
            "[Complaint {complaint_id}] {clock} clock due {due}",
            "The {clock} clock of complaint {complaint_id} (customer: {customer}) is due "
            "{due}, {remaining} left. Owner: {unit}. {role}Details: {link}",
        ),
        "breached": (
            "[Complaint {complaint_id}] {clock} clock breached",
            "The {clock} clock of complaint {complaint_id} (customer: {customer}) was due "
            "{due}{late}. Owner: {unit}. {role}Details: {link}",
        ),
        "escalated": (
            "[Complaint {complaint_id}] {clock} clock breached, escalated to {unit}",
            "The {clock} clock of complaint {complaint_id} (customer: {customer}) was due "
            "{due}{late}. Owner: {from_unit}; escalated to {unit}. "
            "{role}Details: {link}",
        ),
        "resolved": (
            "[Complaint {complaint_id}] resolved",
            "Complaint {complaint_id} (customer: {customer}), received by your unit, was "
            "resolved by {unit}. {role}Details: {link}",
        ),
        "extension_requested": (
            "[Complaint {complaint_id}] {unit} asks for more time, until {until}",
            "{unit} asks to extend the resolve deadline of complaint {complaint_id} "
            "(customer: {customer}) to {until}. Reason: {reason}. {role}Details: {link}",
        ),
        "extension_approved": (
            "[Complaint {complaint_id}] extension approved",
            "{unit} approved the extension of complaint {complaint_id} (customer: {customer}). "
            "{new_deadline}Reason: {reason}. {role}Details: {link}",
        ),
        "extension_refused": (
            "[Complaint {complaint_id}] extension refused",
            "{unit} refused the extension of complaint {complaint_id} (customer: {customer}); "
            "the deadline stands. Reason: {reason}. {role}Details: {link}",
        ),
        "digest": (
            "[Complaint alerts] {count} alerts",
            "{count} alerts held back by the rate limit, sent together:\n{lines}",
        ),
    },
}


@dataclass(frozen=True)
class AlertText:
    """An alert's rendered subject and body."""

    subject: str
    body: str


@dataclass(frozen=True)
class AlertFacts:
    """What an alert is about; every field is already free of customer plain data."""

    complaint_id: str
    link: str
    unit: str  # the name of the unit the alert is about (the owner, the resolver, the unit
    # a breach is escalated to, the unit asking for or deciding an extension)
    customer: str = ""  # masked
    role: str = "owner"
    level: str | None = None
    clock: str | None = None
    due_at: datetime | None = None
    remaining_seconds: int | None = None
    late_seconds: int | None = None  # a later escalation step's offset from the due time
    from_unit: str | None = None
    until: datetime | None = None  # an extension's requested (or approved) new deadline
    reason: str | None = None  # an extension's reason, as its requester or decider wrote it
    extra: dict[str, str] = field(default_factory=dict)


def language_of(language: str | None) -> str:
    return language if language in LANGUAGES else "zh"


def local_time(moment: datetime, timezone: str) -> str:
    """`2026-11-23 16:00 (Asia/Shanghai)`: a due time as the recipient's wall clock shows it."""
    return f"{moment.astimezone(ZoneInfo(timezone)):%Y-%m-%d %H:%M} ({timezone})"


def span(seconds: int, language: str) -> str:
    """A duration for people: `1小时30分` / `1h 30m`; under a minute counts as a minute."""
    minutes = max(1, round(abs(seconds) / 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if language == "zh":
        units = ((days, "天"), (hours, "小时"), (mins, "分"))
        return "".join(f"{n}{u}" for n, u in units if n)
    return " ".join(f"{n}{u}" for n, u in ((days, "d"), (hours, "h"), (mins, "m")) if n)


def render(kind: str, language: str, timezone: str, facts: AlertFacts) -> AlertText:
    language = language_of(language)
    subject, body = TEMPLATES[language][kind]
    role = ROLES[language].get(facts.role, "")
    until = local_time(facts.until, timezone) if facts.until else ""
    values = {
        "complaint_id": facts.complaint_id,
        "link": facts.link,
        "unit": facts.unit,
        "customer": facts.customer or "—",
        "role": f"{role} " if role and language == "en" else role,
        "level": LEVELS[language].get(facts.level or "", facts.level or ""),
        "clock": CLOCKS[language].get(facts.clock or "", facts.clock or ""),
        "due": local_time(facts.due_at, timezone) if facts.due_at else "",
        "remaining": span(facts.remaining_seconds or 0, language),
        "late": LATE_STEP[language].format(late=span(facts.late_seconds, language))
        if facts.late_seconds
        else "",
        "from_unit": facts.from_unit or "",
        "until": until,
        "new_deadline": NEW_DEADLINE[language].format(until=until) if until else "",
        "reason": (facts.reason or "").strip().rstrip("。.!！") or "—",
        **facts.extra,
    }
    return AlertText(subject.format(**values), body.format(**values))


def render_digest(language: str, lines: list[str]) -> AlertText:
    language = language_of(language)
    subject, body = TEMPLATES[language]["digest"]
    values = {"count": str(len(lines)), "lines": "\n".join(f"- {line}" for line in lines)}
    return AlertText(subject.format(**values), body.format(**values))
