"""The handling form as a PDF (A4), drawn with reportlab: no browser needed.

Its Chinese font is the one every service's PDFs use (`complaints_shared.pdf_fonts`).
"""

from __future__ import annotations

import io
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table

from complaints_shared.pdf_fonts import FALLBACK_FONT, cjk_font

from .form_sheet import Section, Sheet

__all__ = ["FALLBACK_FONT", "cjk_font", "render_pdf"]

WIDTH = A4[0] - 30 * mm  # between the 15 mm margins


def render_pdf(sheet: Sheet, font: str | None = None) -> bytes:
    font = font or cjk_font()
    body = ParagraphStyle("body", fontName=font, fontSize=9, leading=12, wordWrap="CJK")
    title = ParagraphStyle("title", parent=body, fontSize=16, leading=22, alignment=1)
    banner = ParagraphStyle("banner", parent=body, textColor=colors.red, alignment=1)
    heading = ParagraphStyle("heading", parent=body, alignment=1)

    def p(text: str, style: ParagraphStyle = body) -> Paragraph:
        return Paragraph(escape(text).replace("\n", "<br/>"), style)

    story: list[Any] = [p(sheet.title, title)]
    if sheet.draft:
        story.append(p(sheet.draft, banner))
    head = [[p(sheet.colon.join(sheet.number)), p(sheet.colon.join(sheet.generated_at))]]
    story += [Table(head, colWidths=[WIDTH / 2] * 2), Spacer(0, 2 * mm)]
    for section in sheet.sections:
        # a section that fits on a page is not split from its headers
        story.append(KeepTogether([_section(section, sheet.none, p, heading), Spacer(0, 1 * mm)]))
    story.append(p(sheet.note))
    story.append(Spacer(0, 8 * mm))
    story.append(Table([[p(label + sheet.colon) for label in sheet.signatures]]))
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=f"{sheet.title} {sheet.number[1]}",
    )
    document.build(story)
    return buffer.getvalue()


def _section(section: Section, none: str, p: Any, heading: ParagraphStyle) -> Table:
    grey = colors.HexColor("#dddddd")
    title = p(section.title, heading)
    rows: list[list[Any]] = [[title, "", "", ""]]
    style = [
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("SPAN", (0, 0), (-1, 0)),
        ("BACKGROUND", (0, 0), (-1, 0), grey),
    ]
    if section.headers:
        columns = len(section.headers)
        rows = [[title] + [""] * (columns - 1), [p(h) for h in section.headers]]
        rows += [[p(value) for value in row] for row in section.rows]
        if not section.rows:
            rows.append([p(none)] + [""] * (columns - 1))
            style.append(("SPAN", (0, 2), (-1, 2)))
        style.append(("BACKGROUND", (0, 1), (-1, 1), colors.HexColor("#eeeeee")))
        return Table(rows, colWidths=_widths(section), style=style, repeatRows=2)
    for index, row in enumerate(section.grid, start=1):
        if len(row) == 1:
            rows.append([p(row[0][0]), p(row[0][1]), "", ""])
            style.append(("SPAN", (1, index), (-1, index)))
        else:
            rows.append([p(cell) for label, value in row for cell in (label, value)])
    widths = [WIDTH * 0.18, WIDTH * 0.32, WIDTH * 0.18, WIDTH * 0.32]
    return Table(rows, colWidths=widths, style=style)


def _widths(section: Section) -> list[float]:
    """Column widths after how wide their texts are (a CJK character counts double)."""

    def span(text: str) -> int:
        return sum(2 if ord(char) >= 0x2E80 else 1 for char in text)

    columns = list(zip(section.headers, *section.rows, strict=True))
    weights = [min(max(max(span(text) for text in column), 12), 30) for column in columns]
    return [WIDTH * weight / sum(weights) for weight in weights]
