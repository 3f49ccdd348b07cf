"""HTTP clients between services, forwarding the tenant header.

In the all-in-one process a service reaches another through httpx's ASGI transport (no socket); when
services run apart (docker-compose) it uses the base URL from ``ESANTE_SERVICE_URLS``.
"""

from __future__ import annotations

from typing import Any

import httpx
from starlette.types import ASGIApp

from shared.errors import DatabaseUnavailable, SandboxError
from shared.tenancy import TENANT_HEADER
from shared.tenants import TenantReset


class UpstreamError(SandboxError):
    status = 502
    code = "upstream-unavailable"


_PASSED_ON: dict[str, type[SandboxError]] = {
    TenantReset.code: TenantReset,
    DatabaseUnavailable.code: DatabaseUnavailable,
}
"""Faults of the tenant's storage that the called service met: the caller answers them as its own (a
deposit whose INSi check met a tenant reset is itself refused ``tenant-reset``, not a 502)."""


def _pass_on_storage_faults(service: str, response: httpx.Response) -> None:
    if response.status_code not in (409, 503):
        return
    try:
        body = response.json()
    except ValueError:
        return
    error = _PASSED_ON.get(str(body.get("error"))) if isinstance(body, dict) else None
    if error is not None:
        raise error(f"{service}: {body.get('detail')}", rule=body.get("rule"))


class ServiceClients:
    """One ``httpx.AsyncClient`` per remote service, built on first use."""

    def __init__(self, service_urls: dict[str, str]) -> None:
        self._urls = dict(service_urls)
        self._apps: dict[str, ASGIApp] = {}
        self._clients: dict[str, httpx.AsyncClient] = {}

    def register_local(self, service: str, app: ASGIApp) -> None:
        """Route calls to ``service`` to an app of this process (unless a URL was configured)."""
        self._apps[service] = app

    def fork(self) -> ServiceClients:
        """The same routes with clients of their own: for code running on another event loop (an
        ``httpx.AsyncClient`` belongs to the loop it is used on)."""
        forked = ServiceClients(self._urls)
        forked._apps = dict(self._apps)
        return forked

    def client(self, service: str) -> httpx.AsyncClient:
        client = self._clients.get(service)
        if client is not None:
            return client
        if service in self._urls:
            client = httpx.AsyncClient(base_url=self._urls[service].rstrip("/"), timeout=10.0)
        elif service in self._apps:
            transport = httpx.ASGITransport(app=self._apps[service])
            client = httpx.AsyncClient(
                transport=transport, base_url=f"http://{service}.internal", timeout=10.0
            )
        else:
            raise UpstreamError(f"service {service!r} is neither in this process nor given a URL")
        self._clients[service] = client
        return client

    async def request(
        self,
        service: str,
        method: str,
        path: str,
        *,
        tenant: str,
        token: str | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        """Call ``service`` for ``tenant``; the caller's bearer token is forwarded when given."""
        headers = {TENANT_HEADER: tenant, **kwargs.pop("headers", {})}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        try:
            response = await self.client(service).request(method, path, headers=headers, **kwargs)
        except httpx.HTTPError as exc:
            raise UpstreamError(f"{service} did not answer: {exc}", rule="upstream") from exc
        _pass_on_storage_faults(service, response)
        return response

    async def aclose(self) -> None:
        for client in self._clients.values():
            await client.aclose()
        self._clients.clear()
