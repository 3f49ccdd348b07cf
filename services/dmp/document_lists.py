"""Each profile's documents, kept in memory between searches while they have not changed.

A search reads the profile anyway (its status, its settings, the professional's record); the profile's
``documents_rev`` tells whether the documents kept for it are still current. Database triggers replace
that value, in the same transaction, on every insert, update or delete of one of the profile's
documents (migration 0002), so no write can forget it: the service's own, a bulk load, another process
sharing the database. The values are random, not counted: a tenant reset copies the template back, and
a counter would give an earlier copy's values to different documents.

Kept per process and per tenant name, whole lists of at most ``ESANTE_DMP_DOCUMENTS_KEPT`` documents
in all (the lists kept first go first; 0 keeps none; a longer list is not kept). A search that finds
the profile's list current skips reading, and the driver's making, of every document row: on the
bench's ten documents a profile that was most of a search's database time.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Final, TypeVar

from services.dmp.records import Document

Key = tuple[str, str]
"""(tenant name, INS)"""
View = TypeVar("View")
VIEWS_KEPT: Final = 32


class Kept:
    """A profile's documents as read with ``rev``, and views of them."""

    __slots__ = ("_views", "documents", "rev")

    def __init__(self, rev: int, documents: tuple[Document, ...]) -> None:
        self.rev = rev
        self.documents = documents
        self._views: dict[Hashable, object] = {}

    def view(self, key: Hashable, make: Callable[[], View]) -> View:
        """``make()``, computed once per ``key`` while these documents are kept (a search's filtered
        list for one access and one set of criteria: ``key`` must hold everything ``make`` reads
        besides the documents). At most VIEWS_KEPT views."""
        found = self._views.get(key)
        if found is None:
            if len(self._views) >= VIEWS_KEPT:
                self._views.clear()
            found = self._views[key] = make()
        return found  # type: ignore[return-value]


class DocumentLists:
    """Profiles' documents (not deleted, newest act first) with the ``documents_rev`` read with them."""

    def __init__(self, kept: int) -> None:
        self.kept = kept
        """Most documents kept, all lists together"""
        self._lists: dict[Key, Kept] = {}
        self._documents = 0
        self._lock = threading.Lock()  # ``keep`` runs on misses only: reads take no lock

    def known(self, key: Key) -> Kept | None:
        """What is kept for ``key``, if anything (current or not: the caller compares the revision)."""
        return self._lists.get(key)

    def keep(self, key: Key, rev: int, documents: tuple[Document, ...]) -> Kept:
        kept = Kept(rev, documents)
        size = len(documents)
        if size > self.kept:
            return kept
        lists = self._lists
        with self._lock:  # iterating while another thread inserts would raise
            former = lists.pop(key, None)
            if former is not None:
                self._documents -= len(former.documents)
            while lists and self._documents + size > self.kept:
                self._documents -= len(lists.pop(next(iter(lists))).documents)
            lists[key] = kept
            self._documents += size
        return kept

    def __len__(self) -> int:
        return len(self._lists)
