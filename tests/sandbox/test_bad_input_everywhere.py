"""Bad input that a fuzzer sends and a service used to answer with a 500 or an undocumented status: a
body that is not UTF-8, an integer no database stores, a newline in a path segment. Each is a 4xx that
the operation's spec declares (the ``client`` fixture checks every answer against the spec)."""

from __future__ import annotations

import httpx
import pytest

from shared.db import BIGINT_MAX, INTEGER_MAX
from shared.testing.oidc import Oidc, People

pytestmark = pytest.mark.asyncio

NOT_UTF8 = b'{"text": "\xff"}'


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/dmp/v1/patients/{ins}/documents"),
        ("PATCH", "/dmp/v1/documents/1"),
        ("POST", "/adri/v1/apcv/sessions/x/invoice"),
        ("POST", "/eprescription/v1/prescriptions"),
        ("PUT", "/mssante/sandbox/mailboxes/a@b.mssante.fr/quota"),
    ],
)
async def test_a_body_that_is_not_utf8_is_a_validation_error(
    client: httpx.AsyncClient, oidc: Oidc, people: People, method: str, path: str
) -> None:
    headers = {**await oidc.professional_headers(people.generaliste), "Content-Type": "application/json"}
    url = path.format(ins=people.activated.ins)
    answer = await client.request(method, url, content=NOT_UTF8, headers=headers)
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"] == "validation-error"
    assert "not UTF-8" in answer.json()["detail"]


async def test_the_fhir_facade_answers_a_body_that_is_not_utf8_with_an_operation_outcome(
    client: httpx.AsyncClient, oidc: Oidc, people: People
) -> None:
    headers = {**await oidc.professional_headers(people.generaliste), "Content-Type": "application/fhir+json"}
    answer = await client.post("/dmp/fhir/DocumentReference", content=NOT_UTF8, headers=headers)
    assert answer.status_code == 400, answer.text
    assert answer.headers["content-type"].startswith("application/fhir+json")
    assert answer.json()["resourceType"] == "OperationOutcome"


@pytest.mark.parametrize(
    ("path", "largest"),
    [
        ("/sandbox/population/persons?offset={n}", BIGINT_MAX),
        ("/sandbox/population/professionals?offset={n}", BIGINT_MAX),
        ("/eprescription/sandbox/prescriptions?offset={n}", BIGINT_MAX),
        ("/mssante/v1/outbox?after={n}", INTEGER_MAX),
        ("/mssante/v1/mailboxes/{address}/messages?since={n}", BIGINT_MAX),
        ("/mssante/v1/mailboxes/{address}/messages/{n}", INTEGER_MAX),
        ("/mssante/v1/mailboxes/{address}/messages/{n}/raw", INTEGER_MAX),
        ("/mssante/v1/me/messages/{n}", INTEGER_MAX),
    ],
)
async def test_an_integer_beyond_what_its_column_stores_is_a_validation_error(
    client: httpx.AsyncClient, oidc: Oidc, people: People, path: str, largest: int
) -> None:
    """SQLite raised OverflowError (a 500) beyond its 64 bits; PostgreSQL a DataError beyond the
    column's INTEGER or BIGINT. The largest value a column stores is read as asked."""
    address = people.generaliste.mssante  # the caller's own mailbox: the read reaches the database
    if "/v1/me/" in path:
        headers = await oidc.patient_headers(people.activated)
    else:
        headers = await oidc.professional_headers(people.generaliste)
    answer = await client.get(path.format(address=address, n=largest + 1), headers=headers)
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"] == "validation-error"
    read = await client.get(path.format(address=address, n=largest), headers=headers)
    assert read.status_code in (200, 403, 404), read.text


async def test_a_quota_beyond_what_a_database_stores_is_a_validation_error(client: httpx.AsyncClient) -> None:
    answer = await client.put(
        "/mssante/sandbox/mailboxes/a@b.mssante.fr/quota", json={"quota_bytes": BIGINT_MAX + 1}
    )
    assert answer.status_code == 422, answer.text


async def test_a_newline_in_a_path_segment_reaches_the_service(
    client: httpx.AsyncClient, oidc: Oidc, people: People
) -> None:
    """The service answers it in its own terms (here the FHIR facade's OperationOutcome), not the
    root app's bare 404."""
    headers = await oidc.professional_headers(people.generaliste)
    answer = await client.get("/dmp/fhir/DocumentReference/a%0Ab", headers=headers)
    assert answer.status_code == 404, answer.text
    assert answer.headers["content-type"].startswith("application/fhir+json")
    assert answer.json()["resourceType"] == "OperationOutcome"
