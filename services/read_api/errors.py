"""One shape for every 4xx answer of the read API: `{"detail": {"code", "message", "field"}}`.

`detail` holds the same `ErrorBody` a refused command's reply carries, so a client reads errors one way
over NATS and HTTP. FastAPI's own answers (its 422 list of pydantic errors, Starlette's 404 and 405
strings) are rewritten here into that shape; routes raise `api_error(...)`.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from shared.events import errors
from shared.events.base import ErrorBody

GENERIC = {404: "not_found", 405: "method_not_allowed", 406: "not_acceptable", 413: "payload_too_large"}
"""Codes of the answers Starlette gives by itself (an unknown route, a method the route has not)."""
LOCATIONS = ("query", "path", "header", "cookie", "body")


class ErrorResponse(BaseModel):
    """Every 4xx answer of the read API."""

    detail: ErrorBody


def api_error(
    status: int, code: str, message: str, field: str | None = None, headers: dict[str, str] | None = None
) -> HTTPException:
    return HTTPException(status, ErrorBody(code=code, message=message, field=field).model_dump(), headers=headers)


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` documenting these statuses with the error shape."""
    what = {
        401: "No token, or one not recognised, for a resource the public may not read",
        403: "The caller's role may not read this resource",
        404: "No such resource",
        422: "A parameter is missing, malformed or out of range",
    }
    return {s: {"model": ErrorResponse, "description": what.get(s, "Refused")} for s in statuses}


def invalid(exc: RequestValidationError) -> dict[str, Any]:
    """The first validation error as `{code, message, field}` (`field`: the parameter's name, `limit`)."""
    first = exc.errors()[0]
    loc = [str(p) for p in first.get("loc", ())]
    if loc and loc[0] in LOCATIONS:
        loc = loc[1:]
    field = ".".join(loc) or None
    message = f"{field}: {first['msg']}" if field else str(first["msg"])
    code = errors.MISSING_FIELD if first.get("type") == "missing" else errors.INVALID_FIELD
    return ErrorBody(code=code, message=message, field=field).model_dump()


async def on_invalid(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return JSONResponse({"detail": invalid(exc)}, status_code=422)


async def on_http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    detail: Any = exc.detail
    if not (isinstance(detail, dict) and {"code", "message"} <= detail.keys()):
        code = GENERIC.get(exc.status_code, f"http_{exc.status_code}")
        message = detail if isinstance(detail, str) else code.replace("_", " ")
        if exc.status_code == 404:
            message = f"no resource at {request.url.path}"
        elif exc.status_code == 405:
            message = f"{request.method} is not allowed on {request.url.path}"
        detail = ErrorBody(code=code, message=message).model_dump()
    return JSONResponse({"detail": detail}, status_code=exc.status_code, headers=exc.headers)


def install(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, on_invalid)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
