"""The `intake` benchmark's baseline: a bare FastAPI app with one endpoint that validates the
same request model as intake's `POST /v1/complaints` and answers 202, nothing else (no token
check, no database, no broker). Served by `uvicorn bare_endpoint:app --app-dir bench`, one
worker. Not a benchmark itself (not registered in run.py)."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.responses import JSONResponse

from intake.entrypoints.schemas import ComplaintCreate

app = FastAPI()


@app.post("/v1/complaints", status_code=202)
async def submit_complaint(body: ComplaintCreate) -> JSONResponse:
    return JSONResponse({"complaint_id": "bare", "event_id": "bare"}, status_code=202)


@app.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}
