"""Schedules: weekly rules, date overrides, the owner's default, and what may be deleted."""

import pytest

from conftest import SECRET, bearer
from models import Schedule, User, db
from services import keys

WEEKDAYS_9_TO_5 = [{"days": ["mon", "tue", "wed", "thu", "fri"], "start": "09:00", "end": "17:00"}]


def create(client, key, **body):
    body = {"name": "Berlin office", "timezone": "Europe/Berlin", **body}
    return client.post("/api/v1/schedules", headers=bearer(key), json=body)


def patch(client, key, schedule_id, **body):
    return client.patch(f"/api/v1/schedules/{schedule_id}", headers=bearer(key), json=body)


def listed(client, key) -> list[dict]:
    return client.get("/api/v1/schedules", headers=bearer(key)).json()["data"]


def default_of(client, key) -> str:
    return next(s["id"] for s in listed(client, key) if s["isDefault"])


def member_key(tenant) -> str:
    """A key of a second user of the tenant's organization, who has no schedule yet."""
    with db.connection_context():
        member = User.create(
            organization=tenant.organization, email="bob@acme.example", name="Bob", username="bob"
        )
        _, raw_key = keys.issue_key(member, secret=SECRET, name="Bob's key")
    return raw_key


def rule_violation(message: str, code: str, details: dict) -> dict:
    return {"error": message, "code": code, "details": details}


def test_the_bootstrap_schedule_is_the_owners_default(client, tenant):
    response = client.get("/api/v1/schedules", headers=bearer(tenant.key))

    assert response.status_code == 200
    body = response.json()
    assert body["pagination"] == {"page": 1, "limit": 20, "total": 1, "totalPages": 1}
    [schedule] = body["data"]
    assert schedule["isDefault"] is True
    assert schedule["ownerId"] == tenant.owner.id
    assert schedule["rules"] == WEEKDAYS_9_TO_5
    assert schedule["overrides"] == []


def test_a_new_schedule_keeps_its_rules_and_sorts_its_overrides_by_date(client, tenant):
    rules = [
        {"days": ["mon", "tue", "wed", "thu"], "start": "09:00", "end": "17:00"},
        {"days": ["fri"], "start": "09:00", "end": "13:00"},
    ]
    overrides = [
        {"date": "2026-12-31", "intervals": [{"start": "09:00", "end": "12:00"}]},
        {"date": "2026-12-24", "intervals": []},
    ]

    response = create(client, tenant.key, rules=rules, overrides=overrides)

    assert response.status_code == 201
    created = response.json()
    assert created["id"].startswith("sch_")
    assert created["createdAt"].endswith("Z")
    assert {k: v for k, v in created.items() if k not in ("id", "createdAt")} == {
        "name": "Berlin office",
        "timezone": "Europe/Berlin",
        "rules": rules,
        "overrides": [overrides[1], overrides[0]],
        "isDefault": False,
        "ownerId": tenant.owner.id,
    }
    fetched = client.get(f"/api/v1/schedules/{created['id']}", headers=bearer(tenant.key))
    assert fetched.json() == created


def test_schedules_are_listed_oldest_first_across_pages(client, tenant):
    for name in ("Second", "Third"):
        create(client, tenant.key, name=name)

    first = client.get("/api/v1/schedules?limit=2", headers=bearer(tenant.key)).json()
    second = client.get("/api/v1/schedules?limit=2&page=2", headers=bearer(tenant.key)).json()

    assert [s["name"] for s in first["data"]] == ["Working hours", "Second"]
    assert first["pagination"] == {"page": 1, "limit": 2, "total": 3, "totalPages": 2}
    assert [s["name"] for s in second["data"]] == ["Third"]


def test_the_list_shows_the_whole_organization_and_nothing_else(client, tenant, other_tenant):
    bobs = create(client, member_key(tenant), name="Bob's hours").json()

    ours = listed(client, tenant.key)
    theirs = listed(client, other_tenant.key)

    assert [s["id"] for s in ours][1:] == [bobs["id"]]
    assert {s["id"] for s in ours}.isdisjoint(s["id"] for s in theirs)


def test_a_users_first_schedule_becomes_their_default(client, tenant):
    created = create(client, member_key(tenant), isDefault=False).json()

    assert created["isDefault"] is True
    assert (created["rules"], created["overrides"]) == ([], [])
    assert default_of(client, tenant.key) != created["id"]


def test_creating_a_default_schedule_unsets_the_previous_default(client, tenant):
    previous = default_of(client, tenant.key)

    created = create(client, tenant.key, isDefault=True).json()

    assert created["isDefault"] is True
    by_id = {s["id"]: s["isDefault"] for s in listed(client, tenant.key)}
    assert by_id == {previous: False, created["id"]: True}


def test_making_a_schedule_the_default_moves_only_its_owners_default(client, tenant):
    bobs = create(client, member_key(tenant)).json()
    previous = default_of(client, tenant.key)
    created = create(client, tenant.key).json()

    response = patch(client, tenant.key, created["id"], isDefault=True)

    assert response.status_code == 200
    assert response.json()["isDefault"] is True
    by_id = {s["id"]: s["isDefault"] for s in listed(client, tenant.key)}
    assert by_id == {previous: False, created["id"]: True, bobs["id"]: True}


def test_is_default_false_is_refused_on_the_default_and_ignored_elsewhere(client, tenant):
    default = default_of(client, tenant.key)
    other = create(client, tenant.key).json()

    refused = patch(client, tenant.key, default, isDefault=False)
    ignored = patch(client, tenant.key, other["id"], isDefault=False)

    assert refused.status_code == 422
    assert refused.json() == rule_violation(
        "This schedule is its owner's default; make another schedule the default instead.",
        "default_required",
        {"isDefault": "cannot unset the default; set another schedule's isDefault"},
    )
    assert (ignored.status_code, ignored.json()) == (200, other)
    assert default_of(client, tenant.key) == default


def test_a_patch_changes_only_the_fields_given_and_replaces_the_rules(client, tenant):
    created = create(
        client,
        tenant.key,
        rules=WEEKDAYS_9_TO_5,
        overrides=[{"date": "2026-12-24", "intervals": []}],
    ).json()
    longer = [{"days": ["mon", "tue", "wed", "thu", "fri"], "start": "08:30", "end": "17:30"}]

    response = patch(client, tenant.key, created["id"], name="  Longer days ", rules=longer)

    assert response.status_code == 200
    assert response.json() == {**created, "name": "Longer days", "rules": longer}


def test_a_blank_name_is_refused(client, tenant):
    response = create(client, tenant.key, name="   ")

    assert response.status_code == 422
    assert response.json() == rule_violation(
        "name must contain a visible character.",
        "blank_name",
        {"name": "must contain a visible character"},
    )


OVERRIDE_ENDING_EARLY = {
    "date": "2026-12-31",
    "intervals": [{"start": "09:00", "end": "12:00"}, {"start": "15:00", "end": "14:00"}],
}
ENDS_BEFORE_START = [
    (
        "post",
        {"rules": [{"days": ["mon"], "start": "17:00", "end": "09:00"}]},
        "rules[0].end",
        "17:00",
    ),
    (
        "patch",
        {
            "rules": [
                {"days": ["mon"], "start": "09:00", "end": "12:00"},
                {"days": ["tue"], "start": "12:00", "end": "12:00"},
            ]
        },
        "rules[1].end",
        "12:00",
    ),
    (
        "post",
        {"rules": [{"days": ["sun"], "start": "24:00", "end": "24:00"}]},
        "rules[0].end",
        "24:00",
    ),
    (
        "put",
        {"overrides": [{"date": "2026-12-24", "intervals": []}, OVERRIDE_ENDING_EARLY]},
        "overrides[1].intervals[1].end",
        "15:00",
    ),
]


@pytest.mark.parametrize(
    ("method", "body", "field", "start"),
    ENDS_BEFORE_START,
    ids=["rule", "empty-rule", "midnight-to-midnight", "override-interval"],
)
def test_an_interval_must_end_after_it_starts(client, tenant, method, body, field, start):
    before = listed(client, tenant.key)
    default = before[0]["id"]
    if method == "post":
        response = create(client, tenant.key, **body)
    elif method == "patch":
        response = patch(client, tenant.key, default, **body)
    else:
        path = f"/api/v1/schedules/{default}/overrides"
        response = client.put(path, headers=bearer(tenant.key), json=body)

    assert response.status_code == 422
    assert response.json() == rule_violation(
        f"{field} must be after its start.", "end_before_start", {field: f"must be after {start}"}
    )
    assert listed(client, tenant.key) == before


def test_rules_overlapping_on_a_shared_weekday_are_refused(client, tenant):
    rules = [
        {"days": ["mon", "tue"], "start": "09:00", "end": "17:00"},
        {"days": ["wed"], "start": "08:00", "end": "18:00"},
        {"days": ["fri", "tue"], "start": "16:00", "end": "18:00"},
    ]

    response = create(client, tenant.key, rules=rules)

    assert response.status_code == 422
    assert response.json() == rule_violation(
        "rules[2] overlaps rules[0] on tue.",
        "overlapping_rules",
        {"rules[2]": "overlaps rules[0] on tue"},
    )


def test_touching_rules_rules_on_other_days_and_rules_ending_at_midnight_are_allowed(
    client, tenant
):
    rules = [
        {"days": ["mon"], "start": "09:00", "end": "12:00"},
        {"days": ["mon"], "start": "12:00", "end": "24:00"},
        {"days": ["tue"], "start": "10:00", "end": "11:00"},
    ]

    response = create(client, tenant.key, rules=rules)

    assert response.status_code == 201
    assert response.json()["rules"] == rules


def test_a_date_overridden_twice_is_refused(client, tenant):
    overrides = [
        {"date": "2026-12-24", "intervals": []},
        {"date": "2026-12-31", "intervals": []},
        {"date": "2026-12-24", "intervals": [{"start": "09:00", "end": "12:00"}]},
    ]

    response = create(client, tenant.key, overrides=overrides)

    assert response.status_code == 422
    assert response.json() == rule_violation(
        "overrides[2].date: 2026-12-24 is already overridden by overrides[0].",
        "duplicate_override",
        {"overrides[2].date": "2026-12-24 is already overridden by overrides[0]"},
    )


def test_overlapping_intervals_within_an_override_are_refused(client, tenant):
    intervals = [
        {"start": "09:00", "end": "12:00"},
        {"start": "12:00", "end": "13:00"},
        {"start": "12:30", "end": "15:00"},
    ]

    response = create(
        client, tenant.key, overrides=[{"date": "2026-12-31", "intervals": intervals}]
    )

    assert response.status_code == 422
    assert response.json() == rule_violation(
        "overrides[0].intervals[2] overlaps overrides[0].intervals[1] on 2026-12-31.",
        "overlapping_intervals",
        {"overrides[0].intervals[2]": "overlaps overrides[0].intervals[1]"},
    )


def test_replacing_overrides_swaps_the_whole_list_and_sorts_it(client, tenant):
    created = create(client, tenant.key, overrides=[{"date": "2026-05-01", "intervals": []}]).json()
    path = f"/api/v1/schedules/{created['id']}/overrides"
    holidays = [
        {"date": "2026-12-31", "intervals": [{"start": "09:00", "end": "12:00"}]},
        {"date": "2026-12-24", "intervals": []},
    ]

    response = client.put(path, headers=bearer(tenant.key), json={"overrides": holidays})

    assert response.status_code == 200
    assert response.json() == {**created, "overrides": [holidays[1], holidays[0]]}
    cleared = client.put(path, headers=bearer(tenant.key), json={"overrides": []})
    assert cleared.json()["overrides"] == []
    with db.connection_context():
        assert Schedule.get_by_id(created["id"]).overrides == []


def test_replacing_overrides_checks_them_and_keeps_the_old_ones_on_error(client, tenant):
    old = [{"date": "2026-05-01", "intervals": []}]
    created = create(client, tenant.key, overrides=old).json()
    twice = [{"date": "2026-12-24", "intervals": []}, {"date": "2026-12-24", "intervals": []}]

    response = client.put(
        f"/api/v1/schedules/{created['id']}/overrides",
        headers=bearer(tenant.key),
        json={"overrides": twice},
    )

    assert response.status_code == 422
    assert response.json()["code"] == "duplicate_override"
    assert response.json()["details"] == {
        "overrides[1].date": "2026-12-24 is already overridden by overrides[0]"
    }
    fetched = client.get(f"/api/v1/schedules/{created['id']}", headers=bearer(tenant.key))
    assert fetched.json()["overrides"] == old


def test_an_unused_schedule_that_is_not_the_default_can_be_deleted(client, tenant):
    created = create(client, tenant.key).json()
    path = f"/api/v1/schedules/{created['id']}"

    response = client.delete(path, headers=bearer(tenant.key))

    assert response.status_code == 204
    assert client.get(path, headers=bearer(tenant.key)).status_code == 404
    assert [s["name"] for s in listed(client, tenant.key)] == ["Working hours"]


def test_the_owners_default_cannot_be_deleted(client, tenant):
    default = default_of(client, tenant.key)

    response = client.delete(f"/api/v1/schedules/{default}", headers=bearer(tenant.key))

    assert response.status_code == 409
    assert response.json() == {
        "error": "This schedule is its owner's default; make another schedule the default first.",
        "code": "default_schedule",
        "details": {"id": default},
    }


def test_a_schedule_used_by_event_types_cannot_be_deleted_even_when_they_are(client, tenant):
    schedule = create(client, tenant.key).json()
    ids = []
    for title in ("Intro call", "Workshop"):
        event_type = client.post(
            "/api/v1/event-types",
            headers=bearer(tenant.key),
            json={"title": title, "durationMinutes": 30, "scheduleId": schedule["id"]},
        ).json()
        ids.append(event_type["id"])
    client.delete(f"/api/v1/event-types/{ids[1]}", headers=bearer(tenant.key))

    response = client.delete(f"/api/v1/schedules/{schedule['id']}", headers=bearer(tenant.key))

    assert response.status_code == 409
    assert response.json() == {
        "error": "2 event types use this schedule.",
        "code": "schedule_in_use",
        "details": {"eventTypeIds": ids},
    }


OPERATIONS_ON_ONE = [
    ("get", "", None),
    ("patch", "", {"name": "Mine now"}),
    ("delete", "", None),
    ("put", "/overrides", {"overrides": []}),
]


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    OPERATIONS_ON_ONE,
    ids=[f"{m} {s}" for m, s, _ in OPERATIONS_ON_ONE],
)
def test_another_organizations_schedule_is_not_found_like_an_unknown_one(
    client, tenant, other_tenant, method, suffix, body
):
    theirs = default_of(client, other_tenant.key)

    for schedule_id in (theirs, "sch_missing"):
        response = client.request(
            method.upper(),
            f"/api/v1/schedules/{schedule_id}{suffix}",
            headers=bearer(tenant.key),
            json=body,
        )

        assert response.status_code == 404
        assert response.json() == {
            "error": f"No schedule with id '{schedule_id}'.",
            "code": "not_found",
            "details": {"id": schedule_id},
        }
    assert listed(client, other_tenant.key)[0]["name"] == "Working hours"


WRITES = [
    ("POST", "/api/v1/schedules", {"name": "Read only", "timezone": "UTC"}),
    ("PATCH", "/api/v1/schedules/{id}", {"name": "Read only"}),
    ("DELETE", "/api/v1/schedules/{id}", None),
    ("PUT", "/api/v1/schedules/{id}/overrides", {"overrides": []}),
]


def test_a_read_only_key_can_read_schedules_but_not_change_them(client, tenant, make_key):
    read_only = make_key(scopes=["schedules:read"])
    default = default_of(client, read_only)

    for method, path, body in WRITES:
        response = client.request(
            method, path.format(id=default), headers=bearer(read_only), json=body
        )

        assert response.status_code == 403, method
        assert response.json() == {
            "error": "This API key lacks the 'schedules:write' scope needed for this operation.",
            "code": "insufficient_scope",
            "details": {"requiredScope": "schedules:write"},
        }
    assert [s["name"] for s in listed(client, tenant.key)] == ["Working hours"]
