"""Every answer the tests receive is what the service's spec declares: the status among the operation's
``responses``, the media type among that answer's ``content``, and a JSON body valid against its
schema (JSON Schema 2020-12, the dialect of OpenAPI 3.1).

The check sits on the suite's HTTP clients (``shared.testing``'s ``client``), so the answers the
services render by hand on every path the tests walk (successes, refusals, faults) are held to the
documentation a generated client reads."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import httpx
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

_JSON = re.compile(r"^application/(.+\+)?json$")

FHIR_SEEN: list[dict[str, Any]] = []
"""Every FHIR resource the suite's clients received (searchsets, transaction responses,
OperationOutcomes, the CapabilityStatement...): ``tests/test_fhir_r4.py`` validates them as R4."""


@dataclass(frozen=True)
class _Operation:
    pattern: re.Pattern[str]
    literal_length: int
    method: str
    responses: dict[str, Any]


@dataclass
class SpecConformance:
    """The served specs of the all-in-one app, keyed by service prefix."""

    specs: dict[str, dict[str, Any]]
    _operations: dict[str, list[_Operation]] = field(default_factory=dict)
    _validators: dict[tuple[str, str], Draft202012Validator] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for service, spec in self.specs.items():
            found = []
            for path, item in spec.get("paths", {}).items():
                regex = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(path))
                for method, operation in item.items():
                    found.append(
                        _Operation(
                            re.compile(f"^{regex}$"),
                            len(re.sub(r"\{[^}]+\}", "", path)),
                            method.upper(),
                            operation.get("responses", {}),
                        )
                    )
            # the most literal path first: /v1/me/documents before /v1/me/{anything}
            self._operations[service] = sorted(found, key=lambda o: -o.literal_length)

    def problem(self, method: str, path: str, status: int, content_type: str, body: bytes) -> str | None:
        """Why the answer does not match its operation's documentation, or None."""
        service, _, rest = path.lstrip("/").partition("/")
        operations = self._operations.get(service)
        if operations is None:
            return None
        operation = next((o for o in operations if o.method == method and o.pattern.match(f"/{rest}")), None)
        if operation is None:
            return None  # not an operation of the spec (docs pages, an unknown path or method)
        answer = operation.responses.get(str(status)) or operation.responses.get(f"{str(status)[0]}XX")
        if answer is None:
            return f"{method} {path}: status {status} is not in the operation's responses"
        media = content_type.split(";")[0].strip().lower()
        content = answer.get("content")
        if not content:
            return None if not body else f"{method} {path} {status}: a body where the spec declares none"
        if media not in content:
            return f"{method} {path} {status}: {media or 'no media type'} is not among {sorted(content)}"
        schema = content[media].get("schema")
        if schema is None or not _JSON.match(media):
            return None
        try:
            document = json.loads(body)
        except ValueError:
            return f"{method} {path} {status}: {media} that is not JSON"
        errors = sorted(self._validator(service, schema).iter_errors(document), key=str)
        if errors:
            where = "/".join(str(p) for p in errors[0].absolute_path)
            return f"{method} {path} {status}: at '{where}': {errors[0].message[:300]}"
        return None

    def _validator(self, service: str, schema: dict[str, Any]) -> Draft202012Validator:
        key = (service, repr(schema))
        if key not in self._validators:
            uri = f"urn:esante-spec:{service}"
            spec = Resource.from_contents(self.specs[service], default_specification=DRAFT202012)
            registry: Registry[Any] = Registry().with_resource(uri, spec)
            self._validators[key] = Draft202012Validator(_pointed_at(schema, uri), registry=registry)
        return self._validators[key]

    async def check(self, response: httpx.Response) -> None:
        """An httpx response hook: fails the test on an answer its spec does not describe."""
        await response.aread()
        found = self.problem(
            response.request.method,
            response.request.url.path,
            response.status_code,
            response.headers.get("content-type", ""),
            response.content,
        )
        if found is not None:
            raise AssertionError(f"the answer does not match the spec: {found}")
        if response.headers.get("content-type", "").startswith("application/fhir+json"):
            resource = json.loads(response.content)
            if isinstance(resource, dict) and "resourceType" in resource:
                FHIR_SEEN.append(resource)


def _pointed_at(schema: Any, uri: str) -> Any:
    """The schema with its local references (``#/components/...``) pointed at the spec's resource."""
    if isinstance(schema, dict):
        return {
            k: f"{uri}{v}"
            if k == "$ref" and isinstance(v, str) and v.startswith("#")
            else _pointed_at(v, uri)
            for k, v in schema.items()
        }
    if isinstance(schema, list):
        return [_pointed_at(v, uri) for v in schema]
    return schema
