# ruff: noqa: E501  (tables of Chinese text)
"""The demo month: a deterministic script of complaints and their handling for `make run`.

Pure: no I/O, no wall clock. `month_plan(org, now)` draws (from a seeded random generator)
about a month of complaints received by the two provinces of the demo organisation before
`now`, each with the actions its units take, in order, as the workflow allows them
(docs/workflow.md): the owner signs for it, contacts the customer, pauses for the customer,
promises a date, asks for more time (decided by the province supervision line or the unit
above), hands it on, replies; the province supervision line classifies some as special and
makes the return visits; some customers complain again, some complaints are reopened, and some
are left overdue so that their clocks breach and routing escalates them.

Each plan names the owner routing is expected to choose (`expect_owner`), which the loader
checks, and every time lies after the receipt, in order, and before `now`.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

from complaints_shared.organisation import Organisation

SEED = 20_261_123
TZ = ZoneInfo("Asia/Shanghai")
PROVINCES = ("YN", "GD")
BRANCHES = {"YN": ("YN-KM", "YN-DL", "YN-QJ"), "GD": ("GD-GZ", "GD-SZ")}
LINES = ("deposits", "loans", "cards", "logistics")
CHANNELS = (
    "assistance_line",
    "hotline",
    "supervision_line",
    "on_site",
    "department",
    "opinion_book",
    "media",
    "letter",
    "consumer_hotline",
    "email",
    "online",
)
COMPANY_CATEGORIES = (
    "attitude",
    "service_quality",
    "product",
    "process",
    "environment",
    "facilities",
)
DELIVERY_CATEGORIES = (
    "late_delivery",
    "damaged_goods",
    "wrong_goods",
    "short_delivery",
    "lost_goods",
    "handover_dispute",
)
CATEGORIES = (*COMPANY_CATEGORIES, *DELIVERY_CATEGORIES, "other")
EXTENSION = "@extension"  # in a step's fields: the id of the plan's latest extension request
SAFETY = timedelta(minutes=3)  # nothing is dated later than `now` minus this


@dataclass(frozen=True)
class Step:
    """One action: `fields` is the body besides type, unit, at and handler."""

    action: str
    unit: str
    at: datetime
    fields: dict[str, Any] = field(default_factory=dict)
    handler: dict[str, str] | None = None
    expect_owner: str | None = None  # after a transfer: the owner routing is expected to name

    def body(self, extension_id: str | None = None) -> dict[str, Any]:
        fields = {k: (extension_id if v == EXTENSION else _json(v)) for k, v in self.fields.items()}
        body: dict[str, Any] = {"type": self.action, "unit": self.unit, "at": self.at.isoformat()}
        if self.handler is not None:
            body["handler"] = dict(self.handler)
        return body | fields


@dataclass(frozen=True)
class ComplaintPlan:
    key: str
    registration: dict[str, Any]  # the body of POST /v1/complaints
    receiving_unit: str
    received_at: datetime
    expect_owner: str
    steps: tuple[Step, ...]


def _json(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


# --- people and words -------------------------------------------------------------------

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐韩冯邓曹彭曾萧田董潘袁蔡蒋余于杜叶程魏苏吕丁沈任姚卢傅钟姜崔谭廖范汪陆金石戴贾韦夏邱方侯邹熊孟秦白江阎薛尹段雷黎史龙陶贺顾毛郝龚邵万钱严覃武"
GIVEN = (
    "伟 芳 娜 敏 静 丽 强 磊 军 洋 勇 艳 杰 娟 涛 明 超 秀英 霞 平 刚 桂英 建华 志强 晓燕 海燕 "
    "玉兰 建国 丽娟 文博 子涵 浩然 雨桐 欣怡 宇航 梓萱 俊杰 思远 佳怡 晨曦 振华 春梅 国庆 红梅 德明"
).split()
PHONE_PREFIXES = ("138", "139", "137", "136", "135", "150", "151", "152", "158", "159", "186", "187", "188", "189", "177", "181")  # fmt: skip

PLACES = {
    "deposits": ("定期存款提前支取", "存折挂失补办", "大额存单利息", "账户冻结解除", "零钱通转账"),
    "loans": (
        "个人住房贷款放款",
        "消费贷款提前还款",
        "征信记录异议",
        "贷款利率调整",
        "抵押解押手续",
    ),
    "cards": ("信用卡年费", "银行卡被锁定", "ATM吞卡", "信用卡分期手续费", "境外消费扣款"),
    "logistics": ("快递包裹投递", "同城速递", "国际邮件清关", "包裹代收点投递", "大件物流配送"),
}
ITEMS = ("一部手机", "两箱普洱茶", "一台笔记本电脑", "一箱鲜花饼", "几件衣物", "一套茶具", "药品")


def _summary(rng: random.Random, category: str, line: str, outlet: str) -> tuple[str, str]:
    """What happened (summary) and what the customer asks for."""
    topic = rng.choice(PLACES[line])
    waybill = f"{rng.choice('EJKS')}{rng.randint(10**11, 10**12 - 1)}CN"
    item = rng.choice(ITEMS)
    texts: dict[str, tuple[str, str]] = {
        "attitude": (
            f"客户在{outlet}办理{topic}时，工作人员态度生硬，多次询问不予解释，还说“不懂就别办”。",
            "要求工作人员当面道歉，并说明办理规定",
        ),
        "service_quality": (
            f"客户到{outlet}办理{topic}，排队等候近五十分钟，只开一个窗口，办理中途系统又反复出错。",
            "要求尽快办结并改进窗口服务",
        ),
        "product": (
            f"客户反映{topic}的收费与宣传不一致，办理时未告知另有费用，到账后才发现被扣款。",
            "要求退还多收的费用并说明收费标准",
        ),
        "process": (
            f"客户办理{topic}，被要求三次往返补交同样的材料，每次告知的要求都不一样。",
            "要求一次性告知所需材料并尽快办结",
        ),
        "environment": (
            f"{outlet}营业厅卫生状况差，空调不开，等候区座位不够，老人只能站着等。",
            "要求改善营业厅环境",
        ),
        "facilities": (
            f"{outlet}的自助设备故障，客户办理{topic}时设备卡死，屏幕显示交易失败但已扣款。",
            "要求核实交易、退回款项并尽快维修设备",
        ),
        "late_delivery": (
            f"客户寄出的包裹（运单号{waybill}）承诺三日内送达，已过去七天仍未投递，查询物流信息一直停留在中转站。",
            "要求尽快投递并按规定赔偿",
        ),
        "damaged_goods": (
            f"客户收到的包裹（运单号{waybill}）外包装严重破损，内装{item}损坏，投递员当时未让开箱验视。",
            "要求按保价金额赔偿损失",
        ),
        "wrong_goods": (
            f"客户收到的包裹（运单号{waybill}）内物品与寄件人所寄不符，疑似与他人包裹错投。",
            "要求查找原包裹并重新投递",
        ),
        "short_delivery": (
            f"寄件人共交寄三件（运单号{waybill}），收件人只收到两件，另一件查询不到下落。",
            "要求查找缺少的一件并尽快投递",
        ),
        "lost_goods": (
            f"包裹（运单号{waybill}）显示已签收，但客户本人从未收到，内有{item}，疑似丢失。",
            "要求查明去向，找不到则按价赔偿",
        ),
        "handover_dispute": (
            f"投递员未经客户同意将包裹（运单号{waybill}）放在小区门卫处并代签收，客户取件时包裹已不见。",
            "要求核实签收情况并承担责任",
        ),
        "other": (
            f"客户来电反映{topic}相关事宜，对之前的处理结果不满意，希望有专人跟进。",
            "要求专人跟进并回复处理结果",
        ),
    }
    return texts[category]


REPLIES = {
    "attitude": ("已向客户当面致歉，说明办理规定", "窗口人员服务意识不足", "对当事员工批评教育，纳入月度考核"),
    "service_quality": ("已为客户办结业务，并致歉", "高峰时段窗口配置不足", "调整排班，高峰期增开窗口"),
    "product": ("已退还多收费用，并解释收费标准", "营销宣传未充分告知收费", "规范宣传材料，重新培训营销人员"),
    "process": ("已一次性告知所需材料，当日办结", "员工对业务规定掌握不一", "整理一次性告知清单并组织培训"),
    "environment": ("已向客户致歉并整改营业厅环境", "营业厅日常管理不到位", "维修空调，增加等候座位"),
    "facilities": ("经核实交易未成功，款项已退回", "自助设备读卡模块故障", "更换设备部件，加强日常巡检"),
    "late_delivery": ("包裹已投递，并按规定给予赔偿", "中转站积压导致延误", "加派车辆，疏通中转站积压"),
    "damaged_goods": ("已按保价金额赔偿客户", "运输途中包装受压破损", "加强装卸规范，对责任人处理"),
    "wrong_goods": ("已找回原包裹并重新投递", "分拣环节错投", "复核分拣流程，责任人通报批评"),
    "short_delivery": ("缺少的一件已找到并投递", "中转环节漏装", "完善交接清点制度"),
    "lost_goods": ("经查未能找回，已按价赔偿客户", "投递环节交接不清", "规范投递签收，对责任人处理"),
    "handover_dispute": ("已向客户致歉并赔偿", "投递员未按规定投递", "重申妥投规定，对投递员处理"),
    "other": ("已安排专人跟进并回复客户", "前期沟通不充分", "建立专人跟进机制"),
}  # fmt: skip
VISIT_COMMENTS = {
    5: ("客户对处理结果非常满意", "客户表示感谢"),
    4: ("客户基本满意", "客户认可处理结果"),
    3: ("客户认为处理速度偏慢", "客户表示一般"),
    2: ("客户对赔偿金额不满意", "客户认为没有真正解决问题"),
    1: ("客户非常不满，表示要向监管部门反映", "客户拒绝接受处理结果"),
}
TRANSFER_REASONS = (
    "超出本单位处理权限，转业务部门处理",
    "需业务部门核实账务后处理",
    "涉及省级审批事项，需省分公司业务部门处理",
)
EXTENSION_REASONS = (
    "需调取监控录像并与中转站核实，申请延期",
    "涉及外省中转环节，需对方单位协查",
    "需等待保险公司定损结果",
    "客户材料尚未补齐，需延期办理",
)
NOTES = ("已电话联系客户，客户同意等待核查结果", "已调取相关交易流水", "已联系相关网点协查")


# --- units ----------------------------------------------------------------------------------


def handlers_of(unit: str) -> tuple[dict[str, str], ...]:
    """Three members of staff of `unit`, the same on every run."""
    rng = random.Random(f"{SEED}:{unit}")
    return tuple(
        {
            "id": f"{unit.lower()}-{rng.randint(100, 999)}{n}",
            "name": rng.choice(SURNAMES) + rng.choice(GIVEN),
        }
        for n in range(3)
    )


def province_of(unit: str) -> str:
    return unit.split("-", 1)[0]


def supervision_line(unit: str) -> str:
    return f"{province_of(unit)}-SUP"


def line_department(level: str, line: str) -> str:
    return f"{level}-{line.upper()}"


@dataclass(frozen=True)
class Receipt:
    receiving_unit: str
    channel: str
    line: str
    severity: str
    flags: tuple[str, ...]
    owner: str  # as routing decides (docs/domain.md#initial-routing-rules)


CHANNEL_WEIGHTS = (8, 22, 6, 24, 6, 6, 4, 5, 5, 5, 9)  # in the order of CHANNELS


def expected_owner(
    org: Organisation,
    receiving: str,
    channel: str,
    line: str,
    severity: str,
    flags: tuple[str, ...],
) -> str:
    """The first owner routing names for the receipts the demo draws (a subset of the rules)."""
    unit = org.unit(receiving)
    province = province_of(receiving)
    if "discipline" in flags:
        return "HQ-DIO"
    if channel == "media" or "media_exposure" in flags:
        return f"{province}-CS"
    if severity == "major":
        return f"{province}-SUP"
    if unit.kind == "hotline":
        return f"{unit.parent}-AST"
    if unit.kind in ("assistance_line", "supervision_line"):
        return receiving
    if unit.kind in ("outlet", "branch_department") and line in unit.lines:
        return receiving
    if unit.kind == "outlet":
        return line_department(unit.parent or "", line)
    return line_department(receiving, line)  # a branch or a province: its department


def _receipt(
    rng: random.Random, org: Organisation, province: str, line: str, channel: str | None = None
) -> Receipt:
    branch = rng.choice(BRANCHES[province])
    outlet = f"{branch}-0{rng.randint(1, 2)}"
    channel = channel or rng.choices(CHANNELS, weights=CHANNEL_WEIGHTS)[0]
    severity, flags = "normal", cast(tuple[str, ...], ())
    if channel in ("on_site", "opinion_book"):
        receiving = outlet
    elif channel == "online":
        receiving = rng.choice((outlet, branch))
    elif channel == "hotline":
        receiving = rng.choices((f"{branch}-HOT", f"{province}-HOT"), weights=(3, 1))[0]
    elif channel == "assistance_line":
        receiving = f"{branch}-AST"
    elif channel == "supervision_line":
        receiving = rng.choice((f"{branch}-SUP", f"{province}-SUP"))
    elif channel == "department":
        receiving = line_department(branch, line)
    elif channel == "media":
        receiving = rng.choice((branch, outlet))
    else:  # letter, email, consumer_hotline (referred by 12315)
        receiving = rng.choice((branch, branch, province))
    if channel == "on_site":
        roll = rng.random()
        if roll < 0.12:
            severity = "major"  # the province supervision line owns it
        elif roll < 0.17:
            flags = ("discipline",)  # the HQ discipline-inspection office owns it
    owner = expected_owner(org, receiving, channel, line, severity, flags)
    return Receipt(receiving, channel, line, severity, flags, owner)


def _transfer_target(org: Organisation, owner: str, line: str) -> str | None:
    """Where an owner hands a complaint on, when it does (to_unit given)."""
    kind = org.unit(owner).kind
    parent = org.unit(owner).parent or ""
    if kind == "outlet":
        return line_department(parent, line)
    if kind == "assistance_line" and org.unit(parent).kind == "branch":
        return line_department(parent, line)
    if kind == "branch_department":
        return line_department(province_of(owner), line)
    return None


def _extension_decider(org: Organisation, owner: str, rng: random.Random) -> str:
    """The province supervision line, or the unit directly above the owner; never the owner."""
    above = org.unit(owner).parent or "HQ"
    if owner.startswith("HQ"):
        return above
    sup = supervision_line(owner)
    if sup == owner:
        return above
    return above if rng.random() < 0.3 else sup


# --- time -----------------------------------------------------------------------------------


def _working(at: datetime, rng: random.Random) -> datetime:
    """`at`, moved to the next morning when it falls in the night (staff work in the day)."""
    local = at.astimezone(TZ)
    if 8 <= local.hour < 21:
        return at
    day = local.date() if local.hour < 8 else local.date() + timedelta(days=1)
    start = datetime.combine(day, time(8, 30), TZ)
    return start + timedelta(minutes=rng.randint(0, 70))


class _Clock:
    """The time of the next action: ordered, never after `limit`."""

    def __init__(self, start: datetime, limit: datetime, rng: random.Random) -> None:
        self.now, self.limit, self.rng = start, limit, rng

    def after(self, minutes: float, spread: float = 0.5, *, day_time: bool = True) -> datetime:
        delay = minutes * (1 - spread + 2 * spread * self.rng.random())
        at = self.now + timedelta(minutes=max(1.0, delay))
        if day_time:
            at = _working(at, self.rng)
        self.now = at
        return at

    def fits(self) -> bool:
        return self.now <= self.limit


# --- the plans -----------------------------------------------------------------------------


@dataclass
class _Customer:
    name: str
    phone: str
    email: str | None
    key: bool


def _customer(rng: random.Random) -> _Customer:
    name = rng.choice(SURNAMES) + rng.choice(GIVEN)
    phone = rng.choice(PHONE_PREFIXES) + f"{rng.randint(0, 10**8 - 1):08d}"
    email = f"{phone[-6:]}@example.com" if rng.random() < 0.25 else None
    return _Customer(name, phone, email, rng.random() < 0.08)


def _received_at(rng: random.Random, now: datetime, days: int) -> datetime:
    """A moment of the last `days` days, mostly in the day, fewer at weekends."""
    while True:
        day = (now.astimezone(TZ) - timedelta(days=rng.randint(0, days - 1))).date()
        if day.weekday() >= 5 and rng.random() < 0.5:
            continue
        hour = rng.choices(range(7, 23), weights=(1, 4, 8, 9, 8, 5, 7, 8, 8, 7, 5, 3, 3, 2, 1, 1))[
            0
        ]
        at = datetime.combine(day, time(hour, rng.randint(0, 59), rng.randint(0, 59)), TZ)
        if at <= now - timedelta(minutes=20):
            return at


def month_plan(
    org: Organisation, now: datetime, *, count: int = 240, days: int = 30, seed: int = SEED
) -> list[ComplaintPlan]:
    """About a month of complaints received before `now`, in order of receipt."""
    rng = random.Random(seed)
    regulars = [_customer(rng) for _ in range(18)]  # customers who complain more than once
    plans = []
    for index in range(count):
        province = "YN" if rng.random() < 0.6 else "GD"
        received = _received_at(rng, now, days)
        customer = rng.choice(regulars) if rng.random() < 0.12 else _customer(rng)
        plans.append(_plan(org, rng, received, now, province, customer, index))
    plans.sort(key=lambda p: p.received_at)
    return [
        ComplaintPlan(
            f"demo-{n:04d}",
            p.registration,
            p.receiving_unit,
            p.received_at,
            p.expect_owner,
            p.steps,
        )  # fmt: skip
        for n, p in enumerate(plans)
    ]


def new_complaint(org: Organisation, now: datetime, rng: random.Random) -> ComplaintPlan:
    """One complaint received just now (the trickle), with no action yet."""
    province = "YN" if rng.random() < 0.6 else "GD"
    customer = _customer(rng)
    received = now - timedelta(seconds=rng.randint(5, 90))
    plan = _plan(org, rng, received, now, province, customer, rng.randint(0, 10**6), bare=True)
    return plan


def _plan(
    org: Organisation,
    rng: random.Random,
    received: datetime,
    now: datetime,
    province: str,
    customer: _Customer,
    index: int,
    *,
    bare: bool = False,
) -> ComplaintPlan:
    line = rng.choices(LINES, weights=(3, 2, 3, 4))[0]
    channel = None
    # Every category and every channel in the first plans of each month, whatever the draw.
    if index < len(CATEGORIES):
        category = CATEGORIES[index]
        line = "logistics" if category in DELIVERY_CATEGORIES else line
    elif line == "logistics":
        category = rng.choices((*DELIVERY_CATEGORIES, *COMPANY_CATEGORIES, "other"),
                               weights=(5, 3, 2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1))[0]  # fmt: skip
    else:
        category = rng.choices((*COMPANY_CATEGORIES, "other"), weights=(4, 5, 3, 3, 1, 2, 1))[0]
    if len(CATEGORIES) <= index < len(CATEGORIES) + len(CHANNELS):
        channel = CHANNELS[index - len(CATEGORIES)]
    receipt = _receipt(rng, org, province, line, channel)
    kind = "inquiry" if rng.random() < 0.12 and receipt.severity == "normal" else "complaint"
    receiving_unit = org.unit(receipt.receiving_unit)
    outlet_name = (
        (receiving_unit.name or "营业网点") if receiving_unit.kind == "outlet" else "营业网点"
    )
    summary, asks_for = _summary(rng, category, receipt.line, outlet_name)
    registration: dict[str, Any] = {
        "kind": kind,
        "channel": receipt.channel,
        "receiving_unit": receipt.receiving_unit,
        "business_line": receipt.line,
        "category": category,
        "severity": receipt.severity,
        "flags": list(receipt.flags),
        "received_at": received.isoformat(),
        "customer": {
            "name": customer.name,
            "phone": customer.phone,
            **({"email": customer.email} if customer.email else {}),
            "key_customer": customer.key,
        },
        "summary": summary,
        "asks_for": asks_for,
    }
    steps: tuple[Step, ...] = ()
    if not bare:
        steps = tuple(_steps(org, rng, receipt, kind, category, received, now, customer.key))
    return ComplaintPlan(
        f"demo-{index:04d}", registration, receipt.receiving_unit, received, receipt.owner, steps
    )


def _steps(
    org: Organisation,
    rng: random.Random,
    receipt: Receipt,
    kind: str,
    category: str,
    received: datetime,
    now: datetime,
    key_customer: bool,
) -> Iterator[Step]:
    limit = now - SAFETY
    age = now - received
    if age < timedelta(days=2) and rng.random() < 0.45:  # still being handled
        limit = min(limit, received + age * rng.random())
    clock = _Clock(received, limit, rng)
    owner = receipt.owner
    staff = handlers_of(owner)
    handler = staff[rng.randint(0, 2)]
    sup = supervision_line(receipt.receiving_unit)
    reply, cause, actions_taken = REPLIES[category]
    special_ok = not owner.startswith("HQ")

    def step(action: str, unit: str, at: datetime, **fields: Any) -> Step | None:
        if at > limit:
            return None
        who = handler if unit == owner else rng.choice(handlers_of(unit))
        return Step(action, unit, at, fields, who)

    # Left overdue: never signed for (some), or signed for and then forgotten.
    forgotten = rng.random()
    if age > timedelta(days=3) and forgotten < 0.05:
        return
    if kind == "inquiry":  # answered within the half hour, on the phone
        for s in (
            step("accepted", owner, clock.after(6, day_time=False)),
            step("resolved", owner, clock.after(12, day_time=False), reply=f"已答复客户：{reply}"),
        ):
            if s is None:
                return
            yield s
        return

    slow = rng.random() < 0.06  # signed for late: the start clock breaches
    first = clock.after(240 if slow else 35, 0.6, day_time=not slow)
    transfer_to = _transfer_target(org, owner, receipt.line) if rng.random() < 0.13 else None
    if transfer_to is not None and rng.random() < 0.5:  # handed on before signing for it
        s = step("transfer_requested", owner, first, reason=rng.choice(TRANSFER_REASONS),
                 to_unit=transfer_to)  # fmt: skip
        if s is None:
            return
        yield Step(s.action, s.unit, s.at, s.fields, s.handler, expect_owner=transfer_to)
        owner, staff = transfer_to, handlers_of(transfer_to)
        handler = staff[rng.randint(0, 2)]
        special_ok = True
        transfer_to = None
        first = clock.after(40, 0.6)
    s = step("accepted", owner, first)
    if s is None:
        return
    yield s
    if (
        age > timedelta(days=2) and 0.05 <= forgotten < 0.09
    ):  # signed for, then forgotten: resolve breaches
        s = step("customer_contacted", owner, clock.after(60))
        if s is not None:
            yield s
        return
    if rng.random() < 0.08:
        handler = staff[(staff.index(handler) + 1) % 3]
        s = step("handler_changed", owner, clock.after(45))
        if s is None:
            return
        yield s
    s = step("customer_contacted", owner, clock.after(50))
    if s is None:
        return
    yield s
    if transfer_to is not None:  # handed on after looking into it
        s = step("transfer_requested", owner, clock.after(60), reason=rng.choice(TRANSFER_REASONS),
                 to_unit=transfer_to)  # fmt: skip
        if s is None:
            return
        yield Step(s.action, s.unit, s.at, s.fields, s.handler, expect_owner=transfer_to)
        owner, staff = transfer_to, handlers_of(transfer_to)
        handler = staff[rng.randint(0, 2)]
        special_ok = True
        for action in ("accepted", "customer_contacted"):
            s = step(action, owner, clock.after(40))
            if s is None:
                return
            yield s
    if receipt.line == "logistics" or rng.random() < 0.15:
        plan_at = clock.after(90)
        s = step("plan_decided", owner, plan_at, plan=f"{cause}：{actions_taken}",
                 promised_by=(plan_at + timedelta(days=2)).isoformat())  # fmt: skip
        if s is None:
            return
        yield s
    if rng.random() < 0.06:
        s = step("note", owner, clock.after(30), text=rng.choice(NOTES))
        if s is None:
            return
        yield s
    resolve_after = 180.0  # minutes of (mostly) working time after the last action
    late = rng.random() < 0.07
    scenario = rng.random()
    if scenario < 0.12:  # waiting on the customer's documents
        for action, delay in (("waiting_on_customer", 40), ("customer_responded", 600)):
            s = step(action, owner, clock.after(delay, 0.7))
            if s is None:
                return
            yield s
    elif scenario < 0.22:  # a date promised to the customer
        at = clock.after(30)
        promise = at + timedelta(hours=rng.choice((24, 36, 48)))
        s = step("deadline_committed", owner, at, committed_deadline=promise.isoformat())
        if s is None:
            return
        yield s
        if late:
            resolve_after = (promise - at).total_seconds() / 60 + 300
    elif scenario < 0.33:  # more time asked for, and decided
        at = clock.after(20, 0.5, day_time=False)
        until = _working(received + timedelta(days=rng.choice((4, 5, 6))), rng)
        s = step("extension_requested", owner, at, until=until.isoformat(),
                 reason=rng.choice(EXTENSION_REASONS))  # fmt: skip
        if s is None:
            return
        yield s
        approved = rng.random() < 0.8
        decider = _extension_decider(org, owner, rng)
        s = step(
            "extension_decided",
            decider,
            clock.after(90),
            request_id=EXTENSION,
            decision="approved" if approved else "refused",
            reason="情况属实，同意延期" if approved else "理由不充分，请按原时限办结",
        )
        if s is None:
            return
        yield s
        if approved:
            resolve_after = max(60.0, (until - clock.now).total_seconds() / 60 * 0.6)
    if late:
        resolve_after = max(resolve_after, 60 * 24 * 3)
    s = step("resolved", owner, clock.after(resolve_after, 0.6), reply=reply, cause=cause,
             actions_taken=actions_taken)  # fmt: skip
    if s is None:
        return
    yield s
    special = special_ok and rng.random() < 0.06
    if special:
        s = step("classified", sup, clock.after(120), classification="special")
    else:
        s = step("classified", owner, clock.after(20), classification="valid")
    if s is None:
        return
    yield s
    visit = key_customer or receipt.severity == "major" or rng.random() < 0.55
    reopen = rng.random() < 0.05
    if not visit and not reopen:
        return
    satisfaction = rng.choices((5, 4, 3, 2, 1), weights=(45, 30, 13, 8, 4))[0]
    if reopen:
        satisfaction = rng.choice((1, 2))
    visitor = sup
    for s in _visit(step, visitor, clock, rng, satisfaction):
        if s is None:
            return
        yield s
    if reopen or satisfaction <= 2 and rng.random() < 0.3:
        reopener = rng.choice((receipt.receiving_unit, sup))
        for s in (
            step("reopened", reopener, clock.after(60)),
            step("customer_contacted", owner, clock.after(60)),
            step(
                "resolved",
                owner,
                clock.after(240),
                reply=f"复查后：{reply}",
                cause=cause,
                actions_taken=f"{actions_taken}；并再次向客户致歉",
            ),  # fmt: skip
        ):
            if s is None:
                return
            yield s
        for s in _visit(step, visitor, clock, rng, rng.choice((3, 4, 5))):
            if s is None:
                return
            yield s
    if rng.random() < 0.7:
        s = step("closed", owner, clock.after(120))
        if s is not None:
            yield s


def _visit(
    step: Any, visitor: str, clock: _Clock, rng: random.Random, satisfaction: int
) -> Iterator[Step | None]:
    reached = rng.random() > 0.06
    comment, asks = VISIT_COMMENTS[satisfaction]
    yield step(
        "return_visit_recorded",
        visitor,
        clock.after(60 * 20, 0.6),
        satisfaction=satisfaction,
        reached=reached,
        comment=comment if reached else "电话未接通，已发送短信",
        customer_asks=asks if satisfaction <= 3 else None,
    )
