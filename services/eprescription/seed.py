"""The e-prescription's part of the population: a modest deterministic set of prescriptions, so that
editors have numbers to read at once (``GET /eprescription/sandbox/prescriptions``).

For each of the first adults with an activated Mon espace santé profile (in population order), one
prescription by a médecin généraliste of the directory, written 1 to 80 days before the reference date
(the tenant clock's date at seeding), in turn: médicaments in DCI (one line, or two with one in ALD),
an LPPR device, soins infirmiers at home. Numbers come from a generator seeded with the population's
seed. They are not deposited in the DMP (``depot_dmp``: not-deposited, "seeded").
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from random import Random
from typing import Any

from sqlalchemy import Connection

from services.eprescription import repository, service
from services.eprescription.config import get_eprescription_settings
from services.eprescription.numero import make_numero
from services.eprescription.schemas import PrescriptionCreate
from shared.auth import ProfessionalActor, StructureRef
from shared.config import SandboxSettings
from shared.population import Person, Population, Professional

MEDICAMENTS = (
    ("paracétamol", "1000 mg", "Paracétamol 1000 mg comprimé", "1 comprimé toutes les 8 heures si fièvre", 7),
    ("amoxicilline", "1 g", "Amoxicilline 1 g comprimé", "1 comprimé matin et soir", 6),
    ("metformine", "850 mg", "Metformine 850 mg comprimé", "1 comprimé matin et soir au repas", 30),
    ("ramipril", "5 mg", "Ramipril 5 mg comprimé", "1 comprimé le matin", 30),
)


def _actor(pro: Professional, population: Population) -> ProfessionalActor:
    structure = population.structure(pro.structure_id)
    return ProfessionalActor(
        idnat=pro.idnat,
        rpps=pro.rpps,
        nom=pro.nom,
        prenom=pro.prenom,
        profession=pro.profession,
        savoir_faire=pro.savoir_faire,
        structure=None
        if structure is None
        else StructureRef(id=structure.id, raison_sociale=structure.raison_sociale, idnat=structure.idnat),
        card="cps",
        regulation=False,
        client_id="seed",
    )


def _lines(index: int, start: str) -> list[dict[str, Any]]:
    substance, dosage, designation, posologie, days = MEDICAMENTS[index % len(MEDICAMENTS)]
    medicament = {
        "kind": "medicament",
        "code_type": "substance",
        "substance": substance,
        "dosage": dosage,
        "designation": designation,
        "posologie": posologie,
        "duree_jours": days,
        "renouvellements": 2 if days == 30 else 0,
        "liste": "I" if substance == "amoxicilline" else "none",
        "ald": days == 30,
    }
    kind = index % 4
    if kind == 0:
        return [medicament]
    if kind == 1:
        other = MEDICAMENTS[(index + 1) % len(MEDICAMENTS)]
        return [
            medicament,
            {**medicament, "substance": other[0], "dosage": other[1], "designation": other[2]},
        ]
    if kind == 2:
        return [
            {
                "kind": "lppr",
                "code_lpp": f"{1100000 + index:07d}",
                "designation": "Bandes de contention, classe 2",
                "quantite": 2,
                "duree_jours": 30,
                "renouvellements": 2,
            }
        ]
    return [
        {
            "kind": "soins",
            "acte_type": "injection",
            "acte": "1 injection sous-cutanée d'anticoagulant le soir",
            "lieu": "domicile",
            "dimanches_feries": True,
            "duree_jours": 10,
            "date_debut": start,
        }
    ]


def _body(person: Person, index: int, start: str) -> PrescriptionCreate:
    return PrescriptionCreate.model_validate(
        {
            "prescripteur": {"numero_am": f"{751000000 + index:09d}"},
            "patient": {
                "ins": person.ins,
                "oid": person.oid,
                "nom_naissance": person.nom_naissance,
                "prenoms": list(person.prenoms),
                "sexe": person.sexe,
                "date_naissance": person.date_naissance,
                "lieu_naissance": person.lieu_naissance,
                "poids_kg": 60 + index % 30,
            },
            "consentement": "NON" if index % 5 == 4 else "OUI",
            "lignes": _lines(index, start),
        }
    )


def seed(conn: Connection, population: Population, settings: SandboxSettings) -> None:
    count = get_eprescription_settings().seed_prescriptions
    doctors = [p for p in population.professionals if "generaliste" in p.tags and p.rpps]
    patients = [p for p in population.persons if "adult" in p.tags and p.mes_status == "activated"]
    draw = Random(population.seed)
    noon = datetime(*settings.reference_date.timetuple()[:3], 12, tzinfo=UTC)
    prescriptions, lines = [], []
    for index, person in enumerate(patients[:count]):
        when = noon - timedelta(days=1 + draw.randrange(80))
        now = int(when.timestamp() * 1000)
        actor = _actor(doctors[index % len(doctors)], population)
        body = _body(person, index, when.date().isoformat())
        new = service.new_prescription(actor, body, now, numero=make_numero(draw))
        prescriptions.append({**new.row, "depot_dmp": "not-deposited", "depot_dmp_motif": "seeded"})
        lines.extend(new.lines)
    repository.insert_many(conn, "prescription", prescriptions)
    repository.insert_many(conn, "line", lines)
