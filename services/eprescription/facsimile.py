"""The QR code of the numéro unique and the facsimile of the ordonnance numérique (PDF).

The QR code holds the number and nothing else (segno, error correction M). The PDF (fpdf2, core
Helvetica font, one A4 page or more) carries the mandatory mentions: the prescriber (name, profession
or specialty, RPPS, N° AM or FINESS), the patient (names, birth date and age, INS, weight when given),
the date, the lines (those related to an ALD apart, as on a bizone ordonnance), the mentions « non
remboursable » and « à exécuter avant le », the consent sentence with OUI / NON, the fixed text on the
processing of the data, and the number printed under its QR code. The two sentences are the sandbox's
wording of the mentions of the real facsimile (seed document 001), not a copy.
"""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Final

from services.eprescription.records import Prescription
from services.eprescription.rules import Kind

if TYPE_CHECKING:  # fpdf2 (PIL, fontTools) and segno are imported on first use, not at the start
    import segno

CONSENT_SENTENCE: Final = (
    "Accord du patient (ou du ou des titulaires de l'autorité parentale) pour que le prescripteur "
    "consulte ce qui a été délivré ou exécuté sur cette prescription : {answer}."
)
DATA_PROTECTION: Final = (
    "Les données de cette prescription sont transmises par voie électronique à l'Assurance Maladie, "
    "qui les traite pour ses missions. Pour en savoir plus sur vos données personnelles et exercer vos "
    "droits : https://www.ameli.fr."
)
MONTHS: Final = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


def _qr(numero: str) -> segno.QRCode:
    import segno

    return segno.make_qr(numero, error="m")


@lru_cache(maxsize=4096)
def qr_png(numero: str, scale: int = 6) -> bytes:
    out = io.BytesIO()
    _qr(numero).save(out, kind="png", scale=scale, border=4)
    return out.getvalue()


def qr_svg(numero: str) -> bytes:
    out = io.BytesIO()
    _qr(numero).save(out, kind="svg", scale=6, border=4, xmldecl=True, title=f"e-prescription {numero}")
    return out.getvalue()


def _latin1(text: str) -> str:
    """The core fonts are Latin-1: anything else becomes '?'."""
    return text.replace("œ", "oe").replace("Œ", "OE").encode("latin-1", "replace").decode("latin-1")


def french_date(iso: str) -> str:
    day = date.fromisoformat(iso)
    return f"{day.day:02d} {MONTHS[day.month - 1]} {day.year}"


def _short(iso: str) -> str:
    year, month, day = iso.split("-")
    return f"{day}/{month}/{year}"


def line_text(kind: Kind, detail: dict[str, Any]) -> list[str]:
    """The lines of text of one prescribed line."""
    if kind is Kind.MEDICAMENT:
        code = detail.get("code")
        name = detail["designation"] + (f" ({code})" if code else "")
        if detail.get("code_type") == "substance":
            name = f"{detail['designation']} - {detail['substance']} {detail['dosage']}"
        renewals = detail.get("renouvellements", 0)
        length = f"Traitement pour {detail['duree_jours']} jours"
        if renewals:
            length += f", à renouveler {renewals} fois"
        return [name, detail["posologie"], length]
    if kind is Kind.LPPR:
        renewals = detail.get("renouvellements", 0)
        amount = f"Quantité : {detail['quantite']} par période de {detail['duree_jours']} jours"
        if renewals:
            amount += f", {renewals} renouvellement(s)"
        return [f"LPP {detail['code_lpp']} - {detail['designation']}", amount]
    where = "à domicile" if detail["lieu"] == "domicile" else "au cabinet"
    text: list[str] = [
        f"Faire pratiquer par un(e) infirmier(e) {where} à compter du {_short(detail['date_debut'])}"
        + (" (urgent)" if detail.get("urgence") else "")
        + " :",
        detail["acte"] + (f", voie : {detail['voie']}" if detail.get("voie") else ""),
    ]
    rhythm = f"{detail.get('passages_par_jour', 1)} passage(s) par jour"
    if detail.get("nuit"):
        rhythm += ", nuit"
    if detail.get("intervalle_12h"):
        rhythm += ", intervalle de 12 heures"
    rhythm += ", dimanches et jours fériés inclus" if detail.get("dimanches_feries") else ""
    text.append(rhythm)
    if detail.get("duree_jours"):
        text.append(f"Pendant {detail['duree_jours']} jours")
    else:
        text.append(f"{detail['nombre_passages']} passages")
    return text


def pdf(prescription: Prescription) -> bytes:
    """The facsimile of the ordonnance numérique. The same prescription always gives the same bytes (its
    creation date is the prescription's): a second deposit of it in the DMP is known as a duplicate."""
    from fpdf import FPDF

    doc = FPDF(format="A4")
    doc.set_creation_date(datetime.fromtimestamp(prescription.prescrite_at / 1000, UTC))
    doc.set_creator("esante-sandbox")
    doc.set_title(f"Ordonnance numérique {prescription.numero}")
    doc.set_auto_page_break(True, margin=15)
    doc.add_page()
    width = doc.epw

    def write(text: str, size: float = 10, style: str = "", height: float = 5) -> None:
        doc.set_font("Helvetica", style, size)
        line = _latin1(text)
        # multi_cell's line breaking costs most of a page: only long texts go through it.
        if doc.get_string_width(line) < width - 2:
            doc.cell(width, height, line, new_x="LMARGIN", new_y="NEXT")
        else:
            doc.multi_cell(width, height, line, new_x="LMARGIN", new_y="NEXT")

    who = prescription.prescripteur
    title = "Dr " if who.get("profession") == "10" else ""
    write(f"{title}{who['prenom']} {who['nom']}", 12, "B")
    for value in (who.get("structure"), who.get("specialite") or who.get("profession_libelle")):
        if value:
            write(value)
    write(f"N° RPPS : {who['rpps']}")
    if who.get("numero_am"):
        write(f"N° AM : {who['numero_am']}")
    if who.get("finess"):
        write(f"N° FINESS : {who['finess']}")
    doc.ln(4)
    patient = prescription.patient
    write(f"{' '.join(patient['prenoms'])} {patient['nom_naissance']}", 11, "B")
    write(f"Né(e) le {_short(patient['date_naissance'])} ({patient['age']} ans) - sexe {patient['sexe']}")
    write(f"INS : {patient['ins']}")
    if patient.get("poids_kg") is not None:
        write(f"Poids : {patient['poids_kg']:g} kg")
    doc.ln(3)
    write(f"Le {french_date(prescription.prescrite_le)}", 11)
    if prescription.executer_avant:
        write(f"À exécuter avant le {french_date(prescription.executer_avant)}", 10, "B")
    doc.ln(3)
    ald = [line for line in prescription.lines if line.detail.get("ald")]
    other = [line for line in prescription.lines if not line.detail.get("ald")]
    groups = (
        [
            ("Prescriptions relatives au traitement de l'affection de longue durée (ALD)", ald),
            ("Prescriptions sans rapport avec l'affection de longue durée", other),
        ]
        if ald
        else [("", other)]
    )
    for heading, lines in groups:
        if heading:
            write(heading, 10, "BU")
        for line in lines:
            detail = line.detail
            first, *rest = line_text(line.kind, detail)
            write(f"{line.rang}. {first}", 10, "B")
            for text in rest:
                write(text)
            if detail.get("non_remboursable"):
                write("Non remboursable (NR)", 10, "I")
            doc.ln(2)
    doc.ln(3)
    write(CONSENT_SENTENCE.format(answer="OUI" if prescription.consentement else "NON"), 9)
    doc.ln(1)
    write(DATA_PROTECTION, 8, "I", 4)
    doc.ln(3)
    top = doc.get_y()
    if top > doc.h - 60:
        doc.add_page()
        top = doc.get_y()
    doc.image(io.BytesIO(qr_png(prescription.numero, scale=4)), x=doc.l_margin, y=top, w=35, h=35)
    doc.set_xy(doc.l_margin + 40, top + 10)
    doc.set_font("Helvetica", "B", 11)
    doc.cell(0, 6, "e-prescription", new_x="LEFT", new_y="NEXT")
    doc.cell(0, 6, f"N°{prescription.numero}")
    return bytes(doc.output())
