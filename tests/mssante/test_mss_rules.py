"""The rule tables of MSSanté, pure: [FIN], addresses, the AUTH identity syntax, patient outcomes; and
the token mechanisms XOAUTH2 / OAUTHBEARER over smtplib."""

from __future__ import annotations

import base64

import pytest
from mss_helpers import Mss, message

from services.mssante import rules
from services.mssante.rules import Action
from shared.tenancy import DEFAULT_TENANT


@pytest.mark.parametrize(
    ("subject", "header", "ends"),
    [
        ("[FIN]", None, "subject"),
        ("[fin]", None, None),
        ("[FIN] merci", None, None),
        ("Re: [FIN]", None, None),
        (" [FIN]", None, None),
        ("Suivi", "FIN", "header"),
        ("Suivi", " FIN ", "header"),
        ("Suivi", "fin", None),
        ("Suivi", None, None),
    ],
)
def test_ends_conversation(subject: str, header: str | None, ends: str | None) -> None:
    assert rules.ends_conversation(subject, header) == ends


@pytest.mark.parametrize(
    ("login", "tenant", "address"),
    [
        ("Marie.Martin@cab.mssante.fr", DEFAULT_TENANT, "marie.martin@cab.mssante.fr"),
        ("ci-42/marie.martin@cab.mssante.fr", "ci-42", "marie.martin@cab.mssante.fr"),
    ],
)
def test_identity_syntax(login: str, tenant: str, address: str) -> None:
    assert rules.parse_identity(login) == rules.Identity(tenant, address)


@pytest.mark.parametrize(
    ("address", "ins"),
    [
        ("279035121518989@patient.mssante.fr", "279035121518989"),
        ("234042a00414047@PATIENT.mssante.fr", "234042A00414047"),
        ("27903512151898@patient.mssante.fr", None),
        ("279035121518989@cab.mssante.fr", None),
    ],
)
def test_patient_ins(address: str, ins: str | None) -> None:
    assert rules.patient_ins(address) == ins


@pytest.mark.parametrize(
    ("address", "inside"),
    [
        ("a@cab.mssante.fr", True),
        ("a@patient.mssante.fr", True),
        ("a@gmail.com", False),
        ("a@mssante.fr.evil", False),
    ],
)
def test_mssante_space(address: str, inside: bool) -> None:
    assert rules.in_mssante_space(address) is inside


@pytest.mark.parametrize(
    ("statut", "action", "notice"),
    [
        ("activated", Action.DELIVER, "new-message"),
        ("open", Action.HOLD, "activation-invitation"),
        ("opposed", Action.REFUSE, None),
        ("closed", Action.REFUSE, None),
        ("invited", Action.REFUSE, None),
        ("deleted", Action.REFUSE, None),
        ("anything", Action.REFUSE, None),
    ],
)
def test_patient_outcomes(statut: str, action: Action, notice: str | None) -> None:
    outcome = rules.patient_outcome(statut)
    assert (outcome.action, outcome.notice) == (action, notice)


@pytest.mark.asyncio
async def test_xoauth2_and_oauthbearer_with_a_psc_token(mss: Mss) -> None:
    a, b = mss.pro(0), mss.pro(1)
    token = await mss.token(a)
    xoauth2 = f"user={mss.login(a.mssante)}\x01auth=Bearer {token}\x01\x01"
    oauthbearer = f"n,a={mss.login(a.mssante)},\x01auth=Bearer {token}\x01\x01"
    for mechanism, blob in (("XOAUTH2", xoauth2), ("OAUTHBEARER", oauthbearer)):
        with mss.smtp() as connection:
            code, _ = connection.docmd("AUTH", f"{mechanism} {base64.b64encode(blob.encode()).decode()}")
            assert code == 235
            connection.send_message(message(a.mssante, b.mssante, mechanism))
    assert {m["subject"] for m in await mss.messages(b)} == {"XOAUTH2", "OAUTHBEARER"}
    # someone else's token does not open the mailbox
    other = await mss.token(b)
    blob = f"user={mss.login(a.mssante)}\x01auth=Bearer {other}\x01\x01"
    with mss.smtp() as connection:
        code, _ = connection.docmd("AUTH", f"XOAUTH2 {base64.b64encode(blob.encode()).decode()}")
        assert code == 535
    with mss.smtp() as connection:
        code, _ = connection.docmd("AUTH", f"XOAUTH2 {base64.b64encode(b'user=x').decode()}")
        assert code == 535
