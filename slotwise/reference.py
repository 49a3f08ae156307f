"""The API reference as the /docs pages show it, computed from the spec."""

import json
import re
from dataclasses import dataclass

from markupsafe import Markup, escape

HTTP_METHODS = ("get", "put", "post", "patch", "delete", "head", "options", "trace")
# Nested objects are listed as dotted fields down to this depth, which also stops
# self-referencing schemas from recursing forever.
MAX_FIELD_DEPTH = 3
_CONSTRAINTS = (
    ("minLength", "min length"),
    ("maxLength", "max length"),
    ("pattern", "pattern"),
    ("minimum", "minimum"),
    ("maximum", "maximum"),
    ("minItems", "min items"),
    ("maxItems", "max items"),
    ("default", "default"),
)
_CODE_SPAN = re.compile(r"`([^`]+)`")
_STRONG = re.compile(r"\*\*(.+?)\*\*")


@dataclass(frozen=True)
class Field:
    """A parameter (``location`` set) or a request body field."""

    name: str
    type: str
    required: bool
    constraints: list[Markup]
    description: Markup
    location: str = ""


@dataclass(frozen=True)
class Example:
    title: str
    json: str


@dataclass(frozen=True)
class Response:
    status: str
    description: Markup
    examples: list[Example]


@dataclass(frozen=True)
class Operation:
    id: str
    method: str
    path: str
    summary: str
    description: Markup
    scope: str | None
    public: bool
    parameters: list[Field]
    body: list[Field] | None
    body_required: bool
    body_examples: list[Example]
    responses: list[Response]


@dataclass(frozen=True)
class Section:
    tag: str
    description: Markup
    operations: list[Operation]

    @property
    def anchor(self) -> str:
        return "tag-" + re.sub(r"[^a-z0-9]+", "-", self.tag.lower()).strip("-")


@dataclass(frozen=True)
class Docs:
    """Everything the pages show that comes from the spec, computed once."""

    title: str
    version: str
    description: Markup
    sections: list[Section]
    scopes: dict[str, list[Operation]]


def markdown(text: str | None) -> Markup:
    """Render paragraphs, ``code`` spans and **strong** text; everything else is escaped."""
    paragraphs = (" ".join(part.split()) for part in re.split(r"\n\s*\n", text or ""))
    return Markup("").join(
        Markup("<p>{}</p>").format(_inline(paragraph)) for paragraph in paragraphs if paragraph
    )


def _inline(text: str) -> Markup:
    # split() with one group puts the matched spans at the odd positions.
    return Markup("").join(
        Markup("<code>{}</code>").format(part) if position % 2 else _strong(part)
        for position, part in enumerate(_CODE_SPAN.split(text))
    )


def _strong(text: str) -> Markup:
    return Markup("").join(
        Markup("<strong>{}</strong>").format(part) if position % 2 else escape(part)
        for position, part in enumerate(_STRONG.split(text))
    )


def _literal(value) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _pretty(value) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, default=str)


def _json_media(content: dict | None) -> dict:
    content = content or {}
    return content.get("application/json") or next(iter(content.values()), {})


def _status_order(status) -> tuple[bool, str]:
    # YAML reads an unquoted 200 as an int; "default" sorts after every number.
    return (not str(status).isdigit(), str(status))


class _SpecReader:
    """Turns the spec's operations into the reference's view model."""

    def __init__(self, spec: dict):
        self.spec = spec

    def resolve(self, node):
        """Follow local ``$ref``s (``#/components/...``) to the node they name."""
        while isinstance(node, dict) and "$ref" in node:
            target = self.spec
            for part in node["$ref"].removeprefix("#/").split("/"):
                target = target[part.replace("~1", "/").replace("~0", "~")]
            node = target
        return node

    def schema(self, node) -> dict:
        """Resolve a schema and fold its ``allOf`` parts into one."""
        node = self.resolve(node) or {}
        if "allOf" not in node:
            return node
        merged = {key: value for key, value in node.items() if key != "allOf"}
        for part in map(self.schema, node["allOf"]):
            for key, value in part.items():
                if key == "properties":
                    merged["properties"] = {**merged.get("properties", {}), **value}
                elif key == "required":
                    merged["required"] = [*merged.get("required", []), *value]
                else:
                    merged.setdefault(key, value)
        return merged

    def type_of(self, schema: dict) -> str:
        kind = schema.get("type") or ("object" if "properties" in schema else "any")
        if kind == "array":
            kind = "array of " + self.type_of(self.schema(schema.get("items")))
        elif "format" in schema:
            kind += f" ({schema['format']})"
        return kind + " or null" if schema.get("nullable") else kind

    def constraints(self, schema: dict) -> list[Markup]:
        found = [
            Markup("{} <code>{}</code>").format(label, _literal(schema[key]))
            for key, label in _CONSTRAINTS
            if key in schema
        ]
        if schema.get("uniqueItems"):
            found.append(Markup("unique items"))
        if schema.get("readOnly"):
            found.append(Markup("read-only"))
        items = self.schema(schema.get("items")) if schema.get("type") == "array" else {}
        for label, enum in (("one of", schema.get("enum")), ("each one of", items.get("enum"))):
            if enum:
                codes = Markup(", ").join(
                    Markup("<code>{}</code>").format(_literal(v)) for v in enum
                )
                found.append(Markup("{}: {}").format(label, codes))
        return found

    def fields(self, schema: dict, prefix: str = "", depth: int = 1) -> list[Field]:
        required = set(schema.get("required", []))
        found = []
        for name, node in schema.get("properties", {}).items():
            prop = self.schema(node)
            found.append(
                Field(
                    name=prefix + name,
                    type=self.type_of(prop),
                    required=name in required,
                    constraints=self.constraints(prop),
                    description=markdown(prop.get("description")),
                )
            )
            nested, suffix = prop, "."
            if prop.get("type") == "array":
                nested, suffix = self.schema(prop.get("items")), "[]."
            if depth < MAX_FIELD_DEPTH and "properties" in nested:
                found += self.fields(nested, f"{prefix}{name}{suffix}", depth + 1)
        return found

    def parameters(self, path_item: dict, operation: dict) -> list[Field]:
        by_key = {}
        for node in [*path_item.get("parameters", []), *operation.get("parameters", [])]:
            parameter = self.resolve(node)
            by_key[parameter["name"], parameter["in"]] = parameter
        return [
            Field(
                name=parameter["name"],
                location=parameter["in"],
                type=self.type_of(self.schema(parameter.get("schema"))),
                required=parameter.get("required", False),
                constraints=self.constraints(self.schema(parameter.get("schema"))),
                description=markdown(parameter.get("description")),
            )
            for parameter in by_key.values()
        ]

    def examples(self, content: dict | None) -> list[Example]:
        media = _json_media(content)
        if "example" in media:
            return [Example("", _pretty(media["example"]))]
        return [
            Example(example.get("summary") or name, _pretty(example.get("value")))
            for name, example in (
                (name, self.resolve(node)) for name, node in media.get("examples", {}).items()
            )
        ]

    def responses(self, responses: dict) -> list[Response]:
        found = []
        for status in sorted(responses, key=_status_order):
            response = self.resolve(responses[status])
            found.append(
                Response(
                    str(status),
                    markdown(response.get("description")),
                    self.examples(response.get("content")),
                )
            )
        return found

    def operation(self, method: str, path: str, path_item: dict, operation: dict) -> Operation:
        body = self.resolve(operation.get("requestBody"))
        content = (body or {}).get("content")
        security = operation.get("security", self.spec.get("security", []))
        return Operation(
            id=operation.get("operationId") or f"{method}-{path}",
            method=method.upper(),
            path=path,
            summary=operation.get("summary", ""),
            description=markdown(operation.get("description")),
            scope=operation.get("x-required-scope"),
            public=security == [],
            parameters=self.parameters(path_item, operation),
            body=None
            if body is None
            else self.fields(self.schema(_json_media(content).get("schema"))),
            body_required=bool((body or {}).get("required")),
            body_examples=self.examples(content),
            responses=self.responses(operation.get("responses", {})),
        )

    def sections(self) -> list[Section]:
        tagged: dict[str, list[Operation]] = {tag["name"]: [] for tag in self.spec.get("tags", [])}
        for path, path_item in self.spec.get("paths", {}).items():
            for method in HTTP_METHODS:
                if method in path_item:
                    raw = path_item[method]
                    tag = (raw.get("tags") or ["Other"])[0]
                    tagged.setdefault(tag, []).append(self.operation(method, path, path_item, raw))
        descriptions = {tag["name"]: tag.get("description") for tag in self.spec.get("tags", [])}
        return [
            Section(tag, markdown(descriptions.get(tag)), operations)
            for tag, operations in tagged.items()
            if operations
        ]


def build_docs(spec: dict) -> Docs:
    """Compute the reference and the scope table from the spec."""
    reader = _SpecReader(spec)
    sections = reader.sections()
    declared = spec.get("components", {}).get("schemas", {}).get("Scope", {}).get("enum", [])
    scopes: dict[str, list[Operation]] = {scope: [] for scope in declared}
    for section in sections:
        for operation in section.operations:
            if operation.scope:
                scopes.setdefault(operation.scope, []).append(operation)
    info = spec.get("info", {})
    return Docs(
        title=info.get("title", "API"),
        version=info.get("version", ""),
        description=markdown(info.get("description")),
        sections=sections,
        scopes=scopes,
    )
