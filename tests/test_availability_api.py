"""GET /api/v1/availability/{slug} and its explain companion."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from conftest import bearer
from models import Schedule, db


@pytest.fixture
def berlin_event_type(tenant, make_event_type):
    with db.connection_context():
        schedule = Schedule.create(
            organization=tenant.organization,
            owner=tenant.owner,
            name="Berlin",
            timezone="Europe/Berlin",
            rules=[{"days": ["mon", "tue", "wed", "thu", "fri"], "start": "09:00", "end": "12:00"}],
            overrides=[{"date": "2027-01-05", "intervals": []}],
        )
    return make_event_type(schedule=schedule, booking_window_days=730)


def availability(client, tenant, query: str, slug: str = "intro"):
    return client.get(f"/api/v1/availability/{slug}?{query}", headers=bearer(tenant.key))


def test_slots_are_written_with_the_requested_zones_offset(client, tenant, berlin_event_type):
    response = availability(
        client, tenant, "timezone=America/New_York&startDate=2027-01-04&endDate=2027-01-04"
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["eventTypeId"], body["timezone"]) == (berlin_event_type.id, "America/New_York")
    assert (body["startDate"], body["endDate"]) == ("2027-01-04", "2027-01-04")
    # 09:00-12:00 in Berlin is 03:00-06:00 in New York in January.
    assert [slot["start"] for slot in body["slots"]] == [
        f"2027-01-04T{hour:02d}:{minute:02d}:00-05:00" for hour in (3, 4, 5) for minute in (0, 30)
    ]
    assert body["slots"][0] == {
        "start": "2027-01-04T03:00:00-05:00",
        "end": "2027-01-04T03:30:00-05:00",
        "seatsAvailable": 1,
    }


def test_the_same_instants_whatever_zone_is_asked(client, tenant, berlin_event_type):
    def instants(zone):
        body = availability(
            client, tenant, f"timezone={zone}&startDate=2027-01-03&endDate=2027-01-08"
        ).json()
        return [datetime.fromisoformat(slot["start"]) for slot in body["slots"]]

    tokyo, honolulu = instants("Asia/Tokyo"), instants("Pacific/Honolulu")

    # The windows are local days, so they differ at the edges; every shared day agrees.
    shared = set(tokyo) & set(honolulu)
    assert len(shared) >= 12
    assert all(
        moment.astimezone(ZoneInfo("Europe/Berlin")).hour in (9, 10, 11)
        for moment in tokyo + honolulu
    )


def test_a_day_off_override_has_no_slots(client, tenant, berlin_event_type):
    body = availability(
        client, tenant, "timezone=Europe/Berlin&startDate=2027-01-05&endDate=2027-01-05"
    ).json()

    assert body["slots"] == []


def test_the_range_defaults_to_a_week_from_today_in_the_zone(client, tenant, berlin_event_type):
    body = availability(client, tenant, "timezone=Pacific/Kiritimati").json()

    today = datetime.now(ZoneInfo("Pacific/Kiritimati")).date()
    assert (body["startDate"], body["endDate"]) == (str(today), str(today + timedelta(days=6)))


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("timezone=Mars/Olympus", "timezone"),
        ("startDate=2027-01-01", "timezone"),
        ("timezone=UTC&startDate=2027-01-10&endDate=2027-01-09", "endDate"),
        ("timezone=UTC&startDate=2027-01-01&endDate=2027-03-04", "endDate"),
        ("timezone=UTC&startDate=2027-02-30", "startDate"),
    ],
)
def test_bad_ranges_and_zones_are_400_naming_the_field(
    client, tenant, berlin_event_type, query, field
):
    response = availability(client, tenant, query)

    assert response.status_code == 400
    assert list(response.json()["details"]) == [field]


def test_sixty_two_days_is_the_longest_range(client, tenant, berlin_event_type):
    response = availability(client, tenant, "timezone=UTC&startDate=2027-01-01&endDate=2027-03-03")

    assert response.status_code == 200


def test_an_unknown_or_inactive_event_type_is_404(client, tenant, make_event_type):
    make_event_type(slug="paused", active=False)

    for slug in ("nothing", "paused"):
        response = availability(client, tenant, "timezone=UTC", slug=slug)
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"


def test_another_organizations_event_type_is_404(client, other_tenant, berlin_event_type):
    response = availability(client, other_tenant, "timezone=UTC")

    assert response.status_code == 404


def test_explain_says_why_an_instant_is_not_bookable(client, tenant, berlin_event_type):
    saturday = "2027-01-09T10:00:00%2B01:00"
    evening = "2027-01-04T18:00:00%2B01:00"
    day_off = "2027-01-05T10:00:00%2B01:00"

    def reasons(moment):
        response = client.get(
            f"/api/v1/availability/intro/explain?time={moment}", headers=bearer(tenant.key)
        )
        assert response.status_code == 200
        return response.json()

    assert [r["code"] for r in reasons(saturday)["reasons"]] == ["day_off"]
    assert [r["code"] for r in reasons(evening)["reasons"]] == ["outside_hours"]
    assert [r["code"] for r in reasons(day_off)["reasons"]] == ["day_off"]
    assert reasons(evening)["bookable"] is False


def test_explain_confirms_a_bookable_instant(client, tenant, berlin_event_type):
    response = client.get(
        "/api/v1/availability/intro/explain?time=2027-01-04T09:30:00%2B01:00",
        headers=bearer(tenant.key),
    )

    assert response.json() == {
        "eventTypeId": berlin_event_type.id,
        "time": "2027-01-04T08:30:00.000Z",
        "bookable": True,
        "reasons": [],
    }


def test_explain_and_the_slot_list_agree(client, tenant, berlin_event_type):
    day = "2027-01-04"
    slots = availability(client, tenant, f"timezone=UTC&startDate={day}&endDate={day}").json()[
        "slots"
    ]
    offered = {datetime.fromisoformat(slot["start"]) for slot in slots}

    for minute in range(0, 24 * 60, 15):
        moment = datetime.combine(datetime.fromisoformat(day).date(), time(), UTC) + timedelta(
            minutes=minute
        )
        encoded = moment.isoformat().replace("+", "%2B")
        verdict = client.get(
            f"/api/v1/availability/intro/explain?time={encoded}", headers=bearer(tenant.key)
        ).json()
        assert verdict["bookable"] == (moment in offered), moment
