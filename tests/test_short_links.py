"""Short booking links: an event type's short code, unique in the installation, and /b/<code>."""

from urllib.parse import urlsplit

import pytest
from peewee import IntegrityError

from conftest import bearer
from models import EventType, db

NOT_FOUND = "This page does not exist"


def create(client, key, **body):
    body = {"title": "Intro call", "durationMinutes": 30, **body}
    return client.post("/api/v1/event-types", headers=bearer(key), json=body)


def patch(client, key, event_type_id, **body):
    return client.patch(f"/api/v1/event-types/{event_type_id}", headers=bearer(key), json=body)


def short_link(client, path: str):
    return client.get(path, follow_redirects=False)


def target(client, path: str) -> str:
    """Where the short link sends the browser: the path and query of its Location."""
    response = short_link(client, path)
    assert response.status_code == 302, response.text
    location = urlsplit(response.headers["location"])
    return location.path + (f"?{location.query}" if location.query else "")


def code_taken(code: str) -> dict:
    return {
        "error": f"The short code '{code}' is taken (short codes ignore case).",
        "code": "short_code_taken",
        "details": {"shortCode": "already used"},
    }


@pytest.fixture
def intro(client, tenant) -> dict:
    response = create(client, tenant.key, slug="intro", shortCode="Ada-Intro")
    assert response.status_code == 201
    return response.json()


def test_a_short_code_is_kept_as_written(client, tenant, intro):
    fetched = client.get(f"/api/v1/event-types/{intro['id']}", headers=bearer(tenant.key))

    assert intro["shortCode"] == fetched.json()["shortCode"] == "Ada-Intro"


def test_a_short_link_redirects_to_the_booking_page(client, tenant, intro):
    location = target(client, "/b/Ada-Intro")

    assert location == "/book/acme/intro"
    page = client.get(location)
    assert page.status_code == 200
    assert "Intro call" in page.text


def test_a_short_link_matches_whatever_the_case(client, intro):
    assert target(client, "/b/ada-intro") == "/book/acme/intro"
    assert target(client, "/b/ADA-INTRO") == "/book/acme/intro"


def test_the_query_travels_to_the_booking_page(client, intro):
    location = target(client, "/b/ada-intro?theme=dark&name=Grace%20Hopper")

    assert location == "/book/acme/intro?theme=dark&name=Grace%20Hopper"


def test_a_code_is_unique_in_the_installation_whatever_its_case(
    client, tenant, other_tenant, intro
):
    theirs = create(client, other_tenant.key, shortCode="ADA-intro")
    mine = create(client, tenant.key, slug="other")
    renamed = patch(client, tenant.key, mine.json()["id"], shortCode="ada-INTRO")

    assert (theirs.status_code, theirs.json()) == (409, code_taken("ADA-intro"))
    assert (renamed.status_code, renamed.json()) == (409, code_taken("ada-INTRO"))
    assert target(client, "/b/ada-intro") == "/book/acme/intro"


def test_an_event_type_may_keep_its_own_code_in_another_case(client, tenant, intro):
    response = patch(client, tenant.key, intro["id"], shortCode="ADA-INTRO")

    assert (response.status_code, response.json()["shortCode"]) == (200, "ADA-INTRO")


def test_the_database_refuses_the_same_code_in_another_case(intro, tenant):
    with db.connection_context(), pytest.raises(IntegrityError):
        EventType.create(
            organization=tenant.organization,
            owner=tenant.owner,
            schedule=EventType.get_by_id(intro["id"]).schedule,
            title="Copy",
            slug="copy",
            duration_minutes=30,
            short_code="ADA-INTRO",
        )


@pytest.mark.parametrize("code", ["abc", "x" * 33, "ada intro", "ada/intro", "ädä-intro"])
def test_a_code_outside_the_pattern_is_400(client, tenant, code):
    response = create(client, tenant.key, shortCode=code)

    assert response.status_code == 400
    assert response.json()["code"] == "validation_failed"


def test_unknown_and_inactive_links_show_the_not_found_page(client, tenant, intro):
    unknown = short_link(client, "/b/nobody-here")
    patch(client, tenant.key, intro["id"], active=False)
    inactive = short_link(client, "/b/ada-intro")

    for response in (unknown, inactive):
        assert response.status_code == 404
        assert NOT_FOUND in response.text


def test_a_deleted_event_types_code_stays_reserved_until_cleared(client, tenant, intro):
    headers = bearer(tenant.key)
    client.delete(f"/api/v1/event-types/{intro['id']}", headers=headers)

    gone = short_link(client, "/b/ada-intro")
    taken = create(client, tenant.key, slug="new", shortCode="ada-intro")
    client.post(f"/api/v1/event-types/{intro['id']}/restore", headers=headers)

    assert gone.status_code == 404
    assert taken.status_code == 409
    assert target(client, "/b/ada-intro") == "/book/acme/intro"


def test_clearing_a_code_frees_it(client, tenant, other_tenant, intro):
    cleared = patch(client, tenant.key, intro["id"], shortCode=None)

    theirs = create(client, other_tenant.key, slug="intro", shortCode="ada-intro")

    assert cleared.json()["shortCode"] is None
    assert theirs.status_code == 201
    assert target(client, "/b/ada-intro") == "/book/globex/intro"
