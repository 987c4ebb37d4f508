"""The mid-year and year-end reviews (sơ kết, tổng kết): each campaign's due dates, each unit's submission with its
late flag and the council's review, and per block who submitted, who is late or missing and how far the block is from
content 4's target (every collective and every individual completing its tasks well or excellently).

Blocks, members and how many persons each unit registered come from the registry facts in the same store
(`BlocksView`): the shares are counted over every member unit and every person it registered, so a unit that has not
submitted, or that the council has not yet reviewed, counts against the target. Each submission's counts are
kept beside it as it is applied, so the summary reads numbers, not every person's row.
"""

from __future__ import annotations

import json
from typing import Any

from shared.events.envelope import CloudEvent
from shared.infra.views import Handler, View, dumps

TARGET_SHARE = 1.0
"""Content 4 of plan 5039: 100% of collectives and individuals complete their tasks well or excellently."""
WELL = ("excellent", "good")
"""The council's assessments that meet the target (hoàn thành xuất sắc, hoàn thành tốt)."""
ON_COURSE = {"mid_year": ("on_track", "completed"), "year_end": ("completed",)}
"""A unit's own statuses that say a target is on course at each review."""


class ReviewsView(View):
    name = "registry-reviews"
    ddl = (
        "CREATE TABLE IF NOT EXISTS {review_schedule} (campaign_id TEXT NOT NULL, review TEXT NOT NULL, "
        "due_on TEXT NOT NULL, PRIMARY KEY (campaign_id, review))",
        "CREATE TABLE IF NOT EXISTS {review_submissions} (campaign_id TEXT NOT NULL, review TEXT NOT NULL, "
        "unit_id TEXT NOT NULL, collective TEXT NOT NULL, staff TEXT NOT NULL, submitted_at TEXT NOT NULL, "
        "late INTEGER NOT NULL, days_late INTEGER NOT NULL, amendments INTEGER NOT NULL, last_submitted_at TEXT, "
        "last_submission_late INTEGER, assessment TEXT, unit_on_course INTEGER NOT NULL, staff_on_course INTEGER NOT NULL, "
        "unit_well INTEGER, staff_assessed INTEGER, staff_well INTEGER, PRIMARY KEY (campaign_id, review, unit_id))",
    )

    def handlers(self) -> dict[str, Handler]:
        return {
            "review_scheduled": self.on_scheduled,
            "review_submitted": self.on_submitted,
            "review_submission_amended": self.on_amended,
            "review_assessed": self.on_assessed,
        }

    def on_scheduled(self, c: Any, e: CloudEvent, seq: int) -> None:
        d = e.data
        self.execute(
            c,
            "INSERT INTO {review_schedule} (campaign_id, review, due_on) VALUES (?, ?, ?) "
            "ON CONFLICT (campaign_id, review) DO UPDATE SET due_on = excluded.due_on",
            (d["campaign_id"], d["review"], d["due_on"]),
            key=(d["campaign_id"], d["review"]),
        )

    def on_submitted(self, c: Any, e: CloudEvent, seq: int) -> None:
        d = e.data
        self.execute(
            c,
            "INSERT INTO {review_submissions} (campaign_id, review, unit_id, collective, staff, submitted_at, late, "
            "days_late, amendments, unit_on_course, staff_on_course) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?) "
            "ON CONFLICT (campaign_id, review, unit_id) DO NOTHING",
            (
                d["campaign_id"],
                d["review"],
                d["unit_id"],
                dumps(d["collective"]),
                dumps(d["staff"]),
                d["submitted_at"],
                int(d["late"]),
                d["days_late"],
                *on_course(d),
            ),
            key=(d["campaign_id"], d["review"], d["unit_id"]),
        )

    def on_amended(self, c: Any, e: CloudEvent, seq: int) -> None:
        """The self-assessment is replaced; `late` stays the first submission's, the resubmission's is kept beside."""
        d = e.data
        self.execute(
            c,
            "UPDATE {review_submissions} SET collective = ?, staff = ?, amendments = amendments + 1, "
            "last_submitted_at = ?, last_submission_late = ?, unit_on_course = ?, staff_on_course = ? "
            "WHERE campaign_id = ? AND review = ? AND unit_id = ?",
            (
                dumps(d["collective"]),
                dumps(d["staff"]),
                d["submitted_at"],
                int(d["late"]),
                *on_course(d),
                d["campaign_id"],
                d["review"],
                d["unit_id"],
            ),
            key=(d["campaign_id"], d["review"], d["unit_id"]),
        )

    def on_assessed(self, c: Any, e: CloudEvent, seq: int) -> None:
        d = e.data
        assessment = {"collective": d["collective"], "staff": d["staff"], "assessed_at": e.time.isoformat()}
        self.execute(
            c,
            "UPDATE {review_submissions} SET assessment = ?, unit_well = ?, staff_assessed = ?, staff_well = ? "
            "WHERE campaign_id = ? AND review = ? AND unit_id = ?",
            (
                dumps(assessment),
                int(d["collective"]["assessment"] in WELL),
                len(d["staff"]),
                sum(p["assessment"] in WELL for p in d["staff"]),
                d["campaign_id"],
                d["review"],
                d["unit_id"],
            ),
            key=(d["campaign_id"], d["review"], d["unit_id"]),
        )

    # ---- queries -----------------------------------------------------------------------------------

    def schedule(self, campaign_id: str) -> dict[str, str]:
        """Review → its due date (ISO), for the reviews the campaign has scheduled."""
        rows = self.query("SELECT review, due_on FROM {review_schedule} WHERE campaign_id = ?", (campaign_id,))
        return {r["review"]: r["due_on"] for r in rows}

    def submissions(
        self,
        campaign_id: str,
        review: str,
        late: bool | None = None,
        block_id: str | None = None,
        unit_id: str | None = None,
        after: str | None = None,
        limit: int | None = None,
    ) -> list[dict[str, Any]]:
        """Submissions by unit id, each with its block (null once withdrawn), late flags and the council's review.

        `after`/`limit`: the page of at most `limit` submissions whose unit id follows `after`.
        """
        sql = (
            "SELECT s.*, m.block_id FROM {review_submissions} s LEFT JOIN {members} m "
            "ON m.campaign_id = s.campaign_id AND m.unit_id = s.unit_id WHERE s.campaign_id = ? AND s.review = ?"
        )
        params: list[Any] = [campaign_id, review]
        for clause, value in (
            ("s.late = ?", None if late is None else int(late)),
            ("m.block_id = ?", block_id),
            ("s.unit_id = ?", unit_id),
            ("s.unit_id > ?", after),
        ):
            if value is not None:
                sql += f" AND {clause}"
                params.append(value)
        sql += " ORDER BY s.unit_id"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        return [_submission(r) for r in self.query(sql, params)]

    def summary(self, campaign_id: str, review: str) -> list[dict[str, Any]]:
        """Per block in definition order: who submitted, on time or late, who is missing, and the shares of member
        units and of their registered staff that are on course (by their own word) and that the council found to
        complete their tasks well or excellently (against `TARGET_SHARE`)."""
        blocks = self.query("SELECT block_id, name FROM {blocks} WHERE campaign_id = ? ORDER BY seq", (campaign_id,))
        members = self.query(
            "SELECT m.block_id, m.unit_id, r.staff AS registered, s.late, s.days_late, s.unit_on_course, "
            "s.staff_on_course, s.unit_well, s.staff_assessed, s.staff_well FROM {members} m "
            "LEFT JOIN {registrations} r ON r.campaign_id = m.campaign_id AND r.unit_id = m.unit_id "
            "LEFT JOIN {review_submissions} s ON s.campaign_id = m.campaign_id AND s.unit_id = m.unit_id "
            "AND s.review = ? WHERE m.campaign_id = ? ORDER BY m.unit_id",
            (review, campaign_id),
        )
        return [
            {"block_id": b["block_id"], "name": b["name"]}
            | tally([m for m in members if m["block_id"] == b["block_id"]])
            for b in blocks
        ]


def on_course(d: dict[str, Any]) -> tuple[int, int]:
    """Whether the unit's collective target is on course by its own word, and how many of its persons are."""
    course = ON_COURSE[d["review"]]
    return int(d["collective"]["status"] in course), sum(p["status"] in course for p in d["staff"])


def tally(members: list[dict[str, Any]]) -> dict[str, Any]:
    """The counts and shares of one block's members (rows of `summary`'s query)."""
    submitted = [m for m in members if m["late"] is not None]
    late = [m for m in submitted if m["late"]]
    assessed = [m for m in submitted if m["unit_well"] is not None]
    units_well = sum(m["unit_well"] for m in assessed)
    staff_registered = sum(m["registered"] or 0 for m in members)
    staff_well = sum(m["staff_well"] for m in assessed)
    return {
        "members": len(members),
        "submitted": len(submitted),
        "on_time": len(submitted) - len(late),
        "late": len(late),
        "late_units": [{"unit_id": m["unit_id"], "days_late": m["days_late"]} for m in late],
        "missing": [m["unit_id"] for m in members if m["late"] is None],
        "units_on_course": sum(m["unit_on_course"] for m in submitted),
        "units_assessed": len(assessed),
        "units_completing_well": units_well,
        "unit_share": share(units_well, len(members)),
        "staff_registered": staff_registered,
        "staff_on_course": sum(m["staff_on_course"] for m in submitted),
        "staff_assessed": sum(m["staff_assessed"] for m in assessed),
        "staff_completing_well": staff_well,
        "staff_share": share(staff_well, staff_registered),
    }


COUNTS = ("members", "submitted", "on_time", "late", "units_on_course", "units_assessed", "units_completing_well",
          "staff_registered", "staff_on_course", "staff_assessed", "staff_completing_well")  # fmt: skip


def totals(per_block: list[dict[str, Any]]) -> dict[str, Any]:
    """Every block's counts added up, and the shares over the whole campaign."""
    counts = {k: sum(b[k] for b in per_block) for k in COUNTS}
    late_units = sorted((u for b in per_block for u in b["late_units"]), key=lambda u: u["unit_id"])
    missing = sorted(u for b in per_block for u in b["missing"])
    return counts | {
        "late_units": late_units,
        "missing": missing,
        "unit_share": share(counts["units_completing_well"], counts["members"]),
        "staff_share": share(counts["staff_completing_well"], counts["staff_registered"]),
    }


def share(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def _submission(r: dict[str, Any]) -> dict[str, Any]:
    assessment = json.loads(r["assessment"]) if r["assessment"] else None
    return {
        "unit_id": r["unit_id"],
        "block_id": r["block_id"],
        "collective": json.loads(r["collective"]),
        "staff": json.loads(r["staff"]),
        "submitted_at": r["submitted_at"],
        "late": bool(r["late"]),
        "days_late": r["days_late"],
        "amendments": r["amendments"],
        "last_submitted_at": r["last_submitted_at"],
        "last_submission_late": None if r["last_submission_late"] is None else bool(r["last_submission_late"]),
        "assessment": assessment,
    }
