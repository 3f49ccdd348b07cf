"""The DMP's client of INSi: the verification of the INS a deposit carries (``POST /insi/v1/verify``).

The DMP calls INSi over HTTP (in-process ASGI in the all-in-one app, a base URL when services run
apart), forwarding the tenant and the depositor's token, with the sandbox's documented software number.
INSi's register does not change once seeded, so answers are kept per tenant for a while
(``ESANTE_DMP_INSI_CACHE_SECONDS``): a document feed for a known patient costs one call per identity.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any, Final
from weakref import WeakKeyDictionary

from services.dmp.errors import InsIncomplet
from services.dmp.identities import Identite, Verdict
from shared.clients import UpstreamError
from shared.runtime import Runtime
from shared.tenants import Tenant

IDAM_HEADER: Final = "X-Insi-Idam"
CACHE_SIZE: Final = 50_000

_Key = tuple[str, str | None, str | None, tuple[str, ...], str | None, str | None, str | None]


@dataclass(slots=True)
class _Cache:
    entries: dict[_Key, tuple[float, Verdict]]


_caches: WeakKeyDictionary[Tenant, _Cache] = WeakKeyDictionary()
_lock = threading.Lock()


def _verdict(body: dict[str, Any]) -> Verdict:
    if body.get("code_cr") != "00":
        return Verdict(known=False)
    verification = body.get("verification") or {}
    ecarts = tuple(str(e.get("trait", "?")) for e in verification.get("ecarts") or ())
    return Verdict(
        known=True,
        conforme=bool(verification.get("conforme")),
        ins_actif=bool(verification.get("ins_actif", True)),
        ecarts=ecarts,
    )


class InsiClient:
    def __init__(self, runtime: Runtime, *, idam: str, cache_seconds: float) -> None:
        self.runtime = runtime
        self.idam = idam
        self.cache_seconds = cache_seconds

    async def verify(self, tenant: Tenant, token: str, identite: Identite) -> Verdict:
        """INSi's verdict on ``identite`` (matricule, OID, traits)."""
        key: _Key = (
            identite.matricule or "",
            identite.oid,
            identite.nom_naissance,
            identite.prenoms,
            identite.sexe,
            identite.date_naissance,
            identite.lieu_naissance,
        )
        cache = _caches.get(tenant)
        now = time.monotonic()
        if cache is not None:
            hit = cache.entries.get(key)
            if hit is not None and hit[0] > now:
                return hit[1]
        response = await self.runtime.clients.request(
            "insi",
            "POST",
            "/v1/verify",
            tenant=tenant.name,
            token=token,
            headers={IDAM_HEADER: self.idam},
            json={
                "matricule": identite.matricule,
                "oid": identite.oid,
                "nom_naissance": identite.nom_naissance,
                "prenoms": list(identite.prenoms),
                "sexe": identite.sexe,
                "date_naissance": identite.date_naissance,
                "lieu_naissance": identite.lieu_naissance,
            },
        )
        if response.status_code in (400, 422):
            error = response.json()
            raise InsIncomplet(
                f"INSi refused the identity: {error.get('detail', response.text)[:300]}",
                rule="ins-incomplete",
            )
        if response.status_code != 200:
            raise UpstreamError(
                f"INSi answered {response.status_code}: {response.text[:300]}", rule="upstream-insi"
            )
        verdict = _verdict(response.json())
        with _lock:
            cache = _caches.get(tenant)
            if cache is None:
                cache = _caches[tenant] = _Cache({})
            if len(cache.entries) >= CACHE_SIZE:
                cache.entries.clear()
            cache.entries[key] = (now + self.cache_seconds, verdict)
        return verdict
