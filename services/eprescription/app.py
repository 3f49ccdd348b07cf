"""The e-prescription app: prescribing, reading by number, QR code and PDF, dispensing, the
prescriber's view of the executions, the patient's list, and the seeded numbers (sandbox). Its
description documents the number format, the rule tables with their articles and every error code."""

from __future__ import annotations

from fastapi import FastAPI

from services.eprescription import rules
from services.eprescription.errors import ERROR_TABLE
from services.eprescription.router import router, sandbox_router
from shared.app import create_service_app
from shared.errors import rules_cell, table_row
from shared.population.referentials import PROFESSIONS
from shared.runtime import Runtime

TITLE = "Base e-prescription: the ordonnance numérique (sandbox)"

_INTRO = """\
The Assurance Maladie's base of ordonnances numériques: a prescriber writes a prescription, the answer
is its **numéro unique**, printed with a QR code on the PDF facsimile handed to the patient and
deposited in the patient's DMP; the executant (pharmacien, infirmier) scans the number, reads the lines
and records what was delivered, line by line; the prescriber reads the executions when the patient
agreed. Field names are the sandbox's own (the real API is not public); dates follow the tenant clock.

**The number** (sandbox format, the real one is not public): 18 characters of `0-9 A-Z`: `01` (format
version), 15 symbols, then a check character: the values of the 18 characters (`0`-`9` = 0-9, `A`-`Z` =
10-35) weighted 2, 1, 2, 1... from the left sum to 1 modulo 36, so the check character is
`(1 - s) mod 36`, `s` the weighted sum of the first 17. Seed 001's example `01S2TBPZ2JCNZZYGHZ` is valid.
The prescriber's software may make the number itself (seed 000: it « génère un identifiant unique »):
give it as `numero`; one already used in the tenant is refused with `409 numero-taken`; without it the
sandbox makes one. A mistyped number is refused with `numero-invalid` (400): rule `numero-format`
(length, alphabet, version) or `numero-check` (the check character does not match). Lower case,
spaces and hyphens are accepted and normalised.

**Prescribing** `POST /v1/prescriptions` (CPS or e-CPS; a CPE card is refused, `card-cpe`): the
prescriber's RPPS comes from the token, the body adds the N° AM or the FINESS; the patient block is the
INS with its five traits (the DMP checks them with INSi) and the weight (LPPR lines, children under
15); the consent OUI / NON; « à exécuter avant le »; the lines: `medicament` (CIP13, UCD, or substance
and dosage; posology, duration, renewals, liste I / II / stupefiant, large pack, contraceptive),
`lppr` (LPP code, quantity per period, period of at most a month, renewals within twelve months),
`soins` (act, cabinet or domicile, passages per day, « nuit », « intervalle de 12 heures », Sundays and
holidays, a duration, a number of passages or both (seed 000: « durée de prescription et/ou nombre
de passages »; the passages are the line's quantity, the duration the days from the start date within
which they are executed, `soins-apres-duree`), start date, urgency); each with `ald` and
`non_remboursable`. Médicaments and LPPR make an ordonnance of produits de santé (DMP typeCode
57833-6), soins one of soins (57832-8); the two are not mixed (`famille-mixte`).

The PDF is then deposited in the patient's DMP with the prescriber's token. When the DMP refuses (no
active profile, traits that do not match INSi...) or does not answer, the prescription is kept and
`depot_dmp` says `not-deposited` with the DMP's code, rule and detail. Seed 001 says the prescriber's
software feeds the DMP: a software that deposits the PDF itself sends `depot_dmp: false`, the base then
deposits nothing (`depot_dmp.statut` = `by-prescriber`). The PDF of a prescription is always the same
bytes, and the DMP holds a prescription once (`409 document-duplicate`, rule `prescription-duplicate`),
so a PDF deposited by both is refused the second time rather than kept twice.

**Dispensing** `POST /v1/prescriptions/{numero}/dispensations`: quantities in the line's unit (days of
treatment for a médicament, units for LPPR, passages for soins), the product delivered (generic
substitution), the interventions. Every line of the request is checked before anything is written.
When nothing remains the prescription is `executee` and its number no longer serves executants
(`prescription-closed`, 410). Two executants racing on one number: exactly one wins; the other is
checked again against what remains.

**Reading**: `GET /v1/prescriptions/{numero}` by the prescriber or an executant of one of its line
kinds; `/qr.png`, `/qr.svg`, `/pdf` also by the patient; `GET /v1/prescriptions/{numero}/executions`
by the prescriber when the patient said OUI (`consentement-non` otherwise); `GET /v1/me/prescriptions`
with a patient token; the prescriber cancels with `POST /v1/prescriptions/{numero}/annulation` while
nothing was dispensed. `GET /sandbox/prescriptions` lists the seeded numbers (no token).
"""


def _description() -> str:
    lines = [_INTRO, "**Who prescribes what, who executes what** (profession codes TRE_G15):\n"]
    lines.append("| profession | prescribes | executes |")
    lines.append("|---|---|---|")
    for code, label in PROFESSIONS.items():
        kinds = sorted(k.value for k in rules.PRESCRIBERS.get(code, frozenset()))
        executes = sorted(k.value for k, who in rules.EXECUTANTS.items() if code in who)
        lines.append(f"| {code} {label} | {', '.join(kinds) or '-'} | {', '.join(executes) or '-'} |")
    lines.append("\n**Rules** (each refusal names its rule; the article is the source):\n")
    lines.append("| rule | article | says |")
    lines.append("|---|---|---|")
    for rule in rules.RULES.values():
        lines.append(f"| `{rule.id}` | {rule.article} | {rule.text} |")
    lines.append('\n**Error codes** (body `{"error", "detail", "rule"}`; token errors `token-*` are 401):\n')
    lines.append("| status | error | rule | when |")
    lines.append("|---|---|---|---|")
    for cls, rule_ids, when in ERROR_TABLE:
        lines.append(table_row(cls.status, f"`{cls.code}`", rules_cell(rule_ids), when))
    lines.append("| 403 | `forbidden` | `actor-kind`, `card-cpe` | not a professional's CPS / e-CPS token |")
    return "\n".join(lines) + "\n"


DESCRIPTION = _description()
SUMMARY = _INTRO.split("\n\n", 1)[0]
"""What opens the spec; the whole description is the reference page."""


def create_app(runtime: Runtime) -> FastAPI:
    return create_service_app(
        name="eprescription",
        title=TITLE,
        description=SUMMARY,
        reference=DESCRIPTION,
        runtime=runtime,
        routers=[router, sandbox_router],
    )
