"""Signing in and out: the bearer token a person was given, kept in an HttpOnly cookie.

The cookie holds the token itself (nothing new to revoke: `emulation token revoke` ends the session at the
next request). It is `HttpOnly` (no script reads it), `SameSite=Strict` (no other site's page sends it), and
`Secure` when the page came over HTTPS. A sign-in link carries the token in the URL fragment (`/signin#token=…`),
which browsers never send to a server, so it ends up in no log; the page's script posts it in the form.
A form posted from another origin is refused (the `Origin` header a browser sets cannot be forged by a page).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.read_api.access import ANONYMOUS, SESSION_COOKIE, Caller, recognised
from services.read_api.errors import api_error
from services.read_api.workspace.render import PageRoute, page

router = APIRouter(route_class=PageRoute)
SESSION_SECONDS = 12 * 3600
"""A working day: the cookie expires; the token does not."""


def same_origin(request: Request) -> None:
    """Refuse a form posted by another site's page (login CSRF)."""
    origin = request.headers.get("origin")
    if origin is not None and origin != f"{request.url.scheme}://{request.url.netloc}":
        raise api_error(403, "cross_origin", "a sign-in form posted from another site is refused", "Origin")


@router.get("/signin", response_class=HTMLResponse)
def signin_form(request: Request, p: Caller, next: str = "/") -> HTMLResponse:
    return page(request, p, "signin.html", title="Đăng nhập", next=safe_next(next))


@router.post("/signin", response_class=HTMLResponse)
def sign_in(
    request: Request, token: Annotated[str, Form(max_length=200)], next: Annotated[str, Form()] = "/"
) -> Response:
    same_origin(request)
    if not token.strip() or recognised(request, token) is None:
        return page(
            request,
            ANONYMOUS,
            "signin.html",
            status_code=401,
            title="Đăng nhập",
            reason="Mã truy cập không đúng, đã bị thu hồi hoặc gõ sai.",
            next=safe_next(next),
        )
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token.strip(),
        max_age=SESSION_SECONDS,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )
    return response


@router.post("/signout")
def sign_out(request: Request) -> Response:
    same_origin(request)
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict")
    return response


def safe_next(target: str) -> str:
    """Only a path of this site (`/campaigns/2022`), never `//evil.example` or a full URL: no open redirect."""
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target
