"""Recognising a customer by a keyed hash of the normalised phone, and the 12-month window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from intake.domain.customers import customer_key, normalise_phone, twelve_months_before

SECRET = b"test-customer-key"
PLUS_8 = timezone(timedelta(hours=8))


@pytest.mark.parametrize(
    "phone",
    [
        "13800138000",
        "+86 138 0013 8000",
        "+86-138-0013-8000",
        "0086 138 0013 8000",
        "86 13800138000",
        "(+86) 138 0013 8000",
        "138-0013-8000",
        " 138 0013 8000 ",
    ],
)
def test_one_mobile_written_many_ways_is_one_number(phone):
    assert normalise_phone(phone) == "13800138000"
    assert customer_key(phone, SECRET) == customer_key("13800138000", SECRET)


@pytest.mark.parametrize(
    ("phone", "normalised"),
    [
        ("0871-6543 2100", "087165432100"),  # a landline keeps its trunk 0 and area code
        ("+86 871 6543 2100", "8687165432100"),  # not a mobile: the country code stays
        ("+852 9123 4567", "85291234567"),  # another country's number: its digits
        ("8613800138", "8613800138"),  # 10 digits: not a mobile behind a country code
        ("86 23800138000", "8623800138000"),  # 11 digits not starting with 1: not a mobile
    ],
)
def test_other_numbers_are_their_digits(phone, normalised):
    assert normalise_phone(phone) == normalised


def test_the_key_is_not_the_phone_and_depends_on_the_secret():
    key = customer_key("+86 138 0013 8000", SECRET)
    assert key is not None and len(key) == 64
    assert "13800138000" not in key
    assert key != customer_key("13800138000", b"another secret")
    assert key != customer_key("13800138001", SECRET)


def test_a_phone_without_digits_names_no_customer():
    assert customer_key("+() -", SECRET) is None


def test_twelve_months_before_is_the_same_moment_a_calendar_year_earlier():
    assert twelve_months_before(datetime(2026, 11, 23, 10, 0, tzinfo=PLUS_8)) == datetime(
        2025, 11, 23, 10, 0, tzinfo=PLUS_8
    )
    leap = datetime(2028, 2, 29, 12, 0, tzinfo=UTC)
    assert twelve_months_before(leap) == datetime(2027, 2, 28, 12, 0, tzinfo=UTC)
