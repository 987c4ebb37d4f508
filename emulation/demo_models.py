"""The demo's exemplary models (điển hình tiên tiến, plan 5039's content 5): each found in the 2022 campaign and
followed through its stages (nurtured with a plan and support actions, summed up, spread, or dropped), some
continuing in the 2023 campaign; the council records every stage (`scenario/year-2022.json`, `models`)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from emulation.demo_steps import Step, command

IDENTIFIED = ("unit_id", "person", "area", "title", "reason", "identified_by")


def models(cid: str, council: str, entries: list[dict[str, Any]]) -> Iterator[Step]:
    """Each model identified, then its stages in order; a stage names its campaign when not `cid` (a later one)."""
    for m in entries:
        mid = m["model_id"]
        yield command(m["identified_on"], "identify_exemplary_model", council, cid, "model", mid, "identify",
                      campaign_id=cid, model_id=mid, **{k: m[k] for k in IDENTIFIED if k in m})  # fmt: skip
        for n, s in enumerate(m["stages"], 1):
            fields = {k: v for k, v in s.items() if k not in ("stage", "on", "campaign_id")}
            yield command(s["on"], f"{s['stage']}_exemplary_model", council, cid, "model", mid, str(n),
                          campaign_id=s.get("campaign_id", cid), model_id=mid, **fields)  # fmt: skip
