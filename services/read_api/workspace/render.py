"""Rendering a page: the Jinja2 environment, the context every page gets, and refusals as pages.

`PageRoute` turns what the JSON API answers with an error (401, 403, 404 from the same checks) into a page
a person can act on: 401 shows the sign-in form, 403 says what this role may not read, 404 what was not found.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Coroutine
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from fastapi import HTTPException, Request, Response
from fastapi.responses import HTMLResponse
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates

from services.read_api.access import AUDITOR, COUNCIL, UNIT, Principal, principal
from services.registry.adapters.units import UnitsView
from services.registry.domain.rules import DEPARTMENT_TZ
from shared.infra.clock import Clock

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
templates = Jinja2Templates(directory=HERE / "templates")

ROLE_NAMES = {COUNCIL: "Hội đồng thi đua khen thưởng", AUDITOR: "Kiểm toán", UNIT: "Đơn vị", "public": "Khách"}


def vn_date(value: str | date | datetime | None) -> str:
    """`2022-01-20` → `20/01/2022`, the way dates are written in Vietnamese documents."""
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00")) if "T" in value else date.fromisoformat(value)
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%d/%m/%Y %H:%M")
    return value.strftime("%d/%m/%Y")


def vn_local(value: str | None) -> str:
    """A stored time as people in the Department read it, in Ho Chi Minh City time, the zone deadlines are counted
    in: `2022-01-20T18:30:00+00:00` → `21/01/2022 01:30` (`vn_date` would write its UTC date, 20/01). A date alone
    is written as `vn_date` writes it."""
    if not value or "T" not in value:
        return vn_date(value)
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment.astimezone(DEPARTMENT_TZ).strftime("%d/%m/%Y %H:%M")


def vn_number(value: float | int | None, digits: int = 1) -> str:
    """`1234.5` → `1.234,5` (Vietnamese separators)."""
    if value is None:
        return "—"
    text = f"{value:,.{digits}f}" if isinstance(value, float) and not float(value).is_integer() else f"{int(value):,}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def nfc(value: Any) -> str:
    return unicodedata.normalize("NFC", str(value))


templates.env.filters.update(vn_date=vn_date, vn_local=vn_local, vn_number=vn_number, nfc=nfc)
templates.env.globals.update(ROLE_NAMES=ROLE_NAMES)


def today() -> date:
    """Today in Vietnam, by the services' clock (the demo's calendar under `emulation up --demo`), so "days left"
    agrees with what the registry decides is late."""
    return Clock.from_env().now().astimezone(DEPARTMENT_TZ).date()


def role_label(request: Request, p: Principal) -> str:
    """Who is signed in, as the header shows it: a unit by its name (its own record, which it may read)."""
    if p.is_(UNIT) and p.unit_id is not None:
        views = getattr(request.app.state, "views", None)
        unit = views[UnitsView].get(p.unit_id) if views is not None and UnitsView in views.by_type else None
        return f"{ROLE_NAMES[UNIT]}: {unit['name'] if unit else p.unit_id}"
    return ", ".join(ROLE_NAMES[r] for r in sorted(p.roles) if r in ROLE_NAMES)


def page(request: Request, p: Principal, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """Render `template` with what every page shows: who is signed in, and the navigation for that role."""
    signed_in = not p.anonymous and request.app.state.tokens is not None
    response = templates.TemplateResponse(
        request,
        template,
        {"principal": p, "signed_in": signed_in, "role": role_label(request, p), **context},
        status_code=status_code,
    )
    response.headers["Cache-Control"] = "no-store"  # a page shows what this caller may read: never cached
    response.headers.update(SECURITY_HEADERS)
    return response


SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
"""Only this site's own files run or style a page (no inline script or style, nothing from elsewhere), no other
site frames it (clickjacking), and a link followed elsewhere does not carry the page's address."""

REFUSALS = {
    401: "Cần đăng nhập để xem trang này.",
    403: "Vai trò của bạn không được xem trang này.",
    404: "Không tìm thấy.",
}


class PageRoute(APIRoute):
    """A page: an error from the JSON API's checks becomes a page (sign-in form, refusal, not found)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def render_refusals(request: Request) -> Response:
            try:
                return await handler(request)
            except HTTPException as e:
                return await refusal(request, e)

        return render_refusals


async def refusal(request: Request, e: HTTPException) -> HTMLResponse:
    detail = e.detail if isinstance(e.detail, dict) else {"message": str(e.detail)}
    try:
        p = await principal(request)
    except HTTPException:  # the session's token was revoked: the sign-in form, as a stranger
        from services.read_api.access import ANONYMOUS

        p = ANONYMOUS
    template = "signin.html" if e.status_code == 401 else "refused.html"
    return page(
        request,
        p,
        template,
        status_code=e.status_code,
        title=REFUSALS.get(e.status_code, "Không thực hiện được."),
        reason=detail.get("message"),
        reason_lang="en",  # the JSON API's own words, as a client reads them (the title says it in Vietnamese)
        next=request.url.path,
    )
