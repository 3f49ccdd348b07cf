"""The services this sandbox runs, in start order. Adding a service is adding its spec here."""

from __future__ import annotations

from shared.service import ServiceSpec


def all_services() -> list[ServiceSpec]:
    """Every service's spec; imported lazily so that `esante --help` stays fast."""
    from services.adri import SERVICE as ADRI
    from services.dmp import SERVICE as DMP
    from services.eprescription import SERVICE as EPRESCRIPTION
    from services.insi import SERVICE as INSI
    from services.mssante import SERVICE as MSSANTE
    from services.psc import SERVICE as PSC
    from services.sandbox import SERVICE as SANDBOX

    return [PSC, INSI, ADRI, DMP, EPRESCRIPTION, MSSANTE, SANDBOX]


def service_names() -> list[str]:
    return [spec.name for spec in all_services()]


COMPOSE_PORTS: dict[str, int] = {
    "psc": 8001,
    "insi": 8002,
    "adri": 8003,
    "dmp": 8004,
    "eprescription": 8005,
    "mssante": 8006,
    "sandbox": 8007,
}
"""The port each service listens on in docker-compose (one container per service)."""
