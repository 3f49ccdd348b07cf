"""Helpers of the MSSanté tests: sending over SMTP (smtplib, the real protocol) and reading over HTTP."""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

import httpx

from shared.population import Person, Population, Professional
from shared.runtime import Runtime
from shared.testing.oidc import Oidc
from shared.tls import tls_dir

PASSWORD = "mssante"


@dataclass(frozen=True)
class Ports:
    smtp: int
    smtps: int


def message(
    sender: str, to: str | list[str], subject: str = "Compte rendu", body: str = "Bonjour", **headers: str
) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to if isinstance(to, str) else ", ".join(to)
    msg["Subject"] = subject
    msg["Date"] = formatdate()
    msg["Message-ID"] = make_msgid(domain="test.mssante.fr")
    msg["X-MSS-NIL"] = "NIL-TEST-0001"
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(body)
    return msg


@dataclass
class Mss:
    http: httpx.AsyncClient
    tenant: str
    oidc: Oidc
    ports: Ports
    population: Population
    runtime: Runtime

    def login(self, address: str) -> str:
        return f"{self.tenant}/{address}"

    def smtp(self) -> smtplib.SMTP:
        connection = smtplib.SMTP("127.0.0.1", self.ports.smtp, timeout=10)
        connection.ehlo("client.test")
        return connection

    def tls_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(cafile=str(tls_dir(self.runtime.settings.data_dir) / "ca.pem"))
        context.check_hostname = False
        return context

    def send(self, sender: str, msg: EmailMessage | bytes, to: list[str] | None = None) -> dict[str, Any]:
        """Submit as ``sender`` (PLAIN auth in this test's tenant); raises smtplib's errors."""
        with self.smtp() as connection:
            connection.login(self.login(sender), PASSWORD)
            if isinstance(msg, bytes):
                assert to is not None
                return dict(connection.sendmail(sender, to, msg))
            return dict(connection.send_message(msg, from_addr=sender, to_addrs=to))

    def pro(self, index: int = 0, **where: Any) -> Professional:
        found = [
            p
            for p in self.population.professionals
            if p.profession is not None and all(getattr(p, k) == v for k, v in where.items())
        ]
        return found[index]

    def person(self, status: str, index: int = 0) -> Person:
        return [p for p in self.population.persons if p.mes_status == status][index]

    async def token(self, pro: Professional) -> str:
        return await self.oidc.professional_token(pro.rpps or pro.idnat)

    async def messages(self, pro: Professional, **params: Any) -> list[dict[str, Any]]:
        token = await self.token(pro)
        response = await self.http.get(
            f"/mssante/v1/mailboxes/{pro.mssante}/messages",
            params=params,
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status_code == 200, response.text
        items: list[dict[str, Any]] = response.json()
        return items

    async def read(self, pro: Professional, message_id: int) -> dict[str, Any]:
        token = await self.token(pro)
        response = await self.http.get(
            f"/mssante/v1/mailboxes/{pro.mssante}/messages/{message_id}",
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def patient(
        self, method: str, path: str, ins: str, represented_ins: str | None = None, **kwargs: Any
    ) -> httpx.Response:
        token = await self.oidc.patient_token(ins, represented_ins)
        return await self.http.request(
            method, f"/mssante/v1/me{path}", headers={"Authorization": f"Bearer {token}"}, **kwargs
        )

    async def outbox(self, **params: Any) -> list[dict[str, Any]]:
        response = await self.http.get("/mssante/v1/outbox", params=params)
        assert response.status_code == 200, response.text
        items: list[dict[str, Any]] = response.json()
        return items
