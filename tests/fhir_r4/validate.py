"""Validate FHIR resources as R4 (4.0.1) with fhir.resources 6.4 (its last R4 line, on pydantic 1).

Run by tests/test_fhir_r4.py with the interpreter of the separate environment ``make test`` creates
(``.venv-fhir-r4``): reads one resource per line on stdin, prints one JSON line per invalid resource,
exits 1 when there is one."""

import json
import sys

import fhir.resources
from fhir.resources import construct_fhir_element

assert fhir.resources.__fhir_version__ == "4.0.1", fhir.resources.__fhir_version__

failed = 0
for number, line in enumerate(sys.stdin):
    resource = json.loads(line)
    try:
        construct_fhir_element(resource["resourceType"], resource)
    except Exception as exc:  # pydantic's ValidationError, or an unknown resource type
        failed += 1
        print(
            json.dumps(
                {"line": number, "resourceType": resource.get("resourceType"), "error": str(exc)[:2000]}
            )
        )
sys.exit(1 if failed else 0)
