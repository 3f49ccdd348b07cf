"""schemathesis over every service's served spec, with a professional's token and without: no answer is
a server error, and every answer's status, media type and body are the ones its operation declares.

Each operation gets a few dozen generated requests, valid by its schema and not, in the test's own
tenant (the tenant header is set on every request). Left out, and why:

- the SOAP operations (``insi-soap_endpoint``, ``insi-soap_in_tenant``): their body is an XML envelope,
  which schemathesis cannot generate from a schema; ``tests/insi/test_insi_soap*.py`` and the fault tests
  send real and broken envelopes instead;
- the sandbox's own tenant operations that would delete, reset, re-clock or create tenants other tests
  share (``sandbox-delete_tenant``, ``sandbox-reset_tenant``, ``sandbox-set_clock``,
  ``sandbox-create_tenant``): ``tests/sandbox`` tests each with its refusals;
- MSSanté's long polls (``mssante-wait_message``, ``mssante-wait_outbox``), which wait up to their
  timeout by design; ``tests/mssante`` covers them.
"""

from __future__ import annotations

import warnings
from typing import Any

import pytest
from fastapi import FastAPI
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from services.sandbox.registry import service_names
from shared.tenancy import TENANT_HEADER
from shared.testing.oidc import Oidc, People

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import schemathesis
    from schemathesis import GenerationMode
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

EXAMPLES = 20
LEFT_OUT = {
    "insi-soap_endpoint",
    "insi-soap_in_tenant",
    "sandbox-delete_tenant",
    "sandbox-reset_tenant",
    "sandbox-set_clock",
    "sandbox-create_tenant",
    "mssante-wait_message",
    "mssante-wait_outbox",
}
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def _run_operation(operation: Any, headers: dict[str, str], failures: list[str]) -> None:
    modes = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)

    @given(case=st.one_of([operation.as_strategy(generation_mode=m) for m in modes]))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate],
        database=None,
        derandomize=True,
    )
    def run(case: Any) -> None:
        try:
            case.call_and_validate(headers=headers, checks=CHECKS)
        except Exception as exc:
            line = f"{operation.label}: {type(exc).__name__}: {str(exc).strip()[:600]}"
            if line not in failures:
                failures.append(line)

    run()


def _fuzz(root_app: FastAPI, service: str, headers: dict[str, str]) -> list[str]:
    """Every distinct failure over the service's operations, one line each."""
    schema = schemathesis.openapi.from_asgi(f"/{service}/openapi.json", root_app)
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.definition.raw.get("operationId") not in LEFT_OUT:
            _run_operation(operation, headers, failures)
    return failures


@pytest.mark.asyncio
@pytest.mark.parametrize("service", service_names())
@pytest.mark.parametrize("caller", ["professional", "anonymous"])
async def test_the_service_answers_every_generated_request_as_its_spec_says(
    root_app: FastAPI, oidc: Oidc, people: People, tenant_name: str, service: str, caller: str
) -> None:
    headers = {TENANT_HEADER: tenant_name}
    if caller == "professional":
        headers.update(await oidc.professional_headers(people.generaliste))
    failures = _fuzz(root_app, service, headers)
    assert not failures, "\n\n".join(failures)
