"""The rights lookups through the all-in-one app: every population case, the date, the carte Vitale
form, who may call, and bad input."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from conftest import Adri, Pros
from shared.identifiers import nir_key
from shared.population import Person, Population

pytestmark = pytest.mark.asyncio

REFERENCE = date(2026, 1, 1)


def _day(value: date) -> str:
    return value.isoformat()


# --- population cases ----------------------------------------------------------------------------------


async def test_rights_open_gives_the_situation(adri: Adri, doctor: dict[str, str], persons) -> None:
    person: Person = persons("rights-open", "adult", test=lambda p: len(p.rights.periods) == 1)
    period = person.rights.periods[0]
    response = await adri.lookup(person.ins, doctor)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["date"] == "2026-01-01"
    assert body["beneficiary"]["matricule"] == person.ins
    assert body["beneficiary"]["nom_naissance"] == person.nom_naissance
    assert body["beneficiary"]["prenoms"] == list(person.prenoms)
    assert body["beneficiary"]["qualite"] == "assure"
    assert body["ouvrant_droit"]["matricule"] == person.ins
    assert body["regime"]["code"] == period.regime
    assert (body["caisse"], body["centre"]) == (period.caisse, period.centre)
    assert body["amo"] == {"start": _day(period.start), "end": None}
    assert body["medecin_traitant_rpps"] == person.rights.medecin_traitant_rpps
    assert body["apcv_session"] is None


async def test_rights_closed_has_its_code(adri: Adri, doctor: dict[str, str], persons) -> None:
    person: Person = persons("rights-closed")
    response = await adri.lookup(person.ins, doctor)
    assert response.status_code == 404
    assert response.json()["error"] == "rights-closed"
    assert response.json()["rule"] == "rights-closed"
    ended = person.rights.periods[-1].end
    assert ended is not None
    assert ended.isoformat() in response.json()["detail"]


async def test_rights_closed_were_open_on_their_last_day(adri: Adri, doctor: dict[str, str], persons) -> None:
    person: Person = persons("rights-closed")
    ended = person.rights.periods[-1].end
    assert ended is not None
    response = await adri.lookup(person.ins, doctor, date=_day(ended))
    assert response.status_code == 200, response.text
    assert response.json()["amo"]["end"] == _day(ended)
    after = await adri.lookup(person.ins, doctor, date=_day(ended + timedelta(days=1)))
    assert after.json()["error"] == "rights-closed"


async def test_rights_starting_later_have_their_code(adri: Adri, doctor: dict[str, str], persons) -> None:
    person: Person = persons("rights-future")
    start = person.rights.periods[0].start
    before = await adri.lookup(person.ins, doctor, date=_day(start - timedelta(days=1)))
    assert before.status_code == 404
    assert before.json()["error"] == "rights-not-yet-open"
    assert start.isoformat() in before.json()["detail"]
    opened = await adri.lookup(person.ins, doctor, date=_day(start))
    assert opened.status_code == 200, opened.text
    assert opened.json()["amo"]["start"] == _day(start)


async def test_regime_change_answers_each_regime_at_its_date(
    adri: Adri, doctor: dict[str, str], persons
) -> None:
    person: Person = persons("regime-change", test=lambda p: p.ouvrant_droit_id == p.id)
    first, second = person.rights.periods[0], person.rights.periods[-1]
    assert first.regime != second.regime
    assert first.end is not None
    old = await adri.lookup(person.ins, doctor, date=_day(first.end))
    new = await adri.lookup(person.ins, doctor, date=_day(second.start))
    assert old.status_code == new.status_code == 200
    assert old.json()["regime"]["code"] == first.regime
    assert new.json()["regime"]["code"] == second.regime
    assert [p["regime"] for p in new.json()["amo_periods"]] == [p.regime for p in person.rights.periods]


async def test_ald_is_listed_while_in_force_only(adri: Adri, doctor: dict[str, str], persons) -> None:
    def fits(p: Person) -> bool:
        ald = p.rights.ald[0]
        return (
            p.rights.period_at(REFERENCE) is not None
            and p.rights.period_at(ald.start - timedelta(days=1)) is not None
            and ald.start <= REFERENCE
        )

    person: Person = persons("ald", "rights-open", test=fits)
    ald = person.rights.ald[0]
    during = await adri.lookup(person.ins, doctor)
    codes = {(e["kind"], e["code"]) for e in during.json()["exonerations"]}
    assert ("ald", ald.code) in codes
    listed = next(e for e in during.json()["exonerations"] if e["code"] == ald.code)
    assert listed["start"] == _day(ald.start)
    assert listed["libelle"] == ald.label
    before = await adri.lookup(person.ins, doctor, date=_day(ald.start - timedelta(days=1)))
    assert before.status_code == 200
    assert ald.code not in {e["code"] for e in before.json()["exonerations"]}


async def test_invalidite_is_an_exoneration(adri: Adri, doctor: dict[str, str], persons) -> None:
    person: Person = persons("invalidite", "rights-open")
    body = (await adri.lookup(person.ins, doctor)).json()
    assert "invalidite" in {e["kind"] for e in body["exonerations"]}


async def test_css_is_given_with_its_period_while_in_force(
    adri: Adri, doctor: dict[str, str], persons
) -> None:
    def fits(p: Person) -> bool:
        css = p.rights.css
        return css.start <= REFERENCE <= css.end and p.rights.periods[-1].end is None

    person: Person = persons("css", "rights-open", test=fits)
    css = person.rights.css
    during = await adri.lookup(person.ins, doctor)
    assert during.json()["css"] == {"start": _day(css.start), "end": _day(css.end)}
    after = await adri.lookup(person.ins, doctor, date=_day(css.end + timedelta(days=1)))
    assert after.status_code == 200
    assert after.json()["css"] is None


async def test_child_on_a_parents_rights(
    adri: Adri, doctor: dict[str, str], persons, population: Population
) -> None:
    child: Person = persons("child-on-parent-rights", "rights-open", "nir")
    parent = population.person(child.ouvrant_droit_id)
    assert parent is not None
    assert parent.id != child.id
    body = (await adri.lookup(child.ins, doctor)).json()
    assert body["beneficiary"]["qualite"] == "ayant-droit"
    assert body["ouvrant_droit"]["matricule"] == parent.ins
    assert body["ouvrant_droit"]["qualite"] == "assure"
    assert child.ins in {m["matricule"] for m in body["ayants_droit"]}
    from_parent = (await adri.lookup(parent.ins, doctor)).json()
    assert from_parent["beneficiary"]["qualite"] == "assure"
    assert child.ins in {m["matricule"] for m in from_parent["ayants_droit"]}
    assert parent.ins not in {m["matricule"] for m in from_parent["ayants_droit"]}


async def test_person_with_own_rights_has_no_one_else_on_them(
    adri: Adri, doctor: dict[str, str], persons, population: Population
) -> None:
    ouvrants = {p.ouvrant_droit_id for p in population.persons if p.ouvrant_droit_id != p.id}
    person: Person = persons("rights-open", "adult", test=lambda p: p.id not in ouvrants)
    assert (await adri.lookup(person.ins, doctor)).json()["ayants_droit"] == []


async def test_unknown_person_has_its_code(adri: Adri, doctor: dict[str, str], persons) -> None:
    person: Person = persons("unknown-to-adri")
    response = await adri.lookup(person.ins, doctor)
    assert response.status_code == 404
    assert response.json()["error"] == "beneficiary-unknown"


async def test_nia_of_a_person_waiting_for_a_nir_is_looked_up(
    adri: Adri, doctor: dict[str, str], population: Population
) -> None:
    provisoire = population.person("CNAM09")
    assert provisoire is not None
    assert provisoire.ins_kind == "NIA"
    response = await adri.lookup(provisoire.ins, doctor)
    assert response.status_code == 200, response.text
    assert response.json()["beneficiary"]["matricule"] == provisoire.ins


async def test_published_key_mismatch_of_a_test_identity_is_served(
    adri: Adri, doctor: dict[str, str], population: Population
) -> None:
    hermann = population.person("CNAM08")
    assert hermann is not None
    assert int(hermann.ins[13:]) != nir_key(hermann.ins[:13])
    response = await adri.lookup(hermann.ins, doctor)
    assert response.status_code == 200, response.text
    assert response.json()["beneficiary"]["nom_naissance"] == "HERMANN"


# --- the date -----------------------------------------------------------------------------------------


async def test_default_date_is_the_tenant_clocks_today(adri: Adri, pros: Pros, persons) -> None:
    person: Person = persons("rights-closed")
    ended = person.rights.periods[-1].end
    await adri.freeze(f"{ended.isoformat()}T23:00:00Z")
    on_last_day = await adri.lookup(person.ins, await adri.pro(pros.generaliste))
    assert on_last_day.status_code == 200, on_last_day.text
    assert on_last_day.json()["date"] == _day(ended)
    await adri.freeze(f"{(ended + timedelta(days=1)).isoformat()}T00:00:00Z")
    next_day = await adri.lookup(person.ins, await adri.pro(pros.generaliste))
    assert next_day.json()["error"] == "rights-closed"


async def test_explicit_date_wins_over_the_clock(adri: Adri, doctor: dict[str, str], persons) -> None:
    person: Person = persons("rights-closed")
    ended = person.rights.periods[-1].end
    response = await adri.lookup(person.ins, doctor, date=_day(ended - timedelta(days=3)))
    assert response.status_code == 200
    assert response.json()["date"] == _day(ended - timedelta(days=3))


# --- the carte Vitale form -------------------------------------------------------------------------


def _twins(population: Population) -> tuple[Person, Person, Person]:
    first = next(p for p in population.persons if p.twin_of and p.rang_naissance == 1 and p.rights)
    second = population.person(first.twin_of or "")
    parent = population.person(first.ouvrant_droit_id or "")
    assert second is not None
    assert parent is not None
    assert second.ouvrant_droit_id == parent.id
    return parent, first, second


async def test_twins_are_told_apart_by_rang(
    adri: Adri, doctor: dict[str, str], population: Population
) -> None:
    parent, first, second = _twins(population)
    rang2 = await adri.by_card(doctor, ouvrant_droit=parent.ins, rang_naissance=2)
    assert rang2.status_code == 200, rang2.text
    assert rang2.json()["beneficiary"]["matricule"] == second.ins
    assert rang2.json()["beneficiary"]["rang_naissance"] == 2
    rang1 = await adri.by_card(
        doctor, ouvrant_droit=parent.ins, rang_naissance=1, date_naissance=first.date_naissance
    )
    assert rang1.status_code == 200, rang1.text
    assert rang1.json()["beneficiary"]["matricule"] == first.ins


async def test_rang_shared_by_several_needs_the_date_naissance(
    adri: Adri, doctor: dict[str, str], population: Population
) -> None:
    parent, _, _ = _twins(population)
    ambiguous = await adri.by_card(doctor, ouvrant_droit=parent.ins, rang_naissance=1)
    assert ambiguous.status_code == 409
    assert ambiguous.json()["error"] == "beneficiary-ambiguous"
    himself = await adri.by_card(
        doctor, ouvrant_droit=parent.ins, rang_naissance=1, date_naissance=parent.date_naissance
    )
    assert himself.status_code == 200
    assert himself.json()["beneficiary"]["matricule"] == parent.ins


async def test_alone_on_their_rights_rang_1_is_enough(
    adri: Adri, doctor: dict[str, str], persons, population: Population
) -> None:
    ouvrants = {p.ouvrant_droit_id for p in population.persons if p.ouvrant_droit_id != p.id}
    person: Person = persons("rights-open", "adult", test=lambda p: p.id not in ouvrants)
    response = await adri.by_card(doctor, ouvrant_droit=person.ins, rang_naissance=1)
    assert response.status_code == 200
    assert response.json()["beneficiary"]["matricule"] == person.ins


async def test_unknown_rang_has_its_code(adri: Adri, doctor: dict[str, str], population: Population) -> None:
    parent, _, _ = _twins(population)
    response = await adri.by_card(doctor, ouvrant_droit=parent.ins, rang_naissance=3)
    assert response.status_code == 404
    assert response.json()["error"] == "rang-unknown"


async def test_wrong_date_naissance_for_the_rang(
    adri: Adri, doctor: dict[str, str], population: Population
) -> None:
    parent, _, _ = _twins(population)
    response = await adri.by_card(
        doctor, ouvrant_droit=parent.ins, rang_naissance=2, date_naissance="1900-01-01"
    )
    assert response.status_code == 404
    assert response.json()["error"] == "beneficiary-unknown"


async def test_an_ayant_droit_is_not_an_ouvrant_droit(adri: Adri, doctor: dict[str, str], persons) -> None:
    child: Person = persons("child-on-parent-rights", "rights-open", "nir")
    response = await adri.by_card(doctor, ouvrant_droit=child.ins, rang_naissance=1)
    assert response.status_code == 404
    assert response.json()["error"] == "ouvrant-droit-unknown"
    assert "ayant droit" in response.json()["detail"]


async def test_unknown_ouvrant_droit(adri: Adri, doctor: dict[str, str], persons) -> None:
    person: Person = persons("unknown-to-adri")
    response = await adri.by_card(doctor, ouvrant_droit=person.ins, rang_naissance=1)
    assert response.status_code == 404
    assert response.json()["error"] == "ouvrant-droit-unknown"


async def test_carte_vitale_form_applies_the_date(adri: Adri, doctor: dict[str, str], persons) -> None:
    person: Person = persons("rights-future", test=lambda p: p.ouvrant_droit_id == p.id)
    start = person.rights.periods[0].start
    early = await adri.by_card(doctor, ouvrant_droit=person.ins, rang_naissance=1, date=_day(REFERENCE))
    assert early.json()["error"] == "rights-not-yet-open"
    opened = await adri.by_card(doctor, ouvrant_droit=person.ins, rang_naissance=1, date=_day(start))
    assert opened.status_code == 200


# --- who may call ---------------------------------------------------------------------------------------


async def test_no_token_is_refused(adri: Adri, persons) -> None:
    response = await adri.lookup(persons("rights-open").ins, {})
    assert response.status_code == 401
    assert response.json()["error"] == "token-missing"


async def test_e_cps_may_look_up(adri: Adri, pros: Pros, persons) -> None:
    headers = await adri.pro(pros.generaliste, "e-cps")
    assert (await adri.lookup(persons("rights-open").ins, headers)).status_code == 200


async def test_cpe_secretary_may_look_up(adri: Adri, pros: Pros, persons) -> None:
    headers = await adri.pro(pros.secretaire, "cpe")
    response = await adri.lookup(persons("rights-open").ins, headers)
    assert response.status_code == 200, response.text


async def test_patient_token_is_refused(adri: Adri, persons) -> None:
    patient: Person = persons("rights-open", "mes-activated")
    response = await adri.lookup(patient.ins, await adri.patient(patient))
    assert response.status_code == 403
    assert response.json()["rule"] == "actor-kind"


async def test_software_token_without_a_professional_is_refused(adri: Adri, persons) -> None:
    headers = {"Authorization": f"Bearer {await adri.token()}"}
    response = await adri.by_card(headers, ouvrant_droit=persons("rights-open").ins, rang_naissance=1)
    assert response.status_code == 403
    assert response.json()["rule"] == "actor-kind"


# --- bad input --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "nir",
    [
        "27512632207497",  # 14 characters
        "2751263220749745",  # 16
        "2751263220749A4",  # a letter outside the department
        "975126322074974",  # sex digit 9
        "275136322074974",  # month 13
        "2751263220 4974",  # a space
        "9" * 1000,  # oversized
        "２７５１２６３２２０７４９７４",  # 15 full-width digits
        "2751263220749é4",
    ],
)
async def test_malformed_nir(adri: Adri, doctor: dict[str, str], nir: str) -> None:
    response = await adri.lookup(nir, doctor)
    assert response.status_code == 400
    assert response.json()["error"] == "nir-malformed"
    assert len(response.json()["detail"]) < 300


async def test_wrong_key(adri: Adri, doctor: dict[str, str], persons) -> None:
    person: Person = persons("rights-open", "nir")
    wrong = f"{person.ins[:13]}{(int(person.ins[13:]) % 97) + 1:02d}"
    response = await adri.lookup(wrong, doctor)
    assert response.status_code == 400
    assert response.json()["error"] == "nir-key"
    by_card = await adri.by_card(doctor, ouvrant_droit=wrong, rang_naissance=1)
    assert by_card.json()["error"] == "nir-key"


async def test_lowercase_corsican_department_is_read(
    adri: Adri, doctor: dict[str, str], population: Population
) -> None:
    corse = population.person("CNAM05")
    assert corse is not None
    assert "2B" in corse.ins
    response = await adri.lookup(corse.ins.lower(), doctor)
    assert response.status_code == 200
    assert response.json()["beneficiary"]["matricule"] == corse.ins


@pytest.mark.parametrize(
    "value", ["2026-02-30", "2026-13-01", "26-01-01", "today", "2026-01-01T00:00", "1" * 500]
)
async def test_impossible_dates(adri: Adri, doctor: dict[str, str], persons, value: str) -> None:
    response = await adri.lookup(persons("rights-open").ins, doctor, date=value)
    assert response.status_code == 400
    assert response.json()["error"] == "date-invalid"


@pytest.mark.parametrize("value", ["2026-02-30", "2026-00-05", "2026-13-00", "x"])
async def test_impossible_date_naissance(
    adri: Adri, doctor: dict[str, str], population: Population, value: str
) -> None:
    parent, _, _ = _twins(population)
    response = await adri.by_card(doctor, ouvrant_droit=parent.ins, rang_naissance=1, date_naissance=value)
    assert response.status_code == 400
    assert response.json()["error"] == "date-invalid"


@pytest.mark.parametrize("rang", ["0", "10", "un", "", "1" * 300])
async def test_rang_outside_1_to_9(adri: Adri, doctor: dict[str, str], persons, rang: str) -> None:
    response = await adri.by_card(doctor, ouvrant_droit=persons("rights-open").ins, rang_naissance=rang)
    assert response.status_code == 400
    assert response.json()["error"] == "rang-invalid"


@pytest.mark.parametrize("missing", ["ouvrant_droit", "rang_naissance"])
async def test_carte_vitale_form_needs_its_parameters(
    adri: Adri, doctor: dict[str, str], persons, missing: str
) -> None:
    params: dict[str, str | int] = {"ouvrant_droit": persons("rights-open").ins, "rang_naissance": 1}
    del params[missing]
    response = await adri.by_card(doctor, **params)
    assert response.status_code == 400
    assert response.json()["error"] == "parameter-missing"
    assert missing in response.json()["detail"]


async def test_an_empty_date_is_refused_even_after_a_lookup_of_today(
    adri: Adri, doctor: dict[str, str], persons
) -> None:
    nir = persons("rights-open").ins
    assert (await adri.lookup(nir, doctor)).status_code == 200
    response = await adri.lookup(nir, doctor, date="")
    assert response.status_code == 400
    assert response.json()["error"] == "date-invalid"


async def test_repeated_lookups_answer_the_same(adri: Adri, doctor: dict[str, str], persons) -> None:
    nir = persons("rights-open").ins
    first = await adri.lookup(nir, doctor)
    again = await adri.lookup(nir, doctor, date="2026-01-01")
    assert first.content == again.content


async def test_a_repeated_lookup_checks_the_caller_again(adri: Adri, doctor: dict[str, str], persons) -> None:
    patient: Person = persons("rights-open", "mes-activated")
    assert (await adri.lookup(patient.ins, doctor)).status_code == 200
    refused = await adri.lookup(patient.ins, await adri.patient(patient))
    assert refused.status_code == 403
    assert (await adri.lookup(patient.ins, {})).status_code == 401
