"""The page itself: server-rendered HTML in the chosen language; its script fills in figures.

No build step and no external network: the script, stylesheet and chart code are static
files of this package. The page needs a session (see `signin`): without one it sends the
browser to the sign-in page, which brings it back to the same address. The script keeps no
token: its requests, its event stream and its CSV downloads carry the session cookie.
"""

from __future__ import annotations

import json
from html import escape
from importlib.resources import files
from pathlib import Path
from string import Template
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from complaints_shared.http.openapi import problem_responses

from ..domain.scope import label
from .labels import words
from .signin import page_login_redirect
from .web_session import current_session

router = APIRouter()
# The words of the calendar-horizon banner (`static/horizon.js` fills in the years), where
# `labels` does not carry them; its own words win.
_PAGE_WORDS: dict[str, tuple[str, str]] = {
    "horizon.covered": (
        "节假日安排仅覆盖至 {last} 年：{missing} 年的法定节假日尚未载入，跨年的期限未计入节假日",
        "Holiday calendars only reach {last}: the public holidays of {missing} are not loaded yet, "
        "so deadlines running into that year do not count them",
    ),
    "horizon.nothing": (
        "节假日安排尚未载入：{missing} 年的法定节假日缺失，相关期限未计入节假日",
        "No holiday calendar is loaded: the public holidays of {missing} are missing, "
        "so deadlines in that time do not count them",
    ),
    "horizon.general": (
        "节假日安排未覆盖未来 {days} 天，相关期限未计入节假日",
        "Holiday calendars do not cover the next {days} days: deadlines in that time do not "
        "count public holidays",
    ),
    "horizon.calendar": ("日历 {calendar}：", "Calendar {calendar}: "),
    "horizon.separator": ("、", ", "),
}
STATIC_DIR = Path(str(files("dashboard") / "static"))
_PAGE = Template((STATIC_DIR / "dashboard.html").read_text(encoding="utf-8"))


@router.get("/", include_in_schema=False)
async def root() -> RedirectResponse:
    return RedirectResponse("/dashboard")


@router.get("/dashboard", response_class=HTMLResponse, responses=problem_responses(422))
async def page(request: Request, lang: Annotated[Literal["zh", "en"], Query()] = "zh") -> Response:
    """The province office dashboard (Chinese; `?lang=en` for English); signs in first."""
    session = current_session(request)
    if session is None:
        return page_login_redirect(request, lang)
    w = {key: pair[1 if lang == "en" else 0] for key, pair in _PAGE_WORDS.items()} | words(lang)
    text = {f"t_{key.replace('.', '_')}": escape(value) for key, value in w.items()}
    other = "en" if lang == "zh" else "zh"
    html = _PAGE.substitute(
        text,
        lang=lang,
        html_lang="zh-CN" if lang == "zh" else "en",
        other_lang=other,
        other_lang_label="English" if other == "en" else "中文",
        user=escape(f"{session.user} · {label(request.app.state.org, session.unit)}"),
        # Every label for the script, as JSON inside a non-executed script element.
        words_json=json.dumps(w, ensure_ascii=False).replace("</", "<\\/"),
    )
    return HTMLResponse(html, headers={"Cache-Control": "no-store"})
