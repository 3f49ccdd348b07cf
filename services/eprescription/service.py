"""The e-prescription's rules: who acts, prescribing, reading by number, dispensing, cancelling,
the executions the prescriber may see. Never commits and never knows about HTTP: the router hands a
connection of the request's unit of work, the caller, and the tenant clock's instant (Unix ms).
The rule tables are in ``rules.py``; this module applies them and raises errors naming the rule."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Final

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from services.eprescription import repository, rules
from services.eprescription.errors import (
    AnnulationRefusee,
    DispensationConcurrente,
    DispensationRefusee,
    ExecutionsRefusees,
    NumeroInvalide,
    NumeroPris,
    PrescriptionClose,
    PrescriptionInconnue,
    PrescriptionRefusee,
    ProfessionRefusee,
)
from services.eprescription.numero import NumeroError, make_numero, parse_numero
from services.eprescription.records import Prescription
from services.eprescription.rules import Kind, Liste
from services.eprescription.schemas import (
    DispensationCreate,
    LineCreate,
    LpprCreate,
    MedicamentCreate,
    PrescriptionCreate,
)
from shared.auth import Actor, PatientActor, ProfessionalActor, require_professional
from shared.identifiers import NirError, birth_date_fault, is_valid_finess, parse_nir
from shared.population.referentials import PROFESSIONS, SAVOIR_FAIRE

DAY_MS: Final = 86_400_000


def today_of(now_ms: int) -> date:
    return datetime.fromtimestamp(now_ms / 1000, UTC).date()


_BIRTH_FAULTS: Final = {
    "format": "not YYYY-MM-DD",
    "impossible": "not a day of the calendar (00 stands for an unknown day or month)",
    "future": "after today (tenant clock)",
}


def check_numero(value: str) -> str:
    try:
        return parse_numero(value)
    except NumeroError as exc:
        raise NumeroInvalide(str(exc), rule=exc.rule) from None


def acting_professional(actor: Actor) -> ProfessionalActor:
    """Only a professional's CPS or e-CPS acts on prescriptions (a CPE card: ``card-cpe``)."""
    return require_professional(actor, in_person=True)


def _refuse(refus: rules.Refus | None, error: type[PrescriptionRefusee | DispensationRefusee]) -> None:
    if refus is None:
        return
    if refus.rule in ("prescriber-kind", "stupefiant-prescriber", "executant-kind"):
        raise ProfessionRefusee(f"{refus.detail} ({refus.article})", rule=refus.rule)
    raise error(f"{refus.detail} ({refus.article})", rule=refus.rule)


# --- prescribing ----------


def _spec(line: LineCreate) -> rules.LineSpec:
    if isinstance(line, MedicamentCreate):
        return rules.LineSpec(Kind.MEDICAMENT, Liste(line.liste), line.duree_jours, line.renouvellements)
    if isinstance(line, LpprCreate):
        return rules.LineSpec(Kind.LPPR, Liste.NONE, line.duree_jours, line.renouvellements)
    passages = line.nombre_passages or line.passages_par_jour * (line.duree_jours or 0)
    return rules.LineSpec(
        Kind.SOINS, duree_jours=line.duree_jours or 0, acte_type=line.acte_type, passages=passages
    )


def _line_row(numero: str, rang: int, line: LineCreate) -> dict[str, Any]:
    spec = _spec(line)
    detail = line.model_dump(mode="json", exclude_none=True)
    row: dict[str, Any] = {
        "numero": numero,
        "rang": rang,
        "kind": spec.kind.value,
        "detail": json.dumps(detail, ensure_ascii=False, separators=(",", ":")),
        "liste": spec.liste.value,
        "conditionnement": "standard",
        "duree_jours": spec.duree_jours,
        "quantite_periode": 0,
        "conditionnement_superieur": False,
        "date_debut": None,
    }
    if isinstance(line, MedicamentCreate):
        row["conditionnement"] = line.conditionnement
        total = line.duree_jours * (1 + line.renouvellements)
    elif isinstance(line, LpprCreate):
        row["quantite_periode"] = line.quantite
        row["conditionnement_superieur"] = line.conditionnement_superieur
        total = line.quantite * (1 + line.renouvellements)
    else:
        row["date_debut"] = line.date_debut.isoformat()
        total = spec.passages
    row["total"] = row["restant"] = total
    return row


def _prescripteur(pro: ProfessionalActor, body: PrescriptionCreate) -> dict[str, Any]:
    given = body.prescripteur
    if not pro.rpps:
        raise ProfessionRefusee("the prescriber is identified by an RPPS number", rule="prescripteur-rpps")
    if not (given.numero_am or given.finess):
        raise PrescriptionRefusee(
            "the prescriber gives the N° AM or the FINESS number (CSS R.161-45)",
            rule="prescripteur-identification",
        )
    if given.numero_am is not None and not (len(given.numero_am) == 9 and given.numero_am.isdigit()):
        raise PrescriptionRefusee("the N° AM has 9 digits", rule="numero-am-format")
    if given.finess is not None and not is_valid_finess(given.finess):
        raise PrescriptionRefusee(
            "the FINESS number is not valid (9 characters, Luhn key)", rule="finess-format"
        )
    structure = pro.structure
    return {
        "idnat": pro.idnat,
        "rpps": pro.rpps,
        "nom": pro.nom,
        "prenom": pro.prenom,
        "profession": pro.profession,
        "profession_libelle": PROFESSIONS.get(pro.profession or "", None),
        "specialite": SAVOIR_FAIRE.get(pro.savoir_faire or "", None),
        "structure": None if structure is None else structure.raison_sociale,
        "numero_am": given.numero_am,
        "finess": given.finess,
    }


@dataclass(frozen=True, slots=True)
class NewPrescription:
    row: dict[str, Any]
    lines: list[dict[str, Any]]


def new_prescription(
    actor: Actor, body: PrescriptionCreate, now: int, numero: str | None = None
) -> NewPrescription:
    """Check a prescription against every prescribing rule; nothing is written here."""
    pro = acting_professional(actor)
    prescripteur = _prescripteur(pro, body)
    patient = body.patient
    ins = patient.ins.strip().upper()
    try:
        parse_nir(ins)
    except NirError as exc:
        # The key is INSi's concern (the DMP asks it): a CNAM test identity has a published bad key.
        if exc.reason != "key" or len(ins) != 15:
            raise PrescriptionRefusee(
                f"{patient.ins[:20]!r} is not a matricule INS: {exc}", rule="ins-format"
            ) from None
    today = today_of(now)
    fault = birth_date_fault(patient.date_naissance, today)
    if fault is not None:
        raise PrescriptionRefusee(
            f"date_naissance {patient.date_naissance} is {_BIRTH_FAULTS[fault]}", rule="date-naissance"
        )
    if body.executer_avant is not None and body.executer_avant < today:
        raise PrescriptionRefusee("« à exécuter avant le » is a date to come", rule="executer-avant-passe")
    age = rules.age_on(patient.date_naissance, today)
    families = set()
    for rang, line in enumerate(body.lignes, start=1):
        spec = _spec(line)
        _refuse(rules.may_prescribe(pro.profession, spec), PrescriptionRefusee)
        refus = rules.check_line(spec)
        if refus is not None:
            raise PrescriptionRefusee(f"line {rang}: {refus.detail} ({refus.article})", rule=refus.rule)
        weight_rule = rules.needs_weight(spec.kind, age)
        if weight_rule is not None and patient.poids_kg is None:
            rule = rules.RULES[weight_rule]
            raise PrescriptionRefusee(f"line {rang}: {rule.text} ({rule.article})", rule=weight_rule)
        families.add("soins" if spec.kind is Kind.SOINS else "produits-de-sante")
    if len(families) > 1:
        raise PrescriptionRefusee(
            "médicaments and LPPR go on one ordonnance, soins on another", rule="famille-mixte"
        )
    if numero is None:
        numero = make_numero() if body.numero is None else check_numero(body.numero)
    patient_block = {**patient.model_dump(mode="json"), "ins": ins, "age": age}
    row = {
        "numero": numero,
        "version": 1,
        "statut": "active",
        "famille": families.pop(),
        "prescrite_at": now,
        "prescrite_le": today.isoformat(),
        "executer_avant": None if body.executer_avant is None else body.executer_avant.isoformat(),
        "consentement": body.consentement == "OUI",
        "ins": ins,
        "patient": json.dumps(patient_block, ensure_ascii=False, separators=(",", ":")),
        "prescripteur_idnat": pro.idnat,
        "prescripteur": json.dumps(prescripteur, ensure_ascii=False, separators=(",", ":")),
        "delivrances": 0,
        "first_delivery_at": None,
        "closed_at": None,
        "depot_dmp": "pending" if body.depot_dmp else "by-prescriber",
        "depot_dmp_motif": None,
        "depot_dmp_document": None,
    }
    lines = [_line_row(numero, rang, line) for rang, line in enumerate(body.lignes, start=1)]
    return NewPrescription(row, lines)


def create(conn: Connection, new: NewPrescription) -> None:
    """Write the prescription; a number already used (given by the prescriber's software) is refused,
    also when a concurrent request took it between the read and the insert (the primary key)."""
    numero = new.row["numero"]
    taken = NumeroPris(f"{numero} is already a prescription's number", rule="numero-unique")
    if repository.get(conn, numero) is not None:
        raise taken
    try:
        repository.insert_prescription(conn, new.row, new.lines)
    except IntegrityError:
        raise taken from None


# --- reading ----------


def load(conn: Connection, numero: str) -> Prescription:
    found = repository.get(conn, numero)
    if found is None:
        raise PrescriptionInconnue(f"no prescription {numero}", rule="numero-unknown")
    return found


def _executes_some(pro: ProfessionalActor, prescription: Prescription) -> bool:
    return any(pro.profession in rules.EXECUTANTS[line.kind] for line in prescription.lines)


def check_viewer(actor: Actor, prescription: Prescription) -> None:
    """Who may see a prescription (its JSON, QR code, PDF): the patient it is for, its prescriber, and
    the professionals who execute one of its lines (CPS or e-CPS)."""
    if isinstance(actor, PatientActor):
        if actor.ins != prescription.ins:
            raise PrescriptionInconnue(f"no prescription {prescription.numero}", rule="numero-unknown")
        return
    pro = acting_professional(actor)
    if pro.idnat != prescription.prescripteur_idnat and not _executes_some(pro, prescription):
        raise ProfessionRefusee(
            f"profession {pro.profession} executes none of this prescription's lines", rule="executant-kind"
        )


def check_usable(actor: Actor, prescription: Prescription) -> None:
    """An executed or cancelled number no longer serves an executant (the QR code is single-use)."""
    if isinstance(actor, ProfessionalActor) and actor.idnat == prescription.prescripteur_idnat:
        return
    if isinstance(actor, PatientActor):
        return
    if prescription.statut == "executee":
        raise PrescriptionClose(f"{prescription.numero} was fully executed", rule="prescription-executee")
    if prescription.statut == "annulee":
        raise PrescriptionClose(f"{prescription.numero} was cancelled", rule="prescription-annulee")


def read_by_number(conn: Connection, numero: str, actor: Actor) -> Prescription:
    prescription = load(conn, numero)
    check_viewer(actor, prescription)
    check_usable(actor, prescription)
    return prescription


# --- dispensing ----------


def dispense(
    conn: Connection, numero: str, actor: Actor, body: DispensationCreate, now: int
) -> tuple[str, dict[int, int]]:
    """Record one visit's deliveries, line by line: every rule is checked on every line before
    anything is written; the prescription row then changes only if no other dispensation changed it
    since it was read (``DispensationConcurrente`` otherwise: the caller reads again)."""
    pro = acting_professional(actor)
    prescription = load(conn, numero)
    if prescription.statut != "active":
        rule = "prescription-executee" if prescription.statut == "executee" else "prescription-annulee"
        raise PrescriptionClose(f"{numero} is {prescription.statut}", rule=rule)
    today = today_of(now)
    moment = rules.Moment(
        prescrite_le=date.fromisoformat(prescription.prescrite_le),
        today=today,
        first_delivery=prescription.delivrances == 0,
        executer_avant=None
        if prescription.executer_avant is None
        else date.fromisoformat(prescription.executer_avant),
    )
    restants = {line.rang: line.restant for line in prescription.lines}
    seen: set[int] = set()
    for asked in body.lignes:
        line = prescription.line(asked.rang)
        if line is None:
            raise DispensationRefusee(f"the prescription has no line {asked.rang}", rule="line-unknown")
        if asked.rang in seen:
            raise DispensationRefusee(f"line {asked.rang} is given twice", rule="line-twice")
        seen.add(asked.rang)
        refus = rules.check_delivery(pro.profession, line.state(), moment, asked.quantite)
        if refus is not None:
            refus = rules.Refus(refus.rule, f"line {asked.rang}: {refus.detail}")
        _refuse(refus, DispensationRefusee)
        restants[asked.rang] -= asked.quantite
    done = all(value == 0 for value in restants.values())
    if not repository.bump(
        conn,
        numero,
        prescription.version,
        statut="executee" if done else "active",
        delivrances=prescription.delivrances + 1,
        first_delivery_at=prescription.first_delivery_at or now,
        closed_at=now if done else None,
    ):
        raise DispensationConcurrente(
            f"{numero} was changed by another dispensation meanwhile", rule="concurrent-dispensation"
        )
    for asked in body.lignes:
        repository.set_restant(conn, numero, asked.rang, restants[asked.rang])
        detail = asked.model_dump(mode="json", exclude_none=True, exclude={"rang"})
        repository.insert_dispensation(
            conn,
            numero,
            asked.rang,
            now,
            pro.idnat,
            json.dumps(detail, ensure_ascii=False, separators=(",", ":")),
        )
    return ("executee" if done else "active"), restants


def cancel(conn: Connection, numero: str, actor: Actor, now: int) -> None:
    """The prescriber cancels a prescription nothing has been dispensed from."""
    pro = acting_professional(actor)
    prescription = load(conn, numero)
    if pro.idnat != prescription.prescripteur_idnat:
        raise ProfessionRefusee("only the prescriber cancels a prescription", rule="prescripteur-only")
    if prescription.statut != "active":
        raise AnnulationRefusee(f"{numero} is {prescription.statut}", rule="not-active")
    if prescription.delivrances:
        raise AnnulationRefusee(f"{numero} was dispensed from already", rule="already-dispensed")
    if not repository.bump(
        conn,
        numero,
        prescription.version,
        statut="annulee",
        delivrances=0,
        first_delivery_at=None,
        closed_at=now,
    ):
        raise AnnulationRefusee(f"{numero} was dispensed from meanwhile", rule="already-dispensed")


def executions(conn: Connection, numero: str, actor: Actor) -> tuple[Prescription, list[Any]]:
    """What was dispensed, for the prescriber, when the patient said OUI."""
    pro = acting_professional(actor)
    prescription = load(conn, numero)
    if pro.idnat != prescription.prescripteur_idnat:
        raise ProfessionRefusee("only the prescriber reads the executions", rule="prescripteur-only")
    if not prescription.consentement:
        raise ExecutionsRefusees(
            "the patient did not let the prescriber consult what was dispensed (NON)", rule="consentement-non"
        )
    return prescription, repository.list_dispensations(conn, numero)


def patient_prescriptions(conn: Connection, actor: Actor) -> list[Prescription]:
    if not isinstance(actor, PatientActor):
        raise ProfessionRefusee("this route needs a patient token (Mon espace santé)", rule="actor-kind")
    return repository.list_for_patient(conn, actor.ins)
