"""Signing in to the workspace: the cookie's attributes, what it lets a person read (exactly what the same token
does on the JSON API), and the attacks a sign-in form invites (another site's form, an open redirect, a revoked
token, a token in a URL)."""

from __future__ import annotations

import html
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from services.catalogue import all_views
from services.read_api.access import SESSION_COOKIE, create_token, revoke_token
from services.read_api.app import create_app
from shared.infra.settings import Settings
from tests.unit.test_evaluation_application import C
from tests.unit.test_evaluation_views import registry_facts
from tests.unit.test_read_api_bodies import registry_history

with warnings.catch_warnings():
    warnings.simplefilter("ignore", UserWarning)
    from fastapi.testclient import TestClient

pytestmark = pytest.mark.unit


class Site:
    def __init__(self, root: Path) -> None:
        self.tokens = root / "api-tokens.json"
        self.council = create_token(self.tokens, "council")
        self.unit = create_token(self.tokens, "unit:u1")
        settings = Settings(data_dir=root / "data", api_tokens_file=str(self.tokens))
        for view in all_views(settings):
            view.apply(list(enumerate(registry_facts() + registry_history(), start=1)))
        self.app = create_app(settings)

    def browser(self, base_url: str = "http://testserver") -> TestClient:
        return TestClient(self.app, base_url=base_url, follow_redirects=False)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    s = Site(tmp_path_factory.mktemp("workspace"))
    with s.browser():  # runs the lifespan once: the views are opened
        yield s


def test_the_home_page_is_html_in_vietnamese_for_everyone(site: Site) -> None:
    with site.browser() as b:
        page = b.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert '<html lang="vi">' in page.text and "Phong trào 2022" in page.text
    assert 'data-testid="signin-link"' in page.text and page.headers["cache-control"] == "no-store"
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy and "unsafe-inline" not in policy
    assert "<script>" not in page.text and "style=" not in page.text  # the policy would refuse them


def test_signing_in_sets_an_httponly_strict_cookie_holding_the_token(site: Site) -> None:
    with site.browser() as b:
        answer = b.post("/signin", data={"token": site.council, "next": f"/campaigns/{C}"})
    assert answer.status_code == 303 and answer.headers["location"] == f"/campaigns/{C}"
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}={site.council};")
    attributes = {a.strip().lower() for a in cookie.split(";")[1:]}
    assert {"httponly", "samesite=strict", "path=/"} <= attributes and "secure" not in attributes


def test_over_https_the_cookie_is_secure(site: Site) -> None:
    with site.browser("https://testserver") as b:
        answer = b.post("/signin", data={"token": site.council})
    assert "secure" in {a.strip().lower() for a in answer.headers["set-cookie"].split(";")}


def test_a_wrong_token_shows_the_form_again_with_a_401_and_sets_no_cookie(site: Site) -> None:
    with site.browser() as b:
        answer = b.post("/signin", data={"token": "not-a-token"})
    assert answer.status_code == 401 and "set-cookie" not in answer.headers
    assert 'data-testid="signin-form"' in answer.text and "Mã truy cập không đúng" in answer.text


def test_a_form_posted_from_another_site_is_refused(site: Site) -> None:
    with site.browser() as b:
        answer = b.post("/signin", data={"token": site.council}, headers={"Origin": "https://evil.example"})
    assert answer.status_code == 403 and "set-cookie" not in answer.headers


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example", "\\\\evil.example", "javascript:x"])
def test_after_signing_in_it_goes_only_to_a_page_of_this_site(site: Site, target: str) -> None:
    with site.browser() as b:
        answer = b.post("/signin", data={"token": site.council, "next": target})
    assert answer.status_code == 303 and answer.headers["location"] == "/"


def test_the_cookie_reads_the_json_api_as_its_token_does(site: Site) -> None:
    with site.browser() as b:
        anonymous = b.get(f"/v1/campaigns/{C}/registrations")
        b.cookies.set(SESSION_COOKIE, site.unit)
        mine = b.get(f"/v1/campaigns/{C}/registrations").json()
        other = b.get(f"/v1/campaigns/{C}/registrations", params={"unit": "u2"})
        b.cookies.set(SESSION_COOKIE, site.council)
        everyone = b.get(f"/v1/campaigns/{C}/registrations").json()
    assert anonymous.status_code == 401
    assert [r["unit_id"] for r in mine["registrations"]] == ["u1"]
    assert other.status_code == 403 and other.json()["detail"]["field"] == "unit"
    assert [r["unit_id"] for r in everyone["registrations"]] == ["u1", "u2"]


def test_a_bearer_header_wins_over_the_cookie(site: Site) -> None:
    with site.browser() as b:
        b.cookies.set(SESSION_COOKIE, site.council)
        answer = b.get(f"/v1/campaigns/{C}/registrations", headers={"Authorization": f"Bearer {site.unit}"})
    assert [r["unit_id"] for r in answer.json()["registrations"]] == ["u1"]


def test_a_revoked_token_ends_the_session_at_the_next_request(tmp_path: Path) -> None:
    s = Site(tmp_path)
    with s.browser() as b:
        b.cookies.set(SESSION_COOKIE, s.council)
        assert b.get(f"/campaigns/{C}").status_code == 200
        revoke_token(s.tokens, s.council)
        page = b.get(f"/campaigns/{C}")
        api = b.get(f"/v1/campaigns/{C}/registrations")
    assert page.status_code == 401 and 'data-testid="signin-form"' in page.text
    assert api.status_code == 401 and api.json()["detail"]["code"] == "unauthorized"


def test_signing_out_clears_the_cookie(site: Site) -> None:
    with site.browser() as b:
        b.cookies.set(SESSION_COOKIE, site.council)
        assert 'data-testid="signout"' in b.get("/").text
        answer = b.post("/signout")
    assert answer.status_code == 303 and answer.headers["location"] == "/"
    assert (
        answer.headers["set-cookie"].startswith(f'{SESSION_COOKIE}=""') and "Max-Age=0" in answer.headers["set-cookie"]
    )


def test_an_unknown_campaign_is_a_page_saying_so_not_json(site: Site) -> None:
    with site.browser() as b:
        answer = b.get("/campaigns/1999")
    assert answer.status_code == 404 and answer.headers["content-type"].startswith("text/html")
    assert "Không tìm thấy" in answer.text and "no campaign '1999'" in html.unescape(answer.text)


def test_the_sign_in_link_keeps_the_token_out_of_the_server(site: Site) -> None:
    """`emulation up` prints `/signin#token=…`: the fragment never reaches the server; the page's script reads it."""
    with site.browser() as b:
        form = b.get("/signin")
        script = b.get("/static/signin.js")
    assert form.status_code == 200 and '<script src="/static/signin.js">' in form.text
    assert "location.hash" in script.text and "replaceState" in script.text


def test_the_api_docs_page_loads_nothing_from_the_internet(site: Site) -> None:
    """`/docs` (Swagger UI 5, which reads OpenAPI 3.1) and `/redoc` take their scripts from a package, not a CDN."""
    with site.browser() as b:
        docs = b.get("/docs")
        script = b.get("/static-offline-docs/swagger-ui-bundle.js")
        redoc = b.get("/redoc")
    assert docs.status_code == 200 and "/static-offline-docs/swagger-ui-bundle.js" in docs.text
    assert redoc.status_code == 200 and "/static-offline-docs/redoc.standalone.js" in redoc.text
    assert "cdn" not in docs.text.lower() and "https://" not in docs.text.replace("https://fastapi.tiangolo.com", "")
    assert script.status_code == 200 and len(script.content) > 500_000
