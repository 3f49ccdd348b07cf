"""Settings of ADRi (``ESANTE_ADRI_*``)."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class AdriSettings(BaseSettings):
    """What only ADRi needs. Every field is an ``ESANTE_ADRI_<FIELD>`` environment variable."""

    model_config = SettingsConfigDict(env_prefix="ESANTE_ADRI_", extra="ignore")

    register_cache_size: int = Field(
        default=50_000,
        ge=0,
        description="Beneficiaries and households kept in memory per tenant, each (0: every lookup "
        "reads the tables)",
    )


@lru_cache
def get_adri_settings() -> AdriSettings:
    """The process's ADRi settings, built once on first use (never at import)."""
    return AdriSettings()
