"""The MSSanté app: the HTTP API beside the SMTP listener. Its description documents the SMTP space, the
patient mailbox rules and every error code."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import FastAPI

from services.mssante.errors import ERROR_TABLE
from services.mssante.patient_router import build_patient_router
from services.mssante.router import build_router, build_sandbox_router
from services.mssante.rules import PATIENT_OUTCOMES
from shared.app import create_service_app
from shared.errors import rules_cell, table_row
from shared.runtime import Runtime

TITLE = "MSSanté and the patient mailboxes (sandbox)"

_INTRO = """\
The MSSanté space: professional mailboxes (nominative, organisationnelle, applicative) and the patient
mailboxes of Mon espace santé `<INS>@patient.mssante.fr`, an SMTP listener, conversations and `[FIN]`,
delivery reports, and the outbox of e-mails to personal addresses.

**SMTP** (`ESANTE_SMTP_PORT`, 2525, STARTTLS; `ESANTE_SMTPS_PORT`, 2465, implicit TLS; certificate of the
sandbox CA in `<data-dir>/tls/ca.pem`, made on first start; `0` disables a port). SIZE
(`ESANTE_MSSANTE_MAX_MESSAGE_BYTES`, 20 MiB), 8BITMIME, SMTPUTF8. AUTH before MAIL (530 otherwise):

* `PLAIN` / `LOGIN`: the mailbox address and the sandbox's password, the same for every mailbox
  (`ESANTE_MSSANTE_PASSWORD`, default `mssante`);
* `XOAUTH2` / `OAUTHBEARER`: a psc access token of the mailbox's holder (the professional of a nominative
  mailbox, a professional of the structure for its organisational and applicative mailboxes, the patient
  for `<INS>@patient.mssante.fr`), the identity in the SASL user (`user=` / `a=`).

**Tenant**: the AUTH identity names it: `marie.martin@cabinet-x.mssante.fr` is in the default tenant,
`ci-42/marie.martin@cabinet-x.mssante.fr` in the tenant `ci-42`. Tokens are valid in every tenant.

MAIL FROM must be the authenticated mailbox (553 5.7.1) and so must the From header. Only `*.mssante.fr`
is delivered to (550 5.7.1, no open relay); an unknown mailbox is 550 5.1.1, a full one 552 5.2.2
(`PUT /sandbox/mailboxes/{address}/quota`); unreadable MIME or no From 550 5.6.0. A missing Date or
Message-ID is added (submission). A message answered 250 is committed in the tenant's database first.

**Patient mailboxes**: only a professional opens a conversation (a patient's message outside one is 550
5.7.1); a professional's message whose subject is exactly `[FIN]`, or with `X-MSS-MES: FIN`, ends it (the
patient's reply is then refused) and the professional's next message opens a new one. `[fin]`,
`[FIN] merci`, `Re: [FIN]` do not end it. At delivery time MSSanté reads the patient's Mon espace santé
status from the DMP (with its own psc token, client `esante-mssante`):

| DMP status | message | e-mail to the personal address |
|---|---|---|
"""

_OUTRO = """
Refused messages give the sender a non-delivery report (RFC 3464 `multipart/report;
report-type=delivery-status`) in their own mailbox. **INVISIBLE_PATIENT**: a document flagged so in its
IHE XDM metadata (`INVISIBLE_PATIENT` in `METADATA.XML`, the DMP's confidentialityCode) is never delivered
to a patient mailbox (report, status 5.7.1).

**Findings**: `X-MSS-NIL` on every message, `X-MSS-CODECDA` exactly when an IHE XDM archive
(`IHE_XDM/.../METADATA.XML` in a ZIP) is attached, `X-MSS-INS` O or N (O: a qualified INS in the XDM,
the patient mailbox's INS): each message's findings are in its read (`findings`), never a refusal.

**HTTP**: a professional's token reads the mailboxes it owns (`/v1/mailboxes/{address}/messages`: search,
read, raw, delete, and `.../messages/wait`, a long poll with `timeout` for tests); a patient token the
patient's side (`/v1/me/conversations`, `/v1/me/messages`, reply with `POST
/v1/me/conversations/{id}/messages`), once Mon espace santé is activated. A minor's patient mailbox is
used by a legal representative (seed 002: Mon espace santé « n'est pas accessible à ce jour aux enfants
mineurs »), with a token the parent chose for the child at the psc patient issuer (`represented_ins`):
on `/v1/me` the DMP's register of representatives and the minority are checked at each call
(`403 representation-refused`); on the mailbox routes and SMTP the minority is read from the token. A
minor's own token opens neither. `/v1/outbox` is the mail
catcher of e-mails to personal addresses (no token): activation invitations, new-message notices, and the
DMP's access notifications, which the outbox claims from the DMP each time it is read (`/v1/outbox`,
`/v1/outbox/wait`).

**Error codes** (HTTP body `{"error", "detail", "rule"}`; on SMTP the reply given):
"""


def _description() -> str:
    lines = [_INTRO.rstrip("\n")]
    for statut, outcome in PATIENT_OUTCOMES.items():
        what = {"deliver": "delivered", "hold": "kept, readable once activated", "refuse": "refused"}[
            outcome.action
        ]
        reason = f" ({outcome.status}: {outcome.reason})" if outcome.reason else ""
        lines.append(f"| {statut} | {what}{reason} | {outcome.notice or '-'} |")
    lines.append(_OUTRO)
    lines.append("| status | error | rule | SMTP | when |")
    lines.append("|---|---|---|---|---|")
    for cls, rule, when in ERROR_TABLE:
        smtp = getattr(cls, "smtp", "-")
        lines.append(table_row(cls.status, f"`{cls.code}`", rules_cell(rule), smtp, when))
    return "\n".join(lines) + "\n"


DESCRIPTION = _description()
SUMMARY = _INTRO.split("\n\n", 1)[0]
"""What opens the spec; the whole description is the reference page."""


def create_app(runtime: Runtime) -> FastAPI:
    return create_service_app(
        name="mssante",
        title=TITLE,
        description=SUMMARY,
        reference=DESCRIPTION,
        runtime=runtime,
        routers=[build_router(runtime), build_patient_router(runtime), build_sandbox_router(runtime)],
    )


@contextmanager
def serving(runtime: Runtime) -> Iterator[None]:
    """The SMTP listeners run while the app is served (started and stopped with it)."""
    from services.mssante.smtp import SmtpListener

    listener = SmtpListener(runtime)
    listener.start()
    try:
        yield
    finally:
        listener.stop()
