"""The page itself: server-rendered HTML in the chosen language; its script fills in figures.

No build step and no external network: the script, stylesheet and chart code are static
files of this package. The page needs no token to load; the script asks for one, keeps it in
localStorage and sends it as a bearer token to /v1/dashboard/….
"""

from __future__ import annotations

import json
from html import escape
from importlib.resources import files
from pathlib import Path
from string import Template
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, RedirectResponse

from .labels import words

router = APIRouter()
STATIC_DIR = Path(str(files("dashboard") / "static"))
_PAGE = Template((STATIC_DIR / "dashboard.html").read_text(encoding="utf-8"))


@router.get("/", include_in_schema=False)
async def root() -> RedirectResponse:
    return RedirectResponse("/dashboard")


@router.get("/dashboard", response_class=HTMLResponse)
async def page(lang: Annotated[Literal["zh", "en"], Query()] = "zh") -> HTMLResponse:
    """The province office dashboard (Chinese; `?lang=en` for English)."""
    w = words(lang)
    text = {f"t_{key.replace('.', '_')}": escape(value) for key, value in w.items()}
    other = "en" if lang == "zh" else "zh"
    html = _PAGE.substitute(
        text,
        lang=lang,
        html_lang="zh-CN" if lang == "zh" else "en",
        other_lang=other,
        other_lang_label="English" if other == "en" else "中文",
        # Every label for the script, as JSON inside a non-executed script element.
        words_json=json.dumps(w, ensure_ascii=False).replace("</", "<\\/"),
    )
    return HTMLResponse(html, headers={"Cache-Control": "no-store"})
