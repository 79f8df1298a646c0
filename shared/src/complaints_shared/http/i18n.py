"""The words of problem documents in the reader's language: Chinese (zh-CN) by default, English
when `Accept-Language` prefers it.

Services raise `Problem`s with English titles and details; nothing in a service is keyed. The
handlers in `problems.py` translate at the edge, from three catalogues here:

- `TITLES`: every title the code uses, and HTTP's own reason phrases (`STATUS_TITLES`);
- `VALIDATION`: pydantic's validation messages, by error `type`, with their `ctx` values;
- `SENTENCES`: the recurring detail sentences and field messages of the services, as regexes
  with named groups and a Chinese template each.

Text no entry matches stays English (`translate_text` returns it unchanged): the document is
still correct, only not translated. JSON keys, field names, extension members and the values
quoted in a sentence (unit ids, statuses, action names) are never translated.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, Literal

Language = Literal["zh", "en"]
DEFAULT_LANGUAGE: Language = "zh"
CONTENT_LANGUAGE: dict[Language, str] = {"zh": "zh-CN", "en": "en"}


# --- negotiation ------------------------------------------------------------------------------


def negotiate(accept_language: str | None) -> Language:
    """The language to answer in: the supported one the header ranks highest (by q-value, then
    by order), Chinese when the header is absent, names neither, or ranks them equally after
    `*`. `en-US,en;q=0.9,zh;q=0.5` is English; `zh-CN,zh;q=0.9,en;q=0.8` Chinese."""
    best: tuple[float, int] | None = None
    chosen: Language = DEFAULT_LANGUAGE
    for position, item in enumerate((accept_language or "").split(",")):
        tag, _, params = item.strip().partition(";")
        language = _supported(tag.strip().lower())
        if language is None:
            continue
        quality = _quality(params)
        if quality <= 0:
            continue
        rank = (quality, -position)
        if best is None or rank > best:
            best, chosen = rank, language
    return chosen


def _supported(tag: str) -> Language | None:
    primary = tag.split("-", 1)[0]
    if primary == "zh" or tag == "*":
        return "zh"
    if primary == "en":
        return "en"
    return None


def _quality(params: str) -> float:
    """The q-value of one header item; 1 without one, 0 (not acceptable) when malformed."""
    for param in params.split(";"):
        name, _, value = param.strip().partition("=")
        if name.strip().lower() == "q":
            try:
                quality = float(value.strip())
            except ValueError:
                return 0.0
            return quality if 0.0 <= quality <= 1.0 else 0.0
    return 1.0


# --- titles -----------------------------------------------------------------------------------

TITLES: dict[str, str] = {
    # raised by the services and the shared package
    "invalid request": "请求无效",
    "forbidden": "禁止访问",
    "unknown complaint": "投诉不存在",
    "not allowed now": "当前不允许此操作",
    "idempotency key reused": "幂等键已被使用",
    "service unavailable": "服务暂不可用",
    "internal error": "内部错误",
    "too many requests": "请求过于频繁",
    "invalid token": "令牌无效",
    "missing bearer token": "缺少 Bearer 令牌",
    "not authenticated": "未认证",
    "unauthorized": "未认证",
    "not signed in": "未登录",
    "not found": "未找到",
    "unsupported media type": "不支持的媒体类型",
    "content too large": "内容过大",
    "request body too large": "请求体过大",
    "personal data erased": "个人信息已删除",
}

STATUS_TITLES: dict[int, str] = {  # Starlette's HTTPException titles are HTTP's reason phrases
    400: "请求错误",
    401: "未认证",
    403: "禁止访问",
    404: "未找到",
    405: "不允许的请求方法",
    406: "无法提供可接受的表示",
    408: "请求超时",
    409: "冲突",
    410: "资源已不存在",
    411: "需要 Content-Length",
    412: "前提条件不满足",
    413: "内容过大",
    414: "URI 过长",
    415: "不支持的媒体类型",
    416: "请求范围无法满足",
    422: "请求无效",
    428: "需要前提条件",
    429: "请求过于频繁",
    431: "请求头过大",
    500: "内部错误",
    501: "未实现",
    502: "网关错误",
    503: "服务暂不可用",
    504: "网关超时",
}


def translate_title(title: str, language: Language, status: int | None = None) -> str:
    """The title in `language`; an English title the catalogue lacks stays as it is."""
    if language == "en":
        return title
    key = title.strip().casefold()
    if key in TITLES:
        return TITLES[key]
    if status in STATUS_TITLES:
        try:
            phrases = {HTTPStatus(status).phrase.casefold()}
        except ValueError:
            phrases = set()
        if status == 413:
            phrases |= {"request entity too large", "payload too large"}
        if status == 422:
            phrases |= {"unprocessable entity", "unprocessable content"}
        if key in phrases:
            return STATUS_TITLES[status]
    return title


# --- detail sentences and field messages ------------------------------------------------------


@dataclass(frozen=True)
class Sentence:
    """One recurring English sentence (a regex matched in full) and its Chinese template."""

    pattern: re.Pattern[str]
    chinese: str

    def render(self, text: str) -> str | None:
        match = self.pattern.fullmatch(text)
        if match is None:
            return None
        return self.chinese.format(**{k: v or "" for k, v in match.groupdict().items()})


def _s(pattern: str, chinese: str) -> Sentence:
    return Sentence(re.compile(pattern, re.DOTALL), chinese)


ID = r"(?P<{}>\S+)"
QUOTED = r"(?P<{}>'[^']*'|\"[^\"]*\"|\S+)"  # a repr()'d id, or a bare one

SENTENCES: tuple[Sentence, ...] = (
    # who may see and act (complaints_shared.workflow.authority, intake, notifier, dashboard)
    _s(
        rf"no complaint {ID.format('id')} visible to {ID.format('caller')}",
        "{caller} 看不到投诉 {id}",
    ),
    _s(rf"no complaint visible to {ID.format('caller')}", "{caller} 看不到该投诉"),
    _s(rf"no complaint {ID.format('id')} visible here", "此处看不到投诉 {id}"),
    _s(rf"no complaint {ID.format('id')}", "没有投诉 {id}"),
    _s(
        rf"{ID.format('caller')} may act only as itself or a unit below it, not as "
        rf"{ID.format('unit')}",
        "{caller} 只能以自身或其下级单位的名义操作，不能以 {unit} 的名义操作",
    ),
    _s(
        rf"unit {QUOTED.format('caller')} may post only as itself or a unit below it, not as "
        rf"{QUOTED.format('unit')}",
        "单位 {caller} 只能以自身或其下级单位的名义登记，不能以 {unit} 的名义登记",
    ),
    _s(
        rf"unit {QUOTED.format('caller')} may act only as itself or a unit below it",
        "单位 {caller} 只能以自身或其下级单位的名义操作",
    ),
    _s(
        rf"{ID.format('unit')} may not take the action (?P<action>.+) on this complaint",
        "{unit} 不能对此投诉执行操作 {action}",
    ),
    _s(
        r"routing has not yet named the owner of this complaint; retry shortly",
        "分派尚未确定此投诉的责任单位，请稍后重试",
    ),
    _s(
        rf"(?P<action>.+) is not allowed while the complaint is {ID.format('status')}",
        "投诉处于 {status} 状态时不允许 {action}",
    ),
    _s(
        r"a return visit is due: it must be made before closing",
        "尚需回访：必须先完成回访才能结案",
    ),
    _s(r"an extension request is already pending", "已有一项延期申请待审批"),
    _s(r"an extension must be asked before the resolve deadline", "延期必须在办结期限之前申请"),
    _s(
        rf"extension request {ID.format('request')} was already decided",
        "延期申请 {request} 已审批",
    ),
    _s(
        rf"no extension request {ID.format('request')} on this complaint",
        "此投诉没有延期申请 {request}",
    ),
    # intake
    _s(r"this key was used with another body", "此幂等键已用于另一个请求体"),
    _s(rf"unknown unit {QUOTED.format('unit')}", "未知单位 {unit}"),
    _s(
        rf"unknown business line {QUOTED.format('line')}; use (?P<lines>.+)",
        "未知业务线 {line}；可用：{lines}",
    ),
    _s(r"lies in the future", "不能是未来的时间"),
    _s(
        r"intake kept no history of this complaint that far back",
        "受理服务没有保存此投诉这么早的历史",
    ),
    _s(r"not a cursor this endpoint gave out", "不是此接口给出的游标"),
    _s(
        rf"{ID.format('caller')} may not read the complaints of {ID.format('unit')}",
        "{caller} 无权查看 {unit} 的投诉",
    ),
    _s(
        r"only the owning unit and the units above it read the contact",
        "只有责任单位及其上级单位可以查看联系方式",
    ),
    _s(
        r"only HQ, the province company or its customer-service department erase",
        "只有总部、省公司或其客服部门可以删除个人信息",
    ),
    _s(r"the customer's personal data was erased", "客户的个人信息已删除"),
    _s(
        r"the complaint was registered before personal data was sealed",
        "此投诉登记于个人信息加密保存之前",
    ),
    _s(r"timestamp must carry a UTC offset", "时间必须带 UTC 偏移"),
    # dashboard
    _s(rf"unit {QUOTED.format('caller')} is not in the organisation", "单位 {caller} 不在组织中"),
    _s(
        rf"{ID.format('caller')} may not read the figures of {ID.format('unit')}",
        "{caller} 无权查看 {unit} 的统计数据",
    ),
    _s(
        r"must be an ISO 8601 time with its UTC offset, e\.g\. (?P<example>\S+)",
        "必须是带 UTC 偏移的 ISO 8601 时间，例如 {example}",
    ),
    _s(r"must not lie in the future", "不能是未来的时间"),
    _s(r"must lie between 0 and (?P<days>\d+) days", "必须在 0 到 {days} 天之间"),
    _s(r"must lie between (?P<low>\S+) and (?P<high>\S+)", "必须在 {low} 到 {high} 之间"),
    _s(r"from lies after to", "from 晚于 to"),
    _s(r"after to", "晚于 to"),
    _s(r"a period spans at most (?P<days>\d+) days", "时间段最长 {days} 天"),
    _s(r"more than (?P<days>\d+) days before to", "早于 to 超过 {days} 天"),
    _s(r"sign-in is not enabled", "未启用登录"),
    _s(r"sign-in with the organisation is not configured", "未配置通过组织账号登录"),
    _s(r"send the sign-in form", "请提交登录表单"),
    _s(r"a form of at most (?P<bytes>\d+) bytes", "表单最多 {bytes} 字节"),
    _s(r"sign in at /auth/login", "请在 /auth/login 登录"),
    _s(
        r"sign in at /auth/login, or send Authorization: Bearer <JWT>",
        "请在 /auth/login 登录，或发送 Authorization: Bearer <JWT>",
    ),
    _s(
        r"this request must come from the dashboard's own page",
        "此请求必须来自看板自身的页面",
    ),
    # routing
    _s(
        rf"{ID.format('caller')} may explain only its own units' routing",
        "{caller} 只能查看其所辖单位的分派说明",
    ),
    # SLA monitor
    _s(
        rf"{ID.format('caller')} may not read the clocks of {ID.format('unit')}",
        "{caller} 无权查看 {unit} 的时限",
    ),
    _s(
        r"must carry a UTC offset, e\.g\. (?P<example>\S+)",
        "必须带 UTC 偏移，例如 {example}",
    ),
    _s(r"out of range", "超出范围"),
    # tokens (complaints_shared.http.auth and PyJWT's messages)
    _s(r"send Authorization: Bearer <JWT>", "请发送 Authorization: Bearer <JWT>"),
    _s(r"tokens signed with (?P<algorithm>.+) are not accepted", "不接受以 {algorithm} 签名的令牌"),
    _s(r"the token lives longer than (?P<seconds>\d+) s", "令牌有效期超过 {seconds} 秒"),
    _s(r"the `unit` claim must name a unit", "`unit` 声明必须指明一个单位"),
    _s(
        r"the token keys cannot be fetched now; try again",
        "暂时无法获取令牌密钥，请重试",
    ),
    _s(r"Signature has expired", "令牌已过期"),
    _s(r"Signature verification failed", "签名校验失败"),
    _s(r"Token is missing the \"(?P<claim>[^\"]+)\" claim", '令牌缺少 "{claim}" 声明'),
    _s(r"Not enough segments", "令牌格式错误：段数不足"),
    _s(r"Invalid audience(?P<strict> \(strict\))?", "受众（aud）无效"),
    _s(r"Audience doesn't match(?P<strict> \(strict\))?", "受众（aud）不匹配"),
    _s(r"Invalid claim format in token(?P<strict> \(strict\))?", "令牌的受众（aud）格式无效"),
    _s(r"Invalid issuer", "签发者（iss）无效"),
    _s(r"The token is not yet valid \((?P<claim>iat|nbf)\)", "令牌尚未生效（{claim}）"),
    _s(
        r"(?P<name>Expiration Time|Issued At|Not Before) claim \((?P<claim>\w+)\) must be an? "
        r"(?P<kind>integer|number)\.?",
        "令牌的 {claim} 声明必须是数字",
    ),
    _s(r"Invalid (?P<part>header|payload) string: (?P<why>.+)", "令牌的 {part} 段无效：{why}"),
    _s(r"Invalid (?P<part>\w+) padding", "令牌的 {part} 段填充无效"),
    _s(r"The specified alg value is not allowed", "不接受令牌指定的签名算法"),
    _s(r"Algorithm not specified", "令牌未指定签名算法"),
    _s(
        r"Unable to find a signing key that matches: (?P<kid>.+)",
        "找不到与 {kid} 匹配的签名密钥",
    ),
    # rate and size limits, transient failures
    _s(
        r"at most (?P<limit>\d+) requests in (?P<window>\S+) s per unit; "
        r"try again in (?P<retry>\S+) s",
        "每个单位 {window} 秒内最多 {limit} 个请求；请在 {retry} 秒后重试",
    ),
    _s(r"the body may be at most (?P<bytes>\d+) bytes", "请求体最多 {bytes} 字节"),
    _s(r"try again shortly", "请稍后重试"),
)

_PARTS = re.compile(r"; (?=[A-Za-z_][\w.\[\]-]*: )")  # `a: m; b: n`, not `a: m; use x`
_FIELD_COLON = re.compile(r"(?P<field>[A-Za-z_][\w.\[\]-]*): (?P<message>.+)", re.DOTALL)
_FIELD_SPACE = re.compile(r"(?P<field>[A-Za-z_][\w.]*) (?P<message>(?:must|lies) .+)", re.DOTALL)


def translated(text: str) -> str | None:
    """The Chinese of a detail or field message, or None when no sentence matches any of it.
    A detail joining several `field: message` parts with `; ` is translated part by part (the
    parts no sentence matches stay English); field names stay as they are."""
    whole = _segment(text)
    if whole is not None:
        return whole
    parts = _PARTS.split(text)
    if len(parts) < 2:
        return None
    done = [_segment(part) for part in parts]
    if all(part is None for part in done):
        return None
    return "; ".join(d if d is not None else p for d, p in zip(done, parts, strict=True))


def translate_text(text: str, language: Language) -> str:
    """A detail sentence or field message in `language`; English when nothing matches."""
    if language == "en":
        return text
    return translated(text) or text


def _sentence(text: str) -> str | None:
    for sentence in SENTENCES:
        rendered = sentence.render(text)
        if rendered is not None:
            return rendered
    return None


def _segment(text: str) -> str | None:
    rendered = _sentence(text)
    if rendered is not None:
        return rendered
    for form in (_FIELD_COLON, _FIELD_SPACE):
        match = form.fullmatch(text)
        if match is not None:
            message = _sentence(match["message"])
            if message is not None:
                separator = ": " if form is _FIELD_COLON else " "
                return f"{match['field']}{separator}{message}"
    return None


# --- validation messages ----------------------------------------------------------------------

VALIDATION: dict[str, str] = {
    "missing": "缺少必填字段",
    "extra_forbidden": "不允许额外的字段",
    "string_type": "应为字符串",
    "string_unicode": "应为有效的 Unicode 字符串",
    "string_too_short": "至少应有 {min_length} 个字符",
    "string_too_long": "最多只能有 {max_length} 个字符",
    "string_pattern_mismatch": "应符合格式 '{pattern}'",
    "string_not_ascii": "只能包含 ASCII 字符",
    "too_short": "至少应有 {min_length} 项，实有 {actual_length} 项",
    "too_long": "最多只能有 {max_length} 项，实有 {actual_length} 项",
    "greater_than": "应大于 {gt}",
    "greater_than_equal": "应大于或等于 {ge}",
    "less_than": "应小于 {lt}",
    "less_than_equal": "应小于或等于 {le}",
    "multiple_of": "应为 {multiple_of} 的倍数",
    "finite_number": "应为有限的数",
    "literal_error": "应为 {expected}",
    "enum": "应为 {expected}",
    "int_type": "应为整数",
    "int_parsing": "应为整数，无法将该字符串解析为整数",
    "int_parsing_size": "无法将该字符串解析为整数：超出范围",
    "int_from_float": "应为整数，不能有小数部分",
    "float_type": "应为数字",
    "float_parsing": "应为数字，无法将该字符串解析为数字",
    "decimal_type": "应为十进制数",
    "decimal_parsing": "应为十进制数，无法解析",
    "bool_type": "应为布尔值",
    "bool_parsing": "应为布尔值，无法解析",
    "none_required": "应为 null",
    "dict_type": "应为对象",
    "model_type": "应为对象",
    "model_attributes_type": "应为对象",
    "dataclass_type": "应为对象",
    "list_type": "应为数组",
    "tuple_type": "应为数组",
    "set_type": "应为数组",
    "frozen_set_type": "应为数组",
    "iterable_type": "应为数组",
    "date_type": "应为日期",
    "date_parsing": "应为 YYYY-MM-DD 格式的日期：{error}",
    "date_from_datetime_parsing": "应为日期或日期时间：{error}",
    "date_from_datetime_inexact": "日期时间应为零点整（不带时刻）",
    "date_past": "应为过去的日期",
    "date_future": "应为将来的日期",
    "time_type": "应为时间",
    "time_parsing": "应为时间：{error}",
    "datetime_type": "应为日期时间",
    "datetime_parsing": "应为日期时间：{error}",
    "datetime_object_invalid": "日期时间对象无效：{error}",
    "datetime_from_date_parsing": "应为日期时间或日期：{error}",
    "datetime_past": "应为过去的时间",
    "datetime_future": "应为将来的时间",
    "timezone_aware": "应带时区信息（UTC 偏移）",
    "timezone_naive": "不应带时区信息",
    "timezone_offset": "时区偏移应为 {tz_expected}，实为 {tz_actual}",
    "time_delta_type": "应为时长",
    "time_delta_parsing": "应为时长：{error}",
    "union_tag_invalid": "类型 '{tag}' 不是可接受的值，应为 {expected_tags}",
    "union_tag_not_found": "缺少用于区分类型的字段 {discriminator}",
    "json_invalid": "JSON 无效：{error}",
    "json_type": "应为 JSON 字符串",
    "url_type": "应为 URL",
    "url_parsing": "应为有效的 URL：{error}",
    "url_syntax_violation": "应为有效的 URL：{error}",
    "url_too_long": "URL 最多 {max_length} 个字符",
    "url_scheme": "URL 协议应为 {expected_schemes}",
    "uuid_type": "应为 UUID",
    "uuid_parsing": "应为 UUID：{error}",
    "uuid_version": "UUID 版本应为 {expected_version}",
    "bytes_type": "应为字节串",
    "bytes_too_short": "至少应有 {min_length} 个字节",
    "bytes_too_long": "最多只能有 {max_length} 个字节",
    "frozen_field": "字段不可修改",
    "frozen_instance": "对象不可修改",
    "is_instance_of": "应为 {class} 的实例",
    # value_error and assertion_error carry the application's own text: see validation_message
}

REASONS: dict[str, str] = {  # the `error` ctx of date/time and JSON parsing
    "input is too short": "输入过短",
    "input is too long": "输入过长",
    "unexpected extra characters at the end of the input": "输入末尾有多余的字符",
    "invalid character in year": "年份中有无效字符",
    "invalid date separator, expected `-`": "日期分隔符无效，应为 `-`",
    "invalid character in month": "月份中有无效字符",
    "month value is outside expected range of 1-12": "月份应在 1 到 12 之间",
    "invalid character in day": "日中有无效字符",
    "day value is outside expected range": "日超出有效范围",
    "invalid character in hour": "小时中有无效字符",
    "hour value is outside expected range of 0-23": "小时应在 0 到 23 之间",
    "invalid time separator, expected `:`": "时间分隔符无效，应为 `:`",
    "invalid character in minute": "分钟中有无效字符",
    "minute value is outside expected range of 0-59": "分钟应在 0 到 59 之间",
    "invalid character in second": "秒中有无效字符",
    "second value is outside expected range of 0-59": "秒应在 0 到 59 之间",
    "invalid datetime separator, expected `T`, `t`, `_` or space": (
        "日期与时间的分隔符无效，应为 `T`、`t`、`_` 或空格"
    ),
    "invalid timezone sign": "时区符号无效",
    "invalid timezone hour": "时区小时无效",
    "invalid timezone minute": "时区分钟无效",
    "timezone offset must be less than 24 hours": "时区偏移必须小于 24 小时",
    "invalid character in date": "日期中有无效字符",
    "Expecting value": "此处应有一个值",
    "Expecting property name enclosed in double quotes": "属性名应以双引号括起",
    "Expecting ',' delimiter": "此处应有 ','",
    "Expecting ':' delimiter": "此处应有 ':'",
    "Extra data": "有多余的数据",
}

_CHOICE_SEPARATOR = re.compile(r", | or ")


def _choices(expected: str) -> str:
    """`'a', 'b' or 'c'` (pydantic's list of expected values) as `'a'、'b'、'c' 之一`."""
    parts = _CHOICE_SEPARATOR.split(expected)
    if len(parts) < 2 or not all(parts):
        return expected
    return "、".join(parts) + " 之一"


def _reason(value: object) -> str:
    text = str(value)
    return REASONS.get(text) or translated(text) or text


def validation_message(error: Mapping[str, Any], language: Language) -> str:
    """One pydantic error (an item of `exc.errors()`) as the message of its field."""
    english = str(error.get("msg", ""))
    if language == "en":
        return english
    kind = str(error.get("type", ""))
    ctx: Mapping[str, Any] = error.get("ctx") or {}
    if kind in ("value_error", "assertion_error"):  # the application's own words
        own = str(ctx.get("error", "")) or english
        return translate_text(own, language)
    template = VALIDATION.get(kind)
    if template is None:
        return english
    values: dict[str, str] = {key: str(value) for key, value in ctx.items()}
    if "error" in ctx:
        values["error"] = _reason(ctx["error"])
    for key in ("expected", "expected_tags", "expected_schemes"):
        if key in values:
            values[key] = _choices(values[key])
    try:
        return template.format_map(values)
    except (KeyError, IndexError, ValueError):
        return english


# --- OpenAPI ----------------------------------------------------------------------------------

DESCRIPTIONS: dict[str, str] = {  # the services' own descriptions, in Chinese
    "Branch hotlines and outlets post complaints and their handling here.": (
        "各分支热线与营业网点在此登记投诉及其处理过程。"
    ),
    "Applies the branch, province and supervision-line hierarchy.": (
        "按分支、省公司与监督线的层级分派投诉。"
    ),
    "Projects every complaint's deadlines from the log; warns and breaches.": (
        "根据事件日志推算每件投诉的时限；临期预警并记录超时。"
    ),
    "Alerts the people who own a complaint and records every attempt.": (
        "通知投诉的责任人，并记录每一次发送。"
    ),
    "Live figures for province offices, projected from the whole log.": (
        "面向省公司办公室的实时数据，由完整事件日志推算。"
    ),
}

ERRORS_AND_LANGUAGE = """\
**错误与语言**：错误均以 RFC 9457 问题详情（`application/problem+json`）返回；输入有误时为
422，`errors: [{field, message}]` 逐一指出错误字段。`title`、`detail` 和字段的 `message`
默认为中文（`Content-Language: zh-CN`）；请求头 `Accept-Language` 首选英文（如 `en`、
`en-US,en;q=0.9,zh;q=0.5`）时为英文（`Content-Language: en`）。JSON 键、字段名和扩展成员
（如 `complaint_status`、`allowed_actions`）始终为英文。

**Errors and language**: every error is an RFC 9457 problem document
(`application/problem+json`); bad input is 422 with `errors: [{field, message}]` naming each
bad field. `title`, `detail` and the fields' `message` are Chinese by default
(`Content-Language: zh-CN`), English when `Accept-Language` prefers English (e.g. `en`,
`en-US,en;q=0.9,zh;q=0.5`; `Content-Language: en`). JSON keys, field names and extension members
(such as `complaint_status`, `allowed_actions`) are always English."""


def bilingual_description(english: str, chinese: str | None = None) -> str:
    """An OpenAPI description in Chinese and English, with how errors and language work."""
    chinese = chinese if chinese is not None else DESCRIPTIONS.get(english.strip())
    parts = [part for part in (chinese, english) if part]
    return "\n\n".join([*parts, ERRORS_AND_LANGUAGE])
