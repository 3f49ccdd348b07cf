"""A dispensing process of its own (multiprocessing, spawn): the service's code on its own engine."""

from __future__ import annotations

from typing import Any


def dispense_in_process(url: str, numero: str, actor_fields: dict[str, Any], now: int, barrier: Any) -> str:
    from services.eprescription.errors import DispensationRefusee, PrescriptionClose
    from services.eprescription.router import record_dispensation
    from services.eprescription.schemas import DispensationCreate
    from shared.auth import ProfessionalActor
    from shared.db import make_engine
    from shared.tenants import Tenant

    engine = make_engine(url)
    tenant = Tenant("race", engine)
    body = DispensationCreate.model_validate({"lignes": [{"rang": 1, "quantite": 30}]})
    with engine.connect():
        pass  # connect before the barrier: the race is on the statements
    barrier.wait(timeout=60)
    try:
        statut, _ = record_dispensation(tenant, numero, ProfessionalActor(**actor_fields), body, now)
        return f"ok:{statut}"
    except (DispensationRefusee, PrescriptionClose) as exc:
        return f"{exc.code}:{exc.rule}"
    finally:
        engine.dispose()
