"""The register of beneficiaries as the lookups read it: from the tenant's tables, kept in memory.

Rights are read-only once seeded (no operation of ADRi writes them), so a beneficiary read once is
served from memory afterwards, per ``Tenant`` object: a reset makes a new ``Tenant`` and so a new,
empty register; a dropped tenant's register goes with it (weak keys). Only found entries are kept, so
an unknown matricule is looked up in the database each time.

Why in memory (``bench/adri.py``, 100,000 persons): reading a beneficiary from the tables takes five
indexed queries, about 1 to 2 ms; from memory, a repeated lookup costs about as much as the token
check in front of it. ``ESANTE_ADRI_REGISTER_CACHE_SIZE=0`` reads every lookup from the tables (the
bench's comparison).
"""

from __future__ import annotations

import threading
from collections.abc import Hashable
from typing import TypeVar
from weakref import WeakKeyDictionary

from services.adri import repository
from services.adri.records import Beneficiary, Identity
from shared.tenants import Tenant

_T = TypeVar("_T")
_K = TypeVar("_K", bound=Hashable)


class Register:
    """One tenant's beneficiaries and households, each read once then served from memory."""

    def __init__(self, tenant: Tenant, max_entries: int) -> None:
        self._tenant = tenant
        self._max_entries = max_entries
        self._beneficiaries: dict[str, Beneficiary] = {}
        self._households: dict[str, tuple[Identity, ...]] = {}

    def _remember(self, cache: dict[_K, _T], key: _K, value: _T) -> None:
        if self._max_entries == 0:
            return
        if len(cache) >= self._max_entries:
            cache.clear()
        cache[key] = value

    def beneficiary(self, matricule: str) -> Beneficiary | None:
        found = self._beneficiaries.get(matricule)
        if found is None:
            with self._tenant.reading() as conn:
                found = repository.get_beneficiary(conn, matricule)
            if found is not None:
                self._remember(self._beneficiaries, matricule, found)
        return found

    def household(self, ouvrant_droit: str) -> tuple[Identity, ...]:
        """The ouvrant droit's beneficiaries (themself first); empty when not an ouvrant droit."""
        found = self._households.get(ouvrant_droit)
        if found is None:
            with self._tenant.reading() as conn:
                found = repository.household(conn, ouvrant_droit)
            if found:
                self._remember(self._households, ouvrant_droit, found)
        return found


_registers: WeakKeyDictionary[Tenant, Register] = WeakKeyDictionary()
_lock = threading.Lock()


def register_of(tenant: Tenant, max_entries: int) -> Register:
    """The register of ``tenant`` (made on first use)."""
    found = _registers.get(tenant)
    if found is None:
        with _lock:
            found = _registers.get(tenant)
            if found is None:
                found = Register(tenant, max_entries)
                _registers[tenant] = found
    return found
