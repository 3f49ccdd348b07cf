"""The e-prescription's records as the API's answers (the ``XRead`` models of ``schemas``)."""

from __future__ import annotations

from datetime import UTC, datetime

from services.eprescription.records import UNITES, Dispensation, Line, Prescription
from services.eprescription.schemas import (
    DepotDmpRead,
    DispensationRead,
    DispensationResultRead,
    ExecutionsRead,
    LineRead,
    PrescriptionListRead,
    PrescriptionRead,
    RestantRead,
)


def iso(ms: int) -> str:
    """An instant (Unix ms) as ISO 8601 UTC to the millisecond (``2026-01-31T08:00:00.000Z``)."""
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def line(item: Line) -> LineRead:
    return LineRead(
        rang=item.rang,
        kind=item.kind.value,
        detail=item.detail,
        unite=UNITES[item.kind],
        total=item.total,
        restant=item.restant,
    )


def prescription(p: Prescription) -> PrescriptionRead:
    return PrescriptionRead(
        numero=p.numero,
        statut=p.statut,
        famille=p.famille,
        prescrite_le=p.prescrite_le,
        executer_avant=p.executer_avant,
        consentement="OUI" if p.consentement else "NON",
        prescripteur=p.prescripteur,
        patient=p.patient,
        lignes=[line(item) for item in p.lines],
        depot_dmp=DepotDmpRead(
            statut=p.depot_dmp,
            motif=p.depot_dmp_motif,
            document_id=p.depot_dmp_document,
            type_code=p.type_code,
        ),
    )


def prescriptions(found: list[Prescription]) -> PrescriptionListRead:
    return PrescriptionListRead(prescriptions=[prescription(p) for p in found])


def executions(p: Prescription, dispensations: list[Dispensation]) -> ExecutionsRead:
    return ExecutionsRead(
        numero=p.numero,
        statut=p.statut,
        lignes=[line(item) for item in p.lines],
        dispensations=[
            DispensationRead(rang=d.rang, at=iso(d.at), executant=d.executant_idnat, detail=d.detail)
            for d in dispensations
        ],
    )


def dispensation(numero: str, statut: str, restants: dict[int, int]) -> DispensationResultRead:
    return DispensationResultRead(
        numero=numero,
        statut=statut,
        lignes=[RestantRead(rang=rang, restant=left) for rang, left in sorted(restants.items())],
    )
