"""Document ids: RFC 9562 version 7, time first, so new documents are appended to the id indexes."""

from __future__ import annotations

import time
import uuid

from services.dmp.documents import new_id


def test_document_ids_are_uuid7_in_time_order() -> None:
    first = new_id()
    time.sleep(0.002)
    later = new_id()
    for value in (first, later):
        parsed = uuid.UUID(value)
        assert (parsed.version, parsed.variant) == (7, uuid.RFC_4122)
        assert len(value) == 32
    assert first < later
    assert len({new_id() for _ in range(1000)}) == 1000
