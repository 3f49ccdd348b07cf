"""The process-wide runtime every service app shares: settings, tenants, clients, token verifier."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from shared.auth import TokenVerifier
from shared.clients import ServiceClients
from shared.config import SandboxSettings
from shared.db import Storage, make_storage
from shared.errors import NotReady
from shared.tenancy import DEFAULT_TENANT
from shared.tenants import TenantRegistry, shared_counters

JWKS_PATH = "/protocol/openid-connect/certs"


class Runtime:
    """Built once per process; in the all-in-one process every mounted service holds the same one."""

    def __init__(self, settings: SandboxSettings, storage: Storage | None = None) -> None:
        self.settings = settings
        self.storage = storage or make_storage(settings.database_url, settings.data_dir)
        self.counters = shared_counters(settings.data_dir)
        self.tenants = TenantRegistry(
            self.storage,
            sqlite_synchronous=settings.sqlite_synchronous,
            counters=self.counters,
        )
        self.clients = ServiceClients(settings.service_urls)
        self.verifier = TokenVerifier(
            issuer=settings.issuer,
            patient_issuer=settings.patient_issuer,
            fetch_jwks=self._fetch_jwks,
            cache_size=settings.token_cache_size,
        )
        self.ready = threading.Event()
        self.not_ready_reason = "the template is being migrated and seeded"
        self.readiness_checks: list[Callable[[], None]] = []
        """More conditions of readiness (``esante up --workers``: every worker ready); each raises
        ``NotReady`` while it is not met."""

    async def _fetch_jwks(self) -> dict[str, Any]:
        response = await self.clients.request("psc", "GET", JWKS_PATH, tenant=DEFAULT_TENANT)
        response.raise_for_status()
        data: dict[str, Any] = response.json()
        return data

    def close(self) -> None:
        """Dispose every database connection this runtime opened."""
        self.tenants.forget_all()
        self.storage.close()
        self.counters.close()

    def check_ready(self) -> None:
        if not self.ready.is_set():
            raise NotReady(f"not ready: {self.not_ready_reason}", rule="readiness")
        for check in self.readiness_checks:
            check()
