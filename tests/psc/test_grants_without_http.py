"""The service layer without HTTP: the CLI's token functions and rules no seeded client can reach."""

from __future__ import annotations

from datetime import UTC, datetime

import jwt
import pytest

from services.psc import authorization, grants, tokens
from services.psc.errors import AuthorizeError, InvalidGrant, UnknownClient
from services.psc.keys import key_ring, load_keyring
from services.psc.records import Client, Patient, Professional
from shared.auth import PatientActor, ProfessionalActor
from shared.runtime import Runtime
from shared.tenancy import DEFAULT_TENANT
from shared.testing.oidc import People, claims_of

NOW = datetime(2030, 2, 3, 4, 5, 6, tzinfo=UTC)


@pytest.mark.asyncio
async def test_issue_professional_token(runtime: Runtime, people: People) -> None:
    settings = runtime.settings
    keys = key_ring(settings.data_dir, settings.signing_alg)
    with runtime.tenants.get(DEFAULT_TENANT).reading() as conn:
        body = grants.issue_professional_token(
            conn, keys, settings, NOW, login_hint=people.regulateur.rpps or "", card_mode="e-cps"
        )
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == settings.token_lifetime
    assert "refresh_token" not in body
    assert claims_of(body["access_token"])["iat"] == int(NOW.timestamp())
    actor = await runtime.verifier.verify(body["access_token"], NOW)
    assert isinstance(actor, ProfessionalActor)
    assert (actor.idnat, actor.card, actor.regulation) == (people.regulateur.idnat, "e-cps", True)


@pytest.mark.asyncio
async def test_issue_patient_token(runtime: Runtime, people: People) -> None:
    settings = runtime.settings
    keys = key_ring(settings.data_dir, settings.signing_alg)
    with runtime.tenants.get(DEFAULT_TENANT).reading() as conn:
        body = grants.issue_patient_token(conn, keys, settings, NOW, ins=people.activated.ins)
    actor = await runtime.verifier.verify(body["access_token"], NOW)
    assert isinstance(actor, PatientActor)
    assert actor.ins == people.activated.ins


def test_cli_functions_refuse_like_the_endpoint(runtime: Runtime, people: People) -> None:
    settings = runtime.settings
    keys = key_ring(settings.data_dir, settings.signing_alg)
    with runtime.tenants.get(DEFAULT_TENANT).reading() as conn:
        with pytest.raises(InvalidGrant) as cpe:
            grants.issue_professional_token(
                conn, keys, settings, NOW, login_hint=people.generaliste.idnat, card_mode="cpe"
            )
        assert cpe.value.rule == "card-cpe"
        with pytest.raises(InvalidGrant) as unknown:
            grants.issue_patient_token(conn, keys, settings, NOW, ins="199999999999999")
        assert unknown.value.rule == "login-hint-unknown"
        with pytest.raises(UnknownClient):
            grants.issue_professional_token(
                conn, keys, settings, NOW, login_hint=people.generaliste.idnat, client_id="nobody"
            )


class _Directory:
    def __init__(self, client: Client) -> None:
        self._client = client

    def client(self, client_id: str) -> Client | None:
        return self._client if client_id == self._client.client_id else None

    def professional(self, login_hint: str) -> Professional | None:
        return None

    def patient(self, ins: str) -> Patient | None:
        return None


def test_client_without_the_code_grant_is_unauthorized() -> None:
    machine = Client("machine", "0" * 64, "machine", ("http://localhost:*",), ("client_credentials",))
    params = {
        "client_id": "machine",
        "redirect_uri": "http://localhost:1/cb",
        "response_type": "code",
        "scope": "openid",
        "state": "s",
        "nonce": "n",
    }
    with pytest.raises(AuthorizeError) as refused:
        authorization.validate_authorization_request(_Directory(machine), params)
    assert refused.value.code == "unauthorized_client"
    assert refused.value.redirect_uri == "http://localhost:1/cb"
    allowed = Client("web", "0" * 64, "web", ("http://localhost:*",), ("authorization_code",))
    request = authorization.validate_authorization_request(
        _Directory(allowed), {**params, "client_id": "web"}
    )
    assert request.scope == "openid"


@pytest.mark.parametrize(
    ("uri", "allowed"),
    [
        ("http://localhost:8080/callback", True),
        ("http://localhost:8080/callback/", False),
        ("http://localhost:8081/callback", False),
        ("https://localhost:8080/callback", False),
    ],
)
def test_exact_redirect_uri_match(uri: str, allowed: bool) -> None:
    client = Client("web", "0" * 64, "web", ("http://localhost:8080/callback",), ())
    assert client.allows_redirect(uri) is allowed


@pytest.mark.parametrize(
    ("uri", "allowed"),
    [
        ("http://localhost:5173/", True),
        ("http://127.0.0.1:1234/cb?x=1", True),
        ("https://localhost:5173/", False),
        ("http://user@localhost:5173/", False),
        ("http://localhost:5173/#frag", False),
        ("http://localhost:notaport/", False),
        ("http://evil.example:5173/", False),
    ],
)
def test_loopback_any_port_pattern(uri: str, allowed: bool) -> None:
    client = Client("ci", "0" * 64, "ci", ("http://localhost:*", "http://127.0.0.1:*"), ())
    assert client.allows_redirect(uri) is allowed


@pytest.mark.parametrize(
    ("artefact", "tenant"),
    [
        ("ci-1.abc", "ci-1"),
        ("default.x", "default"),
        ("abc", None),
        ("Bad.abc", None),
        ("a.b.c", None),
        ("a.", None),
    ],
)
def test_tenant_of_artefacts(artefact: str, tenant: str | None) -> None:
    assert tokens.tenant_of(artefact) == tenant


def test_signed_tokens_verify_with_the_published_key(runtime: Runtime) -> None:
    keys = load_keyring(runtime.settings)
    assert keys is key_ring(runtime.settings.data_dir, runtime.settings.signing_alg)
    token = keys.sign({"sub": "x"}, typ="JWT")
    assert keys.decode(token) == {"sub": "x"}
    with pytest.raises(jwt.InvalidSignatureError):
        keys.decode(token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB"))
