"""Alert texts and addresses: languages, time zones, masking."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from complaints_shared.organisation import Contact
from notifier.domain.channels import EMAIL, LOG, SMS, WEBHOOK, Address, addresses, mask_recipient
from notifier.domain.messages import AlertFacts, local_time, render, render_digest, span

DUE = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
FACTS = AlertFacts(
    complaint_id="c-1",
    link="https://complaints.example/v1/complaints/c-1",
    unit="Kunming outlet 1",
    customer="王** *******8000",
    clock="resolve",
    due_at=DUE,
    remaining_seconds=5400,
    late_seconds=3 * 3600 + 60,
)


def test_chinese_is_the_default_and_names_complaint_unit_clock_due_time_and_link():
    text = render("warning", "zh", "Asia/Shanghai", FACTS)
    assert text.subject == "【投诉 c-1】办结答复时限将于 2026-11-23 16:00 (Asia/Shanghai) 到期"
    assert "剩余 1小时30分" in text.body and "Kunming outlet 1" in text.body
    assert FACTS.link in text.body and "王** *******8000" in text.body
    assert render("warning", "fr", "Asia/Shanghai", FACTS) == text


def test_english_is_available_and_the_due_time_is_the_recipients_wall_clock():
    text = render("breached", "en", "Asia/Urumqi", FACTS)
    assert text.subject == "[Complaint c-1] resolve-and-reply clock breached"
    assert "due 2026-11-23 14:00 (Asia/Urumqi) and is at least 3h 1m late." in text.body


def test_a_breach_told_at_its_due_time_says_no_lateness_in_either_language():
    at_once = replace(FACTS, late_seconds=None)
    english = render("breached", "en", "Asia/Shanghai", at_once)
    assert "was due 2026-11-23 16:00 (Asia/Shanghai). Owner: Kunming outlet 1." in english.body
    chinese = render("escalated", "zh", "Asia/Shanghai", replace(at_once, late_seconds=0))
    assert "时限已于 2026-11-23 16:00 (Asia/Shanghai) 到期。责任单位：" in chinese.body
    assert "超时至少" not in chinese.body and "late" not in english.body


def test_an_escalation_recipient_is_told_why():
    supervisor = render("breached", "zh", "Asia/Shanghai", replace(FACTS, role="supervisor"))
    assert "请督办" in supervisor.body


def test_an_extension_names_the_new_deadline_in_the_recipients_time_and_the_reason():
    asked = replace(FACTS, until=DUE, reason="等待卡组织调单结果。", role="extension_decider")
    text = render("extension_requested", "zh", "Asia/Shanghai", asked)
    assert text.subject == "【投诉 c-1】Kunming outlet 1申请延期至 2026-11-23 16:00 (Asia/Shanghai)"
    assert "理由：等待卡组织调单结果。" in text.body and "理由" not in text.subject
    assert "请及时决定" in text.body and FACTS.link in text.body
    english = render("extension_requested", "en", "Asia/Urumqi", asked)
    assert "to 2026-11-23 14:00 (Asia/Urumqi)" in english.body
    decided = replace(FACTS, until=DUE, reason="同意")
    approved = render("extension_approved", "zh", "Asia/Shanghai", decided)
    assert approved.subject == "【投诉 c-1】延期申请已批准"
    assert "新的办结时限为 2026-11-23 16:00 (Asia/Shanghai)。理由：同意。" in approved.body
    refused = render("extension_refused", "zh", "Asia/Shanghai", replace(decided, until=None))
    assert "未获Kunming outlet 1批准" in refused.body and "新的办结时限" not in refused.body


def test_a_digest_lists_every_folded_alert():
    text = render_digest("zh", ["a", "b", "c"])
    assert text.subject == "【投诉提醒汇总】3 条提醒"
    assert text.body.endswith("\n- a\n- b\n- c")


@pytest.mark.parametrize(
    ("seconds", "zh", "en"),
    [
        (0, "1分", "1m"),
        (59, "1分", "1m"),
        (3600, "1小时", "1h"),
        (90061, "1天1小时1分", "1d 1h 1m"),
    ],
)
def test_spans_for_people(seconds, zh, en):
    assert (span(seconds, "zh"), span(seconds, "en")) == (zh, en)


def test_local_time_crosses_the_date_line_correctly():
    assert local_time(datetime(2026, 11, 23, 20, 0, tzinfo=UTC), "Asia/Shanghai") == (
        "2026-11-24 04:00 (Asia/Shanghai)"
    )


FULL = Contact(
    name="Desk",
    email="desk@x.example",
    webhook="https://h.example/hook?t=s3cret",
    sms="+86 139 0000 1234",
    phone="+86 871 1",
)


def test_a_contact_gets_each_channel_it_has_an_address_for():
    assert addresses(FULL, email=True, sms=True) == [
        Address(EMAIL, "desk@x.example"),
        Address(WEBHOOK, "https://h.example/hook?t=s3cret"),
        Address(SMS, "+86 139 0000 1234"),
    ]


def test_without_smtp_or_sms_gateway_the_contact_is_told_through_the_log_once():
    assert addresses(FULL, email=False, sms=False) == [
        Address(WEBHOOK, "https://h.example/hook?t=s3cret"),
        Address(LOG, "desk@x.example"),
    ]
    assert addresses(Contact(name="Desk", phone="1"), email=True, sms=True) == [
        Address(LOG, "Desk")
    ]


@pytest.mark.parametrize(
    ("address", "shown"),
    [
        (Address(EMAIL, "desk@x.example"), "d***@x.example"),
        (Address(WEBHOOK, "https://h.example:8443/hook?t=s3cret"), "https://h.example:8443/***"),
        (Address(SMS, "+86 139 0000 1234"), "*********1234"),
        (Address(LOG, "Desk"), "D**"),
        (Address(LOG, "+86 139 0000 1234"), "*********1234"),
    ],
)
def test_recipients_are_shown_masked(address, shown):
    assert mask_recipient(address) == shown


def test_an_escalation_names_the_owner_the_unit_escalated_to_and_asks_it_to_chase():
    facts = replace(FACTS, unit="Kunming branch", from_unit="Kunming outlet 1", role="accountable")
    text = render("escalated", "zh", "Asia/Shanghai", facts)
    assert text.subject == "【投诉 c-1】办结答复时限超时，已升级至Kunming branch"
    assert "责任单位：Kunming outlet 1，已升级至Kunming branch" in text.body
    assert "超时已升级至贵单位，请督办。" in text.body
    assert "到期，已超时至少 3小时1分。责任单位" in text.body
    text = render("escalated", "en", "Asia/Shanghai", replace(facts, role="supervisor"))
    assert "Owner: Kunming outlet 1; escalated to Kunming branch." in text.body
    assert "You supervise the accountable unit" in text.body
