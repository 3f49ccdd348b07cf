"""psc's directory cache: one per tenant object, bounded, and off at size 0."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from services.psc.config import PscSettings
from services.psc.directory import cached_directory
from shared.population import Population
from shared.runtime import Runtime


def test_a_found_professional_is_kept_and_a_reset_starts_afresh(
    runtime: Runtime, tenant_name: str, population: Population
) -> None:
    tenant = runtime.tenants.get(tenant_name)
    directory = cached_directory(tenant, 10)
    idnat = population.professionals[0].idnat
    found = directory.professional(idnat)
    assert found is not None
    assert directory.professional(idnat) is found
    assert directory.professional("8" + "0" * 11) is None
    reset = runtime.tenants.reset(tenant_name)
    assert cached_directory(reset, 10) is not directory


def test_size_zero_keeps_nothing_and_still_answers(
    runtime: Runtime, tenant_name: str, population: Population
) -> None:
    """``ESANTE_PSC_DIRECTORY_CACHE_SIZE=0``: each lookup reads the tables (the bench's comparison)."""
    directory = cached_directory(runtime.tenants.get(tenant_name), 0)
    idnat = population.professionals[0].idnat
    found = directory.professional(idnat)
    assert found is not None
    again = directory.professional(idnat)
    assert again == found
    assert again is not found


def test_the_setting_accepts_zero_and_refuses_a_negative_size() -> None:
    assert PscSettings(directory_cache_size=0).directory_cache_size == 0
    with pytest.raises(ValidationError):
        PscSettings(directory_cache_size=-1)
