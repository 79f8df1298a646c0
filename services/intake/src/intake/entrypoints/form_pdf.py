"""The handling form as a PDF (A4), drawn with reportlab: no browser needed.

The PDF embeds a CJK TrueType font found on the machine (WenQuanYi Micro Hei, else a Noto CJK
font under /usr/share/fonts); without one it falls back to the CID font STSong-Light, which
PDF readers supply themselves (not embedded), and says so in the log.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table

from complaints_shared.logging import get_logger

from .form_sheet import Section, Sheet

log = get_logger(__name__)
FONT_NAME = "HandlingFormCJK"
FALLBACK_FONT = "STSong-Light"
PREFERRED = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
FONT_ROOTS = (Path("/usr/share/fonts"),)
WIDTH = A4[0] - 30 * mm  # between the 15 mm margins


def _candidates(preferred: Path, roots: tuple[Path, ...]) -> Iterator[Path]:
    yield preferred
    for root in roots:
        if root.is_dir():
            for path in sorted(root.rglob("*")):
                lowered = path.name.lower()
                if (
                    "noto" in lowered
                    and "cjk" in lowered
                    and path.suffix.lower()
                    in (
                        ".ttc",
                        ".ttf",
                        ".otf",
                    )
                ):
                    yield path


@lru_cache(maxsize=4)
def cjk_font(preferred: Path = PREFERRED, roots: tuple[Path, ...] = FONT_ROOTS) -> str:
    """The name of a registered font that can draw Chinese (found once, then cached)."""
    for path in _candidates(preferred, roots):
        if not path.is_file():
            continue
        try:  # reportlab embeds TrueType outlines only: a CFF-based font fails here
            pdfmetrics.registerFont(TTFont(FONT_NAME, str(path), subfontIndex=0))
        except Exception as exc:  # noqa: BLE001 - any unusable font file: try the next
            log.info("font not usable for the handling form", font=str(path), error=repr(exc))
            continue
        log.info("handling form PDFs embed a CJK font", font=str(path))
        return FONT_NAME
    pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK_FONT))
    log.warning(
        "no CJK TrueType font found; handling form PDFs use the CID font STSong-Light "
        "(not embedded)",
        searched=[str(preferred), *map(str, roots)],
    )
    return FALLBACK_FONT


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
