"""The wire of the OAuth endpoints: form bodies and client credentials, parsed by hand.

``application/x-www-form-urlencoded`` is parsed here (FastAPI's ``Form()`` needs python-multipart and
is slow on the token endpoint's hot path), with ``urllib.parse.unquote_plus`` for encoded values.
A parameter given twice is refused (RFC 6749 §3.1, §3.2).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable, Iterator
from typing import Final
from urllib.parse import unquote_plus

from services.psc.client_auth import ClientCredentials
from services.psc.errors import InvalidClient, InvalidRequest

MAX_BODY = 64 * 1024


def single_valued(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """The parameters as a dict; a name given twice is an ``invalid_request``."""
    params: dict[str, str] = {}
    for name, value in pairs:
        if name in params:
            raise InvalidRequest(
                f"parameter {name[:40]!r} is given more than once", rule="duplicate-parameter"
            )
        params[name] = value
    return params


FORM_TYPE: Final = "application/x-www-form-urlencoded"


def parse_form(body: bytes, content_type: str | None) -> dict[str, str]:
    """An ``application/x-www-form-urlencoded`` body (UTF-8)."""
    if not (content_type or "").lower().startswith(FORM_TYPE):
        raise InvalidRequest("the body must be application/x-www-form-urlencoded", rule="content-type")
    if len(body) > MAX_BODY:
        raise InvalidRequest("the body is too large", rule="body-size")
    try:
        return single_valued(_pairs(body.decode("utf-8")))
    except UnicodeDecodeError as exc:
        raise InvalidRequest("the body is not valid UTF-8 form data", rule="content-type") from exc


def _pairs(text: str) -> Iterator[tuple[str, str]]:
    """``parse_qsl(text, keep_blank_values=True)``, decoding only what is encoded (the usual case
    on the token endpoint is plain ASCII, and this parser is three times faster there)."""
    for part in text.split("&"):
        if not part:
            continue
        name, _, value = part.partition("=")
        if "%" in name or "+" in name:
            name = unquote_plus(name, errors="strict")
        if "%" in value or "+" in value:
            value = unquote_plus(value, errors="strict")
        yield name, value


def client_credentials(authorization: str | None, form: dict[str, str]) -> ClientCredentials:
    """HTTP Basic (``client_secret_basic``) or ``client_id`` + ``client_secret`` in the body; not both."""
    if authorization:
        scheme, _, encoded = authorization.partition(" ")
        if scheme.lower() == "basic":
            if "client_secret" in form:
                raise InvalidRequest("use one client authentication method, not two", rule="client-auth")
            try:
                decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError) as exc:
                raise InvalidClient("malformed HTTP Basic credentials", rule="client-auth") from exc
            raw_id, colon, raw_secret = decoded.partition(":")
            if not colon:
                raise InvalidClient("malformed HTTP Basic credentials", rule="client-auth")
            # RFC 6749 §2.3.1: both parts are form-urlencoded before base64.
            client_id = unquote_plus(raw_id)
            body_id = form.get("client_id")
            if body_id is not None and body_id != client_id:
                raise InvalidRequest(
                    "client_id in the body differs from the authenticated one", rule="client-auth"
                )
            return ClientCredentials(client_id, unquote_plus(raw_secret))
    return ClientCredentials(form.get("client_id"), form.get("client_secret"))
