"""Wire models of ADRi. The real ADRi field names are not public (facts file, open questions): these
names are the sandbox's own, stable ones (English structure, the French domain words untranslated).

The lookup's hot path renders :class:`SituationRead` by hand (``rendering.py``); a test checks that
what it renders validates against this model.
"""

from __future__ import annotations

import datetime as dt
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Qualite = Literal["assure", "ayant-droit"]
ExonerationKind = Literal["ald", "maternite", "invalidite"]
SessionStatusName = Literal["open", "expired", "invoiced"]


class PeriodRead(BaseModel):
    """A date range; ``end`` is inclusive, null when open-ended."""

    start: date = Field(examples=["2016-01-01"])
    end: date | None = Field(examples=[None])


class AmoPeriodRead(PeriodRead):
    """A period of AMO rights with its régime, caisse and centre."""

    regime: str = Field(description="Grand régime code", examples=["01"])
    caisse: str = Field(description="Caisse (organisme de rattachement), 3 digits", examples=["631"])
    centre: str = Field(description="Centre de gestion, 4 digits", examples=["0001"])


class RegimeRead(BaseModel):
    code: str = Field(examples=["01"])
    libelle: str = Field(examples=["Régime général"])


class ExonerationRead(BaseModel):
    """An exonération du ticket modérateur in force at the date (codes are sandbox-defined: ``ALDnn``
    with the number of the list of 30 ALD, ``MAT`` maternité, ``INV`` invalidité)."""

    kind: ExonerationKind = Field(examples=["ald"])
    code: str = Field(examples=["ALD08"])
    libelle: str = Field(examples=["Diabète de type 1 et diabète de type 2"])
    start: date = Field(examples=["2019-04-02"])
    end: date | None = Field(examples=[None])


class BeneficiaryIdentityRead(BaseModel):
    """A beneficiary as ADRi lists them."""

    matricule: str = Field(
        description="NIR (or NIA) with its key, 15 characters", examples=["275126322074974"]
    )
    nom_naissance: str = Field(examples=["ADRUN"])
    nom_usage: str = Field(examples=["ADRUN"])
    prenoms: list[str] = Field(examples=[["ZOE"]])
    sexe: Literal["M", "F"] = Field(examples=["F"])
    date_naissance: str = Field(
        description="YYYY-MM-DD, 00 for an unknown day or month", examples=["1975-12-31"]
    )
    rang_naissance: int = Field(
        description="Rang de naissance (gémellaire): 1, or 2 for a second twin", examples=[1]
    )
    qualite: Qualite = Field(
        description="assure: their own ouvrant droit; ayant-droit: on the ouvrant droit's rights",
        examples=["assure"],
    )


class SituationRead(BaseModel):
    """The administrative situation (droits et bénéficiaires) of a beneficiary at a date."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "date": "2026-01-01",
                    "beneficiary": {
                        "matricule": "109076322083489",
                        "nom_naissance": "ECETINSI",
                        "nom_usage": "ECETINSI",
                        "prenoms": ["PIERRE-ALAIN", "MURIEL", "FLORIANT"],
                        "sexe": "M",
                        "date_naissance": "2009-07-14",
                        "rang_naissance": 1,
                        "qualite": "ayant-droit",
                    },
                    "ouvrant_droit": {
                        "matricule": "275126322074974",
                        "nom_naissance": "ADRUN",
                        "nom_usage": "ADRUN",
                        "prenoms": ["ZOE"],
                        "sexe": "F",
                        "date_naissance": "1975-12-31",
                        "rang_naissance": 1,
                        "qualite": "assure",
                    },
                    "ayants_droit": [
                        {
                            "matricule": "109076322083489",
                            "nom_naissance": "ECETINSI",
                            "nom_usage": "ECETINSI",
                            "prenoms": ["PIERRE-ALAIN", "MURIEL", "FLORIANT"],
                            "sexe": "M",
                            "date_naissance": "2009-07-14",
                            "rang_naissance": 1,
                            "qualite": "ayant-droit",
                        }
                    ],
                    "regime": {"code": "01", "libelle": "Régime général"},
                    "caisse": "631",
                    "centre": "0001",
                    "amo": {"start": "2016-01-01", "end": None},
                    "amo_periods": [
                        {
                            "start": "2016-01-01",
                            "end": None,
                            "regime": "01",
                            "caisse": "631",
                            "centre": "0001",
                        }
                    ],
                    "exonerations": [],
                    "css": None,
                    "medecin_traitant_rpps": "99700000018",
                    "apcv_session": None,
                }
            ]
        }
    )

    date: dt.date = Field(description="The date of the situation (of care): `date`, or the tenant's today")
    beneficiary: BeneficiaryIdentityRead
    ouvrant_droit: BeneficiaryIdentityRead = Field(description="Whose rights cover the beneficiary")
    ayants_droit: list[BeneficiaryIdentityRead] = Field(
        description="Every beneficiary on the ouvrant droit's rights besides the ouvrant droit"
    )
    regime: RegimeRead = Field(description="Régime of the AMO period in force at the date")
    caisse: str = Field(description="Caisse of that period", examples=["631"])
    centre: str = Field(description="Centre of that period", examples=["0001"])
    amo: PeriodRead = Field(description="The AMO period in force at the date")
    amo_periods: list[AmoPeriodRead] = Field(description="Every AMO period of the beneficiary, oldest first")
    exonerations: list[ExonerationRead] = Field(description="Exonérations in force at the date")
    css: PeriodRead | None = Field(description="Complémentaire santé solidaire in force at the date")
    medecin_traitant_rpps: str | None = Field(description="RPPS of the declared médecin traitant")
    apcv_session: str | None = Field(description="The ApCV session the lookup was made in, if any")


class ApcvSessionCreate(BaseModel):
    """What reading a patient's appli carte Vitale (QR code or NFC) gives the billing software."""

    model_config = ConfigDict(extra="forbid")

    matricule: str = Field(
        max_length=40,
        description="The beneficiary's matricule (NIR or NIA with key, 15 characters) read from the app",
        examples=["275126322074974"],
    )


class InvoiceCreate(BaseModel):
    """The invoice (facture, feuille de soins électronique) signed within a session."""

    model_config = ConfigDict(extra="forbid")

    numero_facture: str = Field(pattern=r"^[A-Za-z0-9-]{1,40}$", examples=["F-000123"])
    montant: Decimal = Field(ge=0, le=Decimal("99999.99"), decimal_places=2, examples=["30.00"])
    date_soins: date | None = Field(default=None, description="Default: the tenant's today", examples=[None])


class InvoiceRead(BaseModel):
    invoice_id: str
    session_id: str
    matricule: str
    professional_idnat: str
    numero_facture: str
    montant: Decimal = Field(examples=["30.00"])
    date_soins: date
    recorded_at: datetime = Field(description="Tenant clock")


class ApcvSessionRead(BaseModel):
    """An ApCV session: usable for 20 minutes (tenant clock) and for one invoice (seed document 001)."""

    session_id: str = Field(description="Send it as the X-Apcv-Session header of ADRi lookups")
    matricule: str
    professional_idnat: str
    status: SessionStatusName = Field(description="open, expired (20 minutes passed) or invoiced")
    opened_at: datetime
    expires_at: datetime
    invoices_allowed: int = Field(examples=[1])
    invoice: InvoiceRead | None = None
