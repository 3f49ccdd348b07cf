"""Settings of the e-prescription (``ESANTE_EPRESCRIPTION_*``)."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class EprescriptionSettings(BaseSettings):
    """What only the e-prescription needs. Every field is an ``ESANTE_EPRESCRIPTION_<FIELD>`` variable."""

    model_config = SettingsConfigDict(env_prefix="ESANTE_EPRESCRIPTION_", extra="ignore")

    seed_prescriptions: int = Field(
        default=300, ge=0, le=100_000, description="Prescriptions seeded per template (deterministic)"
    )


@lru_cache
def get_eprescription_settings() -> EprescriptionSettings:
    """The process's settings, built once on first use (never at import)."""
    return EprescriptionSettings()
