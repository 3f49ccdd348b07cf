"""What the INSi tests send: JSON calls and SOAP 1.2 envelopes built as the real service expects them
(headers ContexteBAM, ContexteLPS, WS-Addressing Action and MessageID), and XPath on the answers."""

from __future__ import annotations

import uuid
from typing import Any
from xml.etree import ElementTree as ET
from xml.sax.saxutils import escape

import httpx

from shared.population import Person, Population, Professional

IDAM = "ESANTE-SANDBOX"
SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
ACTION_TRAITS = "urn:ServiceIdentiteCertifiee:1.0.0:rechercherInsAvecTraitsIdentite"
ACTION_VITALE = "urn:ServiceIdentiteCertifiee:1.0.0:rechercherInsAvecCarteVitale"
NS = {
    "soap": SOAP12,
    "r": "http://www.cnamts.fr/INSiResultat",
    "siram": "urn:siram",
    "wsa": "http://www.w3.org/2005/08/addressing",
}
SOAP_CONTENT_TYPE = "application/soap+xml; charset=utf-8"


def lps(idam: str | None = IDAM) -> str:
    idam_element = "" if idam is None else f'<ctxlps:IDAM R="4">{escape(idam)}</ctxlps:IDAM>'
    return (
        '<ctxlps:ContexteLPS Nature="CTXLPS" Version="01_00">'
        f"<ctxlps:Id>{uuid.uuid4()}</ctxlps:Id><ctxlps:Temps>2026-01-05T09:00:00.000Z</ctxlps:Temps>"
        "<ctxlps:Emetteur>10B0152872</ctxlps:Emetteur>"
        f"<ctxlps:LPS>{idam_element}<ctxlps:Version>2026</ctxlps:Version>"
        f"<ctxlps:Instance>{uuid.uuid4()}</ctxlps:Instance><ctxlps:Nom>urn:lps:tests:2026</ctxlps:Nom>"
        "</ctxlps:LPS></ctxlps:ContexteLPS>"
    )


def bam() -> str:
    return (
        '<ctxbam:ContexteBAM Version="01_02">'
        f"<ctxbam:Id>{uuid.uuid4()}</ctxbam:Id><ctxbam:Temps>2026-01-05T09:00:00.000Z</ctxbam:Temps>"
        "<ctxbam:Emetteur>10B0152872</ctxbam:Emetteur><ctxbam:COUVERTURE/></ctxbam:ContexteBAM>"
    )


def envelope(
    body: str,
    *,
    action: str | None = ACTION_TRAITS,
    idam: str | None = IDAM,
    with_lps: bool = True,
    with_bam: bool = True,
    message_id: str | None = None,
    extra_header: str = "",
    soap_ns: str = SOAP12,
) -> str:
    """A complete request envelope with the namespaces the INSi WSDL declares."""
    headers = (
        (bam() if with_bam else "")
        + (lps(idam) if with_lps else "")
        + (
            ""
            if action is None
            else f'<wsa:Action xmlns:wsa="http://www.w3.org/2005/08/addressing">{action}</wsa:Action>'
        )
        + '<wsa:MessageID xmlns:wsa="http://www.w3.org/2005/08/addressing">'
        + (message_id or f"uuid:{uuid.uuid4()}")
        + "</wsa:MessageID>"
        + extra_header
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        f'<soap:Envelope xmlns:soap="{soap_ns}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
        ' xmlns:tns="http://www.cnamts.fr/webservice" xmlns:insi="http://www.cnamts.fr/ServiceIdentiteCertifiee/v1"'
        ' xmlns:insi_recsans_ins="http://www.cnamts.fr/INSiRecSans"'
        ' xmlns:insi_recvit_ins="http://www.cnamts.fr/INSiRecVit"'
        ' xmlns:insi_resultat_ins="http://www.cnamts.fr/INSiResultat"'
        ' xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"'
        ' xmlns:ctxbam="urn:siram:bam:ctxbam" xmlns:ctxlps="urn:siram:lps:ctxlps" xmlns:siram="urn:siram">'
        f"<soap:Header>{headers}</soap:Header><soap:Body>{body}</soap:Body></soap:Envelope>"
    )


def recsans(
    nom: str, prenoms: list[str] | tuple[str, ...], sexe: str, date: str, lieu: str | None = None
) -> str:
    """A ``RECSANSVITALE`` body: one ``Prenom`` element per prénom."""
    p = "insi_recsans_ins"
    parts = [f"<{p}:NomNaissance>{escape(nom)}</{p}:NomNaissance>"]
    parts += [f"<{p}:Prenom>{escape(prenom)}</{p}:Prenom>" for prenom in prenoms]
    parts += [
        f"<{p}:Sexe>{escape(sexe)}</{p}:Sexe>",
        f"<{p}:DateNaissance>{escape(date)}</{p}:DateNaissance>",
    ]
    if lieu is not None:
        parts.append(f"<{p}:LieuNaissance>{escape(lieu)}</{p}:LieuNaissance>")
    return (
        f'<{p}:RECSANSVITALE xmlns="http://www.cnamts.fr/INSiRecSans">'
        + "".join(parts)
        + f"</{p}:RECSANSVITALE>"
    )


def recvit(
    *,
    individu: str | None = None,
    od: str | None = None,
    nom: str | None = None,
    date: str | None = None,
    rang: str | None = None,
    type_matricule: str = "NIR",
) -> str:
    """A ``RECVITALE`` body; matricules are given as 15 characters and sent as NumIdentifiant + Cle."""
    p = "insi_recvit_ins"

    def matricule(tag: str, value: str) -> str:
        return (
            f"<{p}:{tag}><{p}:NumIdentifiant>{value[:13]}</{p}:NumIdentifiant><{p}:Cle>{value[13:]}</{p}:Cle>"
            f"<{p}:TypeMatricule>{type_matricule}</{p}:TypeMatricule></{p}:{tag}>"
        )

    parts = []
    if individu is not None:
        parts.append(matricule("MatriculeIndividu", individu))
    if od is not None:
        parts.append(matricule("MatriculeOD", od))
    if nom is not None:
        parts.append(f"<{p}:NomNaissance>{escape(nom)}</{p}:NomNaissance>")
    if date is not None:
        parts.append(f"<{p}:DateNaissance>{date}</{p}:DateNaissance>")
    if rang is not None:
        parts.append(f"<{p}:RangNaissance>{rang}</{p}:RangNaissance>")
    return f"<{p}:RECVITALE>" + "".join(parts) + f"</{p}:RECVITALE>"


def xml(response: httpx.Response) -> ET.Element:
    return ET.fromstring(response.content)


def text(root: ET.Element, path: str) -> str | None:
    found = root.find(path, NS)
    return None if found is None else found.text


def texts(root: ET.Element, path: str) -> list[str | None]:
    return [e.text for e in root.findall(path, NS)]


RESULTAT = "./soap:Body/r:RESULTAT"
INDIVIDU = f"{RESULTAT}/r:INDIVIDU"
FAULT = "./soap:Body/soap:Fault"


def fault(response: httpx.Response) -> tuple[str | None, str | None, str | None]:
    """(Code/Value, Subcode/Value, siram:Erreur/@code) of a SOAP fault."""
    root = xml(response)
    erreur = root.find(f"{FAULT}/soap:Detail/siram:Erreur", NS)
    return (
        text(root, f"{FAULT}/soap:Code/soap:Value"),
        text(root, f"{FAULT}/soap:Code/soap:Subcode/soap:Value"),
        None if erreur is None else erreur.get("code"),
    )


class Insi:
    """INSi through the all-in-one app, as one caller (a token) with one software (an IDAM)."""

    def __init__(self, http: httpx.AsyncClient, population: Population) -> None:
        self.http = http
        self.population = population
        self.token: str | None = None
        self.idam: str | None = IDAM

    def professional(self, card: str) -> Professional:
        if card == "cpe":
            return next(p for p in self.population.professionals if "cpe" in p.cards and p.profession is None)
        return next(p for p in self.population.professionals if p.profession == "10" and card in p.cards)

    async def token_for(self, login_hint: str, card: str = "cps") -> str:
        form = {
            "grant_type": "client_credentials",
            "client_id": "esante-ci",
            "client_secret": "esante-ci",
            "login_hint": login_hint,
            "card_mode": card,
        }
        response = await self.http.post("/psc/protocol/openid-connect/token", data=form)
        assert response.status_code == 200, response.text
        return str(response.json()["access_token"])

    async def login(self, card: str = "cps") -> str:
        self.token = await self.token_for(self.professional(card).idnat, card)
        return self.token

    async def patient_token(self, ins: str) -> str:
        form = {
            "grant_type": "client_credentials",
            "client_id": "esante-ci",
            "client_secret": "esante-ci",
            "login_hint": ins,
        }
        response = await self.http.post("/psc/patients/protocol/openid-connect/token", data=form)
        assert response.status_code == 200, response.text
        return str(response.json()["access_token"])

    def headers(self) -> dict[str, str]:
        headers = {}
        if self.token is not None:
            headers["Authorization"] = f"Bearer {self.token}"
        if self.idam is not None:
            headers["X-Insi-Idam"] = self.idam
        return headers

    async def post(self, operation: str, body: dict[str, Any]) -> httpx.Response:
        return await self.http.post(f"/insi/v1/{operation}", json=body, headers=self.headers())

    async def traits(
        self,
        nom: str,
        prenoms: list[str] | tuple[str, ...],
        sexe: str,
        date: str,
        lieu: str | None = None,
    ) -> httpx.Response:
        body: dict[str, Any] = {
            "nom_naissance": nom,
            "prenoms": list(prenoms),
            "sexe": sexe,
            "date_naissance": date,
        }
        if lieu is not None:
            body["lieu_naissance"] = lieu
        return await self.post("search-by-traits", body)

    async def traits_of(self, person: Person, *, every: bool = False, lieu: bool = False) -> httpx.Response:
        prenoms = person.prenoms if every else person.prenoms[:1]
        return await self.traits(
            person.nom_naissance,
            prenoms,
            person.sexe,
            person.date_naissance,
            person.lieu_naissance if lieu else None,
        )

    async def soap(
        self, document: str | bytes, *, path: str = "/insi/soap", **headers: str
    ) -> httpx.Response:
        sent = {"Content-Type": SOAP_CONTENT_TYPE}
        if self.token is not None:
            sent["Authorization"] = f"Bearer {self.token}"
        sent.update(headers)
        content = document.encode() if isinstance(document, str) else document
        return await self.http.post(path, content=content, headers=sent)

    def person(self, person_id: str) -> Person:
        found = self.population.person(person_id)
        assert found is not None
        return found
