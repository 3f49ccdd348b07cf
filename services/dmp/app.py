"""The DMP app: the professionals' API, the patient's API (Mon espace santé), the FHIR facade, and the
sandbox's matrix upload. Its description documents the rules, the matrix and every error code."""

from __future__ import annotations

from fastapi import FastAPI

from services.dmp import matrice, metadata
from services.dmp.errors import ERROR_TABLE
from services.dmp.fhir_router import build_fhir_router
from services.dmp.patient_router import build_patient_router
from services.dmp.router import build_router, build_sandbox_router
from services.dmp.service_router import build_service_router
from services.dmp.typecodes import CATEGORIES, TYPES
from shared.app import create_service_app
from shared.errors import rules_cell, table_row
from shared.runtime import Runtime

TITLE = "DMP and Mon espace santé (sandbox)"

_INTRO = """\
The Dossier Médical Partagé and the patient's side of Mon espace santé: profiles and their lifecycle,
documents, the habilitation matrix, bris de glace, centre 15, the patient's controls, traces and
notifications.

**Profiles** follow the tenant clock (`PUT /sandbox/tenants/{tenant}/clock`), computed from dates at
read time: invitation, automatic creation **six weeks** later unless the person objected, *open* until
activated with the invitation's code, *closed* at any time with the data archived **ten years** (then
deleted), reopened with its archive within that time. Minors are managed by their legal representatives: a
representative logs in at the psc patient issuer with their own identity and chooses the child with
`represented_ins=<INS of the child>` (an authorization request parameter, or a `client_credentials`
form field); the token (`sub` = the representative, claim `represented_ins`) then acts on the child's
profile on every `/v1/me` route, while the representation and the minority are checked on each call.
A minor's own token is refused (`minor-managed-by-representatives`); a document may be invisible to
the representatives (`INVISIBLE_REPRESENTANTS_LEGAUX`): not listed, not read, not announced.

**Professionals** (psc token): `GET /v1/patients/{ins}/status` (TD0.2), feed `POST
/v1/patients/{ins}/documents` (TD2: the INS is verified with INSi), search `GET
/v1/patients/{ins}/documents` (TD3.1), read `GET /v1/documents/{id}` (TD3.2), replace `POST
/v1/documents/{id}/replace` (TD2.1), change flags or archive `PATCH /v1/documents/{id}`, delete `DELETE
/v1/documents/{id}`. The access mode travels in `X-Access-Mode: normal | bris-de-glace | centre-15`, the
justification in `X-Access-Justification`.

* *normal*: consultation within the équipe de soins, consent presumed and recorded at the first access;
* *bris-de-glace*: any professional in person, a justification is mandatory, refused when the patient
  forbade it; masked documents only when the patient allowed them in an emergency; notified;
* *centre-15*: a SAMU regulator (token flag), no motive, the authorisation is not checked, refused when
  the patient forbade it; notified.

In every mode a professional the patient blocked is refused, and the habilitation matrix applies. The
médecin traitant DMP sees masked documents (DMP integration guide EX_3.1-1030: listing masked documents
is « fonctionnalité réservée au médecin traitant »), and so does a document's own author: a sandbox
choice kept because the DMP guide is silent and service-public.fr's description of Mon espace santé
names exceptions to masking (« un document peut être masqué à certains professionnels de santé, à
l'exception de cel[ui]... », as quoted by senioractu.com; the end of the sentence was not readable). A CPE
card may feed (a structure's deposit), not consult. A blocked professional may still feed: blocking
applies to consultation (a sandbox reading of "access authorisations apply only to consultation").

**Patients** (psc patient token, subject = INS), under `/v1/me`: the profile, `activation`,
`opposition`, `cloture`, `reouverture`; documents (read, add, hide from professionals, delete); the
access history (`historique`); `notifications`; `professionnels` (authorise, block); the emergency
settings (`parametres-urgence`); the médecin traitant DMP. The patient uses them once the profile is
activated.

**Notifications** are kept as records readable by the patient API, with the personal e-mail address they
go to: each professional's first access, every emergency access, every new document a professional
deposits (unless `INVISIBLE_PATIENT`, or, for a minor, whose notices the legal representatives read,
`INVISIBLE_REPRESENTANTS_LEGAUX`). MSSanté's outbox sends them: it claims the pending ones with
`POST /v1/services/notifications/claim` (which sets `envoye` in the same transaction) whenever its
outbox is read, and e-mails them to the personal address.

**Service routes** (`/v1/services`, only the psc client `esante-mssante`'s own token, client_credentials
without login_hint): `GET /v1/services/profiles/{ins}` (status, personal address, minor, legal
representatives: what MSSanté reads at delivery time) and `POST /v1/services/notifications/claim`.

**Documents**: formats `application/pdf`, `text/xml` (CDA R2, `application/xml` and
`application/hl7-cda+xml` accepted too), `text/plain`, base64, at most `ESANTE_DMP_MAX_DOCUMENT_BYTES`
(5 MiB by default; the real limit is not public). Rules by type: the VSM (60591-5) by any médecin
(`vsm-medecin`: CSP L.1111-15 makes it the médecin traitant's duty, but no DMP rule found reserves its
deposit to them, and an EHPAD's médecin coordonnateur writes one too, ARS Île-de-France); données de
remboursement (REMB) by the Assurance Maladie only; DOCPATxx / EXPPAT_1-2 by the patient only;
directives anticipées (EXPPAT_3) for an adult, by the person or by a professional for them (seed 001:
the web DMP offers a professional « Déposer les directives anticipées »; CSP L.1111-11: « toute personne
majeure »), traced and notified as any deposit; vaccinations and directives anticipées readable by
every profession. A prescription (57833-6, 57832-8, 57828-6, PRESC-*) is in a DMP once: a second current
document of the same type with the same content is refused, `409 document-duplicate`, rule
`prescription-duplicate` (the base e-prescription deposits its PDF unless the prescriber's software
says `depot_dmp: false`; a software that deposits the same PDF as well is told so). Other types may
repeat a content (a sandbox choice).

**FHIR R4 facade** (`/fhir`): IHE MHD 4.2 (Comprehensive Metadata) as the ANS PDSm guide 3.1.1
profiles it; the same service layer and rules as the JSON API; errors as `OperationOutcome` with the
DMP's code in `issue.details.coding` (and `issue.expression` naming a bundle's entry).

- Discovery: `GET /fhir/metadata` (the CapabilityStatement: MHD Document Recipient and Document
  Responder, psc's OAuth endpoints in `rest.security`), `GET /fhir/.well-known/smart-configuration`.
- Patient: `GET /fhir/Patient?identifier=urn:oid:1.2.250.1.213.1.4.8|<INS>` (no entry: no active DMP),
  `GET /fhir/Patient/{INS}`.
- ITI-65: `POST /fhir` with a `transaction` Bundle: one SubmissionSet `List` (code `submissionset`,
  extensions `ihe-sourceId` and `ihe-designationType`, a `urn:oid:` uniqueId, `subject`), its
  DocumentReferences (a contained Patient with the INS and traits: the INS checks 902-905), and their
  `Binary` (or inline `attachment.data`). Each entry is `POST <type>` with its own `fullUrl`. All or
  nothing: a refused entry writes nothing. The answer is a `transaction-response` with an absolute
  `Location` per entry, in order (`List/<id>`, `DocumentReference/<id>`, `Binary/<id>`). `relatesTo`
  `replaces` replaces a document (its author only, 901; the old one becomes `superseded`). Sandbox
  choices: one patient per bundle (as XDS); folders (`List` code `folder`) are refused; the single
  resource `POST /fhir/DocumentReference` stays.
- ITI-66: `GET /fhir/List?patient=...` (or `patient.identifier`) with `code`, `status`, `date` (when
  submitted), `designationType`, `identifier` (uniqueId or entryUUID), `sourceId`; `GET /fhir/List/{id}`.
  A set lists only the documents its reader may see, and a set with none is not found.
- ITI-67: `GET /fhir/DocumentReference?patient=Patient/<INS>` or `?patient.identifier=...`, with
  `identifier` (entryUUID or uniqueId), `status`, `type`, `category` (a classCode, or a category of the
  matrix), `period` and
  `creation` (the act's date), `date` (when the DMP received it), `author.given` / `author.family` (the
  start of a word of the author's name, which the DMP keeps whole), `security-label` (the visibility
  codes, `N` for none), `facility`, `setting`, `format`, `event` and `related` (codes, see below),
  `_count` and a `next` link. Other parameters are ignored, or refused under `Prefer: handling=strict`.
- ITI-68: `GET /fhir/Binary/{id}`, the target of every `attachment.url`: the document's bytes, or a
  `Binary` for `Accept: application/fhir+json`. `GET /fhir/DocumentReference/{id}` carries the bytes
  inline. Every DocumentReference carries the content's SHA-1 in `attachment.hash` (as XDS's `hash`;
  the DMP's own SHA-256 finds a document deposited twice).
- `PATCH /fhir/DocumentReference/{id}` (JSON Patch on `securityLabel`, `status`, the `isArchived`
  extension `https://interop.esante.gouv.fr/ig/fhir/pdsm/StructureDefinition/pdsm-ext-is-archived`).
- Resources name their profiles in `meta.profile`: DocumentReference
  `https://profiles.ihe.net/ITI/MHD/StructureDefinition/IHE.MHD.Comprehensive.DocumentReference` and
  `https://interop.esante.gouv.fr/ig/fhir/pdsm/StructureDefinition/pdsm-comprehensive-document-reference`;
  SubmissionSet `.../IHE.MHD.Comprehensive.SubmissionSet` and `.../pdsm-submissionset-comprehensive`
  (sources: IHE/ITI.MHD tag 4.2.3, ansforge/IG-fhir-partage-de-documents-de-sante tag 3.1.1). The
  author is contained (a Practitioner with the IdNat `urn:oid:1.2.250.1.71.4.2.1`), the subject is a
  reference to `Patient/<INS>` with the INS identifier, `context.sourcePatientInfo` the contained
  `#patient`; `masterIdentifier` is the uniqueId the source gave (else the entryUUID), the `official`
  identifier the entryUUID (`urn:uuid:`).
- CI-SIS metadata, kept by every door (the JSON API's `secteur_activite`, `cadre_exercice`, `code_format`,
  `evenements`, `references`, `identifiant_unique`): `context.facilityType` (JDV_J02: TRE_R02 sectors,
  `EXP_PATIENT`), `context.practiceSetting` (JDV_J04: TRE_A01 `AMBULATOIRE`, `ETABLISSEMENT`...),
  `content.format` (JDV_J10: `urn:ihe:iti:xds-sd:pdf:2008`, `...text:2008`, the TRE_A06 models), with
  the NOS systems `https://mos.esante.gouv.fr/NOS/<TRE>/FHIR/<TRE-with-hyphens>`; `context.event`
  (any code: the eventCodeList has no value set) and `context.related` (identifiers). Absent, they are
  implied by the author's structure (its sector; a patient: `EXP_PATIENT`) and the content; a code
  outside these sets, or a PDF format code on a text, is `422 metadata-refused`; a uniqueId already in
  the DMP is `409 document-duplicate` (`unique-id-duplicate`). `category` carries the classCode
  (JDV_J06: TRE_A03 `10` compte rendu, `11` synthèse, `31` imagerie...) that the typeCode implies (the
  class of its category in the table below: ASS_X04's correspondence is not all public) and, as a
  second coding, the habilitation matrix's category (system `urn:esante-sandbox:dmp:categorie`).
  `custodian` (required by PDSm) is a contained Organization: the author's structure with its
  IdNat_Struct (`urn:oid:1.2.250.1.71.4.2.2`), or the DMP itself for a document no structure deposited
  (a sandbox choice: PDSm says only that the VIHF names it).
- Every URL the facade writes (`Location`, `fullUrl`, `link`, `attachment.url`, references) is absolute:
  `ESANTE_PUBLIC_URL` (else the request's origin), the mount prefix, `/fhir`.

**Habilitation matrix** (arrêté du 26 octobre 2023; médecins see every type except the attestation de
résidence; the other rows are the sandbox's reading of the public material, the annex was not
retrieved). `GET /sandbox/matrice` shows the tenant's, `PUT /sandbox/matrice` uploads a file
(`{"lignes": [{"profession": "60", "savoir_faire": null, "autorise": ["synthese", "60593-1"],
"refuse": []}]}`: categories or typeCodes; a `savoir_faire` row wins over the profession's row),
`DELETE /sandbox/matrice` restores the default. Default rows (categories):

"""


def _description() -> str:
    lines = [_INTRO]
    lines.append("| profession | categories | refused types |")
    lines.append("|---|---|---|")
    for (profession, savoir_faire), (allowed, refused) in matrice.DEFAULT_ROWS.items():
        who = profession if savoir_faire is None else f"{profession} / {savoir_faire}"
        lines.append(f"| {who} | {', '.join(sorted(allowed))} | {', '.join(sorted(refused)) or '-'} |")
    lines.append(
        "\n**Categories and accepted typeCodes** (a documented subset of JDV_J07; JDV_J66 is not public):\n"
    )
    lines.append("| category | classCode | typeCodes |")
    lines.append("|---|---|---|")
    for category, label in CATEGORIES.items():
        codes = ", ".join(f"`{c}`" for c, t in TYPES.items() if t.categorie == category)
        code = metadata.CLASS_OF_CATEGORY[category]
        lines.append(f"| {category} ({label}) | `{code}` {metadata.CLASSES[code].display} | {codes} |")
    lines.append('\n**Error codes** (body `{"error", "detail", "rule"}`; token errors `token-*` are 401):\n')
    lines.append("| status | error | rule | when |")
    lines.append("|---|---|---|---|")
    for cls, rule, when in ERROR_TABLE:
        lines.append(table_row(cls.status, f"`{cls.code}`", rules_cell(rule), when))
    lines.append(
        "| 403 | `forbidden` | `actor-kind` | a patient's token on a professional route, or the reverse |"
    )
    lines.append("| 502 | `upstream-unavailable` | `upstream-insi` | INSi did not answer |")
    return "\n".join(lines) + "\n"


DESCRIPTION = _description()
SUMMARY = _INTRO.split("\n\n", 1)[0]
"""What opens the spec; the whole description is the reference page."""


def create_app(runtime: Runtime) -> FastAPI:
    return create_service_app(
        name="dmp",
        title=TITLE,
        description=SUMMARY,
        reference=DESCRIPTION,
        runtime=runtime,
        routers=[
            build_router(runtime),
            build_patient_router(runtime),
            build_fhir_router(runtime),
            build_sandbox_router(runtime),
            build_service_router(runtime),
        ],
    )
