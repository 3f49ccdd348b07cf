"""How the infrastructure's faults are told over SOAP: a transient fault of the receiver, never a 400
blaming the request."""

from __future__ import annotations

import pytest

from services.insi.soap import fault_of, render_fault
from shared.errors import DatabaseUnavailable, InvalidInput, NotReady, SandboxError
from shared.tenants import TenantReset


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (DatabaseUnavailable("the database cannot be reached"), 503, "soap:Receiver"),
        (NotReady("not ready"), 503, "soap:Receiver"),
        (TenantReset("the tenant was reset"), 409, "soap:Receiver"),
        (InvalidInput("bad"), 400, "soap:Sender"),
    ],
)
def test_infrastructure_faults_are_the_receivers(error: SandboxError, status: int, code: str) -> None:
    fault = fault_of(error)
    assert (fault.status, fault.code) == (status, code)
    answered, body = render_fault(error)
    assert answered == status
    assert f"<soap:Value>{code}</soap:Value>".encode() in body
    assert f'code="{error.code}"'.encode() in body
