"""Every FHIR resource the suite received is valid FHIR R4 (4.0.1), checked by fhir.resources 6.4 in its
own environment (pydantic 1), which ``make test`` creates. Runs after every other test (``conftest.py``)."""

from __future__ import annotations

import json
import os
import subprocess
from typing import Any

import pytest

from shared.testing.conformance import FHIR_SEEN

R4_PYTHON = os.environ.get("ESANTE_FHIR_R4_PYTHON")


def _validate(resources: list[dict[str, Any]]) -> subprocess.CompletedProcess[str]:
    """The R4 validator's run on ``resources`` (one JSON line each)."""
    assert R4_PYTHON is not None
    return subprocess.run(
        [R4_PYTHON, os.path.join(os.path.dirname(__file__), "fhir_r4", "validate.py")],
        input="".join(json.dumps(r) + "\n" for r in resources),
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.skipif(R4_PYTHON is None, reason="make test sets ESANTE_FHIR_R4_PYTHON (.venv-fhir-r4)")
def test_every_fhir_resource_the_suite_received_is_valid_r4() -> None:
    if not FHIR_SEEN:
        pytest.skip("no test of this run received a FHIR resource")
    kinds = {r["resourceType"] for r in FHIR_SEEN}
    run = _validate(FHIR_SEEN)
    assert run.returncode == 0, (
        f"{len(FHIR_SEEN)} resources ({sorted(kinds)}), invalid:\n{run.stdout}{run.stderr}"
    )


@pytest.mark.skipif(R4_PYTHON is None, reason="make test sets ESANTE_FHIR_R4_PYTHON (.venv-fhir-r4)")
def test_an_invalid_resource_is_caught() -> None:
    """The validator refuses what R4 refuses (an R5-only element, a missing required one), and passes a
    valid resource."""
    good = {"resourceType": "DocumentReference", "status": "current", "content": [{"attachment": {}}]}
    r5_only = {**good, "version": "2"}
    no_status = {"resourceType": "DocumentReference", "content": [{"attachment": {}}]}
    run = _validate([good, r5_only, no_status])
    assert run.returncode == 1, run.stdout + run.stderr
    assert [json.loads(line)["line"] for line in run.stdout.splitlines()] == [1, 2]
