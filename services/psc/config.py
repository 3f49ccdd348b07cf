"""Settings of psc (``ESANTE_PSC_*``); the issuer, token lifetime and signing algorithm are shared ones."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class PscSettings(BaseSettings):
    """What only psc needs. Every field is an ``ESANTE_PSC_<FIELD>`` environment variable."""

    model_config = SettingsConfigDict(env_prefix="ESANTE_PSC_", extra="ignore")

    code_lifetime: int = Field(default=60, ge=1, description="Authorization-code lifetime in seconds")
    refresh_token_lifetime: int = Field(
        default=8 * 3600, ge=1, description="Refresh-token lifetime in seconds (each rotation restarts it)"
    )
    login_page_size: int = Field(default=50, ge=1, le=500, description="Rows per page of the login pages")
    directory_cache_size: int = Field(
        default=100_000,
        ge=0,
        description="Directory entries kept in memory per tenant (0: every lookup reads the tables)",
    )


@lru_cache
def get_psc_settings() -> PscSettings:
    """The process's psc settings, built once on first use (never at import)."""
    return PscSettings()
