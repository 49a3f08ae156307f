"""Event types: defaults, slugs, PATCH semantics, soft deletion and restore."""

import pytest

from conftest import SECRET, bearer
from models import EventType, User, db
from services import keys


def create(client, key, **body):
    body = {"title": "Intro call", "durationMinutes": 30, **body}
    return client.post("/api/v1/event-types", headers=bearer(key), json=body)


def patch(client, key, event_type_id, **body):
    return client.patch(f"/api/v1/event-types/{event_type_id}", headers=bearer(key), json=body)


def delete(client, key, event_type_id):
    return client.delete(f"/api/v1/event-types/{event_type_id}", headers=bearer(key))


def restore(client, key, event_type_id):
    return client.post(f"/api/v1/event-types/{event_type_id}/restore", headers=bearer(key))


def titles(client, key, query="") -> list[str]:
    body = client.get(f"/api/v1/event-types{query}", headers=bearer(key)).json()
    return [event_type["title"] for event_type in body["data"]]


def default_schedule(client, key) -> str:
    schedules = client.get("/api/v1/schedules", headers=bearer(key)).json()["data"]
    return next(schedule["id"] for schedule in schedules if schedule["isDefault"])


def slug_taken(slug: str, hint: str = "") -> dict:
    return {
        "error": f"Another event type already uses the slug '{slug}'{hint}.",
        "code": "slug_taken",
        "details": {"slug": "already used"},
    }


def test_an_event_type_gets_the_documented_defaults(client, tenant):
    response = create(client, tenant.key)

    assert response.status_code == 201
    created = response.json()
    assert created["id"].startswith("evt_")
    assert created["createdAt"] == created["updatedAt"]
    assert {k: v for k, v in created.items() if k not in ("id", "createdAt", "updatedAt")} == {
        "title": "Intro call",
        "slug": "intro-call",
        "description": "",
        "durationMinutes": 30,
        "location": None,
        "locationId": None,
        "shortCode": None,
        "scheduleId": default_schedule(client, tenant.key),
        "ownerId": tenant.owner.id,
        "hostIds": [tenant.owner.id],
        "assignment": "single",
        "bufferBeforeMinutes": 0,
        "bufferAfterMinutes": 0,
        "minimumNoticeMinutes": 0,
        "bookingWindowDays": 60,
        "slotIntervalMinutes": None,
        "maxBookingsPerDay": None,
        "seatsPerSlot": 1,
        "requiresConfirmation": False,
        "active": True,
        "questions": [],
        "price": None,
        "taxId": None,
        "deletedAt": None,
    }
    fetched = client.get(f"/api/v1/event-types/{created['id']}", headers=bearer(tenant.key))
    assert fetched.json() == created


def test_every_field_given_is_stored_and_returned(client, tenant):
    schedule = client.post(
        "/api/v1/schedules",
        headers=bearer(tenant.key),
        json={"name": "Workshops", "timezone": "Europe/Berlin"},
    ).json()
    fields = {
        "title": "Workshop",
        "slug": "team-workshop",
        "description": "Two hours of hands-on work.",
        "durationMinutes": 120,
        "location": {"type": "in_person", "value": "Main St 1"},
        "shortCode": "Team-Workshop",
        "scheduleId": schedule["id"],
        "bufferBeforeMinutes": 15,
        "bufferAfterMinutes": 10,
        "minimumNoticeMinutes": 240,
        "bookingWindowDays": 30,
        "slotIntervalMinutes": 60,
        "maxBookingsPerDay": 2,
        "seatsPerSlot": 12,
        "requiresConfirmation": True,
        "active": False,
    }
    questions = [
        {"id": "company", "label": "Your company", "type": "text", "required": True},
        {"id": "level", "label": "Level", "type": "select", "options": ["new", "expert"]},
    ]

    response = create(client, tenant.key, **fields, questions=questions)

    assert response.status_code == 201
    created = response.json()
    assert {name: created[name] for name in fields} == fields
    assert created["questions"] == [questions[0], {**questions[1], "required": False}]


def test_a_slug_is_derived_from_the_title_and_made_unique(client, tenant):
    slugs = [create(client, tenant.key).json()["slug"] for _ in range(3)]
    accented = create(client, tenant.key, title="Café  Chat!").json()["slug"]
    unspellable = create(client, tenant.key, title="面談").json()["slug"]

    assert slugs == ["intro-call", "intro-call-2", "intro-call-3"]
    assert (accented, unspellable) == ("cafe-chat", "event")


def test_a_slug_in_use_is_a_conflict_on_create_and_on_patch(client, tenant):
    create(client, tenant.key, slug="intro")
    other = create(client, tenant.key, title="Other", slug="other").json()

    created = create(client, tenant.key, slug="intro")
    patched = patch(client, tenant.key, other["id"], slug="intro")

    for response in (created, patched):
        assert response.status_code == 409
        assert response.json() == slug_taken("intro")
    assert titles(client, tenant.key) == ["Intro call", "Other"]
    assert patch(client, tenant.key, other["id"], slug="other").status_code == 200


def test_a_deleted_event_types_slug_can_be_used_again(client, tenant):
    old = create(client, tenant.key, slug="intro").json()

    assert delete(client, tenant.key, old["id"]).status_code == 204
    new = create(client, tenant.key, slug="intro")
    derived = create(client, tenant.key, title="Intro call").json()

    assert new.status_code == 201
    assert new.json()["slug"] == "intro"
    assert derived["slug"] == "intro-call"


def test_a_deleted_event_type_can_be_read_but_not_changed_until_restored(client, tenant):
    created = create(client, tenant.key).json()
    gone = {
        "error": f"Event type '{created['id']}' is deleted; restore it first.",
        "code": "not_found",
        "details": {"id": created["id"]},
    }

    assert delete(client, tenant.key, created["id"]).status_code == 204

    fetched = client.get(f"/api/v1/event-types/{created['id']}", headers=bearer(tenant.key))
    assert fetched.json()["deletedAt"].endswith("Z")
    assert titles(client, tenant.key, "?active=all") == []
    for response in (
        patch(client, tenant.key, created["id"], title="Changed"),
        delete(client, tenant.key, created["id"]),
    ):
        assert (response.status_code, response.json()) == (404, gone)
    restored = restore(client, tenant.key, created["id"])
    assert restored.status_code == 200
    assert restored.json()["deletedAt"] is None
    assert restored.json()["title"] == "Intro call"
    assert titles(client, tenant.key) == ["Intro call"]


def test_restoring_a_live_event_type_changes_nothing(client, tenant):
    created = create(client, tenant.key).json()

    response = restore(client, tenant.key, created["id"])

    assert response.status_code == 200
    assert response.json() == created


def test_restoring_is_refused_while_another_event_type_holds_the_slug(client, tenant):
    old = create(client, tenant.key, slug="intro").json()
    delete(client, tenant.key, old["id"])
    new = create(client, tenant.key, title="New intro", slug="intro").json()

    refused = restore(client, tenant.key, old["id"])

    assert refused.status_code == 409
    assert refused.json() == slug_taken("intro", "; change that one's slug first")
    patch(client, tenant.key, new["id"], slug="new-intro")
    assert restore(client, tenant.key, old["id"]).status_code == 200


def test_lists_show_active_inactive_or_all_live_event_types_oldest_first(client, tenant):
    for title, active in [("One", True), ("Two", False), ("Three", True), ("Gone", True)]:
        created = create(client, tenant.key, title=title, active=active).json()
    delete(client, tenant.key, created["id"])

    assert titles(client, tenant.key) == ["One", "Three"]
    assert titles(client, tenant.key, "?active=false") == ["Two"]
    assert titles(client, tenant.key, "?active=all") == ["One", "Two", "Three"]
    page = client.get("/api/v1/event-types?active=all&limit=2&page=2", headers=bearer(tenant.key))
    assert page.json()["pagination"] == {"page": 2, "limit": 2, "total": 3, "totalPages": 2}
    assert [e["title"] for e in page.json()["data"]] == ["Three"]


def test_organizations_see_only_their_own_event_types_and_slugs(client, tenant, other_tenant):
    theirs = create(client, other_tenant.key, title="Theirs", slug="intro")

    ours = create(client, tenant.key, slug="intro")

    assert (theirs.status_code, ours.status_code) == (201, 201)
    assert titles(client, tenant.key) == ["Intro call"]
    assert titles(client, other_tenant.key) == ["Theirs"]


def test_a_patch_sets_the_fields_given_and_null_clears_the_nullable_ones(client, tenant):
    created = create(
        client, tenant.key, slotIntervalMinutes=15, maxBookingsPerDay=3, bufferAfterMinutes=10
    ).json()

    response = patch(
        client,
        tenant.key,
        created["id"],
        durationMinutes=45,
        slotIntervalMinutes=None,
        maxBookingsPerDay=None,
    )

    assert response.status_code == 200
    updated = response.json()
    assert updated["updatedAt"] > created["updatedAt"]
    assert updated == {
        **created,
        "durationMinutes": 45,
        "slotIntervalMinutes": None,
        "maxBookingsPerDay": None,
        "updatedAt": updated["updatedAt"],
    }
    with db.connection_context():
        row = EventType.get_by_id(created["id"])
    assert (row.interval, row.buffer_after_minutes) == (45, 10)


def test_a_location_is_removed_with_null(client, tenant):
    video = {"type": "video", "value": "https://meet.example.com/ada"}
    created = create(client, tenant.key, location=video).json()

    updated = client.patch(
        f"/api/v1/event-types/{created['id']}", headers=bearer(tenant.key), json={"location": None}
    )

    assert (created["location"], updated.json()["location"]) == (video, None)


def test_a_patch_can_move_an_event_type_to_another_schedule_and_replace_questions(client, tenant):
    created = create(client, tenant.key, questions=[{"id": "a", "label": "A", "type": "text"}])
    schedule = client.post(
        "/api/v1/schedules", headers=bearer(tenant.key), json={"name": "Late", "timezone": "UTC"}
    ).json()
    questions = [{"id": "phone", "label": "Phone", "type": "phone", "required": True}]

    response = patch(
        client, tenant.key, created.json()["id"], scheduleId=schedule["id"], questions=questions
    )

    assert (response.json()["scheduleId"], response.json()["questions"]) == (
        schedule["id"],
        questions,
    )


def test_a_blank_title_is_refused(client, tenant):
    response = create(client, tenant.key, title=" \t ")

    assert response.status_code == 422
    assert response.json() == {
        "error": "title must contain a visible character.",
        "code": "blank_name",
        "details": {"title": "must contain a visible character"},
    }


def test_a_schedule_of_another_organization_is_unknown(client, tenant, other_tenant):
    theirs = default_schedule(client, other_tenant.key)
    created = create(client, tenant.key).json()

    on_create = create(client, tenant.key, title="Other", scheduleId=theirs)
    on_patch = patch(client, tenant.key, created["id"], scheduleId=theirs)

    for response in (on_create, on_patch):
        assert response.status_code == 422
        assert response.json() == {
            "error": f"No schedule with id '{theirs}' in this organization.",
            "code": "unknown_schedule",
            "details": {"scheduleId": "no such schedule"},
        }
    assert titles(client, tenant.key) == ["Intro call"]


def test_a_host_without_a_default_schedule_must_name_one(client, tenant):
    with db.connection_context():
        member = User.create(
            organization=tenant.organization, email="bob@acme.example", name="Bob", username="bob"
        )
        _, bobs_key = keys.issue_key(member, secret=SECRET, name="Bob's key")
    ours = default_schedule(client, tenant.key)

    refused = create(client, bobs_key)
    named = create(client, bobs_key, scheduleId=ours)

    assert refused.status_code == 422
    assert refused.json() == {
        "error": "The calling key's user has no default schedule: pass scheduleId, "
        "or create a schedule first.",
        "code": "unknown_schedule",
        "details": {"scheduleId": "required: the host has no default schedule"},
    }
    assert (named.status_code, named.json()["ownerId"]) == (201, member.id)


@pytest.mark.parametrize(
    ("questions", "error", "details"),
    [
        (
            [{"id": "level", "label": "Level", "type": "select"}],
            "questions[0].options: a select question needs options.",
            {"questions[0].options": "required for select questions"},
        ),
        (
            [
                {"id": "company", "label": "Company", "type": "text"},
                {"id": "notes", "label": "Notes", "type": "textarea", "options": ["a"]},
            ],
            "questions[1].options: only select questions have options.",
            {"questions[1].options": "allowed only for select questions"},
        ),
        (
            [
                {"id": "company", "label": "Company", "type": "text"},
                {"id": "phone", "label": "Phone", "type": "phone"},
                {"id": "company", "label": "Firm", "type": "text"},
            ],
            "questions[2].id: 'company' is already the id of questions[0].",
            {"questions[2].id": "duplicates questions[0].id"},
        ),
    ],
    ids=["select-without-options", "options-on-textarea", "duplicate-id"],
)
def test_invalid_questions_are_refused_naming_the_field(client, tenant, questions, error, details):
    response = create(client, tenant.key, questions=questions)

    assert response.status_code == 422
    assert response.json() == {"error": error, "code": "invalid_question", "details": details}


OPERATIONS_ON_ONE = [
    ("GET", "", None),
    ("PATCH", "", {"title": "Mine now"}),
    ("DELETE", "", None),
    ("POST", "/restore", None),
]


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    OPERATIONS_ON_ONE,
    ids=[f"{m}{s}" for m, s, _ in OPERATIONS_ON_ONE],
)
def test_another_organizations_event_type_is_not_found(
    client, tenant, other_tenant, method, suffix, body
):
    theirs = create(client, other_tenant.key, title="Theirs").json()["id"]

    response = client.request(
        method, f"/api/v1/event-types/{theirs}{suffix}", headers=bearer(tenant.key), json=body
    )

    assert response.status_code == 404
    assert response.json() == {
        "error": f"No event type with id '{theirs}'.",
        "code": "not_found",
        "details": {"id": theirs},
    }
    assert titles(client, other_tenant.key) == ["Theirs"]


WRITES = [
    ("POST", "/api/v1/event-types", {"title": "Read only", "durationMinutes": 30}),
    ("PATCH", "/api/v1/event-types/{id}", {"title": "Read only"}),
    ("DELETE", "/api/v1/event-types/{id}", None),
    ("POST", "/api/v1/event-types/{id}/restore", None),
]


def test_a_read_only_key_can_read_event_types_but_not_change_them(client, tenant, make_key):
    read_only = make_key(scopes=["event-types:read"])
    created = create(client, tenant.key).json()

    for method, path, body in WRITES:
        response = client.request(
            method, path.format(id=created["id"]), headers=bearer(read_only), json=body
        )

        assert response.status_code == 403, (method, path)
        assert response.json() == {
            "error": "This API key lacks the 'event-types:write' scope needed for this operation.",
            "code": "insufficient_scope",
            "details": {"requiredScope": "event-types:write"},
        }
    assert titles(client, read_only) == ["Intro call"]
