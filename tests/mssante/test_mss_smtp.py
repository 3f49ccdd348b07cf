"""The SMTP space over smtplib: AUTH, relay, unknown mailboxes, quota, bad input, TLS."""

from __future__ import annotations

import smtplib

import pytest
from mss_helpers import PASSWORD, Mss, message

pytestmark = pytest.mark.asyncio


async def test_professional_to_professional_is_delivered(mss: Mss) -> None:
    a, b = mss.pro(0), mss.pro(1)
    mss.send(a.mssante, message(a.mssante, b.mssante, "Avis"))
    found = await mss.messages(b, sender=a.mssante)
    assert [m["subject"] for m in found] == ["Avis"]
    assert found[0]["findings"] == []


async def test_auth_is_required_before_mail(mss: Mss) -> None:
    a = mss.pro(0)
    with mss.smtp() as connection:
        code, _text = connection.mail(a.mssante)
    assert code == 530


async def test_wrong_password_is_535_and_listener_keeps_serving(mss: Mss) -> None:
    a, b = mss.pro(0), mss.pro(1)
    with mss.smtp() as connection, pytest.raises(smtplib.SMTPAuthenticationError) as caught:
        connection.login(mss.login(a.mssante), "wrong")
    assert caught.value.smtp_code == 535
    mss.send(a.mssante, message(a.mssante, b.mssante, "after a failure"))
    assert await mss.messages(b, subject="after a failure")


async def test_unknown_tenant_or_mailbox_fails_auth(mss: Mss) -> None:
    with mss.smtp() as connection, pytest.raises(smtplib.SMTPAuthenticationError):
        connection.login(f"{mss.tenant}/nobody@nowhere.mssante.fr", PASSWORD)
    with mss.smtp() as connection, pytest.raises(smtplib.SMTPAuthenticationError):
        connection.login(f"Bad Tenant!/{mss.pro(0).mssante}", PASSWORD)


async def test_auth_login_mechanism(mss: Mss) -> None:
    a, b = mss.pro(0), mss.pro(1)
    with mss.smtp() as connection:
        connection.user, connection.password = mss.login(a.mssante), PASSWORD
        code, _ = connection.auth("LOGIN", connection.auth_login, initial_response_ok=False)
        assert code == 235
        connection.send_message(message(a.mssante, b.mssante, "via LOGIN"))
    assert await mss.messages(b, subject="via LOGIN")


async def test_sender_must_be_the_authenticated_mailbox(mss: Mss) -> None:
    a, b = mss.pro(0), mss.pro(1)
    with mss.smtp() as connection:
        connection.login(mss.login(a.mssante), PASSWORD)
        code, _ = connection.mail(b.mssante)
    assert code == 553
    with pytest.raises(smtplib.SMTPDataError) as caught:
        mss.send(a.mssante, message(b.mssante, b.mssante), to=[b.mssante])
    assert caught.value.smtp_code == 550


async def test_no_open_relay(mss: Mss) -> None:
    a = mss.pro(0)
    with pytest.raises(smtplib.SMTPRecipientsRefused) as caught:
        mss.send(a.mssante, message(a.mssante, "someone@gmail.com"))
    code, text = caught.value.recipients["someone@gmail.com"]
    assert (code, text[:5]) == (550, b"5.7.1")


async def test_unknown_mailbox_is_550_5_1_1(mss: Mss) -> None:
    a = mss.pro(0)
    with pytest.raises(smtplib.SMTPRecipientsRefused) as caught:
        mss.send(a.mssante, message(a.mssante, "personne@inconnu.mssante.fr"))
    code, text = caught.value.recipients["personne@inconnu.mssante.fr"]
    assert (code, text[:5]) == (550, b"5.1.1")


async def test_over_quota_is_552(mss: Mss) -> None:
    a, b = mss.pro(0), mss.pro(1)
    response = await mss.http.put(f"/mssante/sandbox/mailboxes/{b.mssante}/quota", json={"quota_bytes": 0})
    assert response.status_code == 200, response.text
    with pytest.raises(smtplib.SMTPRecipientsRefused) as caught:
        mss.send(a.mssante, message(a.mssante, b.mssante))
    assert caught.value.recipients[b.mssante][0] == 552


async def test_message_larger_than_room_left_is_552(mss: Mss) -> None:
    a, b = mss.pro(0), mss.pro(1)
    await mss.http.put(f"/mssante/sandbox/mailboxes/{b.mssante}/quota", json={"quota_bytes": 2000})
    with pytest.raises(smtplib.SMTPDataError) as caught:
        mss.send(a.mssante, message(a.mssante, b.mssante, body="x" * 5000))
    assert caught.value.smtp_code == 552
    mss.send(a.mssante, message(a.mssante, b.mssante, "small"))
    assert await mss.messages(b, subject="small")


async def test_oversized_message_is_refused(mss: Mss) -> None:
    a, b = mss.pro(0), mss.pro(1)
    with mss.smtp() as connection:
        limit = int(connection.esmtp_features["size"])
        connection.login(mss.login(a.mssante), PASSWORD)
        code, _ = connection.mail(a.mssante, [f"SIZE={limit + 1}"])
        assert code == 552
        connection.rset()
        connection.mail(a.mssante)
        connection.rcpt(b.mssante)
        body = (b"x" * 78 + b"\r\n") * (limit // 80 + 2)
        code, _ = connection.data(b"From: " + a.mssante.encode() + b"\r\n\r\n" + body)
        assert code == 552


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b"Subject: no from\r\n\r\nbody\r\n", 550),
        (
            b"From: {a}\r\nContent-Type: multipart/mixed\r\nMIME-Version: 1.0\r\n\r\nno boundary\r\n",
            550,
        ),
        (
            b"From: {a}\r\nMIME-Version: 1.0\r\n"
            b"Content-Type: multipart/mixed; boundary=XX\r\n\r\nno parts\r\n",
            550,
        ),
    ],
)
async def test_bad_messages_get_550_5_6_0(mss: Mss, raw: bytes, code: int) -> None:
    a, b = mss.pro(0), mss.pro(1)
    with pytest.raises(smtplib.SMTPDataError) as caught:
        mss.send(a.mssante, raw.replace(b"{a}", a.mssante.encode()), to=[b.mssante])
    assert caught.value.smtp_code == code
    assert caught.value.smtp_error.startswith(b"5.6.0") or code != 550
    assert await mss.messages(b) == []


async def test_missing_date_and_message_id_are_added(mss: Mss) -> None:
    a, b = mss.pro(0), mss.pro(1)
    mss.send(a.mssante, f"From: {a.mssante}\r\nSubject: bare\r\n\r\nhello\r\n".encode(), to=[b.mssante])
    [found] = await mss.messages(b, subject="bare")
    read = await mss.read(b, found["id"])
    names = [k for k, _ in read["headers"]]
    assert "Date" in names
    assert "Message-ID" in names


async def test_8bitmime_and_smtputf8(mss: Mss) -> None:
    a, b = mss.pro(0), mss.pro(1)
    with mss.smtp() as connection:
        assert connection.has_extn("8bitmime")
        assert connection.has_extn("smtputf8")
        connection.login(mss.login(a.mssante), PASSWORD)
        raw = f"From: {a.mssante}\r\nSubject: Résultats d'analyse\r\n"
        raw += "Content-Type: text/plain; charset=utf-8\r\n"
        raw += "Content-Transfer-Encoding: 8bit\r\n\r\nÉchographie normale\r\n"
        connection.sendmail(a.mssante, [b.mssante], raw.encode(), mail_options=["BODY=8BITMIME", "SMTPUTF8"])
    [found] = await mss.messages(b)
    assert found["subject"] == "Résultats d'analyse"
    assert (await mss.read(b, found["id"]))["body"].strip() == "Échographie normale"


async def test_starttls_and_implicit_tls(mss: Mss) -> None:
    a, b = mss.pro(0), mss.pro(1)
    with mss.smtp() as connection:
        assert connection.has_extn("starttls")
        connection.starttls(context=mss.tls_context())
        connection.ehlo()
        connection.login(mss.login(a.mssante), PASSWORD)
        connection.send_message(message(a.mssante, b.mssante, "over STARTTLS"))
    with smtplib.SMTP_SSL("127.0.0.1", mss.ports.smtps, context=mss.tls_context(), timeout=10) as connection:
        connection.login(mss.login(a.mssante), PASSWORD)
        connection.send_message(message(a.mssante, b.mssante, "over implicit TLS"))
    subjects = {m["subject"] for m in await mss.messages(b)}
    assert subjects == {"over STARTTLS", "over implicit TLS"}


async def test_organisational_and_applicative_mailboxes(mss: Mss) -> None:
    a = mss.pro(0)
    structure = mss.population.structure(a.structure_id)
    assert structure is not None
    secretariat = f"secretariat@{structure.mssante_domain}"
    mss.send(a.mssante, message(a.mssante, secretariat, "pour le secrétariat"))
    token = await mss.token(a)
    response = await mss.http.get(
        f"/mssante/v1/mailboxes/{secretariat}/messages", headers={"Authorization": f"Bearer {token}"}
    )
    assert [m["subject"] for m in response.json()] == ["pour le secrétariat"]
    other = next(p for p in mss.population.professionals if p.structure_id != a.structure_id and p.rpps)
    token = await mss.oidc.professional_token(other.rpps or "")
    response = await mss.http.get(
        f"/mssante/v1/mailboxes/{secretariat}/messages", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 403
    assert response.json()["error"] == "mailbox-forbidden"
