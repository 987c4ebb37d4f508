"""The dossier criterion of the standings: each unit's one-stop dossiers resolved in the campaign's period.

Rows come from `dossier_recorded` (every distinct resolution reported for a dossier); the one that counts is
chosen when read (the latest `resolved_at`, ties by source event id: `services/evaluation/domain/dossiers.py`),
so the figures never depend on the order the facts arrived in, and `as_of` takes only the rows recorded by then.
The policy's criterion turns them into points: `dossier_points_max` × on-time share, minus
`late_dossier_penalty` per late dossier (defaults 0: no points, no penalty).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from services.evaluation.domain.dossiers import resolved_on
from shared.events.envelope import CloudEvent

DDL = (
    "CREATE TABLE IF NOT EXISTS {dossiers} (source TEXT NOT NULL, dossier_id TEXT NOT NULL, "
    "source_event_id TEXT NOT NULL, unit_id TEXT NOT NULL, resolved_at TEXT NOT NULL, resolved_on TEXT NOT NULL, "
    "late INTEGER NOT NULL, recorded_at TEXT NOT NULL, seq BIGINT NOT NULL, "
    "PRIMARY KEY (source, dossier_id, source_event_id))",
    "CREATE INDEX IF NOT EXISTS dossiers_by_day ON {dossiers} (resolved_on, unit_id)",
    "CREATE TABLE IF NOT EXISTS {dossier_policies} (campaign_id TEXT PRIMARY KEY, points_max REAL NOT NULL, "
    "late_penalty REAL NOT NULL, seq BIGINT NOT NULL)",
)
INSERT = (
    "INSERT INTO {dossiers} (source, dossier_id, source_event_id, unit_id, resolved_at, resolved_on, late, "
    "recorded_at, seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (source, dossier_id, source_event_id) DO NOTHING"
)
SET_POLICY = (
    "INSERT INTO {dossier_policies} (campaign_id, points_max, late_penalty, seq) VALUES (?, ?, ?, ?) "
    "ON CONFLICT (campaign_id) DO UPDATE SET points_max = excluded.points_max, late_penalty = excluded.late_penalty, "
    "seq = excluded.seq"
)
COUNT = (
    "SELECT d.unit_id, COUNT(*) AS dossiers, COALESCE(SUM(d.late), 0) AS late FROM {dossiers} d "
    "WHERE d.resolved_on >= ? AND d.resolved_on <= ? AND d.recorded_at <= ? AND NOT EXISTS (SELECT 1 FROM {dossiers} o "
    "WHERE o.source = d.source AND o.dossier_id = d.dossier_id AND o.recorded_at <= ? AND (o.resolved_at > d.resolved_at "
    "OR (o.resolved_at = d.resolved_at AND o.source_event_id > d.source_event_id))) GROUP BY d.unit_id"
)
"""Per unit: dossiers whose counting resolution (as known by the moment asked) falls in the period, and late ones."""
END_OF_TIME = "9999"


def moment(value: str | datetime) -> str:
    """A UTC time as one fixed-width text, so times compare as strings (`2022-03-01T02:00:00.000000Z`)."""
    dt = datetime.fromisoformat(value) if isinstance(value, str) else value
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def dossier_row(e: CloudEvent, seq: int) -> tuple[Any, ...]:
    d = e.data
    at = datetime.fromisoformat(d["resolved_at"])
    return (d["source"], d["dossier_id"], d["source_event_id"], d["unit_id"], moment(at), resolved_on(at).isoformat(),
            int(bool(d["late"])), moment(e.time), seq)  # fmt: skip


def policy_row(e: CloudEvent, seq: int) -> tuple[Any, ...]:
    policy = e.data["policy"]
    return (e.data["campaign_id"], policy.get("dossier_points_max", 0.0), policy.get("late_dossier_penalty", 0.0), seq)


def period_params(campaign: dict[str, Any], as_of: str | None) -> tuple[str, str, str, str]:
    until = moment(as_of) if as_of else END_OF_TIME
    return (str(campaign["period_start"]), str(campaign["period_end"]), until, until)


def criterion(dossiers: int, late: int, points_max: float, late_penalty: float) -> dict[str, Any]:
    """A unit's dossier figures and the points the criterion gives it (no dossier: no share, no points)."""
    share = (dossiers - late) / dossiers if dossiers else None
    points = (points_max * share if share is not None else 0.0) - late_penalty * late
    return {
        "dossier_count": dossiers,
        "late_dossier_count": late,
        "on_time_share": round(share, 4) if share is not None else None,
        "dossier_points": round(points, 2),
    }
