"""The synthetic population: determinism, coherence, coverage of every case, CNAM identities."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections import Counter, defaultdict
from datetime import date, timedelta

import pytest

from shared.identifiers import (
    OID_INS_NIA,
    OID_INS_NIR,
    OID_INS_NIR_TEST,
    is_valid_finess,
    is_valid_nir,
    is_valid_rpps,
    is_valid_siret,
    parse_idnat,
    parse_nir,
)
from shared.population import (
    CNAM_IDENTITIES,
    MES_STATUSES,
    PERSON_TAGS,
    PROFESSIONAL_TAGS,
    Person,
    Population,
    generate_population,
)

REFERENCE = date(2026, 1, 1)
GOLDEN_SHA256 = "43aa5c6aab69161921765ed4b87311b581338c4e3e2d0603264c39e08e6199fe"


@pytest.fixture(scope="module")
def population() -> Population:
    return generate_population(seed=1, persons=1000, reference_date=REFERENCE)


def canonical(population: Population) -> str:
    """Every field of every record, as sorted JSON (dates as ISO strings)."""
    data = {
        "seed": population.seed,
        "reference_date": population.reference_date,
        "persons": [dataclasses.asdict(p) for p in population.persons],
        "professionals": [dataclasses.asdict(p) for p in population.professionals],
        "structures": [dataclasses.asdict(s) for s in population.structures],
    }
    return json.dumps(data, sort_keys=True, ensure_ascii=False, default=str, separators=(",", ":"))


def generated(population: Population) -> list[Person]:
    return [p for p in population.persons if "cnam-test" not in p.tags]


# --------------------------------------------------------------------------------------------
# Determinism
# --------------------------------------------------------------------------------------------


def test_same_seed_and_date_give_the_same_population():
    first = generate_population(seed=5, persons=300, reference_date=REFERENCE)
    second = generate_population(seed=5, persons=300, reference_date=REFERENCE)
    assert first == second
    assert canonical(first) == canonical(second)


def test_golden_digest():
    """Drift guard: a change of this digest means every seeded world changes (bump on purpose)."""
    population = generate_population(seed=7, persons=200, reference_date=REFERENCE)
    digest = hashlib.sha256(canonical(population).encode()).hexdigest()
    assert digest == GOLDEN_SHA256


def test_another_seed_or_date_gives_another_population():
    base = canonical(generate_population(seed=5, persons=100, reference_date=REFERENCE))
    assert canonical(generate_population(seed=6, persons=100, reference_date=REFERENCE)) != base
    assert canonical(generate_population(seed=5, persons=100, reference_date=date(2027, 1, 1))) != base


def test_size_and_ids(population):
    persons = generated(population)
    assert len(persons) == 1000
    assert [p.id for p in persons] == [f"P{n:06d}" for n in range(1, 1001)]
    assert len(population.persons) == 1000 + len(CNAM_IDENTITIES)


@pytest.mark.parametrize("size", [0, 1, 2, 3, 29, 30, 31])
def test_small_populations_have_exactly_the_requested_size(size):
    population = generate_population(seed=3, persons=size, reference_date=REFERENCE)
    assert len(generated(population)) == size


def test_negative_size_is_refused():
    with pytest.raises(ValueError, match="persons"):
        generate_population(persons=-1)


def test_progress_is_reported():
    calls: list[tuple[int, int]] = []
    generate_population(seed=2, persons=2500, progress=lambda done, total: calls.append((done, total)))
    assert calls[-1] == (2500, 2500)
    assert len(calls) >= 3
    assert all(total == 2500 for _, total in calls)
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)


def test_records_are_frozen(population):
    person = population.persons[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        person.nom_naissance = "X"  # type: ignore[misc]
    assert person.rights is not None
    with pytest.raises(dataclasses.FrozenInstanceError):
        person.rights.periods = ()  # type: ignore[misc]
    assert hash(person.adresse) == hash(dataclasses.replace(person.adresse))


# --------------------------------------------------------------------------------------------
# Identifiers
# --------------------------------------------------------------------------------------------


def test_every_ins_is_valid_except_the_documented_hermann_case(population):
    invalid = [p.nom_naissance for p in population.persons if not is_valid_nir(p.ins)]
    assert invalid == ["HERMANN"]


def test_ins_are_unique(population):
    assert len({p.ins for p in population.persons}) == len(population.persons)
    assert len({p.ins[:13] for p in population.persons}) == len(population.persons)


def test_nir_and_nia_are_coherent_with_the_traits(population):
    for person in generated(population):
        nir = parse_nir(person.ins)
        year, month, _ = person.date_naissance.split("-")
        assert nir.sexe == person.sexe
        assert nir.sex_digit == ("1" if person.sexe == "M" else "2")
        assert nir.year == int(year) % 100
        if month == "00":
            assert 20 <= nir.month <= 42
        else:
            assert nir.month == int(month)
        assert nir.place == person.lieu_naissance
        if person.lieu_naissance.startswith("99"):
            assert nir.born_abroad


def test_nir_and_nia_kinds(population):
    for person in generated(population):
        if person.ins_kind == "NIA":
            assert (person.nir, person.oid) == (None, OID_INS_NIA)
            assert "nia" in person.tags
        else:
            assert (person.nir, person.oid) == (person.ins, OID_INS_NIR)
            assert "nir" in person.tags
    kinds = Counter(p.ins_kind for p in generated(population))
    assert 0.01 < kinds["NIA"] / 1000 < 0.08


def test_emails_are_unique_and_personal(population):
    emails = [p.email for p in population.persons]
    assert len(set(emails)) == len(emails)
    assert all(email.endswith("@patient-mail.test") and email.isascii() for email in emails)


# --------------------------------------------------------------------------------------------
# Homonyms, twins, families
# --------------------------------------------------------------------------------------------


def four_traits(person: Person) -> tuple[str, str, str, str]:
    return (person.nom_naissance, person.premier_prenom, person.sexe, person.date_naissance)


def test_homonym_groups_share_the_four_traits_and_can_be_told_apart(population):
    groups: dict[tuple[str, str, str, str], list[Person]] = defaultdict(list)
    for person in population.persons:
        groups[four_traits(person)].append(person)
    shared = [group for group in groups.values() if len(group) > 1]
    assert len(shared) >= 3
    assert {len(group) for group in shared} == {2, 3}
    tagged = {p.id for p in population.persons if "homonym" in p.tags}
    assert tagged == {p.id for group in shared for p in group}
    needs_place = 0
    for group in shared:
        for person in group:
            same_prenoms = [p for p in group if p.prenoms == person.prenoms]
            if len(same_prenoms) > 1:  # the prénoms do not separate: the place must
                needs_place += 1
                places = [p.lieu_naissance for p in same_prenoms]
                assert len(set(places)) == len(places)
    assert needs_place > 0
    assert needs_place < len(tagged)  # some are separated by the other prénoms alone


def test_twins(population):
    twins = [p for p in population.persons if p.twin_of is not None]
    assert twins
    for person in twins:
        other = population.person(person.twin_of)
        assert other is not None
        assert other.twin_of == person.id
        assert other.parents == person.parents != ()
        assert other.nom_naissance == person.nom_naissance
        assert other.date_naissance == person.date_naissance
        assert other.premier_prenom != person.premier_prenom
        assert {person.rang_naissance, other.rang_naissance} == {1, 2}
        assert "twin" in person.tags
    assert all(p.rang_naissance == 1 for p in population.persons if p.twin_of is None)


def test_minors_have_adult_parents(population):
    minors = [p for p in population.persons if "minor" in p.tags]
    assert 0.1 < len(minors) / len(population.persons) < 0.4
    for minor in minors:
        assert minor.parents
        for parent_id in minor.parents:
            parent = population.person(parent_id)
            assert parent is not None
            assert "adult" in parent.tags
            assert parent.date_naissance < minor.date_naissance
    assert all(not p.parents for p in population.persons if "adult" in p.tags)


def test_age_tags_follow_the_reference_date(population):
    limit = REFERENCE.replace(year=REFERENCE.year - 18).isoformat()
    for person in population.persons:
        assert ("minor" in person.tags) == (person.date_naissance > limit)


def test_partial_birth_dates(population):
    partial = [p for p in population.persons if "partial-birth-date" in p.tags]
    assert partial
    for person in partial:
        assert person.date_naissance.endswith("-00")
        assert "adult" in person.tags
    assert any(p.date_naissance.endswith("-00-00") for p in generate_population(persons=5000).persons)


# --------------------------------------------------------------------------------------------
# Tags, Mon espace santé, rights
# --------------------------------------------------------------------------------------------


def test_every_tag_is_used_and_tags_are_sorted(population):
    used = Counter(tag for person in population.persons for tag in person.tags)
    assert set(used) == set(PERSON_TAGS)
    assert all(list(p.tags) == sorted(p.tags) for p in population.persons)


def test_mes_status_spread(population):
    statuses = Counter(p.mes_status for p in generated(population))
    expected = {"activated": 0.55, "open": 0.15, "opposed": 0.08, "closed": 0.07, "invited": 0.15}
    assert set(statuses) == set(MES_STATUSES)
    for status, share in expected.items():
        assert abs(statuses[status] / 1000 - share) < 0.05, status


def test_mes_invitation_dates(population):
    six_weeks = REFERENCE - timedelta(weeks=6)
    for person in generated(population):
        assert person.mes_invitation_date < REFERENCE
        if person.mes_status == "invited":
            assert person.mes_invitation_date > six_weeks
        else:
            assert person.mes_invitation_date <= six_weeks
        assert len(person.mes_activation_code) == 8
        assert person.mes_activation_code.isalnum()


def test_rights_of_children_come_from_a_parent(population):
    on_parent = [p for p in population.persons if "child-on-parent-rights" in p.tags]
    assert on_parent
    for child in on_parent:
        assert child.ouvrant_droit_id in child.parents
        parent = population.person(child.ouvrant_droit_id)
        assert parent is not None
        assert parent.rights is not None
        assert child.rights is not None
        assert [(p.regime, p.caisse, p.end) for p in child.rights.periods] == [
            (p.regime, p.caisse, p.end)
            for p in parent.rights.periods
            if p.end is None or p.end.isoformat() >= child.date_naissance
        ]


def test_ouvrant_droit_and_unknown_to_adri(population):
    for person in population.persons:
        if person.rights is None:
            assert "unknown-to-adri" in person.tags
            assert person.ouvrant_droit_id is None
        elif "child-on-parent-rights" not in person.tags:
            assert person.ouvrant_droit_id == person.id


def test_rights_tags_match_the_periods(population):
    for person in population.persons:
        if person.rights is None:
            continue
        periods = person.rights.periods
        assert list(periods) == sorted(periods, key=lambda p: p.start)
        assert all(p.end is None or p.end >= p.start for p in periods)
        assert len(person.rights.caisse) == 3
        assert len(person.rights.centre) == 4
        if "rights-open" in person.tags:
            assert person.rights.period_at(REFERENCE) is not None
        if "rights-future" in person.tags:
            assert periods[0].start > REFERENCE
        if "rights-closed" in person.tags:
            assert all(p.end is not None and p.end < REFERENCE for p in periods)
        if "regime-change" in person.tags:
            assert len({p.regime for p in periods}) > 1
            assert periods[0].end is not None
            assert periods[0].end + timedelta(days=1) == periods[1].start


def test_medecin_traitant_is_a_generaliste(population):
    generalistes = {p.rpps for p in population.professionals if "generaliste" in p.tags}
    declared = [p.rights.medecin_traitant_rpps for p in population.persons if p.rights]
    assert any(declared)
    assert {rpps for rpps in declared if rpps} <= generalistes


# --------------------------------------------------------------------------------------------
# CNAM test identities
# --------------------------------------------------------------------------------------------

PUBLISHED = [
    ("ADRUN", "ZOE", "F", "1975-12-31", "275126322074974", "63220"),
    ("ADRTROIS", "DOMINIQUE", "F", "1997-02-26", "297022A02077878", "2A020"),
    ("ADRTROIS", "TOUSSAINT", "M", "1960-01-01", "160012B02077713", "2B020"),
    ("ECETINSI", "PIERRE-ALAIN MURIEL FLORIANT", "M", "2009-07-14", "109076322083489", "63220"),
    ("CORSE", "ANTHONY", "M", "1980-03-02", "180032B02040123", "2B020"),
    ("NESSI", "MICHELANGELO ANTHONY", "M", "2010-08-07", "110086322083060", "63220"),
    ("TCHITCHI", "CATARINA BELLA", "F", "1936-06-21", "236066322083656", "63220"),
    ("HERMANN", "GATIEN", "M", "1981-03-24", "181036322045660", "63220"),
    ("PROVISOIRE", "MATRICULE", "M", "2009-07-01", "109076322088835", "63220"),
    ("HOUILLES", "PIERRE PAUL JACQUES", "M", "1993-01-27", None, None),
    ("DE VINCI", "LEONARDO", "M", "2014-02-01", "114029912704246", "99127"),  # and a homonym (below)
    ("ADRDEUX", "LAURENT", "M", "1981-01-01", None, None),
    ("PAT-TROIS", "DOMINIQUE MARIE-LOUISE", "F", "1979-03-28", "279035121518989", "51215"),
]


@pytest.mark.parametrize(("nom", "prenoms", "sexe", "naissance", "ins", "lieu"), PUBLISHED)
def test_cnam_identity_is_present_with_its_published_values(
    population, nom, prenoms, sexe, naissance, ins, lieu
):
    matches = [p for p in population.persons if p.nom_naissance == nom and " ".join(p.prenoms) == prenoms]
    assert len(matches) == (2 if nom == "DE VINCI" else 1)
    person = next(p for p in matches if ins is None or p.ins == ins)
    assert (person.sexe, person.date_naissance) == (sexe, naissance)
    if ins is not None:
        assert person.ins == ins
        assert person.lieu_naissance == lieu
    assert "cnam-test" in person.tags
    assert population.person_by_ins(person.ins) is person


def test_de_vinci_leonardo_has_a_homonym_as_on_the_cnam_platform(population):
    """The platform answers 02 to his traits: two identities, told apart by the place of birth."""
    twins = [p for p in population.persons if (p.nom_naissance, p.prenoms) == ("DE VINCI", ("LEONARDO",))]
    assert sorted(p.lieu_naissance for p in twins) == ["75114", "99127"]
    assert all("homonym" in p.tags for p in twins)
    assert len({p.email for p in twins}) == 2


def test_cnam_behaviours(population):
    by_name = {p.nom_naissance + " " + p.premier_prenom: p for p in population.persons}
    assert by_name["HOUILLES PIERRE"].insi_behaviour == "always-01"
    assert by_name["TCHITCHI CATARINA"].insi_behaviour == "prenom-ola-01"
    assert by_name["HERMANN GATIEN"].insi_behaviour == "key-mismatch"
    provisoire = by_name["PROVISOIRE MATRICULE"]
    assert (provisoire.insi_behaviour, provisoire.ins_kind, provisoire.oid) == (
        "nia-oid",
        "NIA",
        OID_INS_NIA,
    )
    assert provisoire.nir is None
    assert by_name["PAT-TROIS DOMINIQUE"].oid == OID_INS_NIR_TEST
    ecetinsi = by_name["ECETINSI PIERRE-ALAIN"]
    assert ecetinsi.insi_behaviour == "history"
    assert [(h.matricule, h.date_deb, h.date_fin) for h in ecetinsi.ins_history] == [
        ("209076322083439", date(2019, 3, 1), date(2019, 2, 28)),
    ]
    assert [h.matricule for h in by_name["HERMANN GATIEN"].ins_history] == [
        "181036322045660",
        "281036322045610",
    ]


def test_cnam_minors_have_a_cnam_representative(population):
    minors = [p for p in population.persons if "cnam-test" in p.tags and "minor" in p.tags]
    assert {p.nom_naissance for p in minors} == {"ECETINSI", "NESSI", "PROVISOIRE", "DE VINCI"}
    for minor in minors:
        (parent_id,) = minor.parents
        assert parent_id.startswith("CNAM")
        assert minor.ouvrant_droit_id == parent_id
        assert "child-on-parent-rights" in minor.tags


def test_cnam_minors_grow_up():
    later = generate_population(persons=10, reference_date=date(2040, 1, 1))
    ecetinsi = next(p for p in later.persons if p.nom_naissance == "ECETINSI")
    assert ecetinsi.parents == ()
    assert "adult" in ecetinsi.tags


# --------------------------------------------------------------------------------------------
# Professionals and structures
# --------------------------------------------------------------------------------------------


def test_professionals_of_every_kind(population):
    kinds = Counter(tag for p in population.professionals for tag in p.tags)
    assert set(kinds) == set(PROFESSIONAL_TAGS)
    assert kinds["generaliste"] >= 8
    assert kinds["specialiste"] >= 4
    assert kinds["pharmacien"] >= 3
    assert kinds["infirmier"] >= 3
    for kind in ("kine", "sage-femme", "dentiste", "regulateur", "secretaire"):
        assert kinds[kind] >= 2, kind
    specialties = {p.savoir_faire for p in population.professionals if "specialiste" in p.tags}
    assert len(specialties) >= 3
    officines = {p.structure_id for p in population.professionals if "pharmacien" in p.tags}
    assert len(officines) >= 2


def test_professionals_scale_with_the_population():
    assert len(generate_population(persons=100).professionals) >= 40
    assert len(generate_population(persons=4000).professionals) >= 190


def test_professional_identifiers(population):
    for pro in population.professionals:
        prefix, inner = parse_idnat(pro.idnat)
        if pro.rpps is None:
            assert pro.cards == ("cpe",)
            assert pro.profession is None
            structure = population.structure(pro.structure_id)
            assert structure is not None
            assert structure.finess is not None
            assert inner.startswith(structure.finess + "/")
        else:
            assert is_valid_rpps(pro.rpps)
            assert pro.rpps.startswith("997")
            assert (prefix.value, inner) == ("8", pro.rpps)
            assert pro.cards == ("cps", "e-cps")
            assert population.professional_by_rpps(pro.rpps) is pro
        assert population.professional_by_idnat(pro.idnat) is pro
        assert population.professional(pro.id) is pro


def test_mssante_addresses_are_unique_and_on_the_structure_domain(population):
    addresses = [p.mssante for p in population.professionals]
    assert len(set(addresses)) == len(addresses)
    for pro in population.professionals:
        structure = population.structure(pro.structure_id)
        assert structure is not None
        assert pro.mssante.endswith("@" + structure.mssante_domain)
        assert pro.mssante.isascii()


def test_regulators_belong_to_a_centre_15(population):
    regulators = [p for p in population.professionals if p.regulation]
    assert len(regulators) >= 2
    for pro in regulators:
        structure = population.structure(pro.structure_id)
        assert structure is not None
        assert structure.kind == "centre-15"
        assert structure.mssante_domain.startswith("samu-")
        assert pro.profession == "10"


def test_medecins_have_an_ordinal_specialty(population):
    for pro in population.professionals:
        if pro.profession == "10":
            assert pro.savoir_faire is not None
            assert pro.savoir_faire.startswith("SM")
            assert pro.type_savoir_faire == "S"
            assert pro.savoir_faire_label
        if "generaliste" in pro.tags:
            assert pro.savoir_faire == "SM26"


def test_structures(population):
    kinds = Counter(s.kind for s in population.structures)
    assert set(kinds) == {"cabinet", "officine", "hopital", "centre-15"}
    domains = [s.mssante_domain for s in population.structures]
    assert len(set(domains)) == len(domains)
    for structure in population.structures:
        prefix, inner = parse_idnat(structure.idnat)
        assert structure.mssante_domain.endswith(".mssante.fr")
        assert structure.secteur_label
        if structure.kind == "cabinet":
            assert structure.finess is None
            assert structure.siret is not None
            assert is_valid_siret(structure.siret)
            assert (prefix.value, inner) == ("5", structure.siret)
        else:
            assert structure.finess is not None
            assert is_valid_finess(structure.finess)
            assert (prefix.value, inner) == ("3", structure.finess)


# --------------------------------------------------------------------------------------------
# API records
# --------------------------------------------------------------------------------------------


def test_records_have_the_api_shape(population):
    records = population.to_records()
    assert set(records) == {"persons", "professionals", "structures"}
    person = records["persons"][0]
    assert list(person) == [
        "id",
        "ins",
        "ins_kind",
        "oid",
        "nir",
        "nom_naissance",
        "nom_usage",
        "prenoms",
        "sexe",
        "date_naissance",
        "lieu_naissance",
        "commune_naissance",
        "email",
        "mes_status",
        "parents",
        "tags",
    ]
    professional = records["professionals"][0]
    assert list(professional) == [
        "id",
        "rpps",
        "idnat",
        "civilite",
        "nom",
        "prenom",
        "profession",
        "profession_label",
        "savoir_faire",
        "structure",
        "mssante",
        "cards",
        "regulation",
        "tags",
    ]
    assert set(professional["structure"]) == {"id", "raison_sociale", "finess", "idnat", "kind"}
    json.dumps(records)


def test_lookups(population):
    person = population.persons[10]
    assert population.person(person.id) is person
    assert population.person_by_ins(person.ins) is person
    assert population.person("P999999") is None
    assert population.person_by_ins("0" * 15) is None
    assert population.structure("S99999") is None
    assert population.professional_by_rpps("99700427885") is None
