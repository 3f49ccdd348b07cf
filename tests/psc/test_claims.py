"""The claims psc signs: one JSON object without duplicate members, the same claims as the dicts."""

from __future__ import annotations

import json
from typing import Any

import pytest

from services.psc import claims
from services.psc.directory import ConnectionDirectory
from shared.runtime import Runtime
from shared.tenancy import DEFAULT_TENANT
from shared.testing.oidc import People


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    names = [name for name, _ in pairs]
    assert len(names) == len(set(names)), names
    return dict(pairs)


@pytest.mark.parametrize("card", ["cps", "e-cps"])
def test_access_token_payload_is_the_union_of_both_parts(runtime: Runtime, people: People, card: str) -> None:
    with runtime.tenants.get(DEFAULT_TENANT).reading() as conn:
        pro = ConnectionDirectory(conn).professional(people.generaliste.idnat)
    assert pro is not None
    subject = claims.professional_subject(pro, card)  # type: ignore[arg-type]
    session = {"sid": "t.s", "auth_time": 1, "acr": "eidas1"}
    payload = claims.access_token_payload(
        subject,
        issuer="http://i",
        client_id="c",
        scope="openid",
        issued_at=10,
        lifetime=5,
        jti="j",
        session=session,
    )
    decoded = json.loads(payload, object_pairs_hook=_no_duplicates)
    own = claims.access_token_claims(
        issuer="http://i", client_id="c", scope="openid", issued_at=10, lifetime=5, jti="j", session=session
    )
    assert decoded == {**own, **claims.professional_userinfo(pro, card)}  # type: ignore[arg-type]
    assert not set(own) & set(subject.claims)
    assert decoded["exp"] == 15


def test_subject_is_reused_for_the_same_login(runtime: Runtime, people: People) -> None:
    with runtime.tenants.get(DEFAULT_TENANT).reading() as conn:
        pro = ConnectionDirectory(conn).professional(people.generaliste.idnat)
    assert pro is not None
    assert claims.professional_subject(pro, "cps") is claims.professional_subject(pro, "cps")
    assert claims.professional_subject(pro, "cps") is not claims.professional_subject(pro, "e-cps")


def test_service_subject_has_only_sub() -> None:
    assert claims.service_subject("esante-ci").claims == {"sub": "esante-ci"}
