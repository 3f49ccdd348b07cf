"""Settings of INSi (``ESANTE_INSI_*``)."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.insi.rules import OidMode


class InsiSettings(BaseSettings):
    """What only INSi needs. Every field is an ``ESANTE_INSI_<FIELD>`` environment variable."""

    model_config = SettingsConfigDict(env_prefix="ESANTE_INSI_", extra="ignore")

    oid_mode: OidMode = Field(
        default="qualification",
        description="OIDs answered: qualification (.8 NIR / .9 NIA, as the CNAM test platform), "
        "test (.10 for every NIR) or demo (.11 for every NIR)",
    )
    slow_seconds: float = Field(
        default=5.0, ge=0, le=120, description="Delay of the answer to the magic nom de naissance LENT"
    )
    known_idam: str = Field(
        default="",
        description="Comma-separated software authorisation numbers known in every tenant "
        "(e.g. your software's real IDAM, so that an existing client works unchanged)",
    )

    @property
    def known_idams(self) -> frozenset[str]:
        return frozenset(part.strip() for part in self.known_idam.split(",") if part.strip())


@lru_cache
def get_insi_settings() -> InsiSettings:
    """The process's INSi settings, built once on first use (never at import)."""
    return InsiSettings()
