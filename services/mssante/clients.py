"""MSSanté's calls to the DMP, with its own psc token.

MSSanté gets a service token from psc (``client_credentials`` without ``login_hint``, client
``esante-mssante``), keeps it per tenant until shortly before it expires (tenant clock), and calls the
DMP's service routes: a patient's status and personal address at delivery time, and the pending
notifications its outbox sends. One ``DmpLink`` per event loop: the web app's uses the runtime's
clients, the SMTP listener's thread a fork of them (an httpx client belongs to one loop).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from services.mssante.config import MssanteSettings
from shared.clients import ServiceClients, UpstreamError
from shared.tenants import Tenant

TOKEN_PATH = "/protocol/openid-connect/token"
TOKEN_MARGIN_SECONDS = 30


@dataclass(frozen=True, slots=True)
class PatientStatus:
    ins: str
    statut: str
    email: str | None
    nom: str
    mineur: bool = False
    representants: tuple[str, ...] = ()


class DmpLink:
    def __init__(self, clients: ServiceClients, settings: MssanteSettings) -> None:
        self._clients = clients
        self._settings = settings
        self._tokens: dict[str, tuple[str, float]] = {}

    async def _token(self, tenant: Tenant, *, fresh: bool = False) -> str:
        now = tenant.clock.now().timestamp()
        cached = self._tokens.get(tenant.name)
        if cached is not None and not fresh and cached[1] - TOKEN_MARGIN_SECONDS > now:
            return cached[0]
        response = await self._clients.request(
            "psc",
            "POST",
            TOKEN_PATH,
            tenant=tenant.name,
            data={"grant_type": "client_credentials"},
            auth=(self._settings.client_id, self._settings.client_secret),
        )
        if response.status_code != 200:
            raise UpstreamError(
                f"psc refused MSSanté's service token: {response.text[:200]}", rule="upstream-psc"
            )
        body = response.json()
        token = str(body["access_token"])
        self._tokens[tenant.name] = (token, now + float(body.get("expires_in", 60)))
        return token

    async def _call(self, tenant: Tenant, method: str, path: str, **kwargs: Any) -> Any:
        response = await self._clients.request(
            "dmp", method, path, tenant=tenant.name, token=await self._token(tenant), **kwargs
        )
        if response.status_code == 401:  # expired meanwhile (the tenant clock moved): once more
            response = await self._clients.request(
                "dmp", method, path, tenant=tenant.name, token=await self._token(tenant, fresh=True), **kwargs
            )
        return response

    async def patient(self, tenant: Tenant, ins: str) -> PatientStatus:
        """The patient's Mon espace santé status now (``unknown`` when the DMP has no profile)."""
        response = await self._call(tenant, "GET", f"/v1/services/profiles/{ins}")
        if response.status_code in (404, 400):
            return PatientStatus(ins, "unknown", None, ins)
        if response.status_code != 200:
            raise UpstreamError(f"the DMP answered {response.status_code}", rule="upstream-dmp")
        body = response.json()
        nom = " ".join([*(body.get("prenoms") or [])[:1], str(body.get("nom_naissance", ""))]).strip()
        return PatientStatus(
            ins,
            str(body["statut"]),
            body.get("email"),
            nom,
            mineur=bool(body.get("mineur")),
            representants=tuple(body.get("representants") or ()),
        )

    async def claim_notifications(self, tenant: Tenant) -> list[dict[str, Any]]:
        """The DMP's pending notifications, marked sent by the DMP as it hands them over."""
        response = await self._call(tenant, "POST", "/v1/services/notifications/claim")
        if response.status_code != 200:
            raise UpstreamError(f"the DMP answered {response.status_code}", rule="upstream-dmp")
        items: list[dict[str, Any]] = response.json()
        return items
