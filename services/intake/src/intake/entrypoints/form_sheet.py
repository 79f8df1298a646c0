"""The handling form laid out as a paper form: labelled cells and tables of text, in one
language. The HTML template and the PDF both draw this same sheet."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .form_labels import Language, Words

Cell = tuple[str, str]  # label, value


@dataclass(frozen=True)
class Section:
    title: str
    grid: list[list[Cell]] = field(default_factory=list)  # rows of one or two cells
    headers: list[str] = field(default_factory=list)  # a table instead of a grid
    rows: list[list[str]] = field(default_factory=list)


@dataclass(frozen=True)
class Sheet:
    language: Language
    title: str
    draft: str | None  # the draft banner, None once resolved
    number: Cell
    generated_at: Cell
    sections: list[Section]
    note: str
    signatures: list[str]
    none: str
    colon: str


def sheet(form: dict[str, Any], language: Language) -> Sheet:
    """The form (the JSON shape, times already local) as the cells a printed form shows."""
    w = Words(language)
    names: dict[str, str] = form.get("unit_names") or {}

    def unit(unit_id: str | None) -> str:
        if unit_id is None:
            return w["blank"]
        name = names.get(unit_id, unit_id)
        return name if name == unit_id else name + w.aside(unit_id)

    def who(actor: dict[str, Any] | None) -> str:
        if not actor:
            return w["blank"]
        parts = [unit(actor["unit"]), handler(actor.get("handler")), _when(actor.get("at"))]
        return " / ".join(part for part in parts if part)

    def handler(handler: dict[str, Any] | None) -> str:
        if not handler:
            return ""
        name = handler.get("name")
        return name + w.aside(handler["id"]) if name else str(handler["id"])

    def text(value: str | None) -> str:
        return value if value else w["blank"]

    def when(value: datetime | None) -> str:
        return _when(value) or w["blank"]

    received = form.get("received") or {}
    customer = form.get("customer") or {}
    receipt = Section(
        w["section.received"],
        grid=[
            [
                (w["received_at"], when(received.get("at"))),
                (w["channel"], w.of("channel", received.get("channel"))),
            ],
            [
                (w["receiving_unit"], unit(received.get("receiving_unit"))),
                (w["kind"], w.of("kind", received.get("kind"))),
            ],
            [
                (w["customer"], _customer(customer) or w["blank"]),
                (w["business_line"], w.of("line", form.get("business_line"))),
            ],
            [(w["category"], w.of("category", form.get("category")))],
            [(w["summary"], text(form.get("summary")))],
            [(w["asks_for"], text(form.get("asks_for")))],
        ],
    )
    units = Section(
        w["section.units"],
        headers=[w["unit"], w["arrival"], w["signed_for"], w["signed_by"], w["departure"]],
        rows=[
            [
                unit(stay["unit"]),
                when(stay["arrival"]),
                when(stay["signed_for"]),
                handler(stay["signed_by"]) or w["blank"],
                when(stay["departure"]),
            ]
            for stay in form.get("units", [])
        ],
    )
    investigation = form.get("investigation") or {}
    plan = investigation.get("plan")
    plan_text = w["blank"]
    if plan:
        promised = _when(plan.get("promised_by"))
        plan_text = plan["text"] + (w.aside(f"{w['promised_by']} {promised}") if promised else "")
        plan_text += f" — {who(plan)}"
    classification = form.get("classification")
    reply = form.get("reply") or {}
    handling = Section(
        w["section.handling"],
        grid=[
            [(w["cause"], text(investigation.get("cause")))],
            [(w["plan"], plan_text)],
            [
                (w["classification"], _boxes(w, classification)),
                (w["classified_by"], who(classification)),
            ],
            [(w["actions_taken"], text(form.get("actions_taken")))],
            [(w["reply"], text(reply.get("text")))],
            [
                (w["reply_at"], when(reply.get("at"))),
                (w["replied_by"], who({**reply, "at": None}) if reply else w["blank"]),
            ],
        ],
    )
    deadlines = Section(
        w["section.deadlines"],
        headers=[w["clock"], w["owner"], w["started_at"], w["due_at"], w["result"], w["margin"]],
        rows=[
            [
                w.of("clock", run["name"]),
                unit(run["owner_unit"]),
                when(run["started_at"]),
                when(run["due_at"]),
                w.of("state", run["status"]),
                w.margin(run["margin_seconds"]),
            ]
            for run in form.get("deadlines", [])
        ],
    )

    def decision(extension: dict[str, Any]) -> str:
        decided, cancelled = extension.get("decision"), extension.get("cancelled")
        if decided:
            return f"{w.of('extension', decided['decision'])} — {who(decided)}"
        if cancelled:
            return f"{w['extension.cancelled_by.' + cancelled['by']]} {when(cancelled['at'])}"
        return w["extension.pending"]

    def moved(extension: dict[str, Any]) -> str:
        before, after = extension.get("resolve_due_before"), extension.get("resolve_due_after")
        if not after:
            return w["blank"]
        return f"{when(before)} → {when(after)}"

    extensions = Section(
        w["section.extensions"],
        headers=[
            w["requested_by"],
            w["extended_to"],
            w["extension_reason"],
            w["extension_decision"],
            w["decision_reason"],
            w["resolve_due_moved"],
        ],
        rows=[
            [
                who(extension),
                when(extension["until"]),
                text(extension["reason"]),
                decision(extension),
                text((extension.get("decision") or {}).get("reason")),
                moved(extension),
            ]
            for extension in form.get("extensions", [])
        ],
    )
    visits = Section(
        w["section.return_visits"],
        headers=[
            w["visit_at"],
            w["visited_by"],
            w["reached"],
            w["satisfaction"],
            w["customer_asks"],
            w["comment"],
        ],
        rows=[
            [
                when(visit["at"]),
                who({**visit, "at": None}),
                w["yes"] if visit["reached"] else w["no"],
                str(visit["satisfaction"]),
                text(visit["customer_asks"]),
                text(visit["comment"]),
            ]
            for visit in form.get("return_visits", [])
        ],
    )
    generated: datetime = form["generated_at"]
    return Sheet(
        language=language,
        title=w["title"],
        draft=w["draft"] if form["draft"] else None,
        number=(w["number"], form["number"]),
        generated_at=(w["generated_at"], when(generated)),
        sections=[receipt, units, handling, deadlines, extensions, visits],
        note=w["times_note"].format(offset=generated.isoformat()[-6:]),
        signatures=[w["handled_by"], w["approved_by"], w["date"]],
        none=w["none"],
        colon=w["colon"],
    )


def _boxes(w: Words, classification: dict[str, Any] | None) -> str:
    """Both classes with the chosen one ticked, as a paper form prints them."""
    chosen = classification["classification"] if classification else None
    return "  ".join(
        f"{'■' if code == chosen else '□'} {w.of('class', code)}" for code in ("valid", "special")
    )


def _customer(customer: dict[str, Any]) -> str:
    """The masked name and phone as the log keeps them (nothing once erased)."""
    return " ".join(value for value in customer.values() if isinstance(value, str) and value)


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else ""
