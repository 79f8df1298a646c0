"""A steady load through intake, in a thread of its own, that survives crashes and outages.

It posts a complaint every `1 / per_second` seconds. Each request is sent again with the same
`Idempotency-Key` (and the same body) until intake answers with something other than a 5xx or
a dropped connection, so a crash, a database restart or a broker outage loses no request and
doubles none; only complaints answered 202 are recorded as accepted. Every `drive_every`-th
complaint is then driven further by its owner: signed for once routing has assigned it, then
given a committed deadline `deadline_seconds` ahead, so the SLA monitor breaches it, routing
escalates it and the notifier tells people.
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from .own_stack import OwnSystem

RECEIVING_UNIT = "GD-GZ-01"
CALLER = "GD-GZ"  # the outlet's branch: may post for it and act for it


def complaint_body(n: int) -> dict[str, Any]:
    return {
        "kind": "complaint",
        "channel": "on_site",
        "receiving_unit": RECEIVING_UNIT,
        "business_line": "deposits",
        "received_at": (datetime.now(UTC) - timedelta(minutes=3)).isoformat(),
        "customer": {"name": "钱七", "phone": "13500000000"},
        "summary": f"steady load #{n}",
    }


@dataclass
class _Driven:
    step: int = 0  # 0: wait for the owner, sign for it; 1: commit a deadline; 2: done
    owner: str = ""
    attempt: int = 0  # a refused action (409) is tried again later under a new key
    next_try: float = 0.0


class SteadyLoad:
    def __init__(
        self,
        system: OwnSystem,
        *,
        per_second: float = 3.0,
        drive_every: int = 2,
        deadline_seconds: float = 4.0,
    ) -> None:
        self.system = system
        self.per_second = per_second
        self.drive_every = drive_every
        self.deadline_seconds = deadline_seconds
        self.accepted: list[str] = []
        self.committed: dict[str, str] = {}  # complaint -> the deadline committed (202)
        self.driving: dict[str, _Driven] = {}
        self.errors: list[str] = []  # answers that are neither 2xx nor an expected refusal
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="steady-load", daemon=True)

    # -- control ------------------------------------------------------------------------------
    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(60)
        assert not self._thread.is_alive(), "the load did not stop"

    def count(self) -> int:
        return len(self.accepted)

    # -- the thread -----------------------------------------------------------------------------
    def _run(self) -> None:
        with self.system.client(CALLER, timeout=5) as client:
            n = 0
            next_post = time.monotonic()
            while not self._stop.is_set():
                if time.monotonic() >= next_post:
                    n += 1
                    self._post_complaint(client, n)
                    next_post = max(next_post + 1 / self.per_second, time.monotonic() - 1)
                self._drive(client)
                self._stop.wait(0.05)  # pacing the load, not waiting for the system

    def _send(
        self, client: httpx.Client, method: str, url: str, **kwargs: Any
    ) -> httpx.Response | None:
        """The first answer that is not a 5xx, a 429 or a dropped connection; None once the
        load is stopped."""
        while not self._stop.is_set():
            try:
                response = client.request(method, url, **kwargs)
                if response.status_code < 500 and response.status_code != 429:
                    return response
            except httpx.TransportError:
                pass
            self._stop.wait(0.2)
        return None

    def _post_complaint(self, client: httpx.Client, n: int) -> None:
        response = self._send(
            client,
            "POST",
            self.system.url("intake", "/v1/complaints"),
            json=complaint_body(n),
            headers={"Idempotency-Key": f"load-{uuid.uuid4()}"},
        )
        if response is None:
            return
        if response.status_code != 202:
            self.errors.append(f"POST complaint: {response.status_code} {response.text[:200]}")
            return
        cid = response.json()["complaint_id"]
        self.accepted.append(cid)
        if n % self.drive_every == 0:
            self.driving[cid] = _Driven()

    def _drive(self, client: httpx.Client) -> None:
        """Move the complaints being driven one step on, if they can move."""
        for cid, driven in list(self.driving.items()):
            if self._stop.is_set():
                return
            if time.monotonic() < driven.next_try:
                continue
            driven.next_try = time.monotonic() + 0.5
            if driven.step == 0:
                view = self._send(client, "GET", self.system.url("intake", f"/v1/complaints/{cid}"))
                if view is None or view.status_code != 200 or not view.json().get("owner_unit"):
                    continue
                driven.owner = view.json()["owner_unit"]
                self._act(client, cid, driven, self._accepted_body(driven.owner))
            elif driven.step == 1:
                self._act(client, cid, driven, self._deadline_body(driven.owner))
            else:
                del self.driving[cid]

    def _accepted_body(self, owner: str) -> dict[str, Any]:
        return {"type": "accepted", "unit": owner, "at": datetime.now(UTC).isoformat()}

    def _deadline_body(self, owner: str) -> dict[str, Any]:
        now = datetime.now(UTC)
        promised = now.replace(microsecond=0) + timedelta(seconds=self.deadline_seconds)
        return {
            "type": "deadline_committed",
            "unit": owner,
            "at": now.isoformat(),
            "committed_deadline": promised.isoformat(),
        }

    def _act(self, client: httpx.Client, cid: str, driven: _Driven, body: dict) -> None:
        driven.attempt += 1
        response = self._send(
            client,
            "POST",
            self.system.url("intake", f"/v1/complaints/{cid}/events"),
            json=body,
            headers={"Idempotency-Key": f"{cid}-{driven.step}-{driven.attempt}"},
        )
        if response is None:
            return
        if response.status_code == 202:
            if body["type"] == "deadline_committed":
                self.committed[cid] = body["committed_deadline"]
            driven.step += 1
        elif response.status_code != 409:  # 409: not yet (intake has not seen the owner)
            self.errors.append(f"{body['type']}: {response.status_code} {response.text[:200]}")
            driven.step = 2
