"""Token verification: every way a token can be wrong gets 401 with a stable code."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from shared.auth import (
    ACCESS_TOKEN_AUDIENCE,
    PatientActor,
    ProfessionalActor,
    ServiceActor,
    TokenError,
    TokenVerifier,
    bearer_token,
    require_patient,
    require_professional,
)
from shared.errors import Forbidden

ISSUER = "http://sandbox.test/psc"
PATIENT_ISSUER = f"{ISSUER}/patients"
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
KEY = ec.generate_private_key(ec.SECP256R1())
OTHER_KEY = ec.generate_private_key(ec.SECP256R1())
KID = "k1"


def _jwk(key: ec.EllipticCurvePrivateKey, kid: str) -> dict[str, Any]:
    jwk: dict[str, Any] = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(key.public_key()))
    return {**jwk, "kid": kid, "alg": "ES256", "use": "sig"}


async def _jwks() -> dict[str, Any]:
    return {"keys": [_jwk(KEY, KID)]}


def _verifier() -> TokenVerifier:
    return TokenVerifier(issuer=ISSUER, patient_issuer=PATIENT_ISSUER, fetch_jwks=_jwks)


PROFESSIONAL_CLAIMS: dict[str, Any] = {
    "iss": ISSUER,
    "sub": "f:1:899700427885",
    "aud": ACCESS_TOKEN_AUDIENCE,
    "azp": "esante-ci",
    "SubjectNameID": "899700427885",
    "given_name": "ANNE",
    "family_name": "MARTIN",
    "card_mode": "e-cps",
    "Acces_Regulation_Medicale": "VRAI",
    "SubjectRefPro": {
        "exercices": [
            {
                "codeProfession": "10",
                "codeSavoirFaire": "SM26",
                "activities": [
                    {
                        "identifiantTechniqueDeLaStructure": "S0001",
                        "raisonSocialeSite": "SAMU 69",
                        "numeroFinessSite": "690000880",
                        "idNatStructure": "3690000880",
                    }
                ],
            }
        ]
    },
}


def _token(
    claims: dict[str, Any] | None = None,
    *,
    key: Any = KEY,
    kid: str = KID,
    typ: str = "at+jwt",
    lifetime: timedelta = timedelta(hours=1),
) -> str:
    body = {
        "iat": int(NOW.timestamp()),
        "exp": int((NOW + lifetime).timestamp()),
        **(claims or PROFESSIONAL_CLAIMS),
    }
    return jwt.encode(body, key, algorithm="ES256", headers={"kid": kid, "typ": typ})


async def _code_of(token: str, now: datetime = NOW) -> str:
    with pytest.raises(TokenError) as caught:
        await _verifier().verify(token, now)
    assert caught.value.status == 401
    return caught.value.code


@pytest.mark.asyncio
async def test_valid_professional_token_gives_a_typed_actor() -> None:
    actor = await _verifier().verify(_token(), NOW)
    assert isinstance(actor, ProfessionalActor)
    assert actor.idnat == "899700427885"
    assert actor.rpps == "99700427885"
    assert actor.profession == "10"
    assert actor.savoir_faire == "SM26"
    assert actor.card == "e-cps"
    assert actor.regulation is True
    assert actor.structure is not None
    assert actor.structure.finess == "690000880"
    assert actor.acts_in_person


@pytest.mark.asyncio
async def test_patient_token_gives_a_patient() -> None:
    claims = {"iss": PATIENT_ISSUER, "sub": "275126322074974", "aud": ACCESS_TOKEN_AUDIENCE, "azp": "app"}
    actor = await _verifier().verify(_token(claims), NOW)
    assert actor == PatientActor(ins="275126322074974", nom="", prenom="", client_id="app")


@pytest.mark.asyncio
async def test_client_token_gives_a_service() -> None:
    claims = {"iss": ISSUER, "sub": "esante-ci", "aud": ACCESS_TOKEN_AUDIENCE, "azp": "esante-ci"}
    assert await _verifier().verify(_token(claims), NOW) == ServiceActor(client_id="esante-ci")


@pytest.mark.asyncio
async def test_expiry_follows_the_given_clock() -> None:
    token = _token(lifetime=timedelta(minutes=5))
    assert await _verifier().verify(token, NOW + timedelta(minutes=4))
    assert await _code_of(token, NOW + timedelta(minutes=5)) == "token-expired"


@pytest.mark.asyncio
async def test_cached_token_still_expires() -> None:
    verifier = _verifier()
    token = _token(lifetime=timedelta(minutes=5))
    await verifier.verify(token, NOW)
    with pytest.raises(TokenError) as caught:
        await verifier.verify(token, NOW + timedelta(minutes=6))
    assert caught.value.code == "token-expired"


@pytest.mark.asyncio
@pytest.mark.parametrize(("cache_size", "checks"), [(20_000, 1), (0, 3)])
async def test_a_token_is_checked_once_per_process_unless_the_cache_is_off(
    cache_size: int, checks: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    verifier = TokenVerifier(
        issuer=ISSUER, patient_issuer=PATIENT_ISSUER, fetch_jwks=_jwks, cache_size=cache_size
    )
    calls: list[str] = []
    uncached = verifier._verify_uncached

    async def counted(token: str) -> Any:
        calls.append(token)
        return await uncached(token)

    monkeypatch.setattr(verifier, "_verify_uncached", counted)
    token = _token()
    for _ in range(3):
        assert isinstance(await verifier.verify(token, NOW), ProfessionalActor)
    assert len(calls) == checks
    assert len(verifier._cache) == (1 if cache_size else 0)


@pytest.mark.asyncio
async def test_token_from_the_future_is_refused() -> None:
    assert await _code_of(_token(), NOW - timedelta(hours=1)) == "token-not-yet-valid"


@pytest.mark.asyncio
async def test_forged_signature() -> None:
    assert await _code_of(_token(key=OTHER_KEY)) == "token-signature"


@pytest.mark.asyncio
async def test_tampered_payload() -> None:
    header, payload, signature = _token().split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["SubjectNameID"] = "810000000000"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    assert await _code_of(f"{header}.{forged}.{signature}") == "token-signature"


@pytest.mark.asyncio
async def test_alg_none() -> None:
    unsigned = jwt.encode(
        {**PROFESSIONAL_CLAIMS, "exp": int(NOW.timestamp()) + 60},
        None,
        algorithm="none",
        headers={"typ": "at+jwt"},
    )
    assert await _code_of(unsigned) == "token-algorithm"


@pytest.mark.asyncio
async def test_hs256_with_the_public_key_is_refused() -> None:
    token = jwt.encode(
        {**PROFESSIONAL_CLAIMS, "exp": 4102444800},
        "a-shared-secret-long-enough-for-hs256!",
        algorithm="HS256",
        headers={"typ": "at+jwt"},
    )
    assert await _code_of(token) == "token-algorithm"


@pytest.mark.asyncio
async def test_wrong_issuer() -> None:
    assert await _code_of(_token({**PROFESSIONAL_CLAIMS, "iss": "http://evil.test/psc"})) == "token-issuer"


@pytest.mark.asyncio
async def test_wrong_audience() -> None:
    assert await _code_of(_token({**PROFESSIONAL_CLAIMS, "aud": "someone-else"})) == "token-audience"


@pytest.mark.asyncio
async def test_id_token_is_not_an_access_token() -> None:
    assert await _code_of(_token(typ="JWT")) == "token-type"


@pytest.mark.asyncio
async def test_unknown_key_id() -> None:
    assert await _code_of(_token(kid="rotated-away")) == "token-signature"


@pytest.mark.asyncio
@pytest.mark.parametrize("text", ["", "abc", "a.b.c", "eyJhbGciOiJFUzI1NiJ9.e30"])
async def test_malformed(text: str) -> None:
    assert await _code_of(text) == "token-malformed"


@pytest.mark.asyncio
async def test_bad_card_mode_claim() -> None:
    assert await _code_of(_token({**PROFESSIONAL_CLAIMS, "card_mode": "cpx"})) == "token-claims"


@pytest.mark.parametrize(
    ("header", "code"),
    [(None, "token-missing"), ("Basic abc", "token-malformed"), ("Bearer ", "token-malformed")],
)
def test_authorization_header_shape(header: str | None, code: str) -> None:
    with pytest.raises(TokenError) as caught:
        bearer_token(header)
    assert caught.value.code == code


def test_bearer_token_is_extracted() -> None:
    assert bearer_token("Bearer abc.def.ghi") == "abc.def.ghi"


@pytest.mark.asyncio
async def test_cpe_cannot_act_in_person() -> None:
    claims = {**PROFESSIONAL_CLAIMS, "card_mode": "cpe", "SubjectNameID": "3690000880/CPE01"}
    claims["SubjectRefPro"] = {
        "exercices": [{"activities": PROFESSIONAL_CLAIMS["SubjectRefPro"]["exercices"][0]["activities"]}]
    }
    actor = await _verifier().verify(_token(claims), NOW)
    assert isinstance(actor, ProfessionalActor)
    assert actor.rpps is None
    assert require_professional(actor) is actor
    with pytest.raises(Forbidden) as caught:
        require_professional(actor, in_person=True)
    assert caught.value.rule == "card-cpe"


@pytest.mark.asyncio
async def test_actor_kind_checks() -> None:
    professional = await _verifier().verify(_token(), NOW)
    assert require_professional(professional, in_person=True) is professional
    with pytest.raises(Forbidden):
        require_patient(professional)
    patient = PatientActor(ins="1", nom="", prenom="", client_id="c")
    assert require_patient(patient) is patient
    with pytest.raises(Forbidden):
        require_professional(patient)


def _with(**changes: Any) -> dict[str, Any]:
    return {
        "iat": int(NOW.timestamp()),
        "exp": int((NOW + timedelta(hours=1)).timestamp()),
        **PROFESSIONAL_CLAIMS,
        **changes,
    }


def _signed(claims: dict[str, Any]) -> str:
    return jwt.encode(claims, KEY, algorithm="ES256", headers={"kid": KID, "typ": "at+jwt"})


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "changes",
    [
        {"exp": "2099-01-01"},
        {"exp": [1]},
        {"exp": {"at": 1}},
        {"exp": 10**30},
        {"exp": True},
        {"iat": "now"},
        {"iat": 1e300},
        {"nbf": [0]},
        {"SubjectRefPro": "x"},
        {"SubjectRefPro": {"exercices": {"codeProfession": "10"}}},
        {"SubjectRefPro": {"exercices": ["10"]}},
        {"SubjectRefPro": {"exercices": [{"activities": "S0001"}]}},
        {"SubjectRefPro": {"exercices": [{"codeProfession": 10}]}},
        {"sub": ["a"]},
    ],
)
async def test_claims_of_the_wrong_type_are_token_claims(changes: dict[str, Any]) -> None:
    """Signed with the right key, shaped wrong: a 401 ``token-claims``, never a crash."""
    assert await _code_of(_signed(_with(**changes))) == "token-claims"


@pytest.mark.asyncio
async def test_a_future_nbf_is_not_yet_valid_by_the_given_clock() -> None:
    later = int((NOW + timedelta(minutes=30)).timestamp())
    token = _signed(_with(nbf=later))
    assert await _code_of(token) == "token-not-yet-valid"
    actor = await _verifier().verify(token, NOW + timedelta(minutes=31))
    assert isinstance(actor, ProfessionalActor)


def test_www_authenticate_follows_rfc_6750() -> None:
    """§3: ``error="invalid_token"`` with the reason; §3.1: no error code when no token was sent."""
    bad = TokenError("the signature does not verify", code="token-signature", rule="token")
    assert bad.headers == {
        "WWW-Authenticate": 'Bearer realm="esante-sandbox", error="invalid_token", '
        'error_description="token-signature: the signature does not verify"'
    }
    quoted = TokenError('unknown card_mode "x" é', code="token-claims")
    assert quoted.headers is not None
    assert '"x"' not in quoted.headers["WWW-Authenticate"]
    assert "é" not in quoted.headers["WWW-Authenticate"]
    with pytest.raises(TokenError) as missing:
        bearer_token(None)
    assert missing.value.headers == {"WWW-Authenticate": 'Bearer realm="esante-sandbox"'}
