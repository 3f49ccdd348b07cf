"""The suite's answer checker (``shared.testing.conformance``) passes what a spec declares and names
what it does not: an undeclared status, another media type, a body against its schema."""

from __future__ import annotations

import json

import pytest

from shared.testing.conformance import SpecConformance

SPEC = {
    "paths": {
        "/v1/things/{id}": {
            "get": {
                "responses": {
                    "200": {
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}
                    },
                    "404": {"content": {"application/json": {"schema": {"type": "object"}}}},
                    "4XX": {"content": {"application/json": {}}},
                }
            }
        },
        "/v1/things/mine": {"get": {"responses": {"204": {"description": "nothing"}}}},
    },
    "components": {
        "schemas": {
            "Thing": {
                "type": "object",
                "required": ["name", "size"],
                "properties": {"name": {"type": "string"}, "size": {"$ref": "#/components/schemas/Size"}},
            },
            "Size": {"type": "integer", "minimum": 0},
        }
    },
}
CHECK = SpecConformance({"svc": SPEC})
JSON = "application/json"


def test_what_the_spec_declares_passes() -> None:
    body = json.dumps({"name": "a", "size": 3}).encode()
    assert CHECK.problem("GET", "/svc/v1/things/7", 200, f"{JSON}; charset=utf-8", body) is None
    assert CHECK.problem("GET", "/svc/v1/things/7", 409, JSON, b"{}") is None  # the 4XX range
    assert CHECK.problem("GET", "/svc/v1/things/mine", 204, "", b"") is None  # the literal path wins
    assert CHECK.problem("GET", "/other/v1/x", 500, "text/plain", b"boom") is None  # not a spec's path
    assert CHECK.problem("POST", "/svc/v1/things/7", 405, JSON, b"{}") is None  # not an operation


@pytest.mark.parametrize(
    ("status", "content_type", "body", "why"),
    [
        (500, "text/plain", b"Internal Server Error", "status 500 is not in the operation's responses"),
        (200, "text/html", b"<p>", "text/html is not among ['application/json']"),
        (200, JSON, b'{"name": "a", "size": -1}', "at 'size'"),
        (200, JSON, b'{"name": "a"}', "'size' is a required property"),
        (200, JSON, b"{", "that is not JSON"),
    ],
)
def test_what_it_does_not_is_named(status: int, content_type: str, body: bytes, why: str) -> None:
    found = CHECK.problem("GET", "/svc/v1/things/7", status, content_type, body)
    assert found is not None
    assert why in found


def test_a_body_where_none_is_declared_is_named() -> None:
    found = CHECK.problem("GET", "/svc/v1/things/mine", 204, JSON, b"{}")
    assert found is not None
    assert "a body where the spec declares none" in found
