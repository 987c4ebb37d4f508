"""The demo's reviews (sơ kết, tổng kết; plan 5039's content 10): the Department Office schedules the 2022
mid-year and year-end reviews, the units submit their self-assessments against what they registered (most on time,
one late, one missing at mid-year), and the council reviews some of them (`scenario/year-2022.json`, `reviews`).

A submission names every person the unit registered with the title registered for (`demo_steps.staff`, the same
names every run), each at the review's usual status unless the scenario says otherwise for that person.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from emulation.demo_steps import Step, command, staff


def reviews(
    cid: str, office: str, council: str, pledges: list[dict[str, Any]], entries: list[dict[str, Any]]
) -> Iterator[Step]:
    """Each review scheduled, then its submissions and the council's reviews."""
    registered = {p["unit_id"]: p for p in pledges}
    for r in entries:
        kind = r["review"]
        yield command(r["scheduled_on"], "schedule_review", office, cid, "review", kind, campaign_id=cid, review=kind,
                      due_on=r["due_on"])  # fmt: skip
        for s in r["submissions"]:
            uid, pledge = s["unit_id"], registered[s["unit_id"]]
            collective = {"target": pledge["collective_target"], "status": s.get("collective_status", r["status"])}
            collective |= {"note": s["collective_note"]} if "collective_note" in s else {}
            people = [{"person": p["person"], "target_title": p["target_title"], "status": r["status"]}
                      | s.get("staff", {}).get(p["person"], {}) for p in staff(cid, uid, pledge)]  # fmt: skip
            yield command(s["on"], "submit_review", uid, cid, "submit", kind, uid, campaign_id=cid, unit_id=uid,
                          review=kind, collective=collective, staff=people)  # fmt: skip
        for a in r["assessments"]:
            uid = a["unit_id"]
            collective = {"assessment": a["collective"]} | ({"note": a["note"]} if "note" in a else {})
            people = [{"person": p["person"], "assessment": a["staff"]} | a.get("except", {}).get(p["person"], {})
                      for p in staff(cid, uid, registered[uid])]  # fmt: skip
            yield command(a["on"], "assess_review", council, cid, "assess", kind, uid, campaign_id=cid, unit_id=uid,
                          review=kind, collective=collective, staff=people)  # fmt: skip
