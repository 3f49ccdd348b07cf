"""The identity register in memory, indexed for each operation.

INSi's register is read-only: no operation changes an identity. Every tenant is a copy of the same
seeded template, so tenants made from the same template share one register, built on the first request
that needs it (one pass over ``insi_identity`` and ``insi_history``; about a second for 100,000 persons)
and then served from dictionaries: a search is a dictionary lookup and a filter over a handful of
homonyms, with no database round trip. The template's fingerprint (``tenant_meta``) names the register,
so a template rebuilt with other parameters gets a new one.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterable, Sequence
from weakref import WeakKeyDictionary

from services.insi import repository
from services.insi.records import Identity
from shared.db import TEMPLATE_FINGERPRINT_KEY, read_meta
from shared.tenants import Tenant

TraitsKey = tuple[str, str, str]
"""(normalised nom de naissance, sexe, date de naissance)."""

_EMPTY: tuple[Identity, ...] = ()


class Register:
    """The identities, indexed by traits, by active matricule, by former matricule and by ouvrant droit."""

    __slots__ = ("_by_history", "_by_num", "_by_od", "_by_traits", "_published", "size")

    def __init__(self, identities: Iterable[Identity]) -> None:
        by_traits: dict[TraitsKey, list[Identity]] = {}
        by_num: dict[str, Identity] = {}
        by_history: dict[str, Identity] = {}
        by_od: dict[str, list[Identity]] = {}
        published: set[str] = set()
        for identity in identities:
            num = identity.num
            key = (identity.nom_cle, identity.sexe, identity.date_naissance)
            homonyms = by_traits.get(key)
            if homonyms is None:
                by_traits[key] = [identity]
            else:
                homonyms.append(identity)
            by_num[num] = identity
            published.add(num + identity.cle)
            od = identity.matricule_od
            if od is not None:
                card = by_od.get(od[:13])
                if card is None:
                    by_od[od[:13]] = [identity]
                else:
                    card.append(identity)
            for entry in identity.historique:
                by_history.setdefault(entry.num, identity)
                published.add(entry.num + entry.cle)
        self._by_traits = by_traits
        self._by_num = by_num
        self._by_history = by_history
        self._by_od = by_od
        self._published = published
        self.size = len(by_num)

    def by_traits(self, nom_cle: str, sexe: str, date_naissance: str) -> Sequence[Identity]:
        """Identities with this normalised nom, sexe and date de naissance (homonyms included)."""
        return self._by_traits.get((nom_cle, sexe, date_naissance), _EMPTY)

    def by_matricule(self, num: str) -> Identity | None:
        """The identity whose active matricule has these 13 characters."""
        return self._by_num.get(num)

    def by_former_matricule(self, num: str) -> Identity | None:
        """The identity that lists these 13 characters in its history (INSHISTO)."""
        return self._by_history.get(num)

    def by_ouvrant_droit(self, num: str) -> Sequence[Identity]:
        """Identities whose carte Vitale names this ouvrant droit (13 characters), the ouvrant droit
        included."""
        return self._by_od.get(num, _EMPTY)

    def is_published(self, matricule: str) -> bool:
        """True when these exact 15 characters are an active or former matricule of the register."""
        return matricule in self._published


_by_fingerprint: dict[str, Register] = {}
_by_tenant: WeakKeyDictionary[Tenant, Register] = WeakKeyDictionary()
_lock = threading.Lock()
_KEEP = 4
"""Registers kept per process (one per template fingerprint in use)."""


def _load(tenant: Tenant) -> Register:
    """Read and index the register with the cyclic garbage collector paused, then freeze it.

    The register is hundreds of thousands of long-lived objects: a full collection would scan them all
    (about 0.3 s for 100,000 persons, a latency spike on whatever request triggers it), and collections
    triggered while loading would slow the load several times. ``gc.freeze()`` moves every object
    alive at that point to the permanent generation, which collections skip; it only ever retains
    cyclic garbage that already existed, and plain reference counting still frees everything else.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        with tenant.reading() as conn:
            register = Register(repository.load_register(conn))
    finally:
        if enabled:
            gc.enable()
    gc.freeze()
    return register


def register_for(tenant: Tenant) -> Register:
    """The register of ``tenant``: shared with every tenant of the same template, built on first use."""
    found = _by_tenant.get(tenant)
    if found is not None:
        return found
    with _lock:
        found = _by_tenant.get(tenant)
        if found is None:
            fingerprint = read_meta(tenant.engine, TEMPLATE_FINGERPRINT_KEY)
            found = _by_fingerprint.get(fingerprint) if fingerprint else None
            if found is None:
                found = _load(tenant)
                if fingerprint:
                    while len(_by_fingerprint) >= _KEEP:
                        del _by_fingerprint[next(iter(_by_fingerprint))]
                    _by_fingerprint[fingerprint] = found
            _by_tenant[tenant] = found
    return found
