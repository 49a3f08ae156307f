"""GET /api/v1/me identifies the calling key."""

from conftest import bearer


def test_me_describes_the_key_its_user_and_organization(client, tenant):
    response = client.get("/api/v1/me", headers=bearer(tenant.key))

    assert response.status_code == 200
    body = response.json()
    assert body["email"] == "ada@acme.example"
    assert body["name"] == "Ada Lovelace"
    assert body["role"] == "owner"
    assert body["plan"] == "pro"
    assert body["effectivePlan"] == "pro"
    assert body["organization"] == {
        "id": tenant.organization.id,
        "name": "Acme",
        "slug": "acme",
    }
    assert body["apiKey"]["name"] == "Bootstrap key"
    assert body["apiKey"]["scopes"] is None


def test_test_mode_keys_get_the_free_plans_limits(client, make_key):
    response = client.get("/api/v1/me", headers=bearer(make_key(mode="test")))

    assert response.json()["plan"] == "pro"
    assert response.json()["effectivePlan"] == "free"
    assert response.json()["apiKey"]["mode"] == "test"
