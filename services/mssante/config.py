"""Settings of MSSanté (``ESANTE_MSSANTE_*``)."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class MssanteSettings(BaseSettings):
    """What only MSSanté needs. Every field is an ``ESANTE_MSSANTE_<FIELD>`` environment variable."""

    model_config = SettingsConfigDict(env_prefix="ESANTE_MSSANTE_", extra="ignore")

    password: str = Field(
        default="mssante", description="The password of every mailbox (AUTH PLAIN / LOGIN): a sandbox rule"
    )
    max_message_bytes: int = Field(
        default=20 * 1024 * 1024, ge=1024, description="SMTP SIZE limit of one message (bytes)"
    )
    quota_bytes: int = Field(default=200 * 1024 * 1024, ge=0, description="Default quota of a mailbox")
    require_tls: bool = Field(
        default=False, description="Refuse AUTH before STARTTLS on the submission port (off: local CI)"
    )
    hostname: str = Field(default="mssante.sandbox", description="Name the SMTP server greets with")
    client_id: str = Field(default="esante-mssante", description="psc client MSSanté calls the DMP as")
    client_secret: str = Field(default="esante-mssante", description="Its secret")


@lru_cache
def get_mssante_settings() -> MssanteSettings:
    """The process's MSSanté settings, built once on first use (never at import)."""
    return MssanteSettings()
