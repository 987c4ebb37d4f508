"""The demo's steps and the pieces of the scenario several campaigns share: a step, a command with an id derived
from the scenario, a unit's registration with its staff, award proposals and the council's decisions.

`emulation/demo_year.py` orders every campaign's steps on the calendar and sends them.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from emulation import demo


@dataclass(frozen=True)
class Step:
    """What is sent at `at`: a command (`name`, `body`), or the facts of a city system (`system`)."""

    at: datetime
    name: str = ""
    body: dict[str, Any] = field(default_factory=dict)
    system: str = ""

    @property
    def service(self) -> str:
        from shared.events.catalog import COMMAND_TYPES

        return COMMAND_TYPES[self.name].service if self.name else ""


def load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def command(at: str, name: str, actor: str, /, *key: str, **fields: Any) -> Step:
    return Step(datetime.fromisoformat(at), name, {"command_id": demo.command_id(*key), "actor": actor, **fields})


def registrations(cid: str, pledges: list[dict[str, Any]]) -> Iterator[Step]:
    """Each unit registers itself (đăng ký thi đua); the staff named in the scenario, then generated names."""
    for r in pledges:
        uid = r["unit_id"]
        yield command(r["on"], "register_emulation", uid, cid, "register", uid, campaign_id=cid, unit_id=uid,
                      collective_target=r["collective_target"], staff=staff(cid, uid, r))  # fmt: skip


def proposals(cid: str, entries: list[dict[str, Any]]) -> Iterator[Step]:
    """Award proposals, each sent by its unit unless `proposed_by` names another sender."""
    for p in entries:
        fields = {k: p[k] for k in ("award", "unit_id", "person", "facts", "achievement") if k in p}
        yield command(p["on"], "propose_award", p.get("proposed_by", p["unit_id"]), cid, "propose", p["proposal_id"],
                      campaign_id=cid, proposal_id=p["proposal_id"], **fields)  # fmt: skip


def decisions(cid: str, council: str, entries: list[dict[str, Any]]) -> Iterator[Step]:
    """The council's decisions on proposals (its vote counts and reason)."""
    for d in entries:
        counts = {k: d[k] for k in ("votes_for", "votes_against", "members_present", "reason")}
        yield command(d["on"], "decide_award", council, cid, "decide", d["proposal_id"], campaign_id=cid,
                      proposal_id=d["proposal_id"], **counts)  # fmt: skip


FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô",
          "Dương", "Lý", "Trương", "Đinh")  # fmt: skip
MIDDLE = ("Văn", "Thị", "Minh", "Thanh", "Ngọc", "Hoàng", "Quốc", "Thu", "Kim", "Đức", "Mỹ", "Hữu", "Phương", "Bảo")
GIVEN = ("An", "Bình", "Châu", "Dũng", "Hà", "Hải", "Hạnh", "Hương", "Khoa", "Lan", "Linh", "Long", "Mai", "Nam",
         "Nga", "Phúc", "Quân", "Tâm", "Thảo", "Trang", "Tuấn", "Vy", "Yến", "Khánh", "Nhung", "Sơn", "Thịnh")  # fmt: skip


def staff(cid: str, unit_id: str, pledge: dict[str, Any]) -> list[dict[str, str]]:
    """The staff a unit registers: those the scenario names, then generated names (the same every run) up to
    `staff_count`, each aiming at Lao động tiên tiến."""
    named: list[dict[str, str]] = list(pledge.get("staff", []))
    rng = random.Random(f"{cid}:{unit_id}")
    people = {p["person"] for p in named}
    while len(named) < pledge["staff_count"]:
        person = f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
        if person not in people:
            people.add(person)
            named.append({"person": person, "target_title": "lao-dong-tien-tien"})
    return named
