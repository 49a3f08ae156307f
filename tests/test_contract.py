"""Schemathesis over every operation in the spec: no 500s, no response the spec does not allow.

It runs in-process against the Connexion app (so validation and security run too), with
response validation on, rate limits off, and a full-access key from an auth provider.
"""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from billing_support import billing_examples
from conftest import book_a_weekday
from contract_support import contract_config, send_keys
from models import Location, Workflow, db
from services import passwords, widget_keys
from slotwise.app import load_spec


def add_workflow_with_a_run(tenant, make_event_type) -> None:
    """A workflow under the spec's example id, with a planned run, so that examples reach it."""
    event_type = make_event_type()
    with db.connection_context():
        Workflow.create(
            id=load_spec()["components"]["parameters"]["WorkflowId"]["example"],
            organization=tenant.organization,
            name="Reminder",
            trigger="before_start",
            offset_minutes=60,
            actions=[{"type": "email_invitee", "template": None}],
        )
    book_a_weekday(event_type.id)


@pytest.fixture
def api_schema(app, tenant, make_event_type):
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app, config=contract_config())
    add_workflow_with_a_run(tenant, make_event_type)
    with db.connection_context():
        widget_key = widget_keys.create(tenant.organization.id, name="Website").key
        # The spec's examples name these, so the examples Schemathesis sends reach real rows
        # (a location to read, change and delete; a login that succeeds).
        Location.create(
            id="loc_7h6g5f4d3s2a1q0w9e8r",
            organization=tenant.organization,
            name="Berlin office",
            type="in_person",
            address="Torstraße 1, 10119 Berlin",
        )
        passwords.set_password(tenant.owner.email, "correct horse battery staple")
    billing_examples(tenant)

    send_keys(schema, lambda: (tenant.key, widget_key))
    return schema


schema = schemathesis.pytest.from_fixture("api_schema")


# 20 cases an operation here, in-process and on both backends; tests/test_stateful.py walks
# the links and `make fuzz` sends a few thousand more through a live server.
@schema.parametrize()
@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_operation_honours_its_contract(case):
    case.call_and_validate()
