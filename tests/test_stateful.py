"""Schemathesis follows the spec's links: it creates, reads, books, changes and deletes in
chains, and runs every built-in check on each step.

Each scenario starts from an empty database holding one new organization, so what one
scenario deleted or revoked cannot leak into the next.
"""

from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from peewee import sort_models

from conftest import add_event_type, make_tenant
from contract_support import contract_config, send_keys
from models import ALL_MODELS, db
from services import widget_keys
from services.recent_keys import RECENT_KEYS
from services.webhooks import ssrf

# The tags of the chains the spec's links describe. Other operations stay out of the walk,
# and so do the links Schemathesis would infer on its own, so that the steps go deep into
# these chains rather than wide (tests/test_contract.py covers every operation).
CHAINS = [
    "Event types",
    "Availability",
    "Bookings",
    "Public booking",
    "Contacts",
    "Webhooks",
    "API keys",
]
CONFIG = contract_config(
    {"exclude-tag": CHAINS, "phases": {"stateful": {"enabled": False}}},
    phases={"stateful": {"inference": {"algorithms": []}}},
)


def fresh_organization() -> tuple[str, str]:
    """Empty every table, then bootstrap one organization with a bookable event type.

    Returns its secret key and widget key.
    """
    with db.connection_context():
        for model in reversed(sort_models(ALL_MODELS)):
            model.delete().execute()
    RECENT_KEYS.forget()
    tenant = make_tenant("Acme", "ada@acme.example", plan="pro")
    # Generated event types seldom have a free slot this week (a notice of months, an
    # unknown schedule); listing this one leads the walk to slots it can book.
    add_event_type(tenant)
    with db.connection_context():
        widget_key = widget_keys.create(tenant.organization.id, name="Website").key
    return tenant.key, widget_key


def sometimes_this_week(context, query):
    """Half of the availability reads ask for the default week, where the slots are.

    Generated dates lie anywhere in a thousand years, so their slots are almost always none.
    """
    if context.operation.label.endswith("/availability/{slug}") and query:
        this_week = {name: value for name, value in query.items() if not name.endswith("Date")}
        return st.sampled_from([query, this_week])
    return st.just(query)


@pytest.fixture
def walked():
    """How often each operation answered each status, over the whole run."""
    return Counter()


@pytest.fixture
def api_state_machine(app, monkeypatch, walked):
    # Every webhook host resolves to a public address, so that endpoints get created and
    # the walk reaches their tests and deliveries without a network (nothing is sent: the
    # job queue is not worked here).
    monkeypatch.setattr(ssrf, "lookup", lambda host: ["93.184.215.14"])
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app, config=CONFIG)
    keys: dict[str, tuple[str, str]] = {}
    send_keys(schema, lambda: keys["current"])
    schema.hook("flatmap_query")(sometimes_this_week)

    class Scenario(schema.as_state_machine()):
        def setup(self):
            keys["current"] = fresh_organization()

        def after_call(self, response, case):
            super().after_call(response, case)
            walked[case.operation.label, response.status_code] += 1

    return Scenario


def test_linked_operations_honour_every_check(api_state_machine, walked):
    api_state_machine.run(
        settings=settings(
            max_examples=50,
            stateful_step_count=10,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        )
    )

    # A walk refused at every step (a key that stopped working) would pass every check.
    succeeded = {label for label, status in walked if 200 <= status < 300}
    assert {
        "POST /api/v1/event-types",
        "POST /api/v1/contacts",
        "POST /api/v1/webhooks",
        "POST /api/v1/api-keys",
    } <= succeeded
    assert any("{" in label for label in succeeded), "no link was followed successfully"
