"""A legal representative logs in with their own identity and chooses the minor they act for
(``represented_ins``): the token says so, every token of that login keeps it, psc checks the link."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest

from shared.auth import PatientActor
from shared.population import Person, Population
from shared.runtime import Runtime
from shared.testing.oidc import PATIENTS, REDIRECT_URI, Oidc, claims_of

pytestmark = pytest.mark.asyncio


def _families(population: Population) -> tuple[Person, Person, Person]:
    """A minor, a parent of theirs, and another family's minor."""
    minors = [p for p in population.persons if p.parents and "adult" not in p.tags]
    child = minors[0]
    other = next(m for m in minors if not set(m.parents) & set(child.parents))
    return child, population.parents_of(child)[0], other


async def test_a_parent_gets_a_token_for_their_child(
    oidc: Oidc, population: Population, runtime: Runtime
) -> None:
    child, parent, _ = _families(population)
    token = await oidc.patient_token(parent.ins, child.ins)
    claims = claims_of(token)
    assert (claims["sub"], claims["represented_ins"]) == (parent.ins, child.ins)
    assert claims["represented"]["given_name"] == child.prenoms[0]
    actor = await runtime.verifier.verify(token, datetime.now(UTC))
    assert isinstance(actor, PatientActor)
    assert (actor.ins, actor.represented_ins, actor.profile_ins) == (parent.ins, child.ins, child.ins)
    info = await oidc.userinfo(token, patients=True)
    assert info.json()["represented_ins"] == child.ins


@pytest.mark.parametrize("who", ["another-child", "the-child-itself", "a-stranger"])
async def test_only_a_parent_acts_for_a_child(oidc: Oidc, population: Population, who: str) -> None:
    child, parent, other = _families(population)
    caller, target = {
        "another-child": (parent, other),
        "the-child-itself": (child, child),
        "a-stranger": (population.parents_of(other)[0], child),
    }[who]
    form = {"grant_type": "client_credentials", "login_hint": caller.ins, "represented_ins": target.ins}
    response = await oidc.token(form, patients=True)
    assert response.status_code == 400
    assert (response.json()["error"], response.json()["rule"]) == ("invalid_grant", "not-representative")


async def test_an_unknown_child_and_the_professional_issuer_are_refused(
    oidc: Oidc, population: Population
) -> None:
    child, parent, _ = _families(population)
    unknown = {
        "grant_type": "client_credentials",
        "login_hint": parent.ins,
        "represented_ins": "299999999999999",
    }
    response = await oidc.token(unknown, patients=True)
    assert response.json()["rule"] == "represented-unknown"
    pro = population.professionals[0]
    form = {"grant_type": "client_credentials", "login_hint": pro.idnat, "represented_ins": child.ins}
    response = await oidc.token(form)
    assert (response.status_code, response.json()["rule"]) == (400, "represented-patient-only")


async def test_the_code_flow_and_its_refresh_keep_the_child(oidc: Oidc, population: Population) -> None:
    child, parent, other = _families(population)
    answer = await oidc.login(parent.ins, patients=True, represented_ins=child.ins)
    assert answer.status_code == 303, answer.text
    code = parse_qs(urlsplit(answer.headers["location"]).query)["code"][0]
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI}
    body = (await oidc.token(form, patients=True)).json()
    assert claims_of(body["access_token"])["represented_ins"] == child.ins
    assert claims_of(body["id_token"])["represented_ins"] == child.ins
    refresh = {"grant_type": "refresh_token", "refresh_token": body["refresh_token"]}
    refreshed = (await oidc.token(refresh, patients=True)).json()
    assert claims_of(refreshed["access_token"])["represented_ins"] == child.ins
    denied = await oidc.login(parent.ins, patients=True, represented_ins=other.ins)
    assert denied.status_code == 303
    assert parse_qs(urlsplit(denied.headers["location"]).query)["error"] == ["access_denied"]


async def test_a_malformed_child_ins_goes_back_to_the_client(oidc: Oidc) -> None:
    response = await oidc.http.get(f"{PATIENTS}/auth", params=oidc.authorize_params(represented_ins="12"))
    assert response.status_code in (302, 303)
    assert parse_qs(urlsplit(response.headers["location"]).query)["error"] == ["invalid_request"]
