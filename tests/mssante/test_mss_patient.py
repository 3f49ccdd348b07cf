"""The patient mailbox: statuses read from the DMP, conversations and [FIN], DSNs, the outbox."""

from __future__ import annotations

import base64
import io
import smtplib
import zipfile
from email import message_from_bytes
from email.message import EmailMessage

import pytest
from mss_helpers import Mss, message

from services.dmp.repository import traces as dmp_repository
from services.mssante.errors import RepresentationRefused
from services.mssante.rules import patient_address
from services.mssante.service import check_representation
from shared.population import Person

pytestmark = pytest.mark.asyncio


def xdm_zip(ins: str, invisible: bool = False) -> bytes:
    metadata = (
        '<rim:ExternalIdentifier value="'
        + ins
        + '^^^&amp;1.2.250.1.213.1.4.8&amp;ISO"/>'
        + ('<rim:Classification nodeRepresentation="INVISIBLE_PATIENT"/>' if invisible else "")
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("IHE_XDM/SUBSET01/METADATA.XML", metadata)
        archive.writestr("IHE_XDM/SUBSET01/DOC0001.XML", "<ClinicalDocument/>")
        archive.writestr("INDEX.HTM", "<html/>")
    return buffer.getvalue()


def with_xdm(msg: EmailMessage, archive: bytes) -> EmailMessage:
    msg.add_attachment(archive, maintype="application", subtype="zip", filename="IHE_XDM.ZIP")
    return msg


async def test_activated_patient_receives_and_is_notified(mss: Mss) -> None:
    pro, person = mss.pro(0), mss.person("activated")
    address = patient_address(person.ins)
    mss.send(pro.mssante, message(pro.mssante, address, "Résultats"))
    response = await mss.patient("GET", "/messages", person.ins)
    assert response.status_code == 200, response.text
    assert [m["subject"] for m in response.json()] == ["Résultats"]
    [notice] = await mss.outbox(to=person.email, kind="new-message")
    assert pro.nom in notice["body"]
    assert "Résultats" not in notice["body"]


async def test_opposed_and_closed_patients_give_a_dsn(mss: Mss) -> None:
    pro = mss.pro(0)
    for status in ("opposed", "closed"):
        person = mss.person(status)
        mss.send(pro.mssante, message(pro.mssante, patient_address(person.ins), f"pour {status}"))
    reports = await mss.messages(pro, subject="Undelivered")
    assert len(reports) == 2
    read = await mss.read(pro, reports[0]["id"])
    raw = await mss.http.get(
        f"/mssante/v1/mailboxes/{pro.mssante}/messages/{reports[0]['id']}/raw",
        headers={"Authorization": f"Bearer {await mss.token(pro)}"},
    )
    dsn = message_from_bytes(raw.content)
    assert dsn.get_content_type() == "multipart/report"
    assert dsn.get_param("report-type") == "delivery-status"
    status_part = next(p for p in dsn.walk() if p.get_content_type() == "message/delivery-status")
    blocks = status_part.get_payload()
    assert isinstance(blocks, list)
    assert blocks[1]["Action"] == "failed"
    assert blocks[1]["Status"].startswith("5.")
    assert "Mon espace santé" in read["body"]


async def test_open_not_activated_is_kept_and_invites(mss: Mss) -> None:
    pro, person = mss.pro(0), mss.person("open")
    mss.send(pro.mssante, message(pro.mssante, patient_address(person.ins), "En attente"))
    response = await mss.patient("GET", "/messages", person.ins)
    assert response.status_code == 403
    assert response.json()["error"] == "mes-not-activated"
    [invite] = await mss.outbox(to=person.email, kind="activation-invitation")
    assert invite["ins"] == person.ins
    activation = await mss.patient("GET", "", person.ins)  # not a route: just checking 404 shape
    assert activation.status_code in (404, 405)
    token = await mss.oidc.patient_token(person.ins)
    activated = await mss.http.post(
        "/dmp/v1/me/activation",
        json={"code": person.mes_activation_code},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert activated.status_code == 200, activated.text
    response = await mss.patient("GET", "/messages", person.ins)
    assert [m["subject"] for m in response.json()] == ["En attente"]


async def test_only_a_professional_opens_and_fin_ends(mss: Mss) -> None:
    pro, person = mss.pro(0), mss.person("activated")
    address = patient_address(person.ins)
    # a patient cannot open a conversation (SMTP, with the mailbox's credentials)
    with pytest.raises(smtplib.SMTPRecipientsRefused) as caught:
        mss.send(address, message(address, pro.mssante, "Bonjour docteur"))
    assert caught.value.recipients[pro.mssante][0] == 550
    mss.send(pro.mssante, message(pro.mssante, address, "Suivi"))
    [conversation] = (await mss.patient("GET", "/conversations", person.ins)).json()
    assert conversation["reply_allowed"]
    reply = await mss.patient(
        "POST", f"/conversations/{conversation['id']}/messages", person.ins, json={"text": "Merci"}
    )
    assert reply.status_code == 201, reply.text
    assert [m["subject"] for m in await mss.messages(pro, sender=address)] == ["Re: Suivi"]
    # a reply over SMTP inside the conversation is accepted too
    mss.send(address, message(address, pro.mssante, "Re: Suivi (smtp)"))
    for subject in ("[fin]", "[FIN] merci", "Re: [FIN]"):
        mss.send(pro.mssante, message(pro.mssante, address, subject))
    [still_open] = (await mss.patient("GET", "/conversations", person.ins)).json()
    assert still_open["reply_allowed"]
    mss.send(pro.mssante, message(pro.mssante, address, "[FIN]"))
    [ended] = (await mss.patient("GET", "/conversations", person.ins)).json()
    assert (ended["reply_allowed"], ended["ended_by"]) == (False, "subject")
    refused = await mss.patient(
        "POST", f"/conversations/{ended['id']}/messages", person.ins, json={"text": "?"}
    )
    assert refused.status_code == 403
    assert refused.json()["error"] == "conversation-ended"
    with pytest.raises(smtplib.SMTPRecipientsRefused):
        mss.send(address, message(address, pro.mssante, "encore"))
    # a new message from the professional opens a new conversation
    mss.send(pro.mssante, message(pro.mssante, address, "Nouvelle consultation"))
    conversations = (await mss.patient("GET", "/conversations", person.ins)).json()
    assert [c["reply_allowed"] for c in conversations] == [True, False]


async def test_x_mss_mes_fin_header_ends(mss: Mss) -> None:
    pro, person = mss.pro(0), mss.person("activated")
    address = patient_address(person.ins)
    mss.send(pro.mssante, message(pro.mssante, address, "Dernier message", X_MSS_MES="FIN"))
    [ended] = (await mss.patient("GET", "/conversations", person.ins)).json()
    assert (ended["reply_allowed"], ended["ended_by"]) == (False, "header")


async def test_patient_cannot_write_to_a_patient(mss: Mss) -> None:
    pro, person, other = mss.pro(0), mss.person("activated"), mss.person("activated", 1)
    mss.send(pro.mssante, message(pro.mssante, patient_address(person.ins), "Suivi"))
    sender, target = patient_address(person.ins), patient_address(other.ins)
    with pytest.raises(smtplib.SMTPRecipientsRefused):
        mss.send(sender, message(sender, target))


async def test_invisible_patient_document_never_reaches_the_patient(mss: Mss) -> None:
    pro, person = mss.pro(0), mss.person("activated")
    address = patient_address(person.ins)
    msg = with_xdm(
        message(pro.mssante, address, "CR", X_MSS_CODECDA="11490-0", X_MSS_INS="O"), xdm_zip(person.ins, True)
    )
    mss.send(pro.mssante, msg)
    assert (await mss.patient("GET", "/messages", person.ins)).json() == []
    [report] = await mss.messages(pro, subject="Undelivered")
    assert "INVISIBLE_PATIENT" in (await mss.read(pro, report["id"]))["body"]


async def test_findings_of_the_mss_headers(mss: Mss) -> None:
    pro, person, other = mss.pro(0), mss.person("activated"), mss.person("activated", 1)
    address = patient_address(person.ins)
    good = with_xdm(
        message(pro.mssante, address, "ok", X_MSS_CODECDA="11490-0", X_MSS_INS="O"), xdm_zip(person.ins)
    )
    mss.send(pro.mssante, good)
    wrong = with_xdm(message(pro.mssante, address, "wrong", X_MSS_INS="O"), xdm_zip(other.ins))
    mss.send(pro.mssante, wrong)
    bare = message(pro.mssante, address, "bare", X_MSS_CODECDA="11490-0", X_MSS_INS="X")
    del bare["X-MSS-NIL"]
    mss.send(pro.mssante, bare)
    by_subject = {
        m["subject"]: {f["code"] for f in m["findings"]}
        for m in (await mss.patient("GET", "/messages", person.ins)).json()
    }
    assert by_subject["ok"] == set()
    assert by_subject["wrong"] == {"x-mss-codecda-missing", "ins-mismatch"}
    assert by_subject["bare"] == {"x-mss-nil-missing", "x-mss-codecda-without-xdm", "x-mss-ins-invalid"}
    [read] = [m for m in (await mss.patient("GET", "/messages", person.ins)).json() if m["subject"] == "ok"]
    full = (await mss.patient("GET", f"/messages/{read['id']}", person.ins)).json()
    [attachment] = full["attachments"]
    assert attachment["filename"] == "IHE_XDM.ZIP"
    assert zipfile.ZipFile(io.BytesIO(base64.b64decode(attachment["content_base64"]))).namelist()


async def test_dmp_notifications_go_through_the_outbox_once(mss: Mss) -> None:
    person = mss.person("activated")
    tenant = mss.runtime.tenants.get(mss.tenant)
    with tenant.unit_of_work() as conn:
        dmp_repository.insert_notification(
            conn,
            person.ins,
            at=1,
            kind="acces-bris-de-glace",
            acteur_id="810001",
            acteur_nom="Dr Test",
            email=person.email,
            justification="urgence",
        )
    first = await mss.outbox(to=person.email)
    assert [(m["kind"], m["ins"]) for m in first] == [("dmp-acces-bris-de-glace", person.ins)]
    assert "urgence" in first[0]["body"]
    assert await mss.outbox(to=person.email) == first  # claimed once: not sent twice
    token = await mss.oidc.patient_token(person.ins)
    listed = await mss.http.get("/dmp/v1/me/notifications", headers={"Authorization": f"Bearer {token}"})
    assert listed.json()[0]["envoye"] is not None


async def test_dmp_service_routes_refuse_other_tokens(mss: Mss) -> None:
    person = mss.person("activated")
    pro_token = await mss.token(mss.pro(0))
    for token in (pro_token, await mss.oidc.patient_token(person.ins)):
        response = await mss.http.get(
            f"/dmp/v1/services/profiles/{person.ins}", headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status_code == 403
        assert response.json()["rule"] == "service-client"
    form = {"grant_type": "client_credentials"}
    issued = await mss.oidc.token(form, auth=("esante-mssante", "esante-mssante"))
    token = issued.json()["access_token"]
    response = await mss.http.get(
        f"/dmp/v1/services/profiles/{person.ins}", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200
    assert response.json()["statut"] == "activated"


async def test_wait_long_poll(mss: Mss) -> None:
    a, b = mss.pro(0), mss.pro(1)
    token = await mss.token(b)
    headers = {"Authorization": f"Bearer {token}"}
    timed_out = await mss.http.get(
        f"/mssante/v1/mailboxes/{b.mssante}/messages/wait", params={"timeout": 0.1}, headers=headers
    )
    assert timed_out.status_code == 408
    assert timed_out.json()["error"] == "wait-timeout"
    mss.send(a.mssante, message(a.mssante, b.mssante, "attendu"))
    found = await mss.http.get(
        f"/mssante/v1/mailboxes/{b.mssante}/messages/wait",
        params={"subject": "attendu", "timeout": 2},
        headers=headers,
    )
    assert found.status_code == 200
    assert found.json()["subject"] == "attendu"
    deleted = await mss.http.delete(
        f"/mssante/v1/mailboxes/{b.mssante}/messages/{found.json()['id']}", headers=headers
    )
    assert deleted.status_code == 204
    assert await mss.messages(b) == []


def _activated_minor(mss: Mss) -> tuple[Person, Person]:
    child = next(
        p
        for p in mss.population.persons
        if p.mes_status == "activated" and p.parents and "adult" not in p.tags
    )
    return child, mss.population.parents_of(child)[0]


async def test_a_minors_mailbox_is_read_and_answered_by_a_representative(mss: Mss) -> None:
    """Seed 002: Mon espace santé « n'est pas accessible à ce jour aux enfants mineurs »: a parent uses
    the minor's mailbox, with a token chosen for the minor."""
    pro = mss.pro(0)
    child, parent = _activated_minor(mss)
    mss.send(pro.mssante, message(pro.mssante, patient_address(child.ins), "Vaccin de rappel"))
    refused = await mss.patient("GET", "/messages", child.ins)
    assert refused.status_code == 403
    assert (refused.json()["error"], refused.json()["rule"]) == (
        "representation-refused",
        "minor-managed-by-representatives",
    )
    read = await mss.patient("GET", "/messages", parent.ins, child.ins)
    assert read.status_code == 200, read.text
    assert [m["subject"] for m in read.json()] == ["Vaccin de rappel"]
    [conversation] = (await mss.patient("GET", "/conversations", parent.ins, child.ins)).json()
    reply = await mss.patient(
        "POST", f"/conversations/{conversation['id']}/messages", parent.ins, child.ins, json={"text": "Merci"}
    )
    assert reply.status_code == 201, reply.text
    answers = await mss.messages(pro, subject="Re: Vaccin de rappel")
    assert [a["sender"] for a in answers] == [patient_address(child.ins)]
    own = await mss.patient("GET", "/messages", parent.ins)
    assert "Vaccin de rappel" not in [m["subject"] for m in own.json()]


@pytest.mark.parametrize(
    ("mineur", "representants", "represented", "rule"),
    [
        (True, ("P1",), None, "minor-managed-by-representatives"),
        (True, ("P2",), "C", "not-representative"),
        (False, ("P1",), "C", "representative-of-adult"),
        (True, ("P1",), "C", None),
        (False, (), None, None),
    ],
)
async def test_who_uses_a_patient_mailbox(
    mineur: bool, representants: tuple[str, ...], represented: str | None, rule: str | None
) -> None:
    if rule is None:
        check_representation(mineur, representants, "P1", represented)
        return
    with pytest.raises(RepresentationRefused) as raised:
        check_representation(mineur, representants, "P1", represented)
    assert raised.value.rule == rule


async def test_every_door_of_a_minors_mailbox_wants_the_representative(mss: Mss) -> None:
    """The generic mailbox routes and SMTP judge minority from the token (psc checked the link when it
    issued a representative's token): the minor's own token opens neither, the parent's chosen one does."""
    child, parent = _activated_minor(mss)
    address = patient_address(child.ins)
    own = await mss.oidc.patient_token(child.ins)
    chosen = await mss.oidc.patient_token(parent.ins, child.ins)
    url = f"/mssante/v1/mailboxes/{address}"
    refused = await mss.http.get(url, headers={"Authorization": f"Bearer {own}"})
    assert (refused.status_code, refused.json()["rule"]) == (403, "mailbox-owner")
    allowed = await mss.http.get(url, headers={"Authorization": f"Bearer {chosen}"})
    assert allowed.status_code == 200, allowed.text
    for token, expected in ((own, 535), (chosen, 235)):
        blob = f"user={mss.login(address)}\x01auth=Bearer {token}\x01\x01"
        with mss.smtp() as connection:
            code, _ = connection.docmd("AUTH", f"XOAUTH2 {base64.b64encode(blob.encode()).decode()}")
            assert code == expected
