"""Tenant names: every request may carry ``X-Sandbox-Tenant``; each tenant is an isolated world."""

from __future__ import annotations

import re

from shared.errors import InvalidInput

TENANT_HEADER = "X-Sandbox-Tenant"
DEFAULT_TENANT = "default"
_TENANT_RE = re.compile(r"[a-z0-9-]{1,40}")


class InvalidTenant(InvalidInput):
    code = "tenant-invalid"


def check_tenant_name(name: str) -> str:
    """Return ``name`` when it is a valid tenant name (``[a-z0-9-]{1,40}``), else raise 400."""
    if not _TENANT_RE.fullmatch(name):
        raise InvalidTenant(f"tenant name {name[:60]!r} must match [a-z0-9-]{{1,40}}", rule="tenant-name")
    return name
