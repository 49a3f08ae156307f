"""Taxes and the prices of event types: exact rates, scopes, tenants, and taxes in use."""

import pytest

from billing_support import create_tax, rule_error
from conftest import bearer
from models import EventType, Tax, db


def fetch(client, key, tax_id):
    return client.get(f"/api/v1/taxes/{tax_id}", headers=bearer(key))


def patch_event_type(client, key, event_type_id, **body):
    return client.patch(f"/api/v1/event-types/{event_type_id}", headers=bearer(key), json=body)


def create_event_type(client, key, **body):
    body = {"title": "Intro call", "durationMinutes": 30, **body}
    return client.post("/api/v1/event-types", headers=bearer(key), json=body)


def test_a_new_tax_is_returned_and_stored_as_given(client, tenant):
    response = create_tax(client, tenant.key, name="  VAT ", ratePercent=19, inclusive=True)

    assert response.status_code == 201
    created = response.json()
    assert created["id"].startswith("tax_")
    assert created["createdAt"] == created["updatedAt"]
    assert {k: v for k, v in created.items() if k not in ("id", "createdAt", "updatedAt")} == {
        "name": "VAT",
        "ratePercent": 19,
        "inclusive": True,
    }
    assert fetch(client, tenant.key, created["id"]).json() == created


def test_a_tax_is_exclusive_unless_said_otherwise(client, tenant):
    assert create_tax(client, tenant.key, inclusive=None).status_code == 400
    body = {"name": "Sales tax", "ratePercent": 8.875}
    created = client.post("/api/v1/taxes", headers=bearer(tenant.key), json=body).json()

    assert created["inclusive"] is False


@pytest.mark.parametrize(
    ("given", "shown", "stored"),
    [
        (7.7, 7.7, 77_000),
        (8.875, 8.875, 88_750),
        (0, 0, 0),
        (100, 100, 1_000_000),
        (99.9999, 99.9999, 999_999),
        (0.0001, 0.0001, 1),
        (20.0, 20, 200_000),
    ],
)
def test_rates_with_up_to_four_decimal_places_are_kept_exactly(
    client, tenant, given, shown, stored
):
    created = create_tax(client, tenant.key, ratePercent=given).json()

    assert created["ratePercent"] == shown
    with db.connection_context():
        assert Tax.get_by_id(created["id"]).rate_ppm == stored


@pytest.mark.parametrize("rate", [7.12345, 0.00001, 33.33333333])
def test_a_rate_with_more_than_four_decimal_places_is_refused(client, tenant, rate):
    response = create_tax(client, tenant.key, ratePercent=rate)

    assert response.status_code == 422
    assert response.json() == rule_error(
        "ratePercent may have at most four decimal places.",
        "invalid_rate",
        {"ratePercent": "at most four decimal places"},
    )


@pytest.mark.parametrize("rate", [-0.5, 100.0001, 250, "19"])
def test_a_rate_outside_0_to_100_or_not_a_number_does_not_match_the_spec(client, tenant, rate):
    response = create_tax(client, tenant.key, ratePercent=rate)

    assert response.status_code == 400
    assert response.json()["code"] == "validation_failed"
    assert "ratePercent" in response.json()["details"]


def test_a_blank_name_is_refused(client, tenant):
    response = create_tax(client, tenant.key, name=" ")

    assert response.status_code == 422
    assert response.json()["code"] == "blank_name"


def test_taxes_are_listed_oldest_first_in_the_envelope(client, tenant, other_tenant):
    names = ["VAT", "Reduced VAT", "Sales tax"]
    for name in names:
        create_tax(client, tenant.key, name=name)
    create_tax(client, other_tenant.key, name="Theirs")

    first = client.get("/api/v1/taxes?limit=2", headers=bearer(tenant.key)).json()
    second = client.get("/api/v1/taxes?limit=2&page=2", headers=bearer(tenant.key)).json()

    assert [tax["name"] for tax in first["data"] + second["data"]] == names
    assert first["pagination"] == {"page": 1, "limit": 2, "total": 3, "totalPages": 2}


def test_a_patch_changes_only_the_given_fields(client, tenant):
    created = create_tax(client, tenant.key).json()

    response = client.patch(
        f"/api/v1/taxes/{created['id']}", headers=bearer(tenant.key), json={"ratePercent": 7.7}
    )

    assert response.status_code == 200
    updated = response.json()
    assert updated["updatedAt"] > created["updatedAt"]
    assert updated == {**created, "ratePercent": 7.7, "updatedAt": updated["updatedAt"]}


def test_a_patch_is_checked_like_a_creation(client, tenant):
    tax_id = create_tax(client, tenant.key).json()["id"]

    response = client.patch(
        f"/api/v1/taxes/{tax_id}", headers=bearer(tenant.key), json={"ratePercent": 1.23456}
    )

    assert response.status_code == 422
    assert response.json()["code"] == "invalid_rate"
    assert fetch(client, tenant.key, tax_id).json()["ratePercent"] == 19


def test_a_deleted_tax_is_gone(client, tenant):
    tax_id = create_tax(client, tenant.key).json()["id"]

    response = client.delete(f"/api/v1/taxes/{tax_id}", headers=bearer(tenant.key))

    assert response.status_code == 204
    assert fetch(client, tenant.key, tax_id).status_code == 404


def test_a_tax_that_a_live_event_type_charges_cannot_be_deleted(client, tenant):
    tax_id = create_tax(client, tenant.key).json()["id"]
    price = {"amount": 5000, "currency": "EUR"}
    first = create_event_type(client, tenant.key, slug="a", price=price, taxId=tax_id).json()
    second = create_event_type(client, tenant.key, slug="b", price=price, taxId=tax_id).json()
    ids = sorted([first["id"], second["id"]])

    response = client.delete(f"/api/v1/taxes/{tax_id}", headers=bearer(tenant.key))

    assert response.status_code == 409
    assert response.json() == {
        "error": f"Event types still charge this tax: {', '.join(ids)}. Change their taxId first.",
        "code": "tax_in_use",
        "details": {"eventTypeIds": ids},
    }
    assert fetch(client, tenant.key, tax_id).status_code == 200


def test_a_tax_only_deleted_event_types_charged_is_deleted_and_they_lose_it(client, tenant):
    tax_id = create_tax(client, tenant.key).json()["id"]
    price = {"amount": 5000, "currency": "EUR"}
    event_type = create_event_type(client, tenant.key, price=price, taxId=tax_id).json()
    client.delete(f"/api/v1/event-types/{event_type['id']}", headers=bearer(tenant.key))

    response = client.delete(f"/api/v1/taxes/{tax_id}", headers=bearer(tenant.key))

    assert response.status_code == 204
    restored = client.post(
        f"/api/v1/event-types/{event_type['id']}/restore", headers=bearer(tenant.key)
    ).json()
    assert (restored["price"], restored["taxId"]) == (price, None)


def test_another_organizations_taxes_are_not_found(client, tenant, other_tenant):
    theirs = create_tax(client, other_tenant.key).json()

    for method, body in [("GET", None), ("PATCH", {"name": "Mine"}), ("DELETE", None)]:
        response = client.request(
            method, f"/api/v1/taxes/{theirs['id']}", headers=bearer(tenant.key), json=body
        )

        assert response.status_code == 404, method
        assert response.json() == {
            "error": f"No tax with id '{theirs['id']}'.",
            "code": "not_found",
            "details": {"id": theirs["id"]},
        }
    assert fetch(client, other_tenant.key, theirs["id"]).json() == theirs


READS = [("GET", "/api/v1/taxes", None), ("GET", "/api/v1/taxes/{id}", None)]
WRITES = [
    ("POST", "/api/v1/taxes", {"name": "VAT", "ratePercent": 19}),
    ("PATCH", "/api/v1/taxes/{id}", {"name": "VAT"}),
    ("DELETE", "/api/v1/taxes/{id}", None),
]


def test_taxes_need_the_billing_scopes(client, tenant, make_key):
    tax_id = create_tax(client, tenant.key).json()["id"]
    cases = [
        (make_key(scopes=["billing:read"]), WRITES, "billing:write"),
        (make_key(scopes=["billing:write", "event-types:read"]), READS, "billing:read"),
    ]

    for key, operations, missing in cases:
        for method, path, body in operations:
            response = client.request(
                method, path.format(id=tax_id), headers=bearer(key), json=body
            )

            assert response.status_code == 403, (method, path)
            assert response.json() == {
                "error": f"This API key lacks the '{missing}' scope needed for this operation.",
                "code": "insufficient_scope",
                "details": {"requiredScope": missing},
            }
    reader = make_key(scopes=["billing:read"])
    assert fetch(client, reader, tax_id).json()["name"] == "VAT"


# Prices of event types


def test_an_event_type_keeps_its_price_and_tax(client, tenant):
    tax_id = create_tax(client, tenant.key).json()["id"]
    price = {"amount": 5000, "currency": "EUR"}

    created = create_event_type(client, tenant.key, price=price, taxId=tax_id)

    assert created.status_code == 201
    assert (created.json()["price"], created.json()["taxId"]) == (price, tax_id)
    fetched = client.get(f"/api/v1/event-types/{created.json()['id']}", headers=bearer(tenant.key))
    assert fetched.json() == created.json()


def test_a_price_is_changed_and_removed_with_null(client, tenant):
    tax_id = create_tax(client, tenant.key).json()["id"]
    created = create_event_type(client, tenant.key).json()
    event_type_id = created["id"]

    priced = patch_event_type(
        client, tenant.key, event_type_id, price={"amount": 0, "currency": "JPY"}, taxId=tax_id
    ).json()
    untaxed = patch_event_type(client, tenant.key, event_type_id, taxId=None).json()
    free = patch_event_type(client, tenant.key, event_type_id, price=None).json()

    assert (created["price"], created["taxId"]) == (None, None)
    assert (priced["price"], priced["taxId"]) == ({"amount": 0, "currency": "JPY"}, tax_id)
    assert (untaxed["price"], untaxed["taxId"]) == ({"amount": 0, "currency": "JPY"}, None)
    assert (free["price"], free["taxId"]) == (None, None)
    with db.connection_context():
        row = EventType.get_by_id(event_type_id)
    assert (row.price_amount, row.price_currency, row.tax_id) == (None, None, None)


def test_a_currency_must_be_in_circulation(client, tenant):
    response = create_event_type(client, tenant.key, price={"amount": 100, "currency": "XYZ"})

    assert response.status_code == 422
    assert response.json() == rule_error(
        "price.currency: 'XYZ' is not an ISO 4217 currency code in circulation.",
        "unknown_currency",
        {"price.currency": "unknown ISO 4217 currency"},
    )


@pytest.mark.parametrize(
    "price",
    [
        {"amount": -1, "currency": "EUR"},
        {"amount": 10_000_000_000, "currency": "EUR"},
        {"amount": 5.5, "currency": "EUR"},
        {"amount": 100, "currency": "eur"},
        {"amount": 100},
        {"amount": 100, "currency": "EUR", "tax": 19},
    ],
)
def test_a_price_must_be_whole_minor_units_in_a_three_letter_currency(client, tenant, price):
    response = create_event_type(client, tenant.key, price=price)

    assert response.status_code == 400
    assert response.json()["code"] == "validation_failed"


def test_another_organizations_tax_is_refused_like_an_unknown_schedule(
    client, tenant, other_tenant
):
    theirs = create_tax(client, other_tenant.key).json()["id"]
    mine = create_event_type(client, tenant.key).json()["id"]
    their_schedule = client.get("/api/v1/schedules", headers=bearer(other_tenant.key)).json()[
        "data"
    ][0]["id"]

    refusals = [
        create_event_type(client, tenant.key, taxId=theirs),
        patch_event_type(client, tenant.key, mine, taxId=theirs),
    ]
    schedule_refusal = patch_event_type(client, tenant.key, mine, scheduleId=their_schedule)

    assert schedule_refusal.status_code == 422
    for response in refusals:
        assert response.status_code == 422
        assert response.json() == rule_error(
            f"No tax with id '{theirs}' in this organization.",
            "unknown_tax",
            {"taxId": "no such tax"},
        )
    with db.connection_context():
        assert EventType.get_by_id(mine).tax_id is None
        assert EventType.select().where(EventType.deleted_at.is_null()).count() == 1
