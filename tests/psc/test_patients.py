"""The patient issuer (Mon espace santé): discovery, login page, code flow, CI grant, userinfo."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest

from shared.auth import PatientActor
from shared.runtime import Runtime
from shared.testing.oidc import PATIENTS, REDIRECT_URI, Oidc, People, claims_of, parse_login_form

pytestmark = pytest.mark.asyncio


async def test_client_credentials_with_an_ins(oidc: Oidc, people: People, runtime: Runtime) -> None:
    person = people.activated
    token = await oidc.patient_token(person.ins)
    claims = claims_of(token)
    assert claims["iss"] == runtime.settings.patient_issuer
    assert claims["sub"] == person.ins
    assert claims["family_name"] == person.nom_usage
    assert claims["given_name"] == person.prenoms[0]
    assert "SubjectNameID" not in claims
    actor = await runtime.verifier.verify(token, datetime.now(UTC))
    assert actor == PatientActor(
        ins=person.ins,
        nom=person.nom_usage,
        prenom=person.prenoms[0],
        client_id="esante-ci",
        birthdate=person.date_naissance,
    )


@pytest.mark.parametrize("status", ["opposed", "open"])
async def test_any_person_of_the_register_may_log_in(oidc: Oidc, people: People, status: str) -> None:
    """The DMP, which owns the profile's status, decides what the token allows; psc does not."""
    person = people.opposed if status == "opposed" else people.open_account
    response = await oidc.token({"grant_type": "client_credentials", "login_hint": person.ins}, patients=True)
    assert response.status_code == 200
    assert claims_of(response.json()["access_token"])["sub"] == person.ins


async def test_unknown_ins_is_refused(oidc: Oidc) -> None:
    response = await oidc.token(
        {"grant_type": "client_credentials", "login_hint": "299999999999999"}, patients=True
    )
    assert response.status_code == 400
    assert response.json()["rule"] == "login-hint-unknown"


async def test_patient_issuer_needs_a_login_hint(oidc: Oidc) -> None:
    response = await oidc.token({"grant_type": "client_credentials"}, patients=True)
    assert response.status_code == 400
    assert (response.json()["error"], response.json()["rule"]) == ("invalid_request", "login-hint-missing")


async def test_professional_login_hint_is_not_a_patient(oidc: Oidc, people: People) -> None:
    response = await oidc.token(
        {"grant_type": "client_credentials", "login_hint": people.generaliste.rpps or ""}, patients=True
    )
    assert response.status_code == 400
    assert response.json()["rule"] == "login-hint-unknown"


async def test_patient_userinfo(oidc: Oidc, people: People) -> None:
    person = people.activated
    response = await oidc.userinfo(await oidc.patient_token(person.ins), patients=True)
    assert response.status_code == 200
    info = response.json()
    assert info["sub"] == person.ins
    assert info["birth_family_name"] == person.nom_naissance
    assert info["birthdate"] == person.date_naissance
    assert info["gender"] == {"M": "male", "F": "female"}[person.sexe]


async def test_professional_token_is_refused_by_the_patient_userinfo(oidc: Oidc, people: People) -> None:
    response = await oidc.userinfo(await oidc.professional_token(people.generaliste.idnat), patients=True)
    assert response.status_code == 403
    assert response.json()["rule"] == "userinfo-subject"


async def test_login_page_searches_by_ins_and_name(oidc: Oidc, people: People) -> None:
    person = people.activated
    by_ins = await oidc.http.get(f"{PATIENTS}/auth", params={**oidc.authorize_params(), "q": person.ins})
    assert by_ins.status_code == 200
    assert [v for _, v, _ in parse_login_form(by_ins.text).buttons] == [person.ins]
    by_name = await oidc.http.get(
        f"{PATIENTS}/auth", params={**oidc.authorize_params(), "q": person.nom_naissance.lower()}
    )
    assert person.ins in [v for _, v, _ in parse_login_form(by_name.text).buttons]
    opposed = await oidc.http.get(
        f"{PATIENTS}/auth", params={**oidc.authorize_params(), "q": people.opposed.ins}
    )
    assert [v for _, v, _ in parse_login_form(opposed.text).buttons] == [people.opposed.ins]


async def test_login_page_is_paginated(oidc: Oidc, population) -> None:
    first = await oidc.http.get(f"{PATIENTS}/auth", params=oidc.authorize_params())
    assert 'rel="next"' in first.text
    assert 'rel="prev"' not in first.text
    second = await oidc.http.get(f"{PATIENTS}/auth", params={**oidc.authorize_params(), "page": "2"})
    assert 'rel="prev"' in second.text
    first_ins = {v for _, v, _ in parse_login_form(first.text).buttons}
    second_ins = {v for _, v, _ in parse_login_form(second.text).buttons}
    assert first_ins
    assert second_ins
    assert not first_ins & second_ins
    last = await oidc.http.get(f"{PATIENTS}/auth", params={**oidc.authorize_params(), "page": "1000"})
    assert 'rel="next"' not in last.text


async def test_patient_code_flow(oidc: Oidc, people: People, runtime: Runtime) -> None:
    person = people.activated
    answer = await oidc.login(person.ins, patients=True)
    assert answer.status_code == 303
    code = parse_qs(urlsplit(answer.headers["location"]).query)["code"][0]
    response = await oidc.token(
        {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI}, patients=True
    )
    assert response.status_code == 200
    body = response.json()
    id_token = claims_of(body["id_token"])
    assert (id_token["iss"], id_token["sub"], id_token["aud"]) == (
        runtime.settings.patient_issuer,
        person.ins,
        "esante-ci",
    )
    refreshed = await oidc.token(
        {"grant_type": "refresh_token", "refresh_token": body["refresh_token"]}, patients=True
    )
    assert refreshed.status_code == 200
    assert claims_of(refreshed.json()["access_token"])["sub"] == person.ins


async def test_codes_do_not_cross_issuers(oidc: Oidc, people: People) -> None:
    answer = await oidc.login(people.activated.ins, patients=True)
    code = parse_qs(urlsplit(answer.headers["location"]).query)["code"][0]
    response = await oidc.token(
        {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI}
    )
    assert response.status_code == 400
    assert response.json()["rule"] == "code-unknown"


async def test_login_of_an_unknown_person_is_access_denied(oidc: Oidc) -> None:
    fields = oidc.authorize_params()
    answer = await oidc.http.post(f"{PATIENTS}/auth", data={**fields, "login": "199999999999999"})
    assert answer.status_code == 303
    assert parse_qs(urlsplit(answer.headers["location"]).query)["error"] == ["access_denied"]
