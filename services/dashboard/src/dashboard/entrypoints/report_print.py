"""The report sheets (`report_sheet`) printed: a self-contained HTML page (A4 landscape when
printed) and a PDF drawn with reportlab in the Chinese font every service's PDFs use."""

from __future__ import annotations

import io
from html import escape
from typing import Any
from xml.sax.saxutils import escape as xml_escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table

from complaints_shared.pdf_fonts import cjk_font

from .report_sheet import Section, Sheet

PAGE = landscape(A4)
WIDTH = PAGE[0] - 20 * mm  # between the 10 mm margins
EMPTY = "暂无"
_STYLE = """
body { font-family: "WenQuanYi Micro Hei", "Noto Sans CJK SC", "Microsoft YaHei", sans-serif;
       font-size: 12px; margin: 16px; color: #000; }
h1 { font-size: 20px; text-align: center; margin: 0 0 4px; }
p.subtitle { text-align: center; margin: 0 0 12px; }
h2 { font-size: 14px; margin: 14px 0 4px; }
table { border-collapse: collapse; width: 100%; page-break-inside: auto; }
th, td { border: 1px solid #000; padding: 2px 4px; text-align: right; }
th { background: #eee; text-align: center; }
td:first-child, td.text { text-align: left; }
tr { page-break-inside: avoid; }
p.note { margin-top: 12px; font-size: 11px; }
@page { size: A4 landscape; margin: 10mm; }
@media print { body { margin: 0; } }
"""


def render_html(sheet: Sheet) -> str:
    parts = [
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">',
        f"<title>{escape(sheet.title)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{escape(sheet.title)}</h1>",
        f'<p class="subtitle">{escape(sheet.subtitle)}</p>',
    ]
    for section in sheet.sections:
        parts.append(f"<h2>{escape(section.title)}</h2><table><thead><tr>")
        parts += [f"<th>{escape(h)}</th>" for h in section.headers]
        parts.append("</tr></thead><tbody>")
        if not section.rows:
            parts.append(f'<tr><td colspan="{len(section.headers)}">{EMPTY}</td></tr>')
        for row in section.rows:
            cells = (
                f'<td class="text">{escape(c)}</td>' if not _numeric(c) else f"<td>{escape(c)}</td>"
                for c in row
            )
            parts.append("<tr>" + "".join(cells) + "</tr>")
        parts.append("</tbody></table>")
    parts.append(f'<p class="note">{escape(sheet.note)}</p></body></html>')
    return "".join(parts)


def _numeric(text: str) -> bool:
    return bool(text) and (text[0].isdigit() or text == "—")


def render_pdf(sheet: Sheet, font: str | None = None) -> bytes:
    font = font or cjk_font()
    body = ParagraphStyle("body", fontName=font, fontSize=8, leading=10, wordWrap="CJK")
    title = ParagraphStyle("title", parent=body, fontSize=15, leading=20, alignment=1)
    subtitle = ParagraphStyle("subtitle", parent=body, fontSize=9, leading=12, alignment=1)
    heading = ParagraphStyle("heading", parent=body, fontSize=10, leading=14)

    def p(text: str, style: ParagraphStyle = body) -> Paragraph:
        return Paragraph(xml_escape(text), style)

    story: list[Any] = [p(sheet.title, title), p(sheet.subtitle, subtitle), Spacer(0, 3 * mm)]
    for section in sheet.sections:
        story += [p(section.title, heading), _table(section, p), Spacer(0, 3 * mm)]
    story.append(p(sheet.note))
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=PAGE,
        leftMargin=10 * mm,
        rightMargin=10 * mm,
        topMargin=10 * mm,
        bottomMargin=10 * mm,
        title=sheet.title,
    )
    document.build(story)
    return buffer.getvalue()


def _table(section: Section, p: Any) -> Table:
    rows: list[list[Any]] = [[p(h) for h in section.headers]]
    rows += [[p(cell) for cell in row] for row in section.rows]
    style: list[Any] = [
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
    ]
    if not section.rows:
        rows.append([p(EMPTY)] + [""] * (len(section.headers) - 1))
        style.append(("SPAN", (0, 1), (-1, 1)))
    first = min(WIDTH * 0.2, WIDTH / len(section.headers) * 2)
    rest = (WIDTH - first) / max(1, len(section.headers) - 1)
    return Table(
        rows, colWidths=[first] + [rest] * (len(section.headers) - 1), style=style, repeatRows=1
    )
