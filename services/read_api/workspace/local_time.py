"""Times as people in the Department read them: Ho Chi Minh City time (UTC+7), the zone deadlines are counted in.

`vn_date` (render.py) writes a stored time in UTC; a registration at 01:00 on 21 January in the city (late) would
read "20/01" there. Pages about deadlines use `vn_local` instead.
"""

from __future__ import annotations

from datetime import datetime

from services.read_api.workspace.render import templates, vn_date
from services.registry.domain.rules import DEPARTMENT_TZ


def vn_local(value: str | None) -> str:
    """`2022-01-20T18:30:00+00:00` → `21/01/2022 01:30` (a date alone is written as `vn_date` writes it)."""
    if not value or "T" not in value:
        return vn_date(value)
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment.astimezone(DEPARTMENT_TZ).strftime("%d/%m/%Y %H:%M")


templates.env.filters["vn_local"] = vn_local
