"""The standings as served: the rendering the view keeps, its ETag, the checks a kept rendering still passes, and its\ngzip form for the clients that accept it."""

from __future__ import annotations

import gzip
import json
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from markupsafe import escape

from services.catalogue import all_views
from services.evaluation.adapters.views import ReferenceView, StandingsView
from services.read_api.access import create_token
from services.read_api.app import create_app
from services.read_api.encodings import accepts_gzip, not_modified
from services.read_api.views import OpenViews
from shared.events.envelope import CloudEvent
from shared.infra.settings import Settings
from shared.infra.views import View, positions
from tests.unit.test_evaluation_application import C, Driver, report
from tests.unit.test_evaluation_views import published, registry_event, registry_facts, year

with warnings.catch_warnings():  # Starlette asks for `httpx2` over `httpx` (which the project uses) from now on
    warnings.simplefilter("ignore", UserWarning)
    from fastapi.testclient import TestClient

pytestmark = pytest.mark.unit
STANDINGS = f"/v1/campaigns/{C}/standings"


class Store:
    """Every view over one data dir, fed events in stream order."""

    def __init__(self, data_dir: Path) -> None:
        self.settings = Settings(data_dir=data_dir, api_tokens_file=str(data_dir / "tokens.json"))
        self.views: list[View] = all_views(self.settings)
        self.seq = 0

    def feed(self, events: list[CloudEvent]) -> None:
        batch = [(self.seq + i, e) for i, e in enumerate(events, start=1)]
        self.seq += len(events)
        for view in self.views:
            view.apply(batch)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store(tmp_path)
    d = Driver()
    year(d)
    s.feed(registry_facts() + published(d))
    return s


@pytest.fixture
def api(store: Store) -> Iterator[tuple[TestClient, dict[str, dict[str, str]]]]:
    path = Path(store.settings.api_tokens_file)
    callers = {role: {"Authorization": f"Bearer {create_token(path, role)}"} for role in ("council", "public")}
    with TestClient(create_app(store.settings)) as client:
        yield client, callers | {"anonymous": {}}


def test_the_etag_moves_with_the_standings_the_membership_and_the_campaigns(store: Store) -> None:
    views = OpenViews(store.views)
    standings, reference = views[StandingsView], views[ReferenceView]
    first = standings.etag(reference)
    kept = standings.render(reference, first, "open", C, None, None)
    assert standings.rendered(first, C, None, None) == kept and standings.rendered(first, C, "b1", None) is None
    d = Driver()
    report(d, "late", unit="u2", claimed_points=5)
    changes = [
        published(d)[-1:],  # an achievement: the standings' own view
        [registry_event("unit_withdrawn", {"campaign_id": C, "unit_id": "v3", "block_id": "b2"}, 7)],  # membership
        [registry_event("campaign_closed", {"campaign_id": C}, 8)],  # the campaign's status
    ]
    seen = {first}
    for change in changes:
        store.feed(change)
        etag = standings.etag(reference)
        assert etag not in seen and standings.rendered(etag, C, None, None) is None
        assert positions(standings, reference) == (standings.position(), reference.position()) != (0, 0)
        seen.add(etag)


def test_a_rendering_kept_for_the_council_is_not_public_until_the_campaign_closes(
    store: Store, api: tuple[TestClient, dict[str, dict[str, str]]]
) -> None:
    client, callers = api
    council = client.get(STANDINGS, headers=callers["council"])
    assert council.status_code == 200 and council.headers["Cache-Control"] == "no-cache"
    assert client.get(STANDINGS, headers=callers["public"]).status_code == 403
    assert client.get(STANDINGS, headers=callers["anonymous"]).status_code == 401
    again = client.get(STANDINGS, headers=callers["council"] | {"If-None-Match": council.headers["ETag"]})
    assert again.status_code == 304 and again.headers["ETag"] == council.headers["ETag"]
    store.feed([registry_event("campaign_closed", {"campaign_id": C}, 9)])
    public = client.get(STANDINGS, headers=callers["anonymous"])
    assert public.status_code == 200 and public.headers["ETag"] != council.headers["ETag"]
    assert public.json() == council.json()  # the same standings: only the campaign's status moved


def test_unknown_campaigns_and_blocks_are_404_whatever_is_kept(
    api: tuple[TestClient, dict[str, dict[str, str]]],
) -> None:
    client, callers = api
    assert client.get(STANDINGS, headers=callers["council"]).status_code == 200
    assert client.get(STANDINGS, params={"block": "b1"}, headers=callers["council"]).status_code == 200
    unknown_block = client.get(STANDINGS, params={"block": "b9"}, headers=callers["council"])
    assert unknown_block.status_code == 404 and unknown_block.json()["detail"]["code"] == "unknown_block"
    unknown = client.get("/v1/campaigns/2023/standings", headers=callers["council"])
    assert unknown.status_code == 404 and unknown.json()["detail"]["code"] == "unknown_campaign"
    # the public asking for an unknown block of an open campaign: not public, whatever the block (401 first)
    assert client.get(STANDINGS, params={"block": "b9"}, headers=callers["anonymous"]).status_code == 401


def raw(client: TestClient, headers: dict[str, str], params: dict[str, str] | None = None) -> tuple[Any, bytes]:
    """The answer and its bytes as sent (httpx would decode a gzipped body)."""
    with client.stream("GET", STANDINGS, headers=headers, params=params) as answer:
        return answer, b"".join(answer.iter_raw())


def test_gzip_is_served_to_who_accepts_it_the_same_json_once_decoded(
    api: tuple[TestClient, dict[str, dict[str, str]]],
) -> None:
    client, callers = api
    council = callers["council"]
    for params in (None, {"block": "b1"}):
        plain, body = raw(client, council | {"Accept-Encoding": "identity"}, params)
        assert plain.status_code == 200 and "content-encoding" not in plain.headers
        assert plain.headers["Vary"] == "Accept-Encoding" and not plain.headers["ETag"].startswith("W/")
        packed, gz = raw(client, council | {"Accept-Encoding": "gzip, deflate, br"}, params)
        assert packed.status_code == 200 and packed.headers["Content-Encoding"] == "gzip"
        assert packed.headers["Vary"] == "Accept-Encoding" and packed.headers["Content-Type"] == "application/json"
        assert packed.headers["ETag"] == "W/" + plain.headers["ETag"]  # the same state; the gzip form's tag weak
        assert len(gz) < len(body) and gzip.decompress(gz) == body
        assert json.loads(body)["campaign_id"] == C
    for refused in ("gzip;q=0", "identity", "deflate", "gzip;q=0.5, identity", "*;q=0"):
        answer, body = raw(client, council | {"Accept-Encoding": refused})
        assert "content-encoding" not in answer.headers and json.loads(body)["campaign_id"] == C, refused
    for accepted in ("GZIP", "x-gzip", "*", "br;q=1, gzip;q=0.1", "identity;q=0.5, gzip"):
        answer, body = raw(client, council | {"Accept-Encoding": accepted})
        assert answer.headers["Content-Encoding"] == "gzip", accepted


def test_either_forms_etag_gets_304_whichever_form_is_asked_for(
    api: tuple[TestClient, dict[str, dict[str, str]]],
) -> None:
    client, callers = api
    council = callers["council"]
    identity, _ = raw(client, council | {"Accept-Encoding": "identity"})
    packed, _ = raw(client, council | {"Accept-Encoding": "gzip"})
    tags = (identity.headers["ETag"], packed.headers["ETag"], f'"other", {packed.headers["ETag"]}', "*")
    for accept, served in (("identity", identity), ("gzip", packed)):
        for tag in tags:
            again, body = raw(client, council | {"Accept-Encoding": accept, "If-None-Match": tag})
            assert again.status_code == 304 and body == b"", (accept, tag)
            assert again.headers["ETag"] == served.headers["ETag"] and again.headers["Vary"] == "Accept-Encoding"
        assert raw(client, council | {"Accept-Encoding": accept, "If-None-Match": '"other"'})[0].status_code == 200
    assert raw(client, callers["public"] | {"If-None-Match": "*"})[0].status_code == 403  # access first, as before


def test_accept_encoding_and_if_none_match_as_rfc_9110_reads_them() -> None:
    assert accepts_gzip("gzip") and accepts_gzip("deflate, gzip;q=0.8") and accepts_gzip("gzip ; q=1.0")
    assert not accepts_gzip(None) and not accepts_gzip("") and not accepts_gzip("gzip;q=0") and not accepts_gzip("br")
    assert not accepts_gzip("gzip;q=x") and not accepts_gzip("*, gzip;q=0")
    assert not_modified('"1-2-3"', '"1-2-3"') and not_modified('W/"1-2-3"', '"1-2-3"')
    assert not_modified('"0", "1-2-3"', 'W/"1-2-3"') and not_modified("*", '"1-2-3"')
    assert not not_modified(None, '"1-2-3"') and not not_modified('"1-2-4"', '"1-2-3"')


def test_the_pages_fragment_is_gzipped_once_per_state_for_a_role_and_as_it_is_for_a_units_own_block(
    store: Store, api: tuple[TestClient, dict[str, dict[str, str]]]
) -> None:
    client, callers = api
    page = f"/campaigns/{C}/standings"
    council = callers["council"]
    plain = client.get(page, params={"fragment": "1"}, headers=council | {"Accept-Encoding": "identity"})
    assert plain.status_code == 200 and "content-encoding" not in plain.headers
    with client.stream("GET", page, params={"fragment": "1"}, headers=council | {"Accept-Encoding": "gzip"}) as r:
        packed = b"".join(r.iter_raw())
        assert r.headers["Content-Encoding"] == "gzip" and r.headers["Vary"] == "Accept-Encoding"
        assert r.headers["Content-Type"] == "text/html; charset=utf-8"
    assert gzip.decompress(packed).decode() == plain.text
    etag = client.get(STANDINGS, headers=council | {"Accept-Encoding": "identity"}).headers["ETag"]
    assert f'data-etag="{escape(etag)}"' in plain.text  # the identity's: the script's If-None-Match matches either
    unit = {"Authorization": f"Bearer {create_token(Path(store.settings.api_tokens_file), 'unit:u1')}"}
    own = client.get(page, params={"fragment": "1"}, headers=unit | {"Accept-Encoding": "gzip"})
    assert own.status_code == 200 and "content-encoding" not in own.headers and 'class="mine"' in own.text
    whole = client.get(page, headers=council)  # the page itself: as before, whatever is accepted
    assert whole.status_code == 200 and "content-encoding" not in whole.headers and plain.text in whole.text
