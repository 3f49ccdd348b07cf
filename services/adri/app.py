"""The ADRi app: rights lookups (acquisition des droits intégrée) and appli carte Vitale sessions."""

from __future__ import annotations

from fastapi import FastAPI

from services.adri.errors import ERROR_TABLE
from services.adri.router import APCV_SESSION_HEADER, router
from shared.app import create_service_app
from shared.errors import rules_cell, table_row
from shared.runtime import Runtime

TITLE = "ADRi: rights lookup and appli carte Vitale (sandbox)"

_INTRO = f"""\
The CNAM teleservice that billing software calls to read a patient's administrative situation in
real time: régime, caisse and centre, ouvrant droit and ayants droit, AMO rights periods, exonérations
(ALD, maternité, invalidité), complémentaire santé solidaire, médecin traitant.

**Field names are the sandbox's own.** The real ADRi request and response formats are not public; the
names here (English structure, French domain words) are stable and documented in the schemas.

**Lookups** (any professional token: CPS, e-CPS, or CPE, since secretariats check rights too):

* `GET /v1/beneficiaries/{{nir}}?date=YYYY-MM-DD`: by the beneficiary's own NIR (or NIA) with its key;
* `GET /v1/beneficiaries?ouvrant_droit=<nir>&rang_naissance=1[&date_naissance=YYYY-MM-DD]`: as a carte
  Vitale designates the beneficiary (twins share the date and differ by rang).

A person still waiting for a NIR is known by their NIA. The CNAM test identity HERMANN GATIEN, whose
published matricule carries a key that breaks the mod-97 rule, is served under that matricule; any
other wrong key is `nir-key`.

`date` is the date of care; without it, the tenant clock's today. The answer is the situation at that
date: `beneficiary` (with `qualite`: `assure` on their own rights, `ayant-droit` on someone else's),
`ouvrant_droit` and `ayants_droit`, the `regime` / `caisse` / `centre` and the `amo` period in force,
`amo_periods` (every period, oldest first), the `exonerations` and the `css` in force that day, and
`medecin_traitant_rpps`. Exonération codes are the sandbox's: `ALDnn` (number in the list of 30 ALD),
`MAT` (maternité), `INV` (invalidité). A person who changed régime gets each régime at its own dates.
When no AMO period covers the date the answer is an error naming the dates (`rights-closed`,
`rights-not-yet-open`, status 404: there is no situation at that date).

**Appli carte Vitale** (CPS or e-CPS only: the professional signs the feuille de soins): reading the
patient's app (QR code or NFC) is `POST /v1/apcv/sessions` with the matricule it carries. The session
lasts **20 minutes** by the tenant clock and allows **one invoice** (`POST /v1/apcv/sessions/{{id}}/invoice`);
lookups are made within it with the header `{APCV_SESSION_HEADER}: <session_id>`. After 20 minutes or
after the invoice, the answer is `apcv-reauthentication-required`: read the app again. These two
figures come from a CPAM seminar document (seed document 001) only, not from a published
specification.

**Error codes** (body `{{"error", "detail", "rule"}}`). Besides the sandbox's common ones (token errors
`token-*` 401, `tenant-invalid` 400, `validation-error` 422 for a session or invoice body that breaks
its schema), ADRi answers:

| status | error | rule | when |
|---|---|---|---|
"""


def _description() -> str:
    rows = [table_row(cls.status, f"`{cls.code}`", rules_cell(rule), when) for cls, rule, when in ERROR_TABLE]
    access = [
        "| 403 | `forbidden` | `actor-kind` | the token is not a professional's (patient, software) |",
        "| 403 | `forbidden` | `card-cpe` | ApCV sessions and invoices need a CPS or e-CPS |",
    ]
    return _INTRO + "\n".join(rows + access) + "\n"


DESCRIPTION = _description()
SUMMARY = _INTRO.split("\n\n", 1)[0]
"""What opens the spec; the whole description is the reference page."""


def create_app(runtime: Runtime) -> FastAPI:
    return create_service_app(
        name="adri",
        title=TITLE,
        description=SUMMARY,
        reference=DESCRIPTION,
        runtime=runtime,
        routers=[router],
    )
