# ruff: noqa: E501  (tables of Chinese text)
"""What the demo month draws from: its seed and time zone, the units, business lines, channels
and categories it uses, and the names and Chinese texts of its complaints, replies and visits.
"""

from __future__ import annotations

import random
import typing
from zoneinfo import ZoneInfo

from complaints_shared.contracts.complaint_events import Channel

SEED = 20_261_123
TZ = ZoneInfo("Asia/Shanghai")
PROVINCES = ("YN", "GD")
BRANCHES = {"YN": ("YN-KM", "YN-DL", "YN-QJ"), "GD": ("GD-GZ", "GD-SZ")}
LINES = ("deposits", "loans", "cards", "logistics")
CHANNELS: tuple[str, ...] = typing.get_args(Channel)  # every channel, in the contract's order
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


def complaint_text(rng: random.Random, category: str, line: str, outlet: str) -> tuple[str, str]:
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
