"""Abusive input gets a clear 4xx in the error contract, never a 500, and stores nothing.

Every operation with a request body gets the same hostile bodies (nested too deeply, over
the size limit, not UTF-8, a NUL character, a lone surrogate, absurd numbers, no object at
all); every list gets absurd pages and limits; the operations that read dates and time
zones get dates far in the past and future and zones that do not exist. The tests hold
whatever bounds the spec sets on single fields: they ask for a 4xx, and name the status
only where the contract fixes it (413 for a body over the limit).
"""

import json

import pytest
from connexion.json_schema import resolve_refs

from conftest import bearer, book_a_weekday
from models import ALL_MODELS, db
from services import widget_keys
from slotwise.app import load_spec
from slotwise.validation import json_children

SPEC = resolve_refs(load_spec())
MAX_BODY_BYTES = 1024 * 1024


def example_path(path: str, parameters: list[dict]) -> str:
    """The path with each parameter replaced by the spec's example of it."""
    for parameter in parameters:
        if parameter["in"] == "path":
            path = path.replace("{" + parameter["name"] + "}", str(parameter["example"]))
    return path


def _operations(wanted) -> list[tuple[str, str, dict]]:
    """(method, path with the spec's example ids, operation) of the operations wanted."""
    return [
        (
            method.upper(),
            example_path(path, item.get("parameters", []) + operation.get("parameters", [])),
            operation,
        )
        for path, item in SPEC["paths"].items()
        for method, operation in item.items()
        if method in ("get", "post", "put", "patch", "delete") and wanted(operation)
    ]


def first_example(operation: dict):
    media = operation["requestBody"]["content"]["application/json"]
    examples = [example["value"] for example in media.get("examples", {}).values()]
    return examples[0] if examples else media["example"]


WITH_BODY = _operations(lambda operation: "requestBody" in operation)
LISTS = _operations(
    lambda operation: any(
        parameter.get("name") == "page" for parameter in operation.get("parameters", [])
    )
)


@pytest.fixture
def headers(tenant) -> dict:
    """The tenant's secret key, and a widget key for the public operations."""
    with db.connection_context():
        widget_key = widget_keys.create(tenant.organization.id, name="Website").key
    return {**bearer(tenant.key), "X-Widget-Key": widget_key}


def assert_client_error(response, status: int | None = None) -> dict:
    """A 4xx (``status`` when the contract fixes it) with the JSON error body."""
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:300])
    if status is not None:
        assert response.status_code == status, response.text[:300]
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) == {"error", "code", "details"}
    assert isinstance(body["error"], str)
    assert body["error"]
    assert isinstance(body["code"], str)
    assert isinstance(body["details"], dict)
    return body


def stored() -> dict[str, int]:
    """How many rows each table holds."""
    with db.connection_context():
        return {model._meta.table_name: model.select().count() for model in ALL_MODELS}


def first_string(value, path=()):
    """The path to the first string in a JSON value, or None."""
    if isinstance(value, str):
        return path
    for key, item in json_children(value):
        found = first_string(item, (*path, key))
        if found is not None:
            return found
    return None


def replaced(value, path, new):
    if not path:
        return new
    copy = json.loads(json.dumps(value))
    target = copy
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = new
    return copy


def with_every_number(value, number):
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return number
    if isinstance(value, dict):
        return {key: with_every_number(item, number) for key, item in value.items()}
    if isinstance(value, list):
        return [with_every_number(item, number) for item in value]
    return value


# A marker string swapped for raw bytes after encoding, for text JSON cannot carry.
MARK = "\u2603MARK\u2603"


def with_string(example, raw: bytes) -> bytes | None:
    """The example with its first string's value replaced by ``raw`` (JSON-escaped text)."""
    path = first_string(example)
    if path is None:
        return None
    encoded = json.dumps(replaced(example, path, MARK), ensure_ascii=False).encode()
    return encoded.replace(MARK.encode(), raw)


def _numbers(literal: bytes):
    def body(example):
        changed = with_every_number(example, 7_777_777)
        if changed == example:
            return None
        return json.dumps(changed).encode().replace(b"7777777", literal)

    return body


def _in_string(raw: bytes):
    return lambda example: with_string(example, raw)


def _nested_in_string(example):
    body = with_string(example, b"\x00")
    return None if body is None else body.replace(b'"\x00"', b"[" * 500 + b"]" * 500)


# Each turns an operation's example body into a hostile one (None: it has nothing to spoil).
HOSTILE_BODIES = {
    "nested 100000 deep": lambda example: b"[" * 100_000 + b"]" * 100_000,
    "a JSON array": lambda example: b"[]",
    "JSON null": lambda example: b"null",
    "a bare string": lambda example: b'"text"',
    "cut short": lambda example: json.dumps(example).encode()[:-1],
    "numbers of 41 digits": _numbers(b"1" + b"0" * 40),
    "numbers too large for a double": _numbers(b"1e400"),
    "a value nested 500 deep": _nested_in_string,
    "text that is not UTF-8": _in_string(b"\xff\xfe\xfd"),
    "a NUL character": _in_string(b"a\\u0000b"),
    "a lone surrogate": _in_string(b"a\\ud800b"),
    "a reversed surrogate pair": _in_string(b"\\udc00\\ud800"),
    "a 1 MiB string": _in_string(b"x" * MAX_BODY_BYTES),
}


@pytest.mark.parametrize("hostile", HOSTILE_BODIES.values(), ids=HOSTILE_BODIES)
def test_a_hostile_body_gets_a_client_error_and_stores_nothing(client, headers, hostile):
    before = stored()
    answers = {}
    for method, path, operation in WITH_BODY:
        body = hostile(first_example(operation))
        if body is None:
            continue
        response = client.request(
            method, path, headers={**headers, "Content-Type": "application/json"}, content=body
        )
        try:
            # Over the size limit, the contract names the status.
            assert_client_error(response, 413 if len(body) > MAX_BODY_BYTES else None)
        except AssertionError as failure:
            answers[f"{method} {path}"] = str(failure)

    assert answers == {}
    assert stored() == before


ABSURD_PAGES = [
    "page=1000000000000",
    "limit=1000000000",
    "page=9223372036854775808",
    "limit=-9223372036854775809",
    "page=-1",
    "limit=-1",
    "page=0",
    "limit=0",
    "page=abc",
    "limit=1e3",
    "page=1.5",
    "page=",
    "limit=%00",
    "page=" + "9" * 5000,
]


def test_an_absurd_page_or_limit_gets_400_on_every_list(client, headers):
    answers = {}
    for method, path, _ in LISTS:
        for query in ABSURD_PAGES:
            response = client.request(method, f"{path}?{query}", headers=headers)
            try:
                body = assert_client_error(response, 400)
                assert set(body["details"]) <= {"page", "limit"}, body
            except AssertionError as failure:
                answers[f"{path}?{query[:40]}"] = str(failure)

    assert answers == {}


NOWHERE = ["Mars/Olympus", "../../etc/passwd", "Europe/../../../etc/passwd", "Europe/" + "x" * 5000]
NOWHERE += ["", " UTC", "utc/../UTC", "Europe/Berlin\u0000", "Europe/Berlin\n"]
FAR_DAYS = ["0001-01-01", "1899-12-31", "3000-01-01", "9999-12-31", "10000-01-01", "2026-02-30"]
FAR_MOMENTS = [
    "0001-01-01T00:00:00Z",
    "0001-01-01T00:00:00+01:00",
    "1899-12-31T23:59:59Z",
    "3000-01-01T00:00:00Z",
    "9999-12-31T23:59:59.999Z",
    "9999-12-31T23:59:59-01:00",
    "+10000-01-01T00:00:00Z",
    "2026-13-01T00:00:00Z",
]


@pytest.fixture
def world(tenant, make_event_type):
    """An event type, a booking of it and its manage token."""
    event_type = make_event_type()
    booking, token = book_a_weekday(event_type.id)
    return {
        "event_type": event_type,
        "booking": booking,
        "token": token,
        "schedule_id": event_type.schedule_id,
        "member_id": tenant.owner.id,
    }


def _invitee(event_type_id: str, **fields) -> dict:
    return {
        "eventTypeId": event_type_id,
        "inviteeName": "Ada",
        "inviteeEmail": "ada@example.com",
        "inviteeTimezone": "UTC",
        "startTime": "2030-01-07T10:00:00Z",
        **fields,
    }


def requests_with(
    world, zone: str | None = None, day: str | None = None, moment: str | None = None
):
    """(method, path, query, body) for each place that reads the value given."""
    evt, bkg = world["event_type"].id, world["booking"].id
    token = world["token"]
    if zone is not None:
        yield "POST", "/api/v1/schedules", None, {"name": "Z", "timezone": zone, "rules": []}
        yield "PATCH", f"/api/v1/schedules/{world['schedule_id']}", None, {"timezone": zone}
        yield "PUT", "/api/v1/team", None, {"timezone": zone}
        yield "PATCH", f"/api/v1/team/members/{world['member_id']}", None, {"timezone": zone}
        member = {
            "email": "grace@acme.example",
            "name": "Grace",
            "role": "member",
            "timezone": zone,
        }
        yield "POST", "/api/v1/team/members", None, member
        yield "GET", "/api/v1/availability/intro", {"timezone": zone}, None
        yield "GET", "/api/public/availability/intro", {"timezone": zone}, None
        yield "POST", "/api/v1/bookings", None, _invitee(evt, inviteeTimezone=zone)
        yield "POST", "/api/bookings", None, _invitee(evt, inviteeTimezone=zone)
    if day is not None:
        override = {"date": day, "intervals": []}
        yield (
            "POST",
            "/api/v1/schedules",
            None,
            {
                "name": "D",
                "timezone": "UTC",
                "rules": [],
                "overrides": [override],
            },
        )
        yield (
            "PUT",
            f"/api/v1/schedules/{world['schedule_id']}/overrides",
            None,
            {"overrides": [override]},
        )
        for field in ("startDate", "endDate"):
            query = {"timezone": "UTC", field: day}
            yield "GET", "/api/v1/availability/intro", query, None
            yield "GET", "/api/public/availability/intro", query, None
        for field in ("from", "to"):
            yield "GET", "/api/v1/bookings", {field: day}, None
        recurrence = {"frequency": "weekly", "until": day}
        yield "POST", "/api/v1/bookings", None, _invitee(evt, recurrence=recurrence)
    if moment is not None:
        yield "GET", "/api/v1/availability/intro/explain", {"time": moment}, None
        for field in ("from", "to"):
            yield "GET", "/api/v1/bookings", {field: moment}, None
        yield "POST", "/api/v1/bookings", None, _invitee(evt, startTime=moment)
        yield "POST", "/api/v1/bookings", None, _invitee(evt, startTime=moment, force=True)
        yield "POST", "/api/bookings", None, _invitee(evt, startTime=moment)
        body = {"startTime": moment}
        yield "POST", f"/api/v1/bookings/{bkg}/reschedule", None, body
        yield "POST", f"/api/v1/bookings/{bkg}/reschedule", None, {**body, "force": True}
        yield "POST", f"/api/bookings/{bkg}/reschedule", {"token": token}, body
        yield "POST", "/api/v1/api-keys", None, {"name": "Far", "expiresAt": moment}


def assert_each_refused(client, headers, requests) -> None:
    before = stored()
    answers = {}
    for method, path, query, body in requests:
        response = client.request(method, path, headers=headers, params=query, json=body)
        try:
            assert_client_error(response)
        except AssertionError as failure:
            answers[f"{method} {path} {str(query or body)[:120]}"] = str(failure)

    assert answers == {}
    assert stored() == before


def test_a_time_zone_that_does_not_exist_is_refused_everywhere(client, headers, world):
    assert_each_refused(
        client, headers, [case for zone in NOWHERE for case in requests_with(world, zone=zone)]
    )


def test_a_date_far_in_the_past_or_future_is_refused_everywhere(client, headers, world):
    assert_each_refused(
        client, headers, [case for day in FAR_DAYS for case in requests_with(world, day=day)]
    )


def test_an_instant_far_in_the_past_or_future_is_refused_everywhere(client, headers, world):
    assert_each_refused(
        client,
        headers,
        [case for moment in FAR_MOMENTS for case in requests_with(world, moment=moment)],
    )


@pytest.mark.parametrize(
    "token", ["mt_é", "mt_\u2603" * 10, "ü" * 2000], ids=["accented", "snowmen", "2000 ü"]
)
def test_a_manage_token_of_any_characters_is_refused_like_a_wrong_one(client, world, token):
    booking_id = world["booking"].id
    before = stored()

    page = client.get(f"/manage/{booking_id}", params={"token": token})
    form = client.post(f"/manage/{booking_id}/cancel", data={"token": token})
    api = client.get(f"/api/bookings/{booking_id}", params={"token": token})
    cancel = client.post(f"/api/bookings/{booking_id}/cancel", params={"token": token}, json={})

    assert (page.status_code, form.status_code) == (404, 404)
    assert_client_error(api)
    assert_client_error(cancel)
    assert stored() == before
