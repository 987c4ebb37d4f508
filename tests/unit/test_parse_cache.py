"""Every view of a process reads the same messages: an event's bytes are parsed and checked once per process."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import ValidationError

from shared.infra.consumer import parse_bytes

pytestmark = pytest.mark.unit

BODY: dict[str, Any] = {
    "specversion": "1.0",
    "id": "7f0c1c5e-8f7c-5d1a-9a43-3f1d2b0c9e11",
    "source": "/services/registry",
    "type": "unit_registered.v1",
    "subject": "unit/phong-cong-chung-so-1",
    "time": "2022-01-05T02:00:00Z",
    "datacontenttype": "application/json",
    "actor": "van-phong-so",
    "causationid": "c1",
    "correlationid": "c1",
    "data": {"unit_id": "phong-cong-chung-so-1", "name": "Phòng Công chứng số 1", "kind": "affiliated"},
}


def test_the_same_bytes_give_the_same_checked_event_once() -> None:
    body = json.dumps(BODY, ensure_ascii=False).encode()
    first = parse_bytes(body)
    again = parse_bytes(bytes(bytearray(body)))  # another message object holding the same bytes
    assert again is first
    assert first.data["name"] == "Phòng Công chứng số 1"


def test_a_body_its_contract_refuses_is_refused_every_time_not_kept() -> None:
    bad = json.dumps(BODY | {"data": {**BODY["data"], "name": "a\u202eb"}}, ensure_ascii=False).encode()
    misses = parse_bytes.cache_info().misses
    for _ in range(2):
        with pytest.raises(ValidationError, match="bidirectional"):
            parse_bytes(bad)
    assert parse_bytes.cache_info().misses == misses + 2  # checked again: a refusal is never kept
