"""The handling form as a printable HTML page (A4), from the jinja2 template beside this module."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from .form_sheet import Sheet

_TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=True,  # every value is text from the log: never markup
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def render_html(sheet: Sheet) -> str:
    return _TEMPLATES.get_template("handling_form.html").render(
        sheet=sheet, html_lang="zh-CN" if sheet.language == "zh" else "en"
    )
