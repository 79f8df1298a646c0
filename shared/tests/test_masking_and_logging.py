"""Customer data is masked wherever it leaves the log, and never reaches a log line."""

from __future__ import annotations

import json
import logging

import pytest
import structlog

from complaints_shared.logging import configure_logging, get_logger, redact_personal_data
from complaints_shared.masking import mask_email, mask_name, mask_phone

PHONE = "+86 138 0013 8000"


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        pytest.param(PHONE, "*********8000", id="international-with-spaces"),
        pytest.param("13800138000", "*******8000", id="digits-only"),
        pytest.param("(0871) 6543-2100", "********2100", id="punctuation-dropped"),
        pytest.param("12345", "*2345", id="five-digits"),
        pytest.param("1234", "****", id="four-digits-all-hidden"),
        pytest.param("", "", id="empty"),
    ],
)
def test_mask_phone_keeps_only_the_last_four_digits(phone, masked):
    assert mask_phone(phone) == masked


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        pytest.param("张三丰", "张**", id="chinese"),
        pytest.param("  Alice Smith ", "A**", id="latin-trimmed"),
        pytest.param("X", "X**", id="one-char"),
        pytest.param("   ", "", id="blank"),
    ],
)
def test_mask_name_keeps_the_first_character(name, masked):
    assert mask_name(name) == masked


@pytest.mark.parametrize(
    ("email", "masked"),
    [
        pytest.param("alice@example.com", "a***@example.com", id="address"),
        pytest.param("@example.com", "***@example.com", id="empty-local-part"),
        pytest.param("not-an-address", "n**", id="no-domain-masked-like-a-name"),
    ],
)
def test_mask_email_keeps_the_first_character_and_the_domain(email, masked):
    assert mask_email(email) == masked


def test_redact_masks_phone_and_name_keys():
    event = {
        "event": "complaint received",
        "phone": PHONE,
        "customer_phone": "13800138000",
        "customer_name": "张三丰",
        "complaint_id": "cmp-1",
    }
    assert redact_personal_data(None, "info", event) == {
        "event": "complaint received",
        "phone": "*********8000",
        "customer_phone": "*******8000",
        "customer_name": "张**",
        "complaint_id": "cmp-1",
    }


def test_redact_masks_a_customer_dict_and_drops_its_other_keys():
    event = {"customer": {"name": "Alice", "phone": PHONE, "email": "alice@example.com"}}
    assert redact_personal_data(None, "info", event) == {
        "customer": {"name": "A**", "phone": "*********8000"}
    }


def test_redact_leaves_non_string_values_alone():
    event = {"phone": None, "customer": "see ticket"}
    assert redact_personal_data(None, "info", dict(event)) == event


@pytest.fixture
def restore_logging():
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    structlog.contextvars.clear_contextvars()
    structlog.reset_defaults()


def test_configured_logging_writes_json_lines_without_the_raw_phone(restore_logging, capsys):
    configure_logging("test")
    get_logger("intake.test").info(
        "complaint received", customer={"name": "张三丰", "phone": PHONE}, phone=PHONE
    )
    logging.getLogger("stdlib.logger").warning("plain %s", "message")

    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2
    assert "8000" in lines[0]
    for line in lines:
        assert PHONE not in line and "13800138000" not in line.replace(" ", "")
    first = json.loads(lines[0])
    assert first["service"] == "test"
    assert first["event"] == "complaint received"
    assert first["level"] == "info"
    assert first["customer"] == {"name": "张**", "phone": "*********8000"}
    second = json.loads(lines[1])
    assert (second["service"], second["event"]) == ("test", "plain message")
