"""The token endpoint with client_credentials (the CI grant): client authentication, login_hint, card
modes, the access token's shape, and the typed actor other services get from it."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import pytest

from shared.auth import ACCESS_TOKEN_AUDIENCE, ProfessionalActor, ServiceActor
from shared.runtime import Runtime
from shared.testing.oidc import CI, WEB, Oidc, People, claims_of, header_of

pytestmark = pytest.mark.asyncio


async def _actor(runtime: Runtime, token: str) -> object:
    return await runtime.verifier.verify(token, datetime.now(UTC))


async def test_rpps_login_hint_gives_the_professional(oidc: Oidc, people: People, runtime: Runtime) -> None:
    pro = people.generaliste
    response = await oidc.token({"grant_type": "client_credentials", "login_hint": pro.rpps or ""})
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == runtime.settings.token_lifetime
    assert body["scope"] == "openid scope_all"
    assert "refresh_token" not in body
    assert "id_token" not in body
    actor = await _actor(runtime, body["access_token"])
    assert isinstance(actor, ProfessionalActor)
    assert (actor.idnat, actor.rpps) == (pro.idnat, pro.rpps)
    assert (actor.nom, actor.prenom) == (pro.nom, pro.prenom)
    assert (actor.profession, actor.savoir_faire) == ("10", "SM26")
    assert actor.card == "cps"
    assert actor.regulation is False
    assert actor.client_id == "esante-ci"
    assert actor.structure is not None
    assert actor.structure.id == pro.structure_id


async def test_idnat_login_hint_works_too(oidc: Oidc, people: People, runtime: Runtime) -> None:
    actor = await _actor(runtime, await oidc.professional_token(people.pharmacien.idnat))
    assert isinstance(actor, ProfessionalActor)
    assert actor.idnat == people.pharmacien.idnat
    assert actor.profession == "21"
    assert actor.savoir_faire is None
    assert actor.structure is not None
    assert actor.structure.kind == "officine"


async def test_structure_of_a_hospital_professional(
    oidc: Oidc, people: People, population, runtime: Runtime
) -> None:
    structure = population.structure(people.regulateur.structure_id)
    actor = await _actor(runtime, await oidc.professional_token(people.regulateur.idnat))
    assert isinstance(actor, ProfessionalActor)
    assert actor.structure is not None
    assert (actor.structure.id, actor.structure.finess, actor.structure.idnat) == (
        structure.id,
        structure.finess,
        structure.idnat,
    )
    assert actor.structure.raison_sociale == structure.raison_sociale
    assert actor.structure.kind == "centre-15"


async def test_regulator_of_a_centre_15_has_the_flag(oidc: Oidc, people: People, runtime: Runtime) -> None:
    token = await oidc.professional_token(people.regulateur.rpps or "")
    assert claims_of(token)["Acces_Regulation_Medicale"] == "VRAI"
    actor = await _actor(runtime, token)
    assert isinstance(actor, ProfessionalActor)
    assert actor.regulation is True
    other = await oidc.professional_token(people.generaliste.rpps or "")
    assert claims_of(other)["Acces_Regulation_Medicale"] == "FAUX"


async def test_e_cps_is_a_mobile_login(oidc: Oidc, people: People, runtime: Runtime) -> None:
    token = await oidc.professional_token(people.generaliste.idnat, "e-cps")
    claims = claims_of(token)
    assert (claims["card_mode"], claims["authMode"]) == ("e-cps", "MOBILE")
    actor = await _actor(runtime, token)
    assert isinstance(actor, ProfessionalActor)
    assert actor.card == "e-cps"
    assert actor.acts_in_person


async def test_cps_is_a_card_login(oidc: Oidc, people: People) -> None:
    claims = claims_of(await oidc.professional_token(people.generaliste.idnat, "cps"))
    assert (claims["card_mode"], claims["authMode"]) == ("cps", "CARD")


async def test_cpe_is_refused_to_a_professional(oidc: Oidc, people: People) -> None:
    response = await oidc.token(
        {"grant_type": "client_credentials", "login_hint": people.generaliste.idnat, "card_mode": "cpe"}
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"
    assert response.json()["rule"] == "card-cpe"


async def test_secretary_logs_in_with_cpe_by_default(oidc: Oidc, people: People, runtime: Runtime) -> None:
    secretary = people.secretaire
    token = await oidc.professional_token(secretary.idnat)
    actor = await _actor(runtime, token)
    assert isinstance(actor, ProfessionalActor)
    assert actor.card == "cpe"
    assert actor.profession is None
    assert actor.rpps is None
    assert actor.acts_in_person is False
    assert claims_of(token)["authMode"] == "CARD"
    explicit = claims_of(await oidc.professional_token(secretary.idnat, "cpe"))
    assert explicit["card_mode"] == "cpe"


@pytest.mark.parametrize("card", ["cps", "e-cps"])
async def test_secretary_cannot_use_a_professional_card(oidc: Oidc, people: People, card: str) -> None:
    response = await oidc.token(
        {"grant_type": "client_credentials", "login_hint": people.secretaire.idnat, "card_mode": card}
    )
    assert response.status_code == 400
    assert (response.json()["error"], response.json()["rule"]) == ("invalid_grant", "card-not-held")


async def test_unknown_card_mode_is_invalid_request(oidc: Oidc, people: People) -> None:
    response = await oidc.token(
        {"grant_type": "client_credentials", "login_hint": people.generaliste.idnat, "card_mode": "cpx"}
    )
    assert response.status_code == 400
    assert (response.json()["error"], response.json()["rule"]) == ("invalid_request", "card-mode-unknown")


@pytest.mark.parametrize("hint", ["99999999999", "899999999999", "nobody"])
async def test_unknown_login_hint_is_refused(oidc: Oidc, hint: str) -> None:
    response = await oidc.token({"grant_type": "client_credentials", "login_hint": hint})
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid_grant"
    assert body["rule"] == "login-hint-unknown"
    assert body["error_description"]


async def test_without_login_hint_the_client_acts_for_itself(oidc: Oidc, runtime: Runtime) -> None:
    response = await oidc.token({"grant_type": "client_credentials"})
    assert response.status_code == 200
    token = response.json()["access_token"]
    claims = claims_of(token)
    assert claims["sub"] == "esante-ci"
    assert "SubjectNameID" not in claims
    actor = await _actor(runtime, token)
    assert actor == ServiceActor(client_id="esante-ci")


async def test_card_mode_without_login_hint_is_refused(oidc: Oidc) -> None:
    response = await oidc.token({"grant_type": "client_credentials", "card_mode": "e-cps"})
    assert response.status_code == 400
    assert (response.json()["error"], response.json()["rule"]) == ("invalid_request", "card-mode-alone")


async def test_access_token_shape(oidc: Oidc, people: People, runtime: Runtime) -> None:
    token = await oidc.professional_token(people.generaliste.idnat)
    header = header_of(token)
    assert header["typ"] == "at+jwt"
    assert header["alg"] == runtime.settings.signing_alg
    jwks = (await oidc.http.get("/psc/protocol/openid-connect/certs")).json()
    assert header["kid"] in {k["kid"] for k in jwks["keys"]}
    claims = claims_of(token)
    pro = people.generaliste
    assert claims["iss"] == runtime.settings.issuer
    assert claims["aud"] == ACCESS_TOKEN_AUDIENCE
    assert claims["azp"] == "esante-ci"
    assert claims["sub"].startswith("f:")
    assert claims["sub"].endswith(f":{pro.idnat}")
    assert claims["SubjectNameID"] == pro.idnat
    assert claims["exp"] - claims["iat"] == runtime.settings.token_lifetime
    assert abs(claims["iat"] - datetime.now(UTC).timestamp()) < 10
    exercice = claims["SubjectRefPro"]["exercices"][0]
    assert (exercice["codeProfession"], exercice["codeSavoirFaire"], exercice["codeTypeSavoirFaire"]) == (
        "10",
        "SM26",
        "S",
    )
    assert exercice["codeCategorieProfessionnelle"] == "C"
    assert exercice["activities"][0]["identifiantTechniqueDeLaStructure"] == pro.structure_id
    again = claims_of(await oidc.professional_token(people.generaliste.idnat))
    assert again["jti"] != claims["jti"]
    assert again["sub"] == claims["sub"]  # stable subject


async def test_iat_and_exp_come_from_the_tenant_clock(oidc: Oidc, people: People, runtime: Runtime) -> None:
    frozen = datetime(2031, 5, 6, 7, 8, 9, tzinfo=UTC)
    await oidc.freeze(frozen)
    claims = claims_of(await oidc.professional_token(people.generaliste.idnat))
    assert claims["iat"] == int(frozen.timestamp())
    assert claims["exp"] == int(frozen.timestamp()) + runtime.settings.token_lifetime


async def test_client_secret_post_is_accepted(oidc: Oidc, people: People) -> None:
    form = {
        "grant_type": "client_credentials",
        "client_id": CI[0],
        "client_secret": CI[1],
        "login_hint": people.generaliste.idnat,
    }
    response = await oidc.token(form, auth=None)
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("auth", "extra", "rule"),
    [
        (("esante-ci", "wrong"), {}, "client-secret"),
        (("nobody", "x"), {}, "client-unknown"),
        (None, {}, "client-auth"),
        (None, {"client_id": "esante-ci", "client_secret": "wrong"}, "client-secret"),
        (None, {"client_id": "esante-ci"}, "client-secret"),
    ],
)
async def test_client_authentication_failures_are_401(
    oidc: Oidc, auth: tuple[str, str] | None, extra: dict[str, str], rule: str
) -> None:
    response = await oidc.token({"grant_type": "client_credentials", **extra}, auth=auth)
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert response.json()["rule"] == rule
    assert response.headers["www-authenticate"].startswith("Basic")


async def test_malformed_basic_header_is_401(oidc: Oidc) -> None:
    response = await oidc.http.post(
        "/psc/protocol/openid-connect/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": "Basic !!!not-base64"},
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


async def test_basic_credentials_are_form_urldecoded(oidc: Oidc) -> None:
    # RFC 6749 §2.3.1: "esante-ci" urlencoded is itself; an encoded colon in the secret must not split it.
    raw = base64.b64encode(b"esante%2Dci:esante%2Dci").decode()
    response = await oidc.http.post(
        "/psc/protocol/openid-connect/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": f"Basic {raw}"},
    )
    assert response.status_code == 200


async def test_two_authentication_methods_are_refused(oidc: Oidc) -> None:
    response = await oidc.token({"grant_type": "client_credentials", "client_secret": "esante-ci"})
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


async def test_client_without_the_grant_is_refused(oidc: Oidc, people: People) -> None:
    response = await oidc.token(
        {"grant_type": "client_credentials", "login_hint": people.generaliste.idnat}, auth=WEB
    )
    assert response.status_code == 400
    assert (response.json()["error"], response.json()["rule"]) == ("unauthorized_client", "client-grant")


@pytest.mark.parametrize(
    ("form", "error"),
    [
        ({}, "invalid_request"),
        ({"grant_type": "password"}, "unsupported_grant_type"),
        ({"grant_type": "client_credentials", "scope": "openid admin"}, "invalid_scope"),
    ],
)
async def test_protocol_errors(oidc: Oidc, form: dict[str, str], error: str) -> None:
    response = await oidc.token(form)
    assert response.status_code == 400
    assert response.json()["error"] == error
    assert set(response.json()) <= {"error", "error_description", "rule"}


async def test_known_scope_is_granted(oidc: Oidc) -> None:
    response = await oidc.token({"grant_type": "client_credentials", "scope": "openid profile"})
    assert response.status_code == 200
    assert response.json()["scope"] == "openid profile"


async def test_repeated_parameter_is_refused(oidc: Oidc) -> None:
    response = await oidc.http.post(
        "/psc/protocol/openid-connect/token",
        content=b"grant_type=client_credentials&grant_type=client_credentials",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        auth=CI,
    )
    assert response.status_code == 400
    assert response.json()["rule"] == "duplicate-parameter"


async def test_json_body_is_refused(oidc: Oidc) -> None:
    response = await oidc.http.post(
        "/psc/protocol/openid-connect/token", json={"grant_type": "client_credentials"}, auth=CI
    )
    assert response.status_code == 400
    assert (response.json()["error"], response.json()["rule"]) == ("invalid_request", "content-type")


async def test_patient_token_from_the_professional_issuer_is_refused(oidc: Oidc, people: People) -> None:
    # An INS is not a professional's login_hint.
    response = await oidc.token({"grant_type": "client_credentials", "login_hint": people.activated.ins})
    assert response.status_code == 400
    assert response.json()["rule"] == "login-hint-unknown"


async def test_tokens_are_per_tenant_clock(oidc: Oidc, people: People, runtime: Runtime) -> None:
    frozen = datetime(2032, 1, 1, tzinfo=UTC)
    await oidc.freeze(frozen)
    response = await oidc.http.post(
        "/psc/protocol/openid-connect/token",
        data={"grant_type": "client_credentials", "login_hint": people.generaliste.idnat},
        auth=CI,
        headers={"X-Sandbox-Tenant": "default"},
    )
    assert response.status_code == 200
    assert claims_of(response.json()["access_token"])["iat"] != int(frozen.timestamp())
    actor = await _actor(runtime, response.json()["access_token"])
    assert isinstance(actor, ProfessionalActor)
