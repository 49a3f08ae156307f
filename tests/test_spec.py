"""openapi.yaml is the contract: every operation documented, exemplified and wired."""

import importlib

import pytest
from connexion.json_schema import Draft4RequestValidator, Draft4ResponseValidator, resolve_refs
from jsonschema import Draft4Validator

from models.booking import LONGEST_BOOKING
from services.auth import SCOPES
from slotwise.app import load_spec
from slotwise.idempotency import NEVER_REMEMBERED

SPEC = load_spec()
RESOLVED = resolve_refs(SPEC)
METHODS = {"get", "post", "put", "patch", "delete"}
OPERATIONS = [
    (method, path, operation, RESOLVED["paths"][path][method])
    for path, item in SPEC["paths"].items()
    for method, operation in item.items()
    if method in METHODS
]
IDS = [f"{method.upper()} {path}" for method, path, _, _ in OPERATIONS]
WITH_BODY = [entry for entry in OPERATIONS if "requestBody" in entry[3]]
DOCUMENT_TYPES = {"application/pdf"}


def examples_of(media: dict) -> list:
    return [example["value"] for example in media.get("examples", {}).values()] + (
        [media["example"]] if "example" in media else []
    )


def is_public(operation: dict) -> bool:
    return operation.get("security") == []


def is_document(response: dict) -> bool:
    """One binary content type, and no other: Connexion picks a response's type by status."""
    content = response.get("content", {})
    return len(content) == 1 and all(
        media_type in DOCUMENT_TYPES and media["schema"] == {"type": "string", "format": "binary"}
        for media_type, media in content.items()
    )


@pytest.mark.parametrize(("method", "path", "operation", "resolved"), OPERATIONS, ids=IDS)
def test_every_operation_is_documented(method, path, operation, resolved):
    assert operation["operationId"].startswith("handlers.")
    assert operation["summary"].strip()
    assert operation["description"].strip()
    assert set(operation["tags"]) <= {tag["name"] for tag in SPEC["tags"]}


@pytest.mark.parametrize(("method", "path", "operation", "resolved"), OPERATIONS, ids=IDS)
def test_every_operation_declares_the_errors_it_can_return(method, path, operation, resolved):
    statuses = set(operation["responses"])

    assert "400" in statuses
    if not is_public(operation):
        assert "401" in statuses
    if "x-required-scope" in operation:
        assert "403" in statuses
    if "{" in path:
        assert "404" in statuses
    if "requestBody" in operation:
        assert "413" in statuses
    if method == "post" and operation["operationId"] not in NEVER_REMEMBERED:
        # Idempotency-Key: 409 while the first request runs, 422 when reused for another.
        assert {"409", "422"} <= statuses
        parameters = [parameter.get("$ref") for parameter in operation.get("parameters", [])]
        assert "#/components/parameters/IdempotencyKey" in parameters


@pytest.mark.parametrize(("method", "path", "operation", "resolved"), OPERATIONS, ids=IDS)
def test_every_api_operation_requires_a_key_and_names_a_known_scope(
    method, path, operation, resolved
):
    if path.startswith("/api/v1/"):
        assert not is_public(operation)
    if "x-required-scope" in operation:
        assert operation["x-required-scope"] in SCOPES
        assert f"`{operation['x-required-scope']}`" in operation["description"]


@pytest.mark.parametrize(("method", "path", "operation", "resolved"), OPERATIONS, ids=IDS)
def test_every_operation_id_names_a_documented_handler(method, path, operation, resolved):
    module_name, _, function_name = operation["operationId"].rpartition(".")

    handler = getattr(importlib.import_module(module_name), function_name)

    assert callable(handler)
    assert handler.__doc__.strip()


@pytest.mark.parametrize(
    ("method", "path", "operation", "resolved"),
    WITH_BODY,
    ids=[f"{method.upper()} {path}" for method, path, _, _ in WITH_BODY],
)
def test_request_examples_match_their_schemas(method, path, operation, resolved):
    media = resolved["requestBody"]["content"]["application/json"]
    examples = examples_of(media)

    assert examples, "a request body needs at least one example"
    validator = Draft4RequestValidator(
        media["schema"], format_checker=Draft4Validator.FORMAT_CHECKER
    )
    for example in examples:
        validator.validate(example)


@pytest.mark.parametrize(("method", "path", "operation", "resolved"), OPERATIONS, ids=IDS)
def test_response_examples_match_their_schemas(method, path, operation, resolved):
    for status, response in resolved["responses"].items():
        media = response.get("content", {}).get("application/json")
        if media is None:
            assert status == "204" or is_document(response)
            continue
        examples = examples_of(media)
        assert examples, f"response {status} needs an example"
        validator = Draft4ResponseValidator(
            media["schema"], format_checker=Draft4Validator.FORMAT_CHECKER
        )
        for example in examples:
            validator.validate(example)


def test_operation_ids_are_unique():
    operation_ids = [operation["operationId"] for _, _, operation, _ in OPERATIONS]

    assert len(operation_ids) == len(set(operation_ids))


def test_the_scope_enum_matches_the_scopes_the_server_knows():
    assert tuple(SPEC["components"]["schemas"]["Scope"]["enum"]) == SCOPES


def test_only_json_is_declared_besides_documents_on_success():
    documents = 0
    for _, _, _, resolved in OPERATIONS:
        for status, response in resolved["responses"].items():
            if status.startswith("2") and is_document(response):
                documents += 1
                continue
            assert set(response.get("content", {})) <= {"application/json"}

    assert documents == 1, "the invoice PDF is the one document; errors are always JSON"


def test_no_event_type_may_outlast_what_overlap_queries_assume():
    # Booking.blocking reads the index from LONGEST_BOOKING before a window: a longer
    # booking would escape the double-booking check on SQLite.
    schemas = RESOLVED["components"]["schemas"]
    maxima = {
        schemas[name]["properties"]["durationMinutes"]["maximum"]
        for name in ("EventTypeCreate", "EventTypeUpdate")
    }

    assert maxima == {LONGEST_BOOKING.total_seconds() / 60}
