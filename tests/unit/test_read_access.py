"""The read API's rules without a server: the tokens file as the API sees it, the 401/403 rule, times, pages."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from pydantic import TypeAdapter, ValidationError

from services.read_api.access import ANONYMOUS, TokenFile, create_token, deny, new_token, parse_role, revoke_token
from services.read_api.pages import page
from shared.events.types import Moment

pytestmark = pytest.mark.unit


def test_the_tokens_file_is_reread_as_soon_as_it_changes(tmp_path: Path) -> None:
    path = tmp_path / "api-tokens.json"
    seen = TokenFile(path)
    assert seen.current() == {}  # no file yet: nobody is recognised (the API is not open)
    council = create_token(path, "council")
    assert seen.current()[council] == parse_role("council")
    unit = create_token(path, "unit:van-phong-so")
    assert seen.current()[unit].unit_id == "van-phong-so"
    assert revoke_token(path, council) == "council"
    assert council not in seen.current() and unit in seen.current()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["api-tokens.json"]  # no temporary file left behind


def test_a_tokens_file_edited_in_place_is_reread(tmp_path: Path) -> None:
    path = tmp_path / "api-tokens.json"
    path.write_text(json.dumps({"a" * 32: "council"}))
    seen = TokenFile(path)
    assert list(seen.current()) == ["a" * 32]
    path.write_text(json.dumps({"b" * 32: "auditor", "c": "public"}))
    assert sorted(seen.current()) == ["b" * 32, "c"]


@pytest.mark.parametrize("broken", ['{"half', "[]", '{"t": "emperor"}', '{"t": 1}'])
def test_a_tokens_file_that_cannot_be_read_recognises_no_one(tmp_path: Path, broken: str) -> None:
    path = tmp_path / "api-tokens.json"
    seen = TokenFile(path)
    create_token(path, "council")
    assert len(seen.current()) == 1
    path.write_text(broken)
    assert seen.current() == {}


def test_no_token_gets_401_and_a_role_that_may_not_read_gets_403() -> None:
    anonymous = deny(ANONYMOUS, "blocks is for council, auditor, unit only")
    assert anonymous.status_code == 401 and anonymous.headers == {"WWW-Authenticate": "Bearer"}
    assert anonymous.detail == {
        "code": "unauthorized",
        "message": "blocks is for council, auditor, unit only; send `Authorization: Bearer <token>`",
        "field": "Authorization",
    }
    for role in ("public", "unit:thanh-tra-so", "council"):
        refused = deny(parse_role(role), "the audit trail is for auditor only")
        assert refused.status_code == 403 and refused.headers is None
        assert refused.detail == {"code": "forbidden", "message": "the audit trail is for auditor only", "field": None}


MOMENT = TypeAdapter(Moment)


@pytest.mark.parametrize(
    "value",
    ["9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00+01:00", "2200-12-31T23:00:00-12:00", "1944-12-31T23:59:59Z"],
)
def test_times_outside_1945_to_2200_are_refused_without_overflowing(value: str) -> None:
    with pytest.raises(ValidationError, match="must be between 1945-01-01T00:00:00Z and 2200-12-31T23:59:59Z"):
        MOMENT.validate_python(value)


def test_times_inside_are_taken_in_utc() -> None:
    assert MOMENT.validate_python("2022-06-01T00:00:00+07:00").isoformat() == "2022-05-31T17:00:00+00:00"
    assert MOMENT.validate_python("2022-06-01T00:00:00").isoformat() == "2022-06-01T00:00:00+00:00"
    assert MOMENT.validate_python("1945-01-01T07:00:00+07:00").isoformat() == "1945-01-01T00:00:00+00:00"


def test_a_page_names_its_next_cursor_only_when_more_follow() -> None:
    rows = [{"id": str(n)} for n in range(4)]
    assert page(rows, 3, lambda r: r["id"]) == (rows[:3], "2")
    assert page(rows[:3], 3, lambda r: r["id"]) == (rows[:3], None)
    assert page([], 3, lambda r: r["id"]) == ([], None)


def test_a_new_token_never_starts_with_a_dash_so_the_cli_takes_it_as_an_argument() -> None:
    tokens = [new_token() for _ in range(2000)]  # about 1 in 64 random tokens would start with `-`
    assert not [t for t in tokens if t.startswith("-")]
    assert len(set(tokens)) == len(tokens) and all(len(t) == 32 for t in tokens)
