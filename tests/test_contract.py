"""Schemathesis over every operation in the spec: no 500s, no response the spec does not allow.

It runs in-process against the Connexion app (so validation and security run too), with
response validation on, rate limits off, and a full-access key from an auth provider.
"""

from datetime import UTC

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.config import SchemathesisConfig

from billing_support import billing_examples
from conftest import book_a_weekday
from models import Location, Workflow, db
from services import passwords, widget_keys
from services.timeutil import known_timezones
from slotwise.app import load_spec

schemathesis.openapi.format("timezone", st.sampled_from(sorted(known_timezones())))
schemathesis.openapi.format(
    "date-or-date-time",
    st.one_of(
        st.dates().map(lambda day: day.isoformat()),
        st.datetimes(timezones=st.just(UTC)).map(lambda moment: moment.isoformat()),
    ),
)

# Schema-valid data may still break a business rule no schema can express (an expiry
# already past): the API answers 422 for those, as the spec documents.
ACCEPTED = ["2xx", "401", "403", "404", "409", "422", "429"]
CONFIG = SchemathesisConfig.from_dict(
    {
        # Text with a NUL character is refused with 400, as the spec's description says: no
        # field needs one and PostgreSQL cannot store it. JSON Schema cannot say so per field.
        "generation": {"allow-x00": False},
        "checks": {"positive_data_acceptance": {"expected-statuses": ACCEPTED}},
        "operations": [
            {
                # startDate and endDate are each valid, but together they may be reversed
                # or more than 62 days apart: a 400 no schema can express.
                "include-operation-id": operation_id,
                "checks": {"positive_data_acceptance": {"expected-statuses": [*ACCEPTED, "400"]}},
            }
            for operation_id in (
                "handlers.availability.get_availability",
                "handlers.public.get_availability",
            )
        ],
    }
)


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
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app, config=CONFIG)
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

    @schema.auth(refresh_interval=None)
    class Keys:
        """The tenant's secret key, and its widget key for the public endpoints."""

        def get(self, case, context):
            return tenant.key, widget_key

        def set(self, case, data, context):
            secret, public = data
            case.headers = {
                **(case.headers or {}),
                "Authorization": f"Bearer {secret}",
                "X-Widget-Key": public,
            }

    return schema


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_operation_honours_its_contract(case):
    case.call_and_validate()
