"""Workflows through the API: what is stored, the checks on offsets, event types and
templates (the sandbox's refusals included), scopes, and other organizations' workflows."""

import html

import pytest

from conftest import bearer
from services.workflows import planning, templates
from slotwise.app import load_spec

REMINDER = {
    "name": "Day-before reminder",
    "trigger": "before_start",
    "offsetMinutes": 1440,
    "actions": [{"type": "email_invitee"}],
}


def create(client, key, **body):
    return client.post("/api/v1/workflows", headers=bearer(key), json={**REMINDER, **body})


def patch(client, key, workflow_id, **body):
    return client.patch(f"/api/v1/workflows/{workflow_id}", headers=bearer(key), json=body)


def with_template(subject="Reminder", body="Hello {{ inviteeName }}"):
    return [{"type": "email_invitee", "template": {"subject": subject, "body": body}}]


def refused(response, code: str, details: dict) -> None:
    assert response.status_code == 422, response.json()
    assert response.json()["code"] == code
    assert response.json()["details"] == details


def test_a_workflow_is_stored_with_its_defaults_and_listed(client, tenant):
    created = create(client, tenant.key)

    assert created.status_code == 201
    workflow = created.json()
    assert workflow["id"].startswith("wfl_")
    assert {key: workflow[key] for key in REMINDER} == {
        **REMINDER,
        "actions": [{"type": "email_invitee", "template": None}],
    }
    assert (workflow["active"], workflow["eventTypeIds"]) == (True, [])
    fetched = client.get(f"/api/v1/workflows/{workflow['id']}", headers=bearer(tenant.key))
    assert fetched.json() == workflow
    listed = client.get("/api/v1/workflows", headers=bearer(tenant.key)).json()
    assert listed == {
        "data": [workflow],
        "pagination": {"page": 1, "limit": 20, "total": 1, "totalPages": 1},
    }


def test_a_booking_trigger_takes_no_offset_and_a_timed_one_needs_one(client, tenant):
    without = create(client, tenant.key, offsetMinutes=None)
    with_offset = create(client, tenant.key, trigger="booking.created", offsetMinutes=0)
    booking_trigger = create(client, tenant.key, trigger="booking.cancelled", offsetMinutes=None)

    refused(
        without, "invalid_offset", {"offsetMinutes": "is required for before_start and after_end"}
    )
    refused(
        with_offset, "invalid_offset", {"offsetMinutes": "is only for before_start and after_end"}
    )
    assert booking_trigger.status_code == 201
    assert booking_trigger.json()["offsetMinutes"] is None


@pytest.mark.parametrize("offset", [-1, 40321])
def test_an_offset_beyond_four_weeks_or_negative_is_400(client, tenant, offset):
    response = create(client, tenant.key, offsetMinutes=offset)

    assert response.status_code == 400
    assert "offsetMinutes" in response.json()["details"]


def test_switching_trigger_drops_or_demands_the_offset(client, tenant):
    workflow = create(client, tenant.key).json()

    to_booking = patch(client, tenant.key, workflow["id"], trigger="booking.created")
    to_timed = patch(client, tenant.key, workflow["id"], trigger="after_end")
    with_offset = patch(client, tenant.key, workflow["id"], trigger="after_end", offsetMinutes=60)

    assert (to_booking.status_code, to_booking.json()["offsetMinutes"]) == (200, None)
    refused(
        to_timed, "invalid_offset", {"offsetMinutes": "is required for before_start and after_end"}
    )
    assert (with_offset.json()["trigger"], with_offset.json()["offsetMinutes"]) == ("after_end", 60)


def test_a_patch_changes_only_the_fields_given(client, tenant):
    workflow = create(client, tenant.key).json()

    changed = patch(
        client, tenant.key, workflow["id"], name="  Two hours before ", offsetMinutes=120
    )

    assert changed.status_code == 200
    assert changed.json() == {
        **workflow,
        "name": "Two hours before",
        "offsetMinutes": 120,
        "updatedAt": changed.json()["updatedAt"],
    }


def test_event_types_must_be_the_organizations_own(client, tenant, other_tenant, make_event_type):
    mine = make_event_type()
    with_other = client.post(
        "/api/v1/event-types",
        headers=bearer(other_tenant.key),
        json={"title": "Theirs", "slug": "theirs", "durationMinutes": 30},
    ).json()

    accepted = create(client, tenant.key, eventTypeIds=[mine.id])
    response = create(client, tenant.key, eventTypeIds=[mine.id, with_other["id"], "evt_nope"])

    assert accepted.json()["eventTypeIds"] == [mine.id]
    refused(response, "unknown_event_type", {"eventTypeIds": [with_other["id"], "evt_nope"]})
    assert response.json()["error"] == f"Unknown event type: {with_other['id']}, evt_nope."


def test_a_webhook_action_takes_no_template(client, tenant):
    response = create(
        client,
        tenant.key,
        actions=[{"type": "webhook", "template": {"subject": "s", "body": "b"}}],
    )

    refused(
        response, "invalid_action", {"actions[0].template": "only e-mail actions have a template"}
    )


@pytest.mark.parametrize("actions", [[], [{"type": "email_host"}] * 6, [{"type": "sms"}]])
def test_one_to_five_known_actions(client, tenant, actions):
    assert create(client, tenant.key, actions=actions).status_code == 400


def test_a_template_with_placeholders_filters_and_conditions_is_accepted(client, tenant):
    body = (
        "Hello {{ inviteeName|title }},\n"
        "{% if location %}Where: {{ location }}{% else %}Online{% endif %}\n"
        "{{ hostName ~ ' (' ~ timezone ~ ')' }} {{ manageUrl|default('-') }}"
    )

    response = create(client, tenant.key, actions=with_template("{{ eventTypeTitle|upper }}", body))

    assert response.status_code == 201
    assert response.json()["actions"][0]["template"]["body"] == body


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("Hello {{ inviteeName }", "line 1: unexpected '}'"),
        (
            "Hello {{ inviteName }}",
            "unknown placeholder inviteName; known: " + ", ".join(templates.PLACEHOLDERS),
        ),
        ("{{ ''.__class__ }}", "attribute access not allowed"),
        ("{{ inviteeName.__class__.__mro__ }}", "attribute access not allowed"),
        ("{{ inviteeName['__class__'] }}", "item access not allowed"),
        ("{{ inviteeName|attr('__class__') }}", "filter 'attr' is not allowed"),
        ("{{ inviteeName.upper() }}", "calls not allowed"),
        ("{% for x in inviteeName %}{{ x }}{% endfor %}", "loops not allowed"),
        ("{% set x = 1 %}", "{% set %} not allowed"),
        ("{{ inviteeName * 1000000 }}", "'Mul' not allowed"),
        ("{{ inviteeName|truncate('many') }}", "cannot be rendered"),
    ],
)
def test_a_template_that_could_not_be_sent_is_refused_when_saved(client, tenant, body, problem):
    response = create(client, tenant.key, actions=with_template(body=body))

    assert response.status_code == 422
    assert response.json()["code"] == "invalid_template"
    [(field, message)] = response.json()["details"].items()
    assert field == "actions[0].template.body"
    assert message.startswith(problem)


def test_every_broken_template_is_named_at_once(client, tenant):
    actions = [
        {"type": "email_host"},
        {"type": "email_invitee", "template": {"subject": "{{ nope }}", "body": "{{ x.y }}"}},
    ]

    response = create(client, tenant.key, actions=actions)

    assert sorted(response.json()["details"]) == [
        "actions[1].template.body",
        "actions[1].template.subject",
    ]


def test_a_refused_change_leaves_the_workflow_as_it_was(client, tenant):
    workflow = create(client, tenant.key).json()

    response = patch(
        client, tenant.key, workflow["id"], name="New", actions=with_template(body="{{ ''.join }}")
    )

    assert response.status_code == 422
    fetched = client.get(f"/api/v1/workflows/{workflow['id']}", headers=bearer(tenant.key))
    assert fetched.json() == workflow


@pytest.mark.parametrize(
    ("part", "length"), [("subject", 301), ("body", 10001)], ids=["subject", "body"]
)
def test_template_lengths_are_bounded(client, tenant, part, length):
    template = {"subject": "s", "body": "b", part: "x" * length}

    response = create(client, tenant.key, actions=[{"type": "email_host", "template": template}])

    assert response.status_code == 400
    assert f"actions[0].template.{part}" in response.json()["details"]


@pytest.mark.parametrize("trigger", planning.TRIGGERS)
@pytest.mark.parametrize("recipient", ["invitee", "host"])
def test_the_default_templates_pass_their_own_checks(trigger, recipient):
    default = templates.default_template(trigger, recipient)

    assert templates.problem(default.subject) is None
    assert templates.problem(default.body) is None


def test_deleting_a_workflow_removes_it(client, tenant):
    workflow = create(client, tenant.key).json()

    deleted = client.delete(f"/api/v1/workflows/{workflow['id']}", headers=bearer(tenant.key))

    assert deleted.status_code == 204
    fetched = client.get(f"/api/v1/workflows/{workflow['id']}", headers=bearer(tenant.key))
    assert fetched.status_code == 404


ON_ONE = [
    ("GET", "", None),
    ("PATCH", "", {"name": "Mine now"}),
    ("DELETE", "", None),
    ("GET", "/runs", None),
]


def test_another_organizations_workflow_is_not_found_like_an_unknown_one(
    client, tenant, other_tenant
):
    theirs = create(client, other_tenant.key).json()

    for method, suffix, body in ON_ONE:
        for workflow_id in (theirs["id"], "wfl_missing"):
            response = client.request(
                method,
                f"/api/v1/workflows/{workflow_id}{suffix}",
                headers=bearer(tenant.key),
                json=body,
            )

            assert response.status_code == 404, (method, suffix)
            assert response.json() == {
                "error": f"No workflow with id '{workflow_id}'.",
                "code": "not_found",
                "details": {"id": workflow_id},
            }
    assert client.get("/api/v1/workflows", headers=bearer(tenant.key)).json()["data"] == []
    mine = client.get(f"/api/v1/workflows/{theirs['id']}", headers=bearer(other_tenant.key))
    assert mine.json() == theirs


def test_workflows_need_their_scope(client, tenant, make_key):
    workflow_id = create(client, tenant.key).json()["id"]
    key = make_key(scopes=["bookings:write", "webhooks:manage"])
    operations = [("GET", "", None), ("POST", "", REMINDER)] + [
        (method, f"/{workflow_id}{suffix}", body) for method, suffix, body in ON_ONE
    ]

    for method, suffix, body in operations:
        response = client.request(
            method, f"/api/v1/workflows{suffix}", headers=bearer(key), json=body
        )

        assert response.status_code == 403, (method, suffix)
        assert response.json() == {
            "error": "This API key lacks the 'workflows:manage' scope needed for this operation.",
            "code": "insufficient_scope",
            "details": {"requiredScope": "workflows:manage"},
        }
    assert (
        client.get(f"/api/v1/workflows/{workflow_id}", headers=bearer(tenant.key)).json()["name"]
        == REMINDER["name"]
    )


def test_the_spec_and_the_guide_name_what_the_server_knows(client):
    spec = load_spec()
    guide = html.unescape(client.get("/docs/workflows").text)

    assert spec["components"]["schemas"]["WorkflowTrigger"]["enum"] == list(planning.TRIGGERS)
    for placeholder in templates.PLACEHOLDERS:
        assert f"<td><code>{{{{ {placeholder} }}}}</code></td>" in guide
    for name in templates.FILTERS:
        assert f"<code>{name}</code>" in guide
