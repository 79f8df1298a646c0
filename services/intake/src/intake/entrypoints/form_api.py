"""`GET /v1/complaints/{id}/form`: the complaint handling form (客户投诉处理单) as JSON, as a
printable page or as a PDF."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

from complaints_shared.http.openapi import problem_responses

from ..domain.handling_form import HandlingForm
from ..service_layer.queries import NotVisible
from .api import Caller, Reads, _not_found
from .form_html import render_html
from .form_labels import Language
from .form_pdf import render_pdf
from .form_sheet import sheet

router = APIRouter(prefix="/v1")
Format = Literal["json", "html", "pdf"]
NO_STORE = {"Cache-Control": "no-store"}


@router.get(
    "/complaints/{complaint_id}/form",
    response_model=HandlingForm,
    responses={
        200: {"content": {"text/html": {}, "application/pdf": {}}},
        **problem_responses(401, 404, 422, 503),
    },
)
async def get_form(
    complaint_id: str,
    caller: Caller,
    reads: Reads,
    form_format: Annotated[Format, Query(alias="format")] = "json",
    lang: Annotated[Language, Query()] = "zh",
) -> Any:
    """The complaint handling form: number, receipt, masked customer, every unit it passed
    through, investigation and cause, classification, actions taken, reply, deadlines met or
    missed and return visits, in the receiving unit's local time. Before the complaint is
    resolved it is the form so far, with `draft: true`. `?format=html` is a printable A4 page,
    `?format=pdf` a PDF (both Chinese; `?lang=en` for English labels)."""
    try:
        form = await reads.form(caller, complaint_id, datetime.now(UTC))
    except NotVisible as exc:
        raise _not_found(complaint_id, caller) from exc
    if form_format == "json":
        return form
    printed = sheet(form, lang)
    if form_format == "html":
        return HTMLResponse(render_html(printed), headers=NO_STORE)
    pdf = await run_in_threadpool(render_pdf, printed)
    filename = f"complaint-{re.sub(r'[^A-Za-z0-9._-]', '_', complaint_id)}.pdf"
    headers = {**NO_STORE, "Content-Disposition": f'attachment; filename="{filename}"'}
    return Response(pdf, media_type="application/pdf", headers=headers)
