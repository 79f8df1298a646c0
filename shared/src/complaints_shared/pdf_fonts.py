"""A font that draws Chinese in the PDFs the services print (reportlab), found once per process.

It embeds a CJK TrueType font found on the machine (WenQuanYi Micro Hei, else a Noto CJK font
under /usr/share/fonts); without one it falls back to the CID font STSong-Light, which PDF
readers supply themselves (not embedded), and says so in the log.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont

from complaints_shared.logging import get_logger

log = get_logger(__name__)
FONT_NAME = "ComplaintsCJK"
FALLBACK_FONT = "STSong-Light"
PREFERRED = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
FONT_ROOTS = (Path("/usr/share/fonts"),)
_SUFFIXES = (".ttc", ".ttf", ".otf")


def _candidates(preferred: Path, roots: tuple[Path, ...]) -> Iterator[Path]:
    yield preferred
    for root in roots:
        if root.is_dir():
            for path in sorted(root.rglob("*")):
                lowered = path.name.lower()
                if "noto" in lowered and "cjk" in lowered and path.suffix.lower() in _SUFFIXES:
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
            log.info("font not usable for PDFs", font=str(path), error=repr(exc))
            continue
        log.info("PDFs embed a CJK font", font=str(path))
        return FONT_NAME
    pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK_FONT))
    log.warning(
        "no CJK TrueType font found; PDFs use the CID font STSong-Light (not embedded)",
        searched=[str(preferred), *map(str, roots)],
    )
    return FALLBACK_FONT
