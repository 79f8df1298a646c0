"""Issue 5 through the running services: who is told, recorded in the timeline, never the
customer in plain text. The system's notifier has no SMTP server or SMS gateway configured,
so its alerts go to the `log` channel (its JSON log); the channels themselves are tested in
services/notifier/tests/integration against a real SMTP server and HTTP receiver.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from complaints_shared.testing import wait_for

pytestmark = pytest.mark.e2e
NAME, PHONE = "司马相如", "139 1111 2222"
PLAIN = (NAME, "相如", "13911112222", PHONE, "1111 2222")


def complaint(**overrides) -> dict:
    return {
        "kind": "complaint",
        "channel": "on_site",
        "receiving_unit": "YN-KM-01",
        "business_line": "cards",
        "severity": "normal",
        "flags": [],
        "received_at": (datetime.now(UTC) - timedelta(minutes=5)).isoformat(),
        "customer": {"name": NAME, "phone": PHONE},
        "summary": f"{NAME} ({PHONE}) says the card reader ate the card",
    } | overrides


def alerts(system, client, cid: str) -> list[dict]:
    return (
        client.get(system.url("notifier", "/v1/notifications"), params={"complaint_id": cid})
        .json()
        .get("notifications", [])
    )


def told(system, client, cid: str, *cause_types: str) -> set[str]:
    return {
        a["recipient_unit"]
        for a in alerts(system, client, cid)
        if a["cause_type"] in cause_types and a["status"] == "sent"
    }


def owned_by(system, client, cid: str) -> str | None:
    return client.get(system.url("intake", f"/v1/complaints/{cid}")).json().get("owner_unit")


def status_of(system, client, cid: str) -> str | None:
    return client.get(system.url("intake", f"/v1/complaints/{cid}")).json().get("status")


def assert_no_plain_customer(*texts: str) -> None:
    for text in texts:
        for plain in PLAIN:
            assert plain not in text, f"customer data {plain!r} leaked: …{text[:200]!r}"


def test_a_breach_reaches_the_owner_and_the_escalation_chain_and_the_timeline(system):
    """Registered three days late: the clocks breached long ago, so the whole chain is told."""
    late = (datetime.now(UTC) - timedelta(days=3)).isoformat()
    chain = {"YN-KM-01", "YN-KM", "YN-SUP"}  # owner, the unit above, province supervision line
    with system.client("YN") as client:
        response = client.post(
            system.url("intake", "/v1/complaints"), json=complaint(received_at=late)
        )
        assert response.status_code == 202, response.text
        cid = response.json()["complaint_id"]
        wait_for(
            # The owner is told of its breach; the units above it of routing's escalation.
            lambda: told(system, client, cid, "sla.breached", "complaint.escalated") >= chain,
            what="the breach told to the escalation chain",
        )

        def recorded() -> list[dict]:
            events = client.get(system.url("intake", f"/v1/complaints/{cid}/timeline")).json()
            sent = [e for e in events["events"] if e["type"] == "notification.sent"]
            units = {e["data"]["recipient_unit"] for e in sent}
            return sent if units >= chain | {"YN-KM-01"} else []

        sent = wait_for(recorded, what="who was told, in the timeline")

        def warnings_left_out() -> list[dict]:
            # Recorded as the log says, not sent: their clocks were due long before.
            found = [a for a in alerts(system, client, cid) if a["cause_type"] == "sla.warning"]
            return found if all(a["status"] == "superseded" for a in found) else []

        wait_for(warnings_left_out, what="the warnings past their due time superseded")
        listed = alerts(system, client, cid)

    assert {e["data"]["cause_type"] for e in sent} >= {"complaint.assigned", "sla.breached"}
    assert all(e["data"]["channel"] == "log" and "***" in e["data"]["recipient"] for e in sent)
    breach = next(a for a in listed if a["recipient_unit"] == "YN-SUP")
    assert cid in breach["message"] and f"/v1/complaints/{cid}" in breach["message"]
    assert "(Asia/Shanghai)" in breach["message"] and "超时" in breach["subject"]
    assert "司**" in breach["message"] and "*******2222" in breach["message"]
    logs = [path.read_text(errors="replace") for path in system.stack.logs.glob("*.log")]
    assert any(cid in log for log in logs)
    assert_no_plain_customer(str(listed), str(sent), *logs)


def test_a_hand_off_tells_the_new_owner_once_and_the_resolution_tells_the_receiver(system):
    with system.client("YN-KM") as client:
        cid = client.post(system.url("intake", "/v1/complaints"), json=complaint()).json()[
            "complaint_id"
        ]
        wait_for(
            lambda: told(system, client, cid, "complaint.assigned") == {"YN-KM-01"},
            what="the first owner told",
        )
        wait_for(lambda: owned_by(system, client, cid) == "YN-KM-01", what="intake knows the owner")
        transfer = {
            "type": "transfer_requested",
            "unit": "YN-KM-01",
            "at": datetime.now(UTC).isoformat(),
            "reason": "beyond_authority",
        }
        response = client.post(system.url("intake", f"/v1/complaints/{cid}/events"), json=transfer)
        assert response.status_code == 202, response.text
        wait_for(
            lambda: told(system, client, cid, "complaint.transferred") == {"YN-KM"},
            what="the new owner told of the hand-off",
        )
        # The new owner signs for it (once the hand-off reached intake), then answers it.
        wait_for(lambda: owned_by(system, client, cid) == "YN-KM", what="the branch owning it")
        accept = {"type": "accepted", "unit": "YN-KM", "at": datetime.now(UTC).isoformat()}
        response = client.post(system.url("intake", f"/v1/complaints/{cid}/events"), json=accept)
        assert response.status_code == 202, response.text
        wait_for(
            lambda: status_of(system, client, cid) == "in_progress", what="signed for by YN-KM"
        )
        resolve = {
            "type": "resolved",
            "unit": "YN-KM",
            "at": datetime.now(UTC).isoformat(),
            "reply": "card returned",
        }
        response = client.post(system.url("intake", f"/v1/complaints/{cid}/events"), json=resolve)
        assert response.status_code == 202, response.text
        wait_for(
            lambda: told(system, client, cid, "complaint.resolved") == {"YN-KM-01"},
            what="the receiving unit told of the resolution",
        )
        listed = alerts(system, client, cid)
    # The hand-off's assignment did not tell the new owner a second time.
    assert [a["cause_type"] for a in listed if a["recipient_unit"] == "YN-KM"] == [
        "complaint.transferred"
    ]
    assert_no_plain_customer(str(listed))
