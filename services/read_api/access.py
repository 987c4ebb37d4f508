"""Who may read what: bearer tokens map to roles `council`, `auditor`, `unit:<unit_id>` or `public`.

Tokens live in an owner-only JSON file (`EMULATION_API_TOKENS_FILE`, `{token: role}`), created by
`emulation up` and extended with `emulation token create`. Without a tokens file the API is open
to everyone as `council` and `auditor` at once (development and tests only).

- public (no token): campaigns, standings of closed campaigns, decided awards;
- unit:<id>: what the public sees, plus its own registrations, achievements, notices and awards;
- council: everything but the audit trail; auditor: everything, including the audit trail.
  No one sees an open round's counts, nor who voted for whom (docs/contract/evaluation.md, "Secret ballot").
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from pathlib import Path

from fastapi import HTTPException, Request

PUBLIC, COUNCIL, AUDITOR, UNIT = "public", "council", "auditor", "unit"


@dataclass(frozen=True)
class Principal:
    roles: frozenset[str]
    unit_id: str | None = None

    def is_(self, *roles: str) -> bool:
        return bool(self.roles & set(roles))

    def may_see_unit(self, unit_id: str | None) -> bool:
        return self.is_(COUNCIL, AUDITOR) or (unit_id is not None and unit_id == self.unit_id)


OPEN = Principal(frozenset({COUNCIL, AUDITOR}))
ANONYMOUS = Principal(frozenset({PUBLIC}))


def parse_role(role: str) -> Principal:
    if role in (COUNCIL, AUDITOR, PUBLIC):
        return Principal(frozenset({role}))
    if role.startswith("unit:") and len(role) > 5:
        return Principal(frozenset({UNIT}), role[5:])
    raise ValueError(f"unknown role {role!r}: council, auditor, unit:<unit_id> or public")


def load_tokens(path: str) -> dict[str, Principal] | None:
    if not path:
        return None
    raw: dict[str, str] = json.loads(Path(path).read_text()) if Path(path).exists() else {}
    return {token: parse_role(role) for token, role in raw.items()}


def create_token(path: Path, role: str) -> str:
    """Add a token for `role` to the owner-only tokens file; returns the token."""
    from emulation.security import write_private

    parse_role(role)
    tokens = json.loads(path.read_text()) if path.exists() else {}
    token = secrets.token_urlsafe(24)
    tokens[token] = role
    write_private(path, json.dumps(tokens, indent=2))
    return token


def unauthorized(message: str) -> HTTPException:
    return HTTPException(401, {"code": "unauthorized", "message": message, "field": "Authorization"},
                         headers={"WWW-Authenticate": "Bearer"})  # fmt: skip


def forbidden(message: str, field: str | None = None) -> HTTPException:
    return HTTPException(403, {"code": "forbidden", "message": message, "field": field})


async def principal(request: Request) -> Principal:
    """The caller, from `Authorization: Bearer <token>`; no header means the public.

    `async` because it does no I/O: FastAPI then calls it inline instead of through its thread pool.
    """
    tokens: dict[str, Principal] | None = request.app.state.tokens
    if tokens is None:
        return OPEN
    header = request.headers.get("authorization")
    if header is None:
        return ANONYMOUS
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise unauthorized("use the header `Authorization: Bearer <token>`")
    if token.strip() not in tokens:
        raise unauthorized("this token is not recognised (expired, revoked or mistyped)")
    return tokens[token.strip()]


def require(p: Principal, *roles: str, what: str) -> None:
    if not p.is_(*roles):
        raise forbidden(f"{what} is for {', '.join(roles)} only")


def own_unit(p: Principal, unit_id: str | None, what: str) -> str | None:
    """The unit filter a caller may use: units see only their own (the filter defaults to it)."""
    if p.is_(COUNCIL, AUDITOR):
        return unit_id
    if p.is_(UNIT):
        if unit_id not in (None, p.unit_id):
            raise forbidden(f"a unit sees only its own {what}", "unit")
        return p.unit_id
    raise forbidden(f"{what} are not public")
