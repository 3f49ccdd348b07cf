"""The SMTP space over smtplib: AUTH, relay, unknown mailboxes, quota, bad input, TLS."""

from __future__ import annotations

import pytest
from mss_helpers import Mss, message

pytestmark = pytest.mark.asyncio


async def test_professional_to_professional_is_delivered(mss: Mss) -> None:
    a, b = mss.pro(0), mss.pro(1)
    mss.send(a.mssante, message(a.mssante, b.mssante, "Avis"))
    found = await mss.messages(b, sender=a.mssante)
    assert [m["subject"] for m in found] == ["Avis"]
    assert found[0]["findings"] == []
