"""The QR code (PNG, SVG) and the PDF facsimile: tests read the PDF's text and decode its QR code."""

from __future__ import annotations

import io

import pytest
import zxingcpp
from erx_helpers import BASE, Cases, Erx, lppr, medicament, prescription_body
from PIL import Image
from pypdf import PdfReader

pytestmark = pytest.mark.asyncio


async def test_qr_codes_hold_the_number(erx: Erx, cases: Cases) -> None:
    await erx.freeze()
    doctor = await erx.pro(cases.pro("10"))
    numero = (await erx.prescribed(doctor, prescription_body(cases.person())))["numero"]
    png = await erx.http.get(f"{BASE}/{numero}/qr.png", headers=doctor)
    assert png.status_code == 200
    assert png.headers["content-type"] == "image/png"
    [found] = zxingcpp.read_barcodes(Image.open(io.BytesIO(png.content)))
    assert found.text == numero
    svg = await erx.http.get(f"{BASE}/{numero}/qr.svg", headers=doctor)
    assert svg.headers["content-type"].startswith("image/svg+xml")
    assert b"<svg" in svg.content


@pytest.mark.parametrize("consentement", ["OUI", "NON"])
async def test_pdf_carries_every_mention(erx: Erx, cases: Cases, consentement: str) -> None:
    await erx.freeze()
    prescriber = cases.pro("10")
    doctor = await erx.pro(prescriber)
    person = cases.person()
    body = prescription_body(
        person,
        medicament(ald=True, renouvellements=2),
        lppr(non_remboursable=True),
        consentement=consentement,
        executer_avant="2026-02-15",
    )
    numero = (await erx.prescribed(doctor, body))["numero"]
    pdf = await erx.http.get(f"{BASE}/{numero}/pdf", headers=doctor)
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    page = PdfReader(io.BytesIO(pdf.content)).pages[0]
    text = " ".join(page.extract_text().split())
    for expected in (
        f"{prescriber.prenom} {prescriber.nom}",
        f"N° RPPS : {prescriber.rpps}",
        "N° AM : 991118019",
        person.nom_naissance,
        f"INS : {person.ins}",
        "Poids : 72 kg",
        "Le 01 janvier 2026",
        "À exécuter avant le 15 février 2026",
        "affection de longue durée (ALD)",
        "Paracétamol 1000 mg comprimé",
        "à renouveler 2 fois",
        "LPP 1101421",
        "Non remboursable (NR)",
        f"cette prescription : {consentement}.",
        "transmises par voie électronique à l'Assurance Maladie",
        "e-prescription",
        f"N°{numero}",
    ):
        assert expected in text, (expected, text)
    [image] = page.images
    [found] = zxingcpp.read_barcodes(image.image)
    assert found.text == numero
