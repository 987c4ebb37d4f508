"""Upcasters: when an event type gains a version, older messages still on the stream are read as the newest.

Consumers (and so replay) see only the newest version of each type; each step is a pure function
of the older payload, registered under (event name, version it upgrades from).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from shared.events.evaluation import EvaluationPolicy

Upcaster = Callable[[dict[str, Any]], dict[str, Any]]


def vote_round_closed_v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    """v2 names the winner: the candidate with most votes when the round elected one, else null."""
    winner = None
    if data.get("outcome") == "elected" and data.get("tally"):
        winner = max(sorted(data["tally"]), key=lambda unit: data["tally"][unit])
    return {**data, "winner": winner}


def vote_round_closed_v2_to_v3(data: dict[str, Any]) -> dict[str, Any]:
    """v3 publishes ballots without voters: an older round's ballots keep only their candidate (no ballot id);
    such rounds had no minimum of voters (1) and rejected nothing."""
    ballots = sorted(b["candidate_unit_id"] for b in data.get("ballots", []))
    return {
        **data,
        "ballots": [{"ballot": None, "candidate_unit_id": c} for c in ballots],
        "rejected": 0,
        "min_voters": 1,
    }


def block_vote_cast_v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    """v2 carries the commitment to the choice; a v1 ballot had none."""
    return {**data, "commitment": None}


def evaluation_policy_set_v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    """v2's policy has `vote_min_voters`; a v1 policy takes its default, as the service does."""
    default = EvaluationPolicy.model_fields["vote_min_voters"].default
    return {**data, "policy": {**data["policy"], "vote_min_voters": default}}


def evaluation_policy_set_v2_to_v3(data: dict[str, Any]) -> dict[str, Any]:
    """v3's policy has the dossier criterion; a v2 policy takes its defaults (no dossier points, no penalty)."""
    fields = EvaluationPolicy.model_fields
    defaults = {k: fields[k].default for k in ("dossier_points_max", "late_dossier_penalty")}
    return {**data, "policy": {**data["policy"], **defaults}}


def evaluation_policy_set_v3_to_v4(data: dict[str, Any]) -> dict[str, Any]:
    """v4's policy has `cstdcs_consecutive_years`; a v3 policy takes its default (3), as the service does."""
    default = EvaluationPolicy.model_fields["cstdcs_consecutive_years"].default
    return {**data, "policy": {**data["policy"], "cstdcs_consecutive_years": default}}


def award_proposed_v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    """v2 names an ad-hoc proposal's exceptional achievement; a v1 proposal had none (ad-hoc awards came later)."""
    return {**data, "achievement": None}


UPCASTERS: dict[tuple[str, int], Upcaster] = {
    ("vote_round_closed", 1): vote_round_closed_v1_to_v2,
    ("vote_round_closed", 2): vote_round_closed_v2_to_v3,
    ("block_vote_cast", 1): block_vote_cast_v1_to_v2,
    ("evaluation_policy_set", 1): evaluation_policy_set_v1_to_v2,
    ("evaluation_policy_set", 2): evaluation_policy_set_v2_to_v3,
    ("evaluation_policy_set", 3): evaluation_policy_set_v3_to_v4,
    ("award_proposed", 1): award_proposed_v1_to_v2,
}


def upcast(name: str, version: int, data: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """Apply every registered step from `version` on; returns the version reached and its payload."""
    while (step := UPCASTERS.get((name, version))) is not None:
        data = step(data)
        version += 1
    return version, data
