"""The e-prescription's records as the JSON the API answers. The stored JSON parts (patient,
prescriber, line details) are spliced in as they are: the read by number is a hot path."""

from __future__ import annotations

import json
from typing import Any

from services.eprescription.records import UNITES, Dispensation, Line, Prescription


def iso(ms: int) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _s(value: str | None) -> str:
    return "null" if value is None else json.dumps(value, ensure_ascii=False)


def line_json(line: Line) -> str:
    return (
        f'{{"rang":{line.rang},"kind":"{line.kind.value}","detail":{line.detail_json},'
        f'"unite":"{UNITES[line.kind]}","total":{line.total},"restant":{line.restant}}}'
    )


def prescription_json(p: Prescription) -> str:
    lines = ",".join(line_json(line) for line in p.lines)
    return (
        f'{{"numero":"{p.numero}","statut":"{p.statut}","famille":"{p.famille}",'
        f'"prescrite_le":"{p.prescrite_le}","executer_avant":{_s(p.executer_avant)},'
        f'"consentement":"{"OUI" if p.consentement else "NON"}",'
        f'"prescripteur":{p.prescripteur_json},"patient":{p.patient_json},"lignes":[{lines}],'
        f'"depot_dmp":{{"statut":"{p.depot_dmp}","motif":{_s(p.depot_dmp_motif)},'
        f'"document_id":{_s(p.depot_dmp_document)},"type_code":"{p.type_code}"}}}}'
    )


def list_json(found: list[Prescription]) -> str:
    return '{"prescriptions":[' + ",".join(prescription_json(p) for p in found) + "]}"


def executions_json(p: Prescription, dispensations: list[Dispensation]) -> str:
    lines = ",".join(line_json(line) for line in p.lines)
    done = ",".join(
        f'{{"rang":{d.rang},"at":"{iso(d.at)}","executant":"{d.executant_idnat}","detail":{d.detail_json}}}'
        for d in dispensations
    )
    return f'{{"numero":"{p.numero}","statut":"{p.statut}","lignes":[{lines}],"dispensations":[{done}]}}'


def dumps(body: Any) -> str:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"))
