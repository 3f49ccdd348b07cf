import pytest

pytest_plugins = ["shared.testing"]

LAST = "tests/test_fhir_r4.py"
"""Runs after every other test: it validates the FHIR resources they received."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: item.nodeid.startswith(LAST))
