"""The organization and its members."""

from conftest import bearer


def test_the_team_shows_the_organization_and_its_members(client, tenant):
    response = client.get("/api/v1/team", headers=bearer(tenant.key))

    assert response.status_code == 200
    team = response.json()
    assert (team["id"], team["name"], team["slug"], team["plan"]) == (
        tenant.organization.id,
        "Acme",
        "acme",
        "pro",
    )
    assert [(m["email"], m["role"]) for m in team["members"]] == [("ada@acme.example", "owner")]


def test_renaming_and_moving_the_organization(client, tenant):
    response = client.put(
        "/api/v1/team",
        headers=bearer(tenant.key),
        json={"name": "  Acme GmbH ", "timezone": "Europe/Berlin"},
    )

    assert response.status_code == 200
    assert (response.json()["name"], response.json()["timezone"]) == ("Acme GmbH", "Europe/Berlin")
    again = client.get("/api/v1/team", headers=bearer(tenant.key)).json()
    assert (again["name"], again["timezone"]) == ("Acme GmbH", "Europe/Berlin")


def test_fields_left_out_stay_as_they_are(client, tenant):
    client.put("/api/v1/team", headers=bearer(tenant.key), json={"timezone": "Asia/Tokyo"})

    team = client.get("/api/v1/team", headers=bearer(tenant.key)).json()

    assert (team["name"], team["timezone"]) == ("Acme", "Asia/Tokyo")


def test_an_unknown_time_zone_is_refused_naming_the_field(client, tenant):
    response = client.put(
        "/api/v1/team", headers=bearer(tenant.key), json={"timezone": "Mars/Olympus_Mons"}
    )

    assert response.status_code == 400
    assert response.json() == {
        "error": "Invalid request body: timezone: is not a known IANA time zone",
        "code": "validation_failed",
        "details": {"timezone": "is not a known IANA time zone"},
    }


def test_each_organization_sees_only_itself(client, tenant, other_tenant):
    ours = client.get("/api/v1/team", headers=bearer(tenant.key)).json()
    theirs = client.get("/api/v1/team", headers=bearer(other_tenant.key)).json()

    assert ours["id"] != theirs["id"]
    assert [m["email"] for m in theirs["members"]] == ["hank@globex.example"]


def test_reading_needs_team_read_and_writing_team_write(client, make_key):
    reader = make_key(scopes=["team:read"])

    assert client.get("/api/v1/team", headers=bearer(reader)).status_code == 200
    response = client.put("/api/v1/team", headers=bearer(reader), json={"name": "Nope"})
    assert response.status_code == 403
    assert response.json()["details"] == {"requiredScope": "team:write"}


def test_a_blank_name_is_refused_and_nothing_changes(client, tenant):
    response = client.put(
        "/api/v1/team", headers=bearer(tenant.key), json={"name": "\x1c ", "timezone": "Asia/Tokyo"}
    )

    assert response.status_code == 422
    assert response.json()["code"] == "blank_name"
    team = client.get("/api/v1/team", headers=bearer(tenant.key)).json()
    assert (team["name"], team["timezone"]) == ("Acme", "UTC")
