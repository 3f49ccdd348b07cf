"""Userinfo: the ProSanté Connect shape, JSON or signed JWT, and every way a bearer token is refused."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from services.psc.keys import key_ring
from shared.auth import ACCESS_TOKEN_AUDIENCE
from shared.runtime import Runtime
from shared.testing.oidc import Oidc, People, claims_of, header_of

pytestmark = pytest.mark.asyncio


async def test_professional_userinfo_has_the_psc_shape(oidc: Oidc, people: People, population) -> None:
    pro = people.generaliste
    structure = population.structure(pro.structure_id)
    response = await oidc.userinfo(await oidc.professional_token(pro.rpps or "", "e-cps"))
    assert response.status_code == 200
    info = response.json()
    assert info["sub"].endswith(f":{pro.idnat}")
    assert info["SubjectNameID"] == info["preferred_username"] == pro.idnat
    assert (info["given_name"], info["family_name"]) == (pro.prenom, pro.nom)
    assert info["otherIds"] == [{"identifiant": pro.idnat, "origine": "RPPS", "qualite": 1}]
    assert info["SubjectRole"] == ["10^1.2.250.1.213.1.1.5.5"]
    assert info["Secteur_Activite"] == f"{structure.secteur_activite}^1.2.250.1.71.4.2.4"
    assert info["SubjectOrganization"] == structure.raison_sociale
    assert info["SubjectOrganizationID"] == structure.id
    assert info["Acces_Regulation_Medicale"] == "FAUX"
    assert (info["authMode"], info["card_mode"]) == ("MOBILE", "e-cps")
    assert info["UITVersion"] == "1.0"
    assert info["Palier_Authentification"].startswith("APPPRIP3^")
    refpro = info["SubjectRefPro"]
    assert refpro["codeCivilite"] == pro.civilite
    exercice = refpro["exercices"][0]
    assert exercice["codeCiviliteDexercice"] == "DR"
    assert (exercice["nomDexercice"], exercice["prenomDexercice"]) == (pro.nom, pro.prenom)
    activity = exercice["activities"][0]
    assert activity["raisonSocialeSite"] == structure.raison_sociale
    assert activity["codePostal"] == structure.code_postal
    assert activity["numeroSiretSite"] == (structure.siret or "")
    assert activity["codeModeExercice"] == "L"
    assert "iss" not in info
    assert "exp" not in info


async def test_hospital_activity_is_salaried_with_finess(oidc: Oidc, people: People, population) -> None:
    pro = people.regulateur
    structure = population.structure(pro.structure_id)
    info = (await oidc.userinfo(await oidc.professional_token(pro.idnat))).json()
    activity = info["SubjectRefPro"]["exercices"][0]["activities"][0]
    assert activity["codeModeExercice"] == "S"
    assert activity["numeroFinessSite"] == structure.finess
    assert info["Acces_Regulation_Medicale"] == "VRAI"


async def test_secretary_userinfo_has_no_profession(oidc: Oidc, people: People) -> None:
    info = (await oidc.userinfo(await oidc.professional_token(people.secretaire.idnat))).json()
    assert info["SubjectNameID"] == people.secretaire.idnat
    assert info["otherIds"] == []
    assert info["SubjectRole"] == []
    assert info["SubjectRefPro"]["exercices"][0]["codeProfession"] == ""
    assert info["card_mode"] == "cpe"


async def test_userinfo_by_post_too(oidc: Oidc, people: People) -> None:
    token = await oidc.professional_token(people.generaliste.idnat)
    response = await oidc.http.post(
        "/psc/protocol/openid-connect/userinfo", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200
    assert response.json()["SubjectNameID"] == people.generaliste.idnat


async def test_userinfo_as_signed_jwt(oidc: Oidc, people: People, runtime: Runtime) -> None:
    token = await oidc.professional_token(people.generaliste.idnat)
    response = await oidc.userinfo(token, Accept="application/jwt")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/jwt")
    jwks = (await oidc.http.get("/psc/protocol/openid-connect/certs")).json()
    header = header_of(response.text)
    key = jwt.PyJWK(next(k for k in jwks["keys"] if k["kid"] == header["kid"]))
    signed = jwt.decode(response.text, key, algorithms=[header["alg"]], audience="esante-ci")
    assert signed["iss"] == runtime.settings.issuer
    assert signed["SubjectNameID"] == people.generaliste.idnat
    plain = await oidc.userinfo(token, Accept="application/json")
    assert plain.headers["content-type"].startswith("application/json")


async def test_service_token_has_no_userinfo(oidc: Oidc) -> None:
    token = (await oidc.token({"grant_type": "client_credentials"})).json()["access_token"]
    response = await oidc.userinfo(token)
    assert response.status_code == 403
    assert response.json()["error"] == "userinfo-subject"


async def test_patient_token_is_refused_by_the_professional_userinfo(oidc: Oidc, people: People) -> None:
    response = await oidc.userinfo(await oidc.patient_token(people.activated.ins))
    assert response.status_code == 403
    assert response.json()["rule"] == "userinfo-subject"


# --- refusals of the bearer token (the stable codes of shared/auth.py) -----------------------------


async def test_token_expires_by_the_tenant_clock(oidc: Oidc, people: People, runtime: Runtime) -> None:
    start = datetime(2030, 3, 1, 9, 0, tzinfo=UTC)
    await oidc.freeze(start)
    token = await oidc.professional_token(people.generaliste.idnat)
    lifetime = runtime.settings.token_lifetime
    await oidc.freeze(start + timedelta(seconds=lifetime - 1))
    assert (await oidc.userinfo(token)).status_code == 200
    await oidc.freeze(start + timedelta(seconds=lifetime))
    response = await oidc.userinfo(token)
    assert response.status_code == 401
    assert response.json()["error"] == "token-expired"


def _forge(claims: dict, key, alg: str = "ES256", **header: str) -> str:  # type: ignore[no-untyped-def]
    return jwt.encode(claims, key, algorithm=alg, headers={"typ": "at+jwt", **header})


async def test_forged_signature_is_refused(oidc: Oidc, people: People) -> None:
    genuine = await oidc.professional_token(people.generaliste.idnat)
    header = header_of(genuine)
    forged = _forge(claims_of(genuine), ec.generate_private_key(ec.SECP256R1()), kid=header["kid"])
    response = await oidc.userinfo(forged)
    assert response.status_code == 401
    assert response.json()["error"] == "token-signature"


async def test_tampered_payload_is_refused(oidc: Oidc, people: People) -> None:
    genuine = await oidc.professional_token(people.generaliste.idnat)
    head, _, signature = genuine.split(".")
    claims = {**claims_of(genuine), "Acces_Regulation_Medicale": "VRAI"}
    payload = jwt.utils.base64url_encode(json.dumps(claims).encode()).decode()
    response = await oidc.userinfo(f"{head}.{payload}.{signature}")
    assert response.status_code == 401
    assert response.json()["error"] == "token-signature"


async def test_alg_none_is_refused(oidc: Oidc, people: People) -> None:
    claims = claims_of(await oidc.professional_token(people.generaliste.idnat))
    unsigned = jwt.encode(claims, None, algorithm="none", headers={"typ": "at+jwt"})
    response = await oidc.userinfo(unsigned)
    assert response.status_code == 401
    assert response.json()["error"] == "token-algorithm"


async def test_wrong_issuer_is_refused(oidc: Oidc, people: People, runtime: Runtime) -> None:
    ring = key_ring(runtime.settings.data_dir, runtime.settings.signing_alg)
    claims = claims_of(await oidc.professional_token(people.generaliste.idnat))
    production = "https://auth.esw.esante.gouv.fr/auth/realms/esante-wallet"
    response = await oidc.userinfo(ring.sign({**claims, "iss": production}, typ="at+jwt"))
    assert response.status_code == 401
    assert response.json()["error"] == "token-issuer"
    resigned = await oidc.userinfo(ring.sign(claims, typ="at+jwt"))  # same claims, same key: accepted
    assert resigned.status_code == 200


async def test_wrong_audience_is_refused(oidc: Oidc, people: People, runtime: Runtime) -> None:
    ring = key_ring(runtime.settings.data_dir, runtime.settings.signing_alg)
    claims = claims_of(await oidc.professional_token(people.generaliste.idnat))
    response = await oidc.userinfo(ring.sign({**claims, "aud": "another-api"}, typ="at+jwt"))
    assert response.status_code == 401
    assert response.json()["error"] == "token-audience"
    allowed = await oidc.userinfo(ring.sign({**claims, "aud": ACCESS_TOKEN_AUDIENCE}, typ="at+jwt"))
    assert allowed.status_code == 200


async def test_id_token_is_not_an_access_token(oidc: Oidc, people: People, runtime: Runtime) -> None:
    ring = key_ring(runtime.settings.data_dir, runtime.settings.signing_alg)
    claims = claims_of(await oidc.professional_token(people.generaliste.idnat))
    response = await oidc.userinfo(ring.sign(claims, typ="JWT"))
    assert response.status_code == 401
    assert response.json()["error"] == "token-type"


@pytest.mark.parametrize("token", ["not-a-jwt", "a.b.c", "eyJhbGciOiJFUzI1NiJ9.e30"])
async def test_malformed_token_is_refused(oidc: Oidc, token: str) -> None:
    response = await oidc.userinfo(token)
    assert response.status_code == 401
    assert response.json()["error"] == "token-malformed"


async def test_missing_token_is_refused(oidc: Oidc) -> None:
    response = await oidc.http.get("/psc/protocol/openid-connect/userinfo")
    assert response.status_code == 401
    assert response.json()["error"] == "token-missing"


async def test_userinfo_takes_the_token_in_a_form_body(oidc: Oidc, people: People) -> None:
    """RFC 6750 §2.2, as Keycloak serves ProSanté Connect: POST with access_token in the form."""
    token = await oidc.professional_token(people.generaliste.rpps or "")
    answer = await oidc.http.post(
        "/psc/protocol/openid-connect/userinfo",
        content=f"access_token={token}",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["SubjectNameID"] == people.generaliste.idnat
    patient = await oidc.patient_token(people.activated.ins)
    answer = await oidc.http.post(
        "/psc/patients/protocol/openid-connect/userinfo",
        data={"access_token": patient},
    )
    assert answer.status_code == 200, answer.text


async def test_userinfo_refuses_a_token_sent_twice_or_a_bad_one_in_the_body(
    oidc: Oidc, people: People
) -> None:
    token = await oidc.professional_token(people.generaliste.rpps or "")
    twice = await oidc.http.post(
        "/psc/protocol/openid-connect/userinfo",
        data={"access_token": token},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert twice.status_code == 400
    assert (twice.json()["error"], twice.json()["rule"]) == ("token-twice", "rfc6750-one-method")
    forged = await oidc.http.post("/psc/protocol/openid-connect/userinfo", data={"access_token": "x.y.z"})
    assert forged.status_code == 401
    assert forged.headers["www-authenticate"].startswith(
        'Bearer realm="esante-sandbox", error="invalid_token"'
    )
    nothing = await oidc.http.post("/psc/protocol/openid-connect/userinfo", data={"other": "1"})
    assert nothing.status_code == 401
    assert nothing.json()["error"] == "token-missing"
