"""INSi's SOAP 1.2 wire, as the WSDL ``DESIR_ICIR_EXP_1.5.0`` defines it: parse a request, write a
``RESULTAT`` or a SOAP fault.

Requests. A SOAP 1.2 envelope whose header carries the WS-Addressing ``Action`` (or, failing that, the
``action`` parameter of the Content-Type), ``ContexteLPS`` (the software: ``LPS/IDAM`` is its
authorisation number) and ``ContexteBAM``, and whose body is one of:

- ``RECSANSVITALE`` (``http://www.cnamts.fr/INSiRecSans``) for
  ``urn:ServiceIdentiteCertifiee:1.0.0:rechercherInsAvecTraitsIdentite``: ``NomNaissance``, one or more
  ``Prenom``, ``Sexe``, ``DateNaissance``, optional ``LieuNaissance``;
- ``RECVITALE`` (``http://www.cnamts.fr/INSiRecVit``) for
  ``urn:ServiceIdentiteCertifiee:1.0.0:rechercherInsAvecCarteVitale``: ``MatriculeIndividu`` and / or
  ``MatriculeOD`` (``NumIdentifiant``, ``Cle``, ``TypeMatricule``), ``NomNaissance``, ``DateNaissance``,
  ``RangNaissance``.

XML safety: an envelope above ``MAX_ENVELOPE`` bytes, not UTF-8 (or holding NUL bytes: UTF-16 and
UTF-32, which expat would detect by itself), or holding ``<!DOCTYPE`` or ``<!ENTITY`` anywhere, is
refused before parsing; the rest is parsed by expat (the C ``XMLParser`` of ElementTree) as UTF-8, so
that the bytes checked are the characters parsed. Without a DTD a document
can declare no entity: nothing external is ever read and no entity expands (billion laughs, XXE). This
is what ``defusedxml`` does with ``forbid_dtd=True``, at a third of its cost: defusedxml swaps in
ElementTree's pure-Python parser, which took 120 µs against 42 µs for the C parser on a 1.4 KB
envelope, most of the SOAP endpoint's own time. ``wsse:Security`` (the CPx mode) is
accepted but not verified: callers authenticate with a certificate (mTLS) or a psc bearer token.

- ``VERIFINS`` (the sandbox's ``urn:esante-sandbox:insi:verification``) for
  ``urn:ServiceIdentiteCertifiee:1.0.0:verifierInsAvecTraitsIdentite``, the sandbox's own operation (the
  CNAM's verification WSDL is not public): ``INSFourni`` (``IdIndividu``: ``NumIdentifiant``, ``Cle``;
  ``OID``) and ``TraitsIdentiteIndividu`` (the traits of ``RECSANSVITALE``).

Answers: ``RESULTAT`` (``http://www.cnamts.fr/INSiResultat``) with ``CR`` (``CodeCR``, ``LibelleCR``) and,
for ``00``, ``INDIVIDU`` (``INSACTIF``, ``INSHISTO``*, ``TIQ``), as the CNAM test platform writes them;
``RESULTATVERIF`` for a verification: the same ``CR`` and ``INDIVIDU``, then ``VERIFICATION``
(``Conforme``, ``InsActif``, ``Ecart``*: ``Trait``, ``Envoye``, ``Insi``), as the JSON verification.

Faults: ``soap:Sender`` with the subcode ``soap:siram_100`` and ``siram:Erreur code="desir_550"`` (or
``desir_560``, or the sandbox's token code) for access refusals, as the real service; WS-Addressing's
own subcodes for a missing or unknown action; ``soap:VersionMismatch`` (SOAP 1.1 envelope) and
``soap:MustUnderstand``; ``soap:Sender`` / ``soap:esante_requete`` with the sandbox's code (the same as
the JSON ``error``) for any other bad request, and ``soap:Receiver`` / ``soap:esante_indisponible``
(HTTP 500) for the technical fault on demand, HTTP 503 while the sandbox is not ready or its
database cannot be reached, HTTP 409 when the tenant was reset under the request (retry it). Faults
caused by the request are HTTP 400 (SOAP 1.2 would say 500 for VersionMismatch and MustUnderstand:
the sandbox never answers 500 to bad input).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any
from xml.etree.ElementTree import Element, ParseError, XMLParser
from xml.sax.saxutils import escape, quoteattr

from services.insi.errors import (
    ActionAbsente,
    ActionInconnue,
    EnTeteNonCompris,
    EnveloppeInvalide,
    IdamInconnu,
    NiveauAccesInsuffisant,
    ServiceIndisponible,
    TraitTropLong,
    VersionSoap,
)
from services.insi.records import HistoryEntry, Identity, Resultat
from services.insi.rules import OidMode, oid_publie
from shared.errors import DatabaseUnavailable, Forbidden, NotReady, SandboxError, Unauthenticated
from shared.tenants import TenantReset

SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
WSA = "http://www.w3.org/2005/08/addressing"
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
CTXLPS = "urn:siram:lps:ctxlps"
CTXBAM = "urn:siram:bam:ctxbam"
SIRAM = "urn:siram"
NS_RECSANS = "http://www.cnamts.fr/INSiRecSans"
NS_RECVIT = "http://www.cnamts.fr/INSiRecVit"
NS_RESULTAT = "http://www.cnamts.fr/INSiResultat"

ACTION_TRAITS = "urn:ServiceIdentiteCertifiee:1.0.0:rechercherInsAvecTraitsIdentite"
ACTION_VITALE = "urn:ServiceIdentiteCertifiee:1.0.0:rechercherInsAvecCarteVitale"
ACTION_VERIFY = "urn:ServiceIdentiteCertifiee:1.0.0:verifierInsAvecTraitsIdentite"
NS_VERIF = "urn:esante-sandbox:insi:verification"
"""The sandbox's verification namespace (the CNAM's verification WSDL is not public)."""
OPERATIONS: dict[str, tuple[str, str]] = {
    ACTION_TRAITS: ("traits", f"{{{NS_RECSANS}}}RECSANSVITALE"),
    ACTION_VITALE: ("vitale", f"{{{NS_RECVIT}}}RECVITALE"),
    ACTION_VERIFY: ("verify", f"{{{NS_VERIF}}}VERIFINS"),
}
"""WS-Addressing action -> (operation, body element)."""

CONTENT_TYPE = "application/soap+xml; charset=utf-8"
MAX_ENVELOPE = 64 * 1024
MAX_TEXT = 1000
"""Longest text accepted in one element before the operation's own limits apply."""

_HEADER = f"{{{SOAP12}}}Header"
_BODY = f"{{{SOAP12}}}Body"
_ACTION = f"{{{WSA}}}Action"
_MESSAGE_ID = f"{{{WSA}}}MessageID"
_CONTEXTE_LPS = f"{{{CTXLPS}}}ContexteLPS"
_LPS = f"{{{CTXLPS}}}LPS"
_IDAM = f"{{{CTXLPS}}}IDAM"
_CONTEXTE_BAM = f"{{{CTXBAM}}}ContexteBAM"
_UNDERSTOOD = frozenset({CTXLPS, CTXBAM, WSA, WSSE})
"""Namespaces of the header blocks the service processes (or, for wsse, accepts)."""
_TRUE = frozenset({"true", "1"})


@dataclass(frozen=True, slots=True)
class Envelope:
    """A parsed INSi request: which operation, its message id, the software's IDAM, the body element."""

    operation: str
    action: str
    message_id: str | None
    idam: str | None
    body: Element


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _text(element: Element) -> str:
    text = (element.text or "").strip()
    if len(text) > MAX_TEXT:
        raise TraitTropLong(f"{_local(element.tag)} holds more than {MAX_TEXT} characters", rule="insi-soap")
    return text


_DTD_MARKERS = (b"<!DOCTYPE", b"<!ENTITY")


def _parse(raw: bytes) -> Element:
    """The document's root element; DTDs are refused unparsed (see the module docstring)."""
    # expat recognises UTF-16 and UTF-32 by their first bytes whatever encoding it is given: such a
    # document (it holds NUL bytes) or one that is not UTF-8 would hide a DTD from the byte check.
    if b"\x00" in raw:
        raise EnveloppeInvalide("the envelope must be UTF-8", rule="insi-soap-encodage")
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        raise EnveloppeInvalide("the envelope must be UTF-8", rule="insi-soap-encodage") from None
    if any(marker in raw for marker in _DTD_MARKERS):
        raise EnveloppeInvalide("DTDs and entity declarations are refused", rule="insi-soap-dtd")
    parser = XMLParser(encoding="utf-8")
    try:
        parser.feed(raw)
        root: Element = parser.close()
    except ParseError as exc:
        raise EnveloppeInvalide(f"the body is not well-formed XML: {exc}", rule="insi-soap-xml") from None
    return root


def _content_type_action(content_type: str | None) -> str | None:
    for part in (content_type or "").split(";")[1:]:
        key, _, value = part.strip().partition("=")
        if key.strip().lower() == "action":
            return value.strip().strip('"') or None
    return None


def parse_envelope(raw: bytes, content_type: str | None) -> Envelope:
    """Read a request envelope; raises an ``EnveloppeInvalide`` (or subclass) naming what is wrong."""
    if len(raw) > MAX_ENVELOPE:
        raise EnveloppeInvalide(
            f"the envelope has {len(raw)} bytes, at most {MAX_ENVELOPE}", rule="insi-soap-taille"
        )
    if not raw.strip():
        raise EnveloppeInvalide("the request body is empty", rule="insi-soap-xml")
    root = _parse(raw)
    if root.tag == f"{{{SOAP11}}}Envelope":
        raise VersionSoap("a SOAP 1.1 envelope: INSi speaks SOAP 1.2", rule="insi-soap-version")
    if root.tag != f"{{{SOAP12}}}Envelope":
        raise VersionSoap(
            f"the root element {root.tag!r} is not a SOAP 1.2 Envelope", rule="insi-soap-version"
        )
    header: Element | None = None
    bodies = []
    for child in root:
        if child.tag == _BODY:
            bodies.append(child)
        elif child.tag == _HEADER and header is None:
            header = child
    if len(bodies) != 1:
        raise EnveloppeInvalide("the envelope must have exactly one soap:Body", rule="insi-soap-structure")
    payload = list(bodies[0])
    if len(payload) != 1:
        raise EnveloppeInvalide("soap:Body must hold exactly one element", rule="insi-soap-structure")

    action = message_id = idam = None
    has_lps = has_bam = False
    for block in header if header is not None else ():
        namespace = block.tag[1:].split("}", 1)[0] if block.tag.startswith("{") else ""
        if namespace not in _UNDERSTOOD and block.get(f"{{{SOAP12}}}mustUnderstand", "").strip() in _TRUE:
            raise EnTeteNonCompris(
                f"header block {block.tag} is marked mustUnderstand but is not processed by INSi",
                rule="insi-soap-mustunderstand",
            )
        tag = block.tag
        if tag == _ACTION:
            action = _text(block)
        elif tag == _MESSAGE_ID:
            message_id = _text(block)
        elif tag == _CONTEXTE_LPS:
            has_lps = True
            idam = next((_text(e) for lps in block if lps.tag == _LPS for e in lps if e.tag == _IDAM), None)
        elif tag == _CONTEXTE_BAM:
            has_bam = True

    action = action or _content_type_action(content_type)
    if not action:
        raise ActionAbsente(
            "no wsa:Action header (WS-Addressing 1.0) and no action in the Content-Type",
            rule="insi-soap-action",
        )
    operation = OPERATIONS.get(action)
    if operation is None:
        raise ActionInconnue(f"action {action[:200]!r} is not an INSi operation", rule="insi-soap-action")
    if payload[0].tag != operation[1]:
        raise EnveloppeInvalide(
            f"action {action} expects the body element {operation[1]}, not {payload[0].tag}",
            rule="insi-soap-structure",
        )
    if not has_lps:
        raise IdamInconnu("the ctxlps:ContexteLPS header (with LPS/IDAM) is missing", rule="insi-idam")
    if not has_bam:
        raise EnveloppeInvalide("the ctxbam:ContexteBAM header is missing", rule="insi-soap-contexte")
    return Envelope(operation[0], action, message_id, idam, payload[0])


def _children(element: Element, namespace: str, allowed: dict[str, bool]) -> dict[str, list[Element]]:
    """The children of ``element`` by local name; ``allowed``: name -> may repeat."""
    found: dict[str, list[Element]] = {}
    for child in element:
        name = _local(child.tag)
        if name not in allowed or child.tag != f"{{{namespace}}}{name}":
            raise EnveloppeInvalide(
                f"unexpected element {child.tag} in {_local(element.tag)} (namespace {namespace})",
                rule="insi-soap-structure",
            )
        found.setdefault(name, []).append(child)
        if len(found[name]) > 1 and not allowed[name]:
            raise EnveloppeInvalide(f"{name} appears more than once", rule="insi-soap-structure")
    return found


def _one(found: dict[str, list[Element]], name: str, parent: str) -> str:
    if name not in found:
        raise EnveloppeInvalide(f"{parent} lacks {name}", rule="insi-soap-structure")
    return _text(found[name][0])


def _optional(found: dict[str, list[Element]], name: str) -> str | None:
    return _text(found[name][0]) if name in found else None


_RECSANS = {
    "NomNaissance": False,
    "Prenom": True,
    "Sexe": False,
    "DateNaissance": False,
    "LieuNaissance": False,
}
_RECVIT = {
    "MatriculeIndividu": False,
    "MatriculeOD": False,
    "NomNaissance": False,
    "DateNaissance": False,
    "RangNaissance": False,
}
_MATRICULE = {"NumIdentifiant": False, "Cle": False, "TypeMatricule": False}


@dataclass(frozen=True, slots=True)
class TraitsFields:
    nom_naissance: str
    prenoms: list[str]
    sexe: str
    date_naissance: str
    lieu_naissance: str | None


def traits_fields(body: Element) -> TraitsFields:
    """The fields of ``RECSANSVITALE``."""
    found = _children(body, NS_RECSANS, _RECSANS)
    prenoms = [_text(p) for p in found.get("Prenom", [])]
    if not prenoms:
        raise EnveloppeInvalide("RECSANSVITALE lacks Prenom", rule="insi-soap-structure")
    return TraitsFields(
        nom_naissance=_one(found, "NomNaissance", "RECSANSVITALE"),
        prenoms=prenoms,
        sexe=_one(found, "Sexe", "RECSANSVITALE"),
        date_naissance=_one(found, "DateNaissance", "RECSANSVITALE"),
        lieu_naissance=_optional(found, "LieuNaissance"),
    )


@dataclass(frozen=True, slots=True)
class VitaleFields:
    individu: tuple[str, str] | None
    ouvrant_droit: tuple[str, str] | None
    nom_naissance: str | None
    date_naissance: str | None
    rang_naissance: str | None


def _matricule(found: dict[str, list[Element]], name: str) -> tuple[str, str] | None:
    if name not in found:
        return None
    parts = _children(found[name][0], NS_RECVIT, _MATRICULE)
    return _one(parts, "NumIdentifiant", name), _one(parts, "Cle", name)


def vitale_fields(body: Element) -> VitaleFields:
    """The fields of ``RECVITALE`` (matricules as (NumIdentifiant, Cle))."""
    found = _children(body, NS_RECVIT, _RECVIT)
    return VitaleFields(
        individu=_matricule(found, "MatriculeIndividu"),
        ouvrant_droit=_matricule(found, "MatriculeOD"),
        nom_naissance=_optional(found, "NomNaissance"),
        date_naissance=_optional(found, "DateNaissance"),
        rang_naissance=_optional(found, "RangNaissance"),
    )


@dataclass(frozen=True, slots=True)
class VerifyFields:
    matricule: str
    oid: str | None
    traits: TraitsFields


_VERIFINS = {"INSFourni": False, "TraitsIdentiteIndividu": False}
_INS_FOURNI = {"IdIndividu": False, "OID": False}
_ID_INDIVIDU = {"NumIdentifiant": False, "Cle": False}


def verify_fields(body: Element) -> VerifyFields:
    """The fields of the sandbox's ``VERIFINS``: the INS held (``NumIdentifiant`` + ``Cle``, ``OID``)
    and the traits held with it (``TraitsIdentiteIndividu``, as ``RECSANSVITALE``'s)."""
    found = _children(body, NS_VERIF, _VERIFINS)
    if "INSFourni" not in found or "TraitsIdentiteIndividu" not in found:
        raise EnveloppeInvalide(
            "VERIFINS needs INSFourni and TraitsIdentiteIndividu", rule="insi-soap-structure"
        )
    held = _children(found["INSFourni"][0], NS_VERIF, _INS_FOURNI)
    if "IdIndividu" not in held:
        raise EnveloppeInvalide("INSFourni lacks IdIndividu", rule="insi-soap-structure")
    number = _children(held["IdIndividu"][0], NS_VERIF, _ID_INDIVIDU)
    traits = _children(found["TraitsIdentiteIndividu"][0], NS_VERIF, _RECSANS)
    prenoms = [_text(p) for p in traits.get("Prenom", [])]
    if not prenoms:
        raise EnveloppeInvalide("TraitsIdentiteIndividu lacks Prenom", rule="insi-soap-structure")
    return VerifyFields(
        matricule=_one(number, "NumIdentifiant", "IdIndividu") + _one(number, "Cle", "IdIndividu"),
        oid=_optional(held, "OID"),
        traits=TraitsFields(
            nom_naissance=_one(traits, "NomNaissance", "TraitsIdentiteIndividu"),
            prenoms=prenoms,
            sexe=_one(traits, "Sexe", "TraitsIdentiteIndividu"),
            date_naissance=_one(traits, "DateNaissance", "TraitsIdentiteIndividu"),
            lieu_naissance=_optional(traits, "LieuNaissance"),
        ),
    )


# --- answers ------------------------------------------------------------------------------------------

_PROLOGUE = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    f'<soap:Envelope xmlns:soap="{SOAP12}"><soap:Body>'
    f'<RESULTAT xmlns="{NS_RESULTAT}" xmlns:ns2="{NS_RECSANS}" xmlns:ns3="{NS_RECVIT}">'
)
_EPILOGUE = "</RESULTAT></soap:Body></soap:Envelope>"


def _ins(tag: str, num: str, cle: str, oid: str, deb: str | None = None, fin: str | None = None) -> str:
    dates = (f"<DateDeb>{deb}</DateDeb>" if deb else "") + (f"<DateFin>{fin}</DateFin>" if fin else "")
    return (
        f"<{tag}><IdIndividu><NumIdentifiant>{escape(num)}</NumIdentifiant><Cle>{escape(cle)}</Cle>"
        f"</IdIndividu><OID>{oid}</OID>{dates}</{tag}>"
    )


def _history(entry: HistoryEntry, mode: OidMode) -> str:
    return _ins("INSHISTO", entry.num, entry.cle, oid_publie(entry.oid, mode), entry.date_deb, entry.date_fin)


def _individu(identity: Identity, mode: OidMode, namespace: str = "") -> str:
    """``INDIVIDU`` as the CNAM platform writes it (since October 2022 its TIQ has no ``Prenom``:
    ``ListePrenom`` holds every prénom); ``namespace``: an ``xmlns`` to declare on it."""
    return (
        f"<INDIVIDU{namespace}>"
        + _ins("INSACTIF", identity.num, identity.cle, oid_publie(identity.oid, mode))
        + "".join(_history(entry, mode) for entry in identity.historique)
        + f"<TIQ><NomNaissance>{escape(identity.nom_naissance)}</NomNaissance>"
        f"<ListePrenom>{escape(identity.liste_prenom)}</ListePrenom>"
        f"<Sexe>{identity.sexe}</Sexe><DateNaissance>{identity.date_naissance}</DateNaissance>"
        f"<LieuNaissance>{escape(identity.lieu_naissance)}</LieuNaissance></TIQ></INDIVIDU>"
    )


_rendered: dict[tuple[Identity, str], bytes] = {}
_RENDERED_MAX = 100_000


def render_resultat(resultat: Resultat, mode: OidMode) -> bytes:
    """The SOAP answer of an operation: ``RESULTAT`` with ``CR`` and, for 00, ``INDIVIDU`` (an identity's
    answer is rendered once, then served from memory)."""
    identity = resultat.individu
    if identity is not None:
        found = _rendered.get((identity, mode))
        if found is not None:
            return found
    individu = "" if identity is None else _individu(identity, mode)
    cr = f"<CR><CodeCR>{resultat.code_cr}</CodeCR><LibelleCR>{escape(resultat.libelle_cr)}</LibelleCR></CR>"
    document = (_PROLOGUE + cr + individu + _EPILOGUE).encode("utf-8")
    if identity is not None:
        if len(_rendered) >= _RENDERED_MAX:
            _rendered.clear()
        _rendered[(identity, mode)] = document
    return document


def render_verification(resultat: Resultat, mode: OidMode) -> bytes:
    """The answer of ``verifierInsAvecTraitsIdentite``: ``RESULTATVERIF`` (the sandbox's namespace)
    holding the CR, the identity and the comparison, as the JSON verification answers them."""
    cr = (
        f'<CR xmlns="{NS_RESULTAT}"><CodeCR>{resultat.code_cr}</CodeCR>'
        f"<LibelleCR>{escape(resultat.libelle_cr)}</LibelleCR></CR>"
    )
    individu = ""
    if resultat.individu is not None:  # as RESULTAT writes it, in INSiResultat's namespace
        individu = _individu(resultat.individu, mode, f' xmlns="{NS_RESULTAT}"')
    verification = ""
    if resultat.verification is not None:
        check = resultat.verification
        ecarts = "".join(
            f"<Ecart><Trait>{escape(e.trait)}</Trait><Envoye>{escape(e.envoye)}</Envoye>"
            f"<Insi>{escape(e.insi)}</Insi></Ecart>"
            for e in check.ecarts
        )
        verification = (
            f"<VERIFICATION><Conforme>{str(check.conforme).lower()}</Conforme>"
            f"<InsActif>{str(check.ins_actif).lower()}</InsActif>{ecarts}</VERIFICATION>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<soap:Envelope xmlns:soap="{SOAP12}"><soap:Body>'
        f'<RESULTATVERIF xmlns="{NS_VERIF}">{cr}{individu}{verification}'
        "</RESULTATVERIF></soap:Body></soap:Envelope>"
    ).encode()


# --- faults -------------------------------------------------------------------------------------------

_REASONS_FR = {
    "desir_550": "Le numéro d'autorisation de ce logiciel n'est pas reconnu : l'accès au service est refusé.",
    "desir_560": "Niveau d'accès insuffisant pour utiliser ce service.",
}


@dataclass(frozen=True, slots=True)
class Fault:
    status: int
    code: str
    subcode: str | None
    namespaces: str = ""


def fault_of(error: SandboxError) -> Fault:
    """How an error is told in SOAP: HTTP status, fault code and subcode (see the module docstring)."""
    if isinstance(error, VersionSoap):
        return Fault(400, "soap:VersionMismatch", None)
    if isinstance(error, EnTeteNonCompris):
        return Fault(400, "soap:MustUnderstand", None)
    if isinstance(error, ActionAbsente):
        return Fault(400, "soap:Sender", "wsa:MessageAddressingHeaderRequired", f' xmlns:wsa="{WSA}"')
    if isinstance(error, ActionInconnue):
        return Fault(400, "soap:Sender", "wsa:ActionNotSupported", f' xmlns:wsa="{WSA}"')
    if isinstance(error, IdamInconnu | NiveauAccesInsuffisant | Unauthenticated | Forbidden):
        return Fault(400, "soap:Sender", "soap:siram_100")
    if isinstance(error, ServiceIndisponible):
        return Fault(500, "soap:Receiver", "soap:esante_indisponible")
    if isinstance(error, NotReady | DatabaseUnavailable):
        return Fault(503, "soap:Receiver", "soap:esante_indisponible")
    if isinstance(error, TenantReset):  # the tenant changed under the request: retry it
        return Fault(409, "soap:Receiver", "soap:esante_indisponible")
    return Fault(400, "soap:Sender", "soap:esante_requete")


def render_fault(error: SandboxError, message_id: str | None = None) -> tuple[int, bytes]:
    """The HTTP status and SOAP 1.2 fault of ``error``; ``siram:Erreur`` carries its stable code."""
    fault = fault_of(error)
    reason = _REASONS_FR.get(error.code)
    lang = "fr" if reason else "en"
    subcode = (
        ""
        if fault.subcode is None
        else f"<soap:Subcode><soap:Value>{fault.subcode}</soap:Value></soap:Subcode>"
    )
    upgrade = (
        f'<soap:Header><soap:Upgrade><soap:SupportedEnvelope qname="ns:Envelope" xmlns:ns="{SOAP12}"/>'
        "</soap:Upgrade></soap:Header>"
        if fault.code == "soap:VersionMismatch"
        else ""
    )
    attributes: dict[str, Any] = {"code": error.code, "severite": "erreur"}
    attributes["messageID"] = message_id or f"uuid:{uuid.uuid4()}"
    rendered = " ".join(f"{key}={quoteattr(str(value)[:200])}" for key, value in attributes.items())
    document = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<soap:Envelope xmlns:soap="{SOAP12}">{upgrade}<soap:Body><soap:Fault{fault.namespaces}>'
        f"<soap:Code><soap:Value>{fault.code}</soap:Value>{subcode}</soap:Code>"
        f'<soap:Reason><soap:Text xml:lang="{lang}">{escape(reason or error.detail)}</soap:Text>'
        "</soap:Reason>"
        f'<soap:Detail><siram:Erreur xmlns:siram="{SIRAM}" {rendered}>{escape(error.detail)}</siram:Erreur>'
        "</soap:Detail></soap:Fault></soap:Body></soap:Envelope>"
    )
    return fault.status, document.encode("utf-8")
