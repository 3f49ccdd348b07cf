"""Two pharmacies dispensing the same line at the same moment: exactly one succeeds, through the API,
on threads (parallel transactions), and across two processes on PostgreSQL."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from erx_helpers import Cases, Erx, medicament, prescription_body
from erx_workers import dispense_in_process

from services.eprescription.errors import DispensationRefusee, PrescriptionClose
from services.eprescription.router import record_dispensation
from services.eprescription.schemas import DispensationCreate
from shared.auth import ProfessionalActor
from shared.population import Professional
from shared.runtime import Runtime

pytestmark = pytest.mark.asyncio
NOW = int(datetime(2026, 1, 1, 12, tzinfo=UTC).timestamp() * 1000)
FULL = {"rang": 1, "quantite": 30}


def actor_fields(pro: Professional) -> dict[str, object]:
    return {
        "idnat": pro.idnat,
        "rpps": pro.rpps,
        "nom": pro.nom,
        "prenom": pro.prenom,
        "profession": pro.profession,
        "savoir_faire": pro.savoir_faire,
        "structure": None,
        "card": "cps",
        "regulation": False,
        "client_id": "test",
    }


async def one_line(erx: Erx, cases: Cases) -> str:
    await erx.freeze()
    doctor = await erx.pro(cases.pro("10"))
    created = await erx.prescribed(doctor, prescription_body(cases.person(), medicament()))
    return str(created["numero"])


async def test_racing_pharmacies_through_the_api(erx: Erx, cases: Cases) -> None:
    numero = await one_line(erx, cases)
    pharmacies = [await erx.pro(cases.pro("21", skip=i % 2)) for i in range(4)]
    answers = await asyncio.gather(*(erx.dispense(numero, p, FULL) for p in pharmacies))
    assert sorted(a.status_code for a in answers) == [201, 410, 410, 410], [a.text for a in answers]


async def test_racing_transactions_on_threads(
    erx: Erx, cases: Cases, runtime: Runtime, tenant_name: str
) -> None:
    numero = await one_line(erx, cases)
    tenant = runtime.tenants.get(tenant_name)
    body = DispensationCreate.model_validate({"lignes": [FULL]})
    count = 8
    barrier = threading.Barrier(count, timeout=30)
    actors = [ProfessionalActor(**actor_fields(cases.pro("21", skip=i % 2))) for i in range(count)]  # type: ignore[arg-type]

    def one(index: int) -> str:
        actor = actors[index]
        barrier.wait()
        try:
            return record_dispensation(tenant, numero, actor, body, NOW)[0]
        except (DispensationRefusee, PrescriptionClose) as exc:
            return str(exc.rule)

    with ThreadPoolExecutor(count) as pool:
        results = list(pool.map(one, range(count)))
    # A loser reads the row before the winner's commit and the lines after it, or both after it.
    assert results.count("executee") == 1, results
    assert set(results) <= {"executee", "prescription-executee", "line-remaining"}, results
    with tenant.reading() as conn:
        from sqlalchemy import text

        rows = conn.execute(
            text("SELECT count(*) FROM eprescription_dispensation WHERE numero = :n"), {"n": numero}
        )
        assert rows.scalar_one() == 1


@pytest.mark.skipif(not os.environ.get("ESANTE_TEST_DATABASE_URL"), reason="two processes on PostgreSQL")
async def test_racing_processes_on_postgresql(
    erx: Erx, cases: Cases, runtime: Runtime, tenant_name: str
) -> None:
    numero = await one_line(erx, cases)
    url = runtime.storage.tenant_url(tenant_name)
    context = multiprocessing.get_context("spawn")
    barrier = context.Manager().Barrier(2)
    with context.Pool(2) as pool:
        results = pool.starmap(
            dispense_in_process,
            [(url, numero, actor_fields(cases.pro("21", skip=i)), NOW, barrier) for i in range(2)],
        )
    assert sorted(results)[0] == "ok:executee", results
    assert sorted(results)[1] in (
        "prescription-closed:prescription-executee",
        "dispensation-refused:line-remaining",
    ), results
    pharmacien = await erx.pro(cases.pro("21"))
    read = await erx.read(numero, pharmacien)
    assert read.status_code == 410
