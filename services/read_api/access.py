"""Who may read what: bearer tokens map to roles `council`, `auditor`, `unit:<unit_id>` or `public`.

Tokens live in an owner-only JSON file (`EMULATION_API_TOKENS_FILE`, `{token: role}`), created by
`emulation up` and changed with `emulation token create` / `revoke`; the running API sees a change at the
next request. Without a tokens file the API is open to everyone as `council` and `auditor` at once
(development and tests only).

- public (no token): campaigns, standings and blocks (with unit names) of closed campaigns, decided awards,
  exemplary models once summed up;
- unit:<id>: what the public sees, plus its own registrations, achievements, notices, awards and models;
- council: everything but the audit trail; auditor: everything, including the audit trail.
  No one sees an open round's counts, nor who voted for whom (docs/contract/evaluation.md, "Secret ballot").

The one 401/403 rule (`deny`): a caller without a token asking for what the public may not read gets 401
with `WWW-Authenticate: Bearer` (authenticate, then ask again); a caller with a token whose role may not
read it gets 403. A token that is not recognised, or a header that is not `Bearer`, gets 401 everywhere.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request

from services.read_api.errors import api_error

PUBLIC, COUNCIL, AUDITOR, UNIT = "public", "council", "auditor", "unit"
SESSION_COOKIE = "emulation_token"
"""The workspace's sign-in cookie: the bearer token itself (HttpOnly, SameSite=Strict), read only when no
`Authorization` header is sent, so the pages and their scripts are decided exactly as the JSON API decides."""
BEARER = {"WWW-Authenticate": "Bearer"}
log = logging.getLogger("emulation.read_api")


@dataclass(frozen=True)
class Principal:
    roles: frozenset[str]
    unit_id: str | None = None
    anonymous: bool = False
    """No token was sent (as opposed to a token for the `public` role)."""

    def is_(self, *roles: str) -> bool:
        return bool(self.roles & set(roles))

    def may_see_unit(self, unit_id: str | None) -> bool:
        return self.is_(COUNCIL, AUDITOR) or (unit_id is not None and unit_id == self.unit_id)


OPEN = Principal(frozenset({COUNCIL, AUDITOR}))
ANONYMOUS = Principal(frozenset({PUBLIC}), anonymous=True)


def parse_role(role: str) -> Principal:
    if role in (COUNCIL, AUDITOR, PUBLIC):
        return Principal(frozenset({role}))
    if role.startswith("unit:") and len(role) > 5:
        return Principal(frozenset({UNIT}), role[5:])
    raise ValueError(f"unknown role {role!r}: council, auditor, unit:<unit_id> or public")


class TokenFile:
    """The tokens file as the running API sees it: re-read whenever it changed.

    Each lookup costs one `stat` (under a microsecond); the file is read again only when its inode,
    size or modification time differ, so a token created or revoked while the API runs counts from the
    next request on. A file that cannot be read or parsed refuses every token (fail closed) until fixed.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.seen: tuple[int, ...] | None = None
        self.tokens: dict[str, Principal] = {}

    def current(self) -> dict[str, Principal]:
        try:
            st = os.stat(self.path)
            signature: tuple[int, ...] = (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
        except FileNotFoundError:
            signature = ()
        if signature != self.seen:
            self.tokens = self.read() if signature else {}
            self.seen = signature
        return self.tokens

    def read(self) -> dict[str, Principal]:
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
            return {str(token): parse_role(role) for token, role in raw.items()}
        except (OSError, ValueError, AttributeError, TypeError) as e:
            log.error("read API tokens file unreadable; every token is refused until it is fixed",
                      extra={"path": str(self.path), "error": str(e)})  # fmt: skip
            return {}


def load_tokens(path: str) -> TokenFile | None:
    """The tokens file of EMULATION_API_TOKENS_FILE; None (an open API) when none is configured."""
    return TokenFile(Path(path)) if path else None


def _write_tokens(path: Path, tokens: dict[str, str]) -> None:
    """Replace the file in one step (a reader never sees it half written), readable by its owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")  # mode 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(json.dumps(tokens, indent=2))
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


def _stored(path: Path) -> dict[str, str]:
    return dict(json.loads(path.read_text(encoding="utf-8"))) if path.exists() else {}


def new_token() -> str:
    """32 URL-safe random characters that never start with `-`, so the token is safe as a command-line
    argument (`emulation token revoke TOKEN`; older tokens starting with `-` need `revoke -- TOKEN`)."""
    while (token := secrets.token_urlsafe(24)).startswith("-"):
        pass
    return token


def create_token(path: Path, role: str) -> str:
    """Add a token for `role` to the owner-only tokens file; returns the token."""
    parse_role(role)
    tokens = _stored(path)
    token = new_token()
    tokens[token] = role
    _write_tokens(path, tokens)
    return token


def revoke_token(path: Path, token: str) -> str:
    """Remove `token` from the tokens file; returns the role it had. KeyError if it is not there."""
    tokens = _stored(path)
    role = tokens.pop(token)
    _write_tokens(path, tokens)
    return role


def unauthorized(message: str) -> HTTPException:
    return api_error(401, "unauthorized", message, "Authorization", headers=BEARER)


def deny(p: Principal, message: str, field: str | None = None) -> HTTPException:
    """The one 401/403 rule: no token → 401 (authenticate); a token whose role may not read this → 403."""
    if p.anonymous:
        return unauthorized(f"{message}; send `Authorization: Bearer <token>`")
    return api_error(403, "forbidden", message, field)


async def principal(request: Request) -> Principal:
    """The caller, from `Authorization: Bearer <token>` or, without that header, the workspace's session
    cookie (the same token, set by the sign-in form); neither means the public.

    `async` because it does no I/O but a `stat`: FastAPI then calls it inline instead of through its thread pool.
    """
    file: TokenFile | None = request.app.state.tokens
    if file is None:
        return OPEN
    header = request.headers.get("authorization")
    if header is None:
        cookie = request.cookies.get(SESSION_COOKIE)
        if cookie is None:
            return ANONYMOUS
        found = file.current().get(cookie)
        if found is None:
            raise unauthorized("this session's token is no longer recognised (revoked): sign in again")
        return found
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise unauthorized("use the header `Authorization: Bearer <token>`")
    found = file.current().get(token.strip())
    if found is None:
        raise unauthorized("this token is not recognised (expired, revoked or mistyped)")
    return found


def recognised(request: Request, token: str) -> Principal | None:
    """The role of `token` (the sign-in form checks it before setting the cookie); None if it is not one."""
    file: TokenFile | None = request.app.state.tokens
    if file is None:
        return OPEN
    return file.current().get(token.strip())


Caller = Annotated[Principal, Depends(principal)]
"""The caller of a route (resolved once per request: the app depends on `principal` too)."""


def require(p: Principal, *roles: str, what: str) -> None:
    if not p.is_(*roles):
        raise deny(p, f"{what} is for {', '.join(roles)} only")


def own_unit(p: Principal, unit_id: str | None, what: str) -> str | None:
    """The unit filter a caller may use: units see only their own (the filter defaults to it)."""
    if p.is_(COUNCIL, AUDITOR):
        return unit_id
    if p.is_(UNIT):
        if unit_id not in (None, p.unit_id):
            raise deny(p, f"a unit sees only its own {what}", "unit")
        return p.unit_id
    raise deny(p, f"{what} are not public")


def public_once_closed(p: Principal, campaign_status: str, what: str) -> None:
    """What a campaign's standings show (ranks, and the blocks and unit names they are read by) is for council,
    auditors and units while it runs, and public once it is closed."""
    if not p.is_(COUNCIL, AUDITOR, UNIT) and campaign_status != "closed":
        raise deny(p, f"{what} are public once the campaign is closed; until then council, auditors and units only")


def read_standings(p: Principal, campaign_status: str) -> None:
    public_once_closed(p, campaign_status, "standings")


def read_blocks(p: Principal, campaign_status: str) -> None:
    public_once_closed(p, campaign_status, "blocks")


def sees_proposal(p: Principal, proposal: dict[str, Any]) -> bool:
    """A decided award proposal is public; an undecided one is for the council, auditors and its own unit."""
    return proposal["decision"] is not None or p.may_see_unit(proposal["unit_id"])


def sees_model(p: Principal, model: dict[str, Any]) -> bool:
    """An exemplary model is public once summed up or spread (assessed by the council, to be spread); before that
    it is for the council, auditors and its own unit."""
    return model["stage"] in ("summed_up", "spread") or p.may_see_unit(model["unit_id"])


def sees_unit_names(p: Principal, campaign_status: str) -> bool:
    """Unit names come with the blocks: for council, auditors and units, and for everyone once the campaign is
    closed (`read_blocks`); otherwise the public reads decided awards by unit id."""
    return p.is_(COUNCIL, AUDITOR, UNIT) or campaign_status == "closed"
