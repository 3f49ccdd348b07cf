"""Settings shared by every service, read from ``ESANTE_*`` environment variables.

Each service adds its own ``Settings`` with its own prefix; this module holds what the whole sandbox
shares: where data lives, which database, how the population is generated, how services reach each other.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

SERVICE_NAMES: tuple[str, ...] = ("psc", "insi", "adri", "dmp", "eprescription", "mssante", "sandbox")
"""Every HTTP service, in start order; each is mounted under ``/<name>`` in the all-in-one process."""


class SandboxSettings(BaseSettings):
    """What the whole sandbox shares. Every field is an ``ESANTE_<FIELD>`` environment variable."""

    model_config = SettingsConfigDict(env_prefix="ESANTE_", extra="ignore")

    data_dir: Path = Field(
        default=Path(".esante"), description="Folder for SQLite files, keys and certificates"
    )
    database_url: str | None = Field(
        default=None, description="PostgreSQL URL; SQLite files under data_dir when unset"
    )
    sqlite_synchronous: Literal["off", "normal", "full"] = Field(
        default="off",
        description="SQLite's `synchronous` for tenant databases: off survives a killed sandbox but not a "
        "power cut (reset the tenant then); normal or full also survive a power cut, slower on writes",
    )
    host: str = "127.0.0.1"
    workers: int = Field(
        default=1,
        ge=1,
        le=64,
        description="HTTP worker processes of `esante up` (PostgreSQL only; one of them runs SMTP)",
    )
    port: int = 8000
    smtp_port: int = Field(default=2525, ge=0, description="SMTP submission port (STARTTLS); 0: no listener")
    smtps_port: int = Field(default=2465, ge=0, description="SMTP port with implicit TLS; 0: not opened")
    public_url: str | None = Field(
        default=None, description="Base URL clients use to reach the sandbox (issuer URLs derive from it)"
    )
    persons: int = Field(default=1000, ge=0, le=2_000_000)
    seed: int = 1
    reference_date: date = Field(
        default=date(2026, 1, 1), description="The day the synthetic population is generated for"
    )
    psc_issuer: str | None = Field(
        default=None,
        description="Issuer URL of psc as clients see it; default <public_url>/psc (set in docker-compose)",
    )
    token_lifetime: int = Field(default=3600, ge=1, description="Access-token lifetime in seconds")
    signing_alg: Literal["ES256", "RS256"] = "ES256"
    token_cache_size: int = Field(
        default=20_000,
        ge=0,
        description="Verified access tokens each process keeps (signature checked once per token); 0: none",
    )
    tls_sans: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="More host names for the server certificate (HTTPS, SMTP TLS), comma-separated, "
        "e.g. the compose service hosts `mssante,dmp`; localhost, 127.0.0.1 and the host always are",
    )
    service_urls: dict[str, str] = Field(
        default_factory=dict,
        description='Base URL per service when services run apart, e.g. {"insi": "http://insi:8000/insi"}',
    )

    @field_validator("tls_sans", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            return [name.strip() for name in value.split(",") if name.strip()]
        return value

    @property
    def base_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    @property
    def issuer(self) -> str:
        return (self.psc_issuer or f"{self.base_url}/psc").rstrip("/")

    @property
    def patient_issuer(self) -> str:
        return f"{self.issuer}/patients"

    @property
    def uses_postgres(self) -> bool:
        return self.database_url is not None and self.database_url.startswith("postgres")
