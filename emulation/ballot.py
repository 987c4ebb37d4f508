"""`emulation ballot check`: a unit checks that its ballot was counted as cast, without sending its receipt.

The anonymous ballot id is computed here from the receipt (`services/evaluation/domain/ballots.py`) and
only that id is looked up in the read API, among the counted ballots of closed rounds.
"""

from __future__ import annotations

from typing import Any

import httpx

from services.evaluation.domain.ballots import ballot_id


def check(api: str, token: str | None, campaign: str, block: str, round_id: str, receipt: str) -> dict[str, Any]:
    """`counted` and, if so, the candidate the counted ballot names (compare it with the choice you made).

    Raises `InvalidReceipt` for a malformed receipt, `httpx.HTTPError` when the read API does not answer.
    """
    ballot = ballot_id(campaign, block, round_id, receipt)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = httpx.get(f"{api.rstrip('/')}/v1/campaigns/{campaign}/ballots/{ballot}", headers=headers, timeout=10)
    if response.status_code == 404:
        body = response.json()
        if body.get("detail", body).get("code") == "unknown_ballot":  # FastAPI wraps errors in `detail` (for now)
            return {"ballot": ballot, "counted": False}
    response.raise_for_status()
    found = response.json()
    if (found.get("block_id"), found.get("round_id")) != (block, round_id):
        return {"ballot": ballot, "counted": False}
    return {"ballot": ballot, "counted": True, "candidate_unit_id": found["candidate_unit_id"]}
