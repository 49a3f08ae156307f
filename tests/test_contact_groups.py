"""Contact groups: member counts, bulk adds with their report, removal and deletion."""

import pytest

from conftest import bearer
from models import Contact, ContactGroupMember, DomainEvent, db
from services import contact_groups
from services.auth import Principal

GROUPS = "/api/v1/contact-groups"


def create_group(client, key, **body):
    return client.post(GROUPS, headers=bearer(key), json={"name": "Newsletter", **body})


def create_contact(client, key, name: str, email: str) -> dict:
    response = client.post(
        "/api/v1/contacts", headers=bearer(key), json={"name": name, "email": email}
    )
    assert response.status_code == 201
    return response.json()


def add(client, key, group_id: str, emails: list[str], **options):
    return client.post(
        f"{GROUPS}/{group_id}/members", headers=bearer(key), json={"emails": emails, **options}
    )


def group_of(client, key, group_id: str) -> dict:
    return client.get(f"{GROUPS}/{group_id}", headers=bearer(key)).json()


def member_names(client, key, group_id: str) -> list[str]:
    body = client.get(f"{GROUPS}/{group_id}/members", headers=bearer(key)).json()
    return [contact["name"] for contact in body["data"]]


def report(**lists) -> dict:
    empty = {"added": [], "created": [], "alreadyMembers": [], "notFound": [], "invalid": []}
    return {**empty, **lists}


@pytest.fixture
def group(client, tenant) -> dict:
    return create_group(client, tenant.key, description="People who asked for news.").json()


def test_a_new_group_is_empty_and_reads_back_the_same(client, tenant):
    response = create_group(client, tenant.key, name="  Newsletter ", description="News.")

    assert response.status_code == 201
    created = response.json()
    assert created["id"].startswith("grp_")
    assert created["createdAt"] == created["updatedAt"]
    assert {k: v for k, v in created.items() if k not in ("id", "createdAt", "updatedAt")} == {
        "name": "Newsletter",
        "description": "News.",
        "memberCount": 0,
    }
    assert group_of(client, tenant.key, created["id"]) == created


def test_groups_are_listed_by_name_with_counts_of_their_live_members(client, tenant):
    ada = create_contact(client, tenant.key, "Ada", "ada@x.example")
    create_contact(client, tenant.key, "Bob", "bob@x.example")
    ids = {}
    for name in ("vip", "Beta", "alpha", "Beta"):
        ids[name] = create_group(client, tenant.key, name=name).json()["id"]
    add(client, tenant.key, ids["vip"], ["ada@x.example", "bob@x.example"])
    add(client, tenant.key, ids["alpha"], ["ada@x.example"])
    client.delete(f"/api/v1/contacts/{ada['id']}", headers=bearer(tenant.key))

    body = client.get(f"{GROUPS}?limit=3", headers=bearer(tenant.key)).json()

    assert [(g["name"], g["memberCount"]) for g in body["data"]] == [
        ("alpha", 0),
        ("Beta", 0),
        ("Beta", 0),
    ]
    assert body["pagination"] == {"page": 1, "limit": 3, "total": 4, "totalPages": 2}
    last = client.get(f"{GROUPS}?limit=3&page=2", headers=bearer(tenant.key)).json()["data"]
    assert [(g["name"], g["memberCount"]) for g in last] == [("vip", 1)]
    assert group_of(client, tenant.key, ids["vip"])["memberCount"] == 1


def test_listing_groups_takes_the_same_queries_however_many_groups(client, tenant):
    principal = Principal(
        key_id="key_test",
        user_id=tenant.owner.id,
        organization_id=tenant.organization.id,
        scopes=None,
        mode="live",
    )
    create_contact(client, tenant.key, "Ada", "ada@x.example")

    def queries_to_list() -> tuple[int, list[int]]:
        statements = []
        with db.connection_context():
            execute = db.obj.execute_sql

            def counting(sql, params=None, *args, **kwargs):
                statements.append(sql)
                return execute(sql, params, *args, **kwargs)

            db.obj.execute_sql = counting
            try:
                page = contact_groups.list_groups(principal, page=1, limit=20)
            finally:
                del db.obj.execute_sql
        return len(statements), [group.member_count for group in page.items]

    group_id = create_group(client, tenant.key, name="A-team").json()["id"]
    add(client, tenant.key, group_id, ["ada@x.example"])
    one = queries_to_list()
    for _ in range(3):
        create_group(client, tenant.key)

    assert queries_to_list() == (one[0], [1, 0, 0, 0])


def test_a_patch_changes_only_what_it_names(client, tenant, group):
    renamed = client.patch(
        f"{GROUPS}/{group['id']}", headers=bearer(tenant.key), json={"name": " Monthly "}
    )
    described = client.patch(
        f"{GROUPS}/{group['id']}", headers=bearer(tenant.key), json={"description": ""}
    )

    assert renamed.status_code == 200
    assert renamed.json() == {**group, "name": "Monthly", "updatedAt": renamed.json()["updatedAt"]}
    assert described.json() == {
        **group,
        "name": "Monthly",
        "description": "",
        "updatedAt": described.json()["updatedAt"],
    }
    assert group_of(client, tenant.key, group["id"]) == described.json()


def test_a_blank_group_name_is_refused(client, tenant, group):
    responses = [
        create_group(client, tenant.key, name="   "),
        client.patch(f"{GROUPS}/{group['id']}", headers=bearer(tenant.key), json={"name": " "}),
    ]

    for response in responses:
        assert response.status_code == 422
        assert response.json() == {
            "error": "name must contain a visible character.",
            "code": "blank_name",
            "details": {"name": "must contain a visible character"},
        }
    assert group_of(client, tenant.key, group["id"])["name"] == "Newsletter"


def test_a_bulk_add_reports_what_became_of_every_address(client, tenant, other_tenant, group):
    create_contact(client, tenant.key, "Grace", "grace@navy.example")
    create_contact(client, tenant.key, "Ada", "ada@engine.example")
    ghost = create_contact(client, tenant.key, "Ghost", "ghost@x.example")
    client.delete(f"/api/v1/contacts/{ghost['id']}", headers=bearer(tenant.key))
    create_contact(client, other_tenant.key, "Hank", "hank@globex.example")
    add(client, tenant.key, group["id"], ["grace@navy.example"])

    response = add(
        client,
        tenant.key,
        group["id"],
        [
            "not-an-address",
            " ADA@engine.example ",
            "grace@navy.example",
            "ada@ENGINE.example",
            "nobody@x.example",
            "ghost@x.example",
            "hank@globex.example",
            "two@@x.example",
            "spaced out@x.example",
        ],
    )

    assert response.status_code == 200
    assert response.json() == report(
        added=["ada@engine.example"],
        alreadyMembers=["grace@navy.example"],
        notFound=["nobody@x.example", "ghost@x.example", "hank@globex.example"],
        invalid=["not-an-address", "two@@x.example", "spaced out@x.example"],
    )
    assert member_names(client, tenant.key, group["id"]) == ["Ada", "Grace"]
    assert group_of(client, tenant.key, group["id"])["memberCount"] == 2
    with db.connection_context():
        assert Contact.select().count() == 4


def test_create_missing_makes_contacts_of_unknown_addresses_and_fires_their_events(
    client, tenant, group
):
    create_contact(client, tenant.key, "Grace", "grace@navy.example")

    response = add(
        client,
        tenant.key,
        group["id"],
        ["Ada@Engine.example", "grace@navy.example", "x", "bob@x.example"],
        createMissing=True,
    )
    again = add(client, tenant.key, group["id"], ["ada@engine.example"], createMissing=True)

    assert response.json() == report(
        added=["ada@engine.example", "grace@navy.example", "bob@x.example"],
        created=["ada@engine.example", "bob@x.example"],
        invalid=["x"],
    )
    assert again.json() == report(alreadyMembers=["ada@engine.example"])
    members = client.get(f"{GROUPS}/{group['id']}/members", headers=bearer(tenant.key)).json()
    assert [(c["name"], c["email"]) for c in members["data"]] == [
        ("ada", "ada@engine.example"),
        ("bob", "bob@x.example"),
        ("Grace", "grace@navy.example"),
    ]
    with db.connection_context():
        created = [
            (event.type, event.data)
            for event in DomainEvent.select().order_by(DomainEvent.created_at)
        ][1:]
    assert created == [
        ("contact.created", members["data"][0]),
        ("contact.created", members["data"][1]),
    ]


def test_members_are_listed_by_name_without_deleted_contacts(client, tenant, group):
    emails = [f"{name.lower()}@x.example" for name in ("zoe", "Ann", "max")]
    for email in emails:
        create_contact(client, tenant.key, email.split("@")[0].title(), email)
    add(client, tenant.key, group["id"], emails)
    max_id = next(
        c["id"]
        for c in client.get("/api/v1/contacts", headers=bearer(tenant.key)).json()["data"]
        if c["name"] == "Max"
    )
    client.delete(f"/api/v1/contacts/{max_id}", headers=bearer(tenant.key))

    body = client.get(f"{GROUPS}/{group['id']}/members?limit=1", headers=bearer(tenant.key)).json()

    assert [c["name"] for c in body["data"]] == ["Ann"]
    assert body["pagination"] == {"page": 1, "limit": 1, "total": 2, "totalPages": 2}
    client.post(f"/api/v1/contacts/{max_id}/restore", headers=bearer(tenant.key))
    assert member_names(client, tenant.key, group["id"]) == ["Ann", "Max", "Zoe"]


def test_only_a_member_can_be_removed_and_the_contact_stays(client, tenant, other_tenant, group):
    ada = create_contact(client, tenant.key, "Ada", "ada@x.example")
    hank = create_contact(client, other_tenant.key, "Hank", "hank@globex.example")
    add(client, tenant.key, group["id"], ["ada@x.example"])
    members = f"{GROUPS}/{group['id']}/members"

    removed = client.delete(f"{members}/{ada['id']}", headers=bearer(tenant.key))
    refused = [
        (contact_id, client.delete(f"{members}/{contact_id}", headers=bearer(tenant.key)))
        for contact_id in (ada["id"], hank["id"], "con_missing")
    ]

    assert removed.status_code == 204
    assert member_names(client, tenant.key, group["id"]) == []
    for contact_id, response in refused:
        assert response.status_code == 404
        assert response.json() == {
            "error": f"Contact '{contact_id}' is not a member of group '{group['id']}'.",
            "code": "not_found",
            "details": {"contactId": contact_id},
        }
    assert (
        client.get(f"/api/v1/contacts/{ada['id']}", headers=bearer(tenant.key)).json()["deletedAt"]
        is None
    )


def test_deleting_a_group_keeps_its_contacts(client, tenant, group):
    add(client, tenant.key, group["id"], ["ada@x.example"], createMissing=True)
    other = create_group(client, tenant.key, name="Other").json()
    add(client, tenant.key, other["id"], ["ada@x.example"])

    response = client.delete(f"{GROUPS}/{group['id']}", headers=bearer(tenant.key))

    assert response.status_code == 204
    assert client.get(f"{GROUPS}/{group['id']}", headers=bearer(tenant.key)).status_code == 404
    listed = client.get("/api/v1/contacts", headers=bearer(tenant.key)).json()["data"]
    assert [c["email"] for c in listed] == ["ada@x.example"]
    assert member_names(client, tenant.key, other["id"]) == ["ada"]
    with db.connection_context():
        assert ContactGroupMember.select().count() == 1


OPERATIONS_ON_ONE = [
    ("GET", "", None),
    ("PATCH", "", {"name": "Mine now"}),
    ("DELETE", "", None),
    ("GET", "/members", None),
    ("POST", "/members", {"emails": ["hank@globex.example"], "createMissing": True}),
    ("DELETE", "/members/{contact}", None),
]


def test_another_organizations_group_is_not_found_like_an_unknown_one(client, tenant, other_tenant):
    theirs = create_group(client, other_tenant.key).json()
    add(client, other_tenant.key, theirs["id"], ["hank@globex.example"], createMissing=True)
    hank = client.get("/api/v1/contacts", headers=bearer(other_tenant.key)).json()["data"][0]

    # One test looping over the operations, not one per operation: each app costs 0.2 s.
    for method, suffix, body in OPERATIONS_ON_ONE:
        for group_id in (theirs["id"], "grp_missing"):
            response = client.request(
                method,
                f"{GROUPS}/{group_id}{suffix.format(contact=hank['id'])}",
                headers=bearer(tenant.key),
                json=body,
            )

            assert response.status_code == 404, (method, suffix)
            assert response.json() == {
                "error": f"No contact group with id '{group_id}'.",
                "code": "not_found",
                "details": {"id": group_id},
            }
    assert group_of(client, other_tenant.key, theirs["id"]) == {**theirs, "memberCount": 1}
    with db.connection_context():
        assert Contact.select().count() == 1


READS = [
    ("GET", GROUPS, None),
    ("GET", GROUPS + "/{id}", None),
    ("GET", GROUPS + "/{id}/members", None),
]
WRITES = [
    ("POST", GROUPS, {"name": "Read only"}),
    ("PATCH", GROUPS + "/{id}", {"name": "Read only"}),
    ("DELETE", GROUPS + "/{id}", None),
    ("POST", GROUPS + "/{id}/members", {"emails": ["a@x.example"], "createMissing": True}),
    ("DELETE", GROUPS + "/{id}/members/con_missing", None),
]


def test_groups_need_their_scopes(client, tenant, make_key, group):
    cases = [
        (make_key(scopes=["contacts:read"]), WRITES, "contacts:write"),
        (make_key(scopes=["contacts:write"]), READS, "contacts:read"),
    ]

    for key, operations, missing in cases:
        for method, path, body in operations:
            response = client.request(
                method, path.format(id=group["id"]), headers=bearer(key), json=body
            )

            assert response.status_code == 403, (method, path)
            assert response.json() == {
                "error": f"This API key lacks the '{missing}' scope needed for this operation.",
                "code": "insufficient_scope",
                "details": {"requiredScope": missing},
            }
    assert group_of(client, tenant.key, group["id"]) == group
    with db.connection_context():
        assert Contact.select().count() == 0
