"""Settings of the DMP (``ESANTE_DMP_*``)."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class DmpSettings(BaseSettings):
    """What only the DMP needs. Every field is an ``ESANTE_DMP_<FIELD>`` environment variable."""

    model_config = SettingsConfigDict(env_prefix="ESANTE_DMP_", extra="ignore")

    max_document_bytes: int = Field(
        default=5 * 1024 * 1024,
        ge=1,
        description="Largest document accepted, in bytes (the sandbox's limit; the real one is not public)",
    )
    insi_idam: str = Field(
        default="ESANTE-SANDBOX", description="Software authorisation number the DMP sends to INSi"
    )
    insi_cache_seconds: float = Field(
        default=300.0, ge=0, description="How long an INSi verification is reused for the same identity"
    )
    search_limit: int = Field(default=500, ge=1, description="Most documents one search returns")


@lru_cache
def get_dmp_settings() -> DmpSettings:
    """The process's DMP settings, built once on first use (never at import)."""
    return DmpSettings()
