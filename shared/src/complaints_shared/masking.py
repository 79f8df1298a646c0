"""Masks for customer personal data wherever it leaves the log: logs, alerts, dashboards."""

from __future__ import annotations


def mask_phone(phone: str) -> str:
    """Keep the last four digits: '+86 138 0013 8000' -> '*******8000'."""
    digits = [c for c in phone if c.isdigit()]
    if len(digits) <= 4:
        return "*" * len(digits)
    return "*" * (len(digits) - 4) + "".join(digits[-4:])


def mask_name(name: str) -> str:
    """Keep the first character only: '张三丰' -> '张**', 'Alice Smith' -> 'A**'."""
    name = name.strip()
    return f"{name[0]}**" if name else ""


def mask_email(email: str) -> str:
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}" if domain else mask_name(email)


def mask_staff_name(name: str) -> str:
    """A handler's name for a unit that may not read it (the rule of who may is
    `workflow.handler_names`): the first character and one star, whatever the length, so the
    mask tells neither the rest nor how long it is: '张三' -> '张*', '欧阳小明' -> '欧*',
    'Alice Smith' -> 'A*'; a one-character name shows nothing of itself: '张' -> '*'."""
    name = name.strip()
    if len(name) <= 1:
        return "*" if name else ""
    return f"{name[0]}*"
