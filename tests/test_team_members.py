"""Members of the team and their roles: owners, admins, members."""

from datetime import UTC, datetime, time, timedelta

import pytest

from conftest import SECRET, bearer
from models import Schedule, User, db
from services import keys

MEMBERS = "/api/v1/team/members"


def add(client, key, **body):
    body = {"email": "grace@acme.example", "name": "Grace Hopper", **body}
    return client.post(MEMBERS, headers=bearer(key), json=body)


def key_of(member_id: str, **options) -> str:
    """A full-access secret key belonging to a member."""
    with db.connection_context():
        _, raw_key = keys.issue_key(User.get_by_id(member_id), secret=SECRET, name="k", **options)
    return raw_key


def last_owner(member_id: str) -> dict:
    return {
        "error": "An organization needs at least one owner; make another member owner first.",
        "code": "last_owner",
        "details": {"role": "the last owner must stay owner", "id": member_id},
    }


OWNER_REQUIRED = {
    "error": "Only an owner may grant or take away the owner role.",
    "code": "owner_required",
    "details": {"role": "only an owner may grant or take away the owner role"},
}


def test_the_owner_is_the_first_member_listed(client, tenant):
    response = client.get(MEMBERS, headers=bearer(tenant.key))

    assert response.status_code == 200
    assert response.json() == {
        "data": [
            {
                "id": tenant.owner.id,
                "email": "ada@acme.example",
                "name": "Ada Lovelace",
                "username": "ada",
                "role": "owner",
                "timezone": "UTC",
                "createdAt": response.json()["data"][0]["createdAt"],
            }
        ],
        "pagination": {"page": 1, "limit": 20, "total": 1, "totalPages": 1},
    }


def test_a_new_member_is_a_member_in_the_organizations_time_zone(client, tenant):
    client.put("/api/v1/team", headers=bearer(tenant.key), json={"timezone": "Europe/Berlin"})

    response = add(client, tenant.key, email="Grace@ACME.example", name=" Grace Hopper ")

    assert response.status_code == 201
    member = response.json()
    assert member["id"].startswith("usr_")
    assert {k: v for k, v in member.items() if k not in ("id", "createdAt")} == {
        "email": "grace@acme.example",
        "name": "Grace Hopper",
        "username": "grace",
        "role": "member",
        "timezone": "Europe/Berlin",
    }
    assert client.get(f"{MEMBERS}/{member['id']}", headers=bearer(tenant.key)).json() == member
    team = client.get("/api/v1/team", headers=bearer(tenant.key)).json()
    assert [m["email"] for m in team["members"]] == ["ada@acme.example", "grace@acme.example"]


def test_usernames_stay_unique_across_organizations(client, tenant, other_tenant):
    first = add(client, tenant.key, email="ada@globex.example", role="admin").json()
    second = add(client, other_tenant.key, email="ada@elsewhere.example").json()

    assert (first["username"], second["username"]) == ("ada-2", "ada-3")
    assert first["role"] == "admin"


def test_an_address_already_in_the_team_is_refused_whatever_its_case(client, tenant):
    add(client, tenant.key)

    response = add(client, tenant.key, email="GRACE@acme.example", name="Another Grace")

    assert response.status_code == 409
    assert response.json() == {
        "error": "A member with the e-mail address grace@acme.example already exists.",
        "code": "member_exists",
        "details": {"email": "already a member"},
    }
    assert client.get(MEMBERS, headers=bearer(tenant.key)).json()["pagination"]["total"] == 2


def test_one_address_may_belong_to_members_of_two_organizations(client, tenant, other_tenant):
    assert add(client, tenant.key).status_code == 201
    assert add(client, other_tenant.key).status_code == 201


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"email": "not-an-address"}, "email", "must match the pattern"),
        ({"role": "superuser"}, "role", "must be one of: owner, admin, member"),
        ({"timezone": "Mars/Olympus_Mons"}, "timezone", "is not a known IANA time zone"),
        ({"name": "x" * 201}, "name", "must be at most 200 characters long"),
        ({"username": "grace"}, "username", "is not a known field"),
    ],
)
def test_an_invalid_member_is_refused_naming_the_field(client, tenant, body, field, message):
    response = add(client, tenant.key, **body)

    assert response.status_code == 400
    assert response.json()["code"] == "validation_failed"
    assert message in response.json()["details"][field]


def test_a_blank_name_is_refused(client, tenant):
    response = add(client, tenant.key, name=" \t ")

    assert response.status_code == 422
    assert response.json() == {
        "error": "name must contain a visible character.",
        "code": "blank_name",
        "details": {"name": "must contain a visible character"},
    }


def test_a_member_is_renamed_moved_and_promoted_to_admin(client, tenant):
    member = add(client, tenant.key).json()

    response = client.patch(
        f"{MEMBERS}/{member['id']}",
        headers=bearer(tenant.key),
        json={"name": "Grace B. Hopper", "timezone": "Europe/London", "role": "admin"},
    )

    assert response.status_code == 200
    changed = response.json()
    assert (changed["name"], changed["timezone"], changed["role"]) == (
        "Grace B. Hopper",
        "Europe/London",
        "admin",
    )
    assert changed["email"] == member["email"]
    assert client.get(f"{MEMBERS}/{member['id']}", headers=bearer(tenant.key)).json() == changed


def test_a_removed_member_is_gone_with_their_keys(client, tenant):
    member = add(client, tenant.key).json()
    their_key = key_of(member["id"])
    assert client.get("/api/v1/me", headers=bearer(their_key)).status_code == 200

    response = client.delete(f"{MEMBERS}/{member['id']}", headers=bearer(tenant.key))

    assert response.status_code == 204
    gone = client.get(f"{MEMBERS}/{member['id']}", headers=bearer(tenant.key))
    assert gone.status_code == 404
    assert client.get("/api/v1/me", headers=bearer(their_key)).status_code == 401


@pytest.mark.parametrize(
    ("method", "body"),
    [("get", None), ("patch", {"name": "Hank"}), ("delete", None)],
)
def test_another_organizations_member_is_not_found(client, tenant, other_tenant, method, body):
    response = client.request(
        method, f"{MEMBERS}/{other_tenant.owner.id}", headers=bearer(tenant.key), json=body
    )

    assert response.status_code == 404
    assert response.json() == {
        "error": f"No member with id '{other_tenant.owner.id}'.",
        "code": "not_found",
        "details": {"id": other_tenant.owner.id},
    }
    with db.connection_context():
        assert User.get_by_id(other_tenant.owner.id).name == "hank"


@pytest.mark.parametrize(
    ("method", "path", "body", "scope"),
    [
        ("get", MEMBERS, None, "team:read"),
        ("get", MEMBERS + "/{id}", None, "team:read"),
        ("post", MEMBERS, {"email": "x@acme.example", "name": "X"}, "team:write"),
        ("patch", MEMBERS + "/{id}", {"name": "X"}, "team:write"),
        ("delete", MEMBERS + "/{id}", None, "team:write"),
    ],
)
def test_each_operation_needs_its_scope(client, tenant, make_key, method, path, body, scope):
    other = "team:write" if scope == "team:read" else "team:read"
    key = make_key(scopes=[other, "bookings:read"])

    response = client.request(
        method, path.format(id=tenant.owner.id), headers=bearer(key), json=body
    )

    assert response.status_code == 403
    assert response.json()["details"] == {"requiredScope": scope}


def test_only_an_owner_may_grant_or_take_away_the_owner_role(client, tenant):
    admin = add(client, tenant.key, role="admin").json()
    admin_key = key_of(admin["id"])
    member = add(client, tenant.key, email="alan@acme.example", name="Alan").json()
    refused = [
        add(client, admin_key, email="new@acme.example", role="owner"),
        client.patch(f"{MEMBERS}/{admin['id']}", headers=bearer(admin_key), json={"role": "owner"}),
        client.patch(
            f"{MEMBERS}/{member['id']}", headers=bearer(admin_key), json={"role": "owner"}
        ),
        client.patch(
            f"{MEMBERS}/{tenant.owner.id}", headers=bearer(admin_key), json={"role": "admin"}
        ),
        client.delete(f"{MEMBERS}/{tenant.owner.id}", headers=bearer(admin_key)),
    ]

    assert [response.status_code for response in refused] == [403] * 5
    assert all(response.json() == OWNER_REQUIRED for response in refused)
    roles = {
        m["email"]: m["role"]
        for m in client.get(MEMBERS, headers=bearer(tenant.key)).json()["data"]
    }
    assert roles == {
        "ada@acme.example": "owner",
        "grace@acme.example": "admin",
        "alan@acme.example": "member",
    }
    # Everything short of the owner role is the admin's to give.
    promoted = client.patch(
        f"{MEMBERS}/{member['id']}", headers=bearer(admin_key), json={"role": "admin"}
    )
    assert promoted.json()["role"] == "admin"
    assert add(client, admin_key, email="new@acme.example").status_code == 201


def test_an_owner_may_hand_over_and_step_down(client, tenant):
    grace = add(client, tenant.key, role="owner").json()
    assert grace["role"] == "owner"

    stepped_down = client.patch(
        f"{MEMBERS}/{tenant.owner.id}", headers=bearer(tenant.key), json={"role": "member"}
    )

    assert stepped_down.status_code == 200
    assert stepped_down.json()["role"] == "member"
    # Ada is a member now: the owner role is no longer hers to give back.
    again = client.patch(
        f"{MEMBERS}/{tenant.owner.id}", headers=bearer(tenant.key), json={"role": "owner"}
    )
    assert again.status_code == 403
    restored = client.patch(
        f"{MEMBERS}/{tenant.owner.id}", headers=bearer(key_of(grace["id"])), json={"role": "owner"}
    )
    assert restored.json()["role"] == "owner"


def test_the_last_owner_can_neither_step_down_nor_be_removed(client, tenant):
    demoted = client.patch(
        f"{MEMBERS}/{tenant.owner.id}", headers=bearer(tenant.key), json={"role": "admin"}
    )
    removed = client.delete(f"{MEMBERS}/{tenant.owner.id}", headers=bearer(tenant.key))

    assert (demoted.status_code, removed.status_code) == (409, 409)
    assert demoted.json() == removed.json() == last_owner(tenant.owner.id)
    owner = client.get(f"{MEMBERS}/{tenant.owner.id}", headers=bearer(tenant.key)).json()
    assert owner["role"] == "owner"
    # Renaming the last owner is no change of role.
    renamed = client.patch(
        f"{MEMBERS}/{tenant.owner.id}",
        headers=bearer(tenant.key),
        json={"role": "owner", "name": "Ada"},
    )
    assert renamed.status_code == 200


def test_an_owner_with_another_owner_beside_them_can_be_removed(client, tenant):
    grace = add(client, tenant.key, role="owner").json()

    response = client.delete(f"{MEMBERS}/{grace['id']}", headers=bearer(tenant.key))

    assert response.status_code == 204


def in_use(uses: dict, member_id: str) -> dict:
    return {
        "error": f"Member {member_id} still owns or hosts {uses['eventTypes']} event type(s), "
        f"owns {uses['schedules']} schedule(s) and attends {uses['bookings']} booking(s), "
        f"{uses['upcomingBookings']} of them upcoming; deleting the member would delete "
        "those too. Move or delete the event types and schedules first; members who have "
        "attended bookings stay.",
        "code": "member_in_use",
        "details": uses,
    }


def test_a_member_who_hosts_owns_or_attends_anything_stays(client, tenant):
    grace = add(client, tenant.key).json()
    remove = f"{MEMBERS}/{grace['id']}"
    event_type = client.post(
        "/api/v1/event-types",
        headers=bearer(tenant.key),
        json={"title": "Support", "durationMinutes": 30, "hostIds": [grace["id"]]},
    ).json()

    hosting = client.delete(remove, headers=bearer(tenant.key))

    assert hosting.status_code == 409
    assert hosting.json() == in_use(
        {"eventTypes": 1, "schedules": 0, "upcomingBookings": 0, "bookings": 0}, grace["id"]
    )

    with db.connection_context():
        Schedule.create(
            organization=tenant.organization,
            owner=grace["id"],
            name="Grace's hours",
            timezone="UTC",
            rules=[
                {
                    "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
                    "start": "00:00",
                    "end": "24:00",
                }
            ],
        )
    start = datetime.combine(datetime.now(UTC).date() + timedelta(days=2), time(10), UTC)
    booked = client.post(
        "/api/v1/bookings",
        headers=bearer(tenant.key),
        json={
            "eventTypeId": event_type["id"],
            "inviteeName": "Alan Turing",
            "inviteeEmail": "alan@example.com",
            "inviteeTimezone": "UTC",
            "startTime": start.isoformat(),
        },
    )
    assert booked.status_code == 201
    assert booked.json()["hostIds"] == [grace["id"]]

    busy = client.delete(remove, headers=bearer(tenant.key))

    assert busy.json() == in_use(
        {"eventTypes": 1, "schedules": 1, "upcomingBookings": 1, "bookings": 1}, grace["id"]
    )

    # Handing the event type back and cancelling the booking still leaves the booking's
    # history, which must keep its host.
    client.patch(
        f"/api/v1/event-types/{event_type['id']}",
        headers=bearer(tenant.key),
        json={"hostIds": [tenant.owner.id]},
    )
    client.post(f"/api/v1/bookings/{booked.json()['id']}/cancel", headers=bearer(tenant.key))
    with db.connection_context():
        Schedule.delete().where(Schedule.owner == grace["id"]).execute()

    history = client.delete(remove, headers=bearer(tenant.key))

    assert history.json() == in_use(
        {"eventTypes": 0, "schedules": 0, "upcomingBookings": 0, "bookings": 1}, grace["id"]
    )
    assert client.get(remove, headers=bearer(tenant.key)).status_code == 200


def test_a_retried_creation_with_its_idempotency_key_adds_one_member(client, tenant):
    headers = {**bearer(tenant.key), "Idempotency-Key": "add-grace"}
    body = {"email": "grace@acme.example", "name": "Grace Hopper"}

    first = client.post(MEMBERS, headers=headers, json=body)
    second = client.post(MEMBERS, headers=headers, json=body)

    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json() == second.json()
    assert client.get(MEMBERS, headers=bearer(tenant.key)).json()["pagination"]["total"] == 2
