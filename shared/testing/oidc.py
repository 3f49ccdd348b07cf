"""Speaking OIDC to psc in tests: test identities, JWT peeking, the login-form parser, token helpers.

Every service's tests get tokens through these, over the real protocol."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from datetime import datetime
from html.parser import HTMLParser
from typing import Any

import httpx

from shared.population import Person, Professional
from shared.runtime import Runtime

PSC = "/psc/protocol/openid-connect"
PATIENTS = "/psc/patients/protocol/openid-connect"
CI = ("esante-ci", "esante-ci")
WEB = ("esante-web", "esante-web")
REDIRECT_URI = "http://localhost:8765/callback"


@dataclass(frozen=True)
class People:
    """Test identities of the seeded population, picked by what they are."""

    generaliste: Professional
    specialiste: Professional
    pharmacien: Professional
    regulateur: Professional
    secretaire: Professional
    activated: Person
    opposed: Person
    open_account: Person


def claims_of(token: str) -> dict[str, Any]:
    """A JWT's payload, unverified (for looking at what was signed)."""
    payload = token.split(".")[1]
    decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return decoded


def header_of(token: str) -> dict[str, Any]:
    part = token.split(".")[0]
    decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    return decoded


class FormParser(HTMLParser):
    """The hidden fields, the buttons and the action of a login page's POST form."""

    def __init__(self) -> None:
        super().__init__()
        self.in_post_form = False
        self.action: str | None = None
        self.fields: dict[str, str] = {}
        self.buttons: list[tuple[str, str, str]] = []
        self._button: tuple[str, str] | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "form" and values.get("method") == "post":
            self.in_post_form = True
            self.action = values.get("action")
        elif self.in_post_form and tag == "input" and values.get("type") == "hidden":
            self.fields[values["name"]] = values.get("value", "")
        elif self.in_post_form and tag == "button":
            self._button = (values.get("name", ""), values.get("value", ""))
            self._text = []

    def handle_data(self, data: str) -> None:
        if self._button is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.in_post_form = False
        elif tag == "button" and self._button is not None:
            self.buttons.append((*self._button, "".join(self._text).strip()))
            self._button = None


def parse_login_form(html: str) -> FormParser:
    parser = FormParser()
    parser.feed(html)
    return parser


@dataclass
class Oidc:
    """Speaks to psc through the all-in-one app, in the test's tenant."""

    http: httpx.AsyncClient
    tenant: str
    runtime: Runtime
    _headers: dict[str, dict[str, str]] = field(default_factory=dict, repr=False)

    async def token(
        self, form: dict[str, str], *, auth: tuple[str, str] | None = CI, patients: bool = False
    ) -> httpx.Response:
        base = PATIENTS if patients else PSC
        return await self.http.post(f"{base}/token", data=form, auth=auth or httpx.USE_CLIENT_DEFAULT)

    async def professional_token(self, login_hint: str, card_mode: str | None = None) -> str:
        form = {"grant_type": "client_credentials", "login_hint": login_hint}
        if card_mode is not None:
            form["card_mode"] = card_mode
        response = await self.token(form)
        assert response.status_code == 200, response.text
        token: str = response.json()["access_token"]
        return token

    async def patient_token(self, ins: str, represented_ins: str | None = None) -> str:
        form = {"grant_type": "client_credentials", "login_hint": ins}
        if represented_ins is not None:
            form["represented_ins"] = represented_ins
        response = await self.token(form, patients=True)
        assert response.status_code == 200, response.text
        token: str = response.json()["access_token"]
        return token

    async def professional_headers(
        self, professional: Professional, card_mode: str | None = None
    ) -> dict[str, str]:
        """The ``Authorization`` header of ``professional`` (RPPS, else IdNat), issued once until the
        clock is frozen again."""
        key = f"{professional.rpps or professional.idnat}/{card_mode}"
        if key not in self._headers:
            token = await self.professional_token(professional.rpps or professional.idnat, card_mode)
            self._headers[key] = {"Authorization": f"Bearer {token}"}
        return dict(self._headers[key])

    async def patient_headers(self, person: Person, represented_ins: str | None = None) -> dict[str, str]:
        """The ``Authorization`` header of ``person`` (patient issuer; with ``represented_ins``, acting
        as the legal representative of that minor), issued once until the clock is frozen again."""
        key = f"patient/{person.ins}/{represented_ins}"
        if key not in self._headers:
            token = await self.patient_token(person.ins, represented_ins)
            self._headers[key] = {"Authorization": f"Bearer {token}"}
        return dict(self._headers[key])

    async def freeze(self, at: datetime | str) -> None:
        """Freeze the tenant clock at ``at`` (an instant or ISO 8601 text); tokens are judged by that
        clock, so the headers issued before are forgotten."""
        now = at if isinstance(at, str) else at.isoformat()
        response = await self.http.put(
            f"/sandbox/tenants/{self.tenant}/clock", json={"mode": "frozen", "now": now}
        )
        assert response.status_code == 200, response.text
        self._headers.clear()

    async def userinfo(self, token: str, *, patients: bool = False, **headers: str) -> httpx.Response:
        base = PATIENTS if patients else PSC
        return await self.http.get(
            f"{base}/userinfo", headers={"Authorization": f"Bearer {token}", **headers}
        )

    def authorize_params(self, **overrides: str | None) -> dict[str, str]:
        params: dict[str, str | None] = {
            "response_type": "code",
            "client_id": "esante-ci",
            "redirect_uri": REDIRECT_URI,
            "scope": "openid scope_all",
            "state": "state-1",
            "nonce": "nonce-1",
            "tenant": self.tenant,
        }
        params.update(overrides)
        return {k: v for k, v in params.items() if v is not None}

    async def login(
        self, subject: str, card_mode: str | None = None, *, patients: bool = False, **overrides: str | None
    ) -> httpx.Response:
        """Open the login page, then press the button of ``subject`` (and card) like a browser would."""
        base = PATIENTS if patients else PSC
        page = await self.http.get(
            f"{base}/auth", params={**self.authorize_params(**overrides), "q": subject}
        )
        assert page.status_code == 200, page.text
        form = parse_login_form(page.text)
        wanted = subject if patients else f"{subject}:{card_mode or 'cps'}"
        assert ("login", wanted) in [(n, v) for n, v, _ in form.buttons], form.buttons
        assert form.action is not None
        return await self.http.post(form.action, data={**form.fields, "login": wanted})
