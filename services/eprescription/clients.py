"""The e-prescription's client of the DMP: the PDF of a new prescription deposited in the patient's
DMP (``POST /dmp/v1/patients/{ins}/documents``) with the prescriber's token, as the prescriber's
software does. A refusal or a DMP that does not answer never loses the prescription: the outcome is
recorded on it (``depot_dmp``: deposited, or not-deposited with the DMP's code, rule and detail)."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import UTC, datetime

from services.eprescription.records import Prescription
from shared.clients import UpstreamError
from shared.runtime import Runtime
from shared.tenants import Tenant

TITLES = {"57833-6": "Ordonnance numérique (produits de santé)", "57832-8": "Ordonnance numérique (soins)"}


@dataclass(frozen=True, slots=True)
class Depot:
    statut: str
    motif: str | None
    document_id: str | None


async def deposit(
    runtime: Runtime, tenant: Tenant, token: str, prescription: Prescription, pdf: bytes
) -> Depot:
    patient = prescription.patient
    body = {
        "patient": {
            "matricule": prescription.ins,
            "oid": patient["oid"],
            "nom_naissance": patient["nom_naissance"],
            "prenoms": patient["prenoms"],
            "sexe": patient["sexe"],
            "date_naissance": patient["date_naissance"],
            "lieu_naissance": patient["lieu_naissance"],
        },
        "type_code": prescription.type_code,
        "titre": f"{TITLES[prescription.type_code]} {prescription.numero}",
        "date_acte": datetime.fromtimestamp(prescription.prescrite_at / 1000, UTC).isoformat(),
        "format": "application/pdf",
        "contenu": base64.b64encode(pdf).decode(),
    }
    try:
        response = await runtime.clients.request(
            "dmp",
            "POST",
            f"/v1/patients/{prescription.ins}/documents",
            tenant=tenant.name,
            token=token,
            json=body,
        )
    except UpstreamError as exc:
        return Depot("not-deposited", f"dmp-unavailable: {exc.detail}"[:400], None)
    except Exception as exc:  # a failing DMP must not lose the prescription: record why
        return Depot("not-deposited", f"dmp-unavailable: {exc!r}"[:400], None)
    if response.status_code == 201:
        return Depot("deposited", None, str(response.json()["id"]))
    try:
        error = response.json()
        motif = f"{error.get('error')} ({error.get('rule')}): {error.get('detail')}"
    except ValueError:
        motif = f"http-{response.status_code}: {response.text[:200]}"
    return Depot("not-deposited", motif[:400], None)
