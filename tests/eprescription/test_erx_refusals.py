"""Refusals through the API: who acts, bad input, mistyped numbers; nothing half-written."""

from __future__ import annotations

import pytest
from erx_helpers import Cases, Erx, lppr, medicament, patient_block, prescription_body, refused, soins

from shared.runtime import Runtime

pytestmark = pytest.mark.asyncio


async def count_rows(runtime: Runtime, tenant: str) -> tuple[int, int, int]:
    from sqlalchemy import text

    with runtime.tenants.get(tenant).reading() as conn:
        return tuple(  # type: ignore[return-value]
            conn.execute(text(f"SELECT count(*) FROM eprescription_{t}")).scalar_one()
            for t in ("prescription", "line", "dispensation")
        )


async def test_cpe_secretary_neither_prescribes_nor_dispenses(erx: Erx, cases: Cases) -> None:
    await erx.freeze()
    doctor = await erx.pro(cases.pro("10"))
    secretary = await erx.pro(cases.pro(None))
    person = cases.person("activated")
    refused(await erx.prescribe(secretary, prescription_body(person)), 403, "forbidden", "card-cpe")
    numero = (await erx.prescribed(doctor, prescription_body(person)))["numero"]
    refused(await erx.dispense(numero, secretary, {"rang": 1, "quantite": 1}), 403, "forbidden", "card-cpe")
    refused(await erx.read(numero, secretary), 403, "forbidden", "card-cpe")


async def test_patient_token_does_not_prescribe(erx: Erx, cases: Cases) -> None:
    await erx.freeze()
    person = cases.person("activated")
    refused(
        await erx.prescribe(await erx.patient(person), prescription_body(person)),
        403,
        "forbidden",
        "actor-kind",
    )


@pytest.mark.parametrize(
    ("profession", "line", "status", "error", "rule"),
    [
        ("50", soins(), 201, None, None),
        ("40", medicament(), 201, None, None),
        ("40", soins(), 403, "profession-refused", "prescriber-kind"),
        ("60", lppr(), 201, None, None),
        ("60", medicament(), 403, "profession-refused", "prescriber-kind"),
        ("70", lppr(), 201, None, None),
        ("21", medicament(), 403, "profession-refused", "prescriber-kind"),
        (
            "50",
            medicament(liste="stupefiant", duree_jours=7),
            403,
            "profession-refused",
            "stupefiant-prescriber",
        ),
    ],
)
async def test_who_prescribes_through_the_api(
    erx: Erx,
    cases: Cases,
    profession: str,
    line: dict[str, object],
    status: int,
    error: str | None,
    rule: str | None,
) -> None:
    await erx.freeze()
    response = await erx.prescribe(
        await erx.pro(cases.pro(profession)), prescription_body(cases.person(), line)
    )
    if error is None:
        assert response.status_code == status, response.text
    else:
        refused(response, status, error, rule)


@pytest.mark.parametrize(
    ("changes", "error", "rule"),
    [
        ({"prescripteur": {}}, "prescription-refused", "prescripteur-identification"),
        ({"prescripteur": {"numero_am": "12"}}, "prescription-refused", "numero-am-format"),
        ({"prescripteur": {"finess": "750712185"}}, "prescription-refused", "finess-format"),
        ({"lignes": [medicament(), soins()]}, "prescription-refused", "famille-mixte"),
        (
            {"lignes": [medicament(duree_jours=30, renouvellements=12)]},
            "prescription-refused",
            "medicament-duree-max",
        ),
        ({"lignes": [lppr(duree_jours=60)]}, "prescription-refused", "lppr-periode"),
        ({"executer_avant": "2025-12-31"}, "prescription-refused", "executer-avant-passe"),
        (
            {"lignes": [soins(acte_type="surveillance-observation", duree_jours=16)]},
            "prescription-refused",
            "soins-passages-max",
        ),
        ({"lignes": [{"kind": "medicament", "code_type": "cip13"}]}, "validation-error", None),
        ({"lignes": [soins(duree_jours=None)]}, "validation-error", None),
        ({"consentement": "PEUT-ETRE"}, "validation-error", None),
    ],
)
async def test_bad_prescriptions_write_nothing(
    erx: Erx,
    cases: Cases,
    runtime: Runtime,
    tenant_name: str,
    changes: dict[str, object],
    error: str,
    rule: str | None,
) -> None:
    await erx.freeze()
    before = await count_rows(runtime, tenant_name)
    response = await erx.prescribe(
        await erx.pro(cases.pro("10")), prescription_body(cases.person(), **changes)
    )
    refused(response, 422, error, rule)
    assert await count_rows(runtime, tenant_name) == before


async def test_weight_is_asked_for_lppr(erx: Erx, cases: Cases) -> None:
    await erx.freeze()
    doctor = await erx.pro(cases.pro("10"))
    body = prescription_body(cases.person(), lppr(), patient=patient_block(cases.person(), poids_kg=None))
    refused(await erx.prescribe(doctor, body), 422, "prescription-refused", "lppr-poids")


async def test_mistyped_and_unknown_numbers(erx: Erx, cases: Cases) -> None:
    await erx.freeze()
    doctor = await erx.pro(cases.pro("10"))
    numero = (await erx.prescribed(doctor, prescription_body(cases.person())))["numero"]
    typo = numero[:5] + ("A" if numero[5] != "A" else "B") + numero[6:]
    refused(await erx.read(typo, doctor), 400, "numero-invalid", "numero-check")
    refused(await erx.read(numero[:-1], doctor), 400, "numero-invalid", "numero-format")
    refused(await erx.read("01S2TBPZ2JCNZZYGHY", doctor), 400, "numero-invalid", "numero-check")
    from services.eprescription.numero import make_numero

    refused(await erx.read(make_numero(), doctor), 404, "prescription-not-found", "numero-unknown")
    assert (await erx.read(numero.lower(), doctor)).status_code == 200


async def test_refused_dispensation_writes_nothing(
    erx: Erx, cases: Cases, runtime: Runtime, tenant_name: str
) -> None:
    await erx.freeze()
    doctor = await erx.pro(cases.pro("10"))
    pharmacien = await erx.pro(cases.pro("21"))
    infirmier = await erx.pro(cases.pro("60"))
    created = await erx.prescribed(doctor, prescription_body(cases.person(), medicament(), lppr()))
    numero = created["numero"]
    before = await count_rows(runtime, tenant_name)
    ok_line = {"rang": 1, "quantite": 10}
    for lines, status, error, rule in (
        ([ok_line, {"rang": 2, "quantite": 3}], 422, "dispensation-refused", "lppr-delivrance-max"),
        ([ok_line, {"rang": 3, "quantite": 1}], 422, "dispensation-refused", "line-unknown"),
        ([ok_line, ok_line], 422, "dispensation-refused", "line-twice"),
        ([{"rang": 1, "quantite": 31}], 422, "dispensation-refused", "medicament-delivrance-max"),
    ):
        refused(await erx.dispense(numero, pharmacien, *lines), status, error, rule)
    refused(await erx.dispense(numero, infirmier, ok_line), 403, "profession-refused", "executant-kind")
    refused(await erx.read(numero, infirmier), 403, "profession-refused", "executant-kind")
    assert await count_rows(runtime, tenant_name) == before
    read = await erx.read(numero, pharmacien)
    assert [line["restant"] for line in read.json()["lignes"]] == [30, 6]


async def test_validity_follows_the_tenant_clock(erx: Erx, cases: Cases) -> None:
    await erx.freeze()
    doctor = await erx.pro(cases.pro("10"))
    numero = (await erx.prescribed(doctor, prescription_body(cases.person(), medicament(liste="I"))))[
        "numero"
    ]
    await erx.freeze("2026-04-02T12:00:00Z")
    pharmacien = await erx.pro(cases.pro("21"))
    refused(
        await erx.dispense(numero, pharmacien, {"rang": 1, "quantite": 30}),
        422,
        "dispensation-refused",
        "medicament-premiere-delivrance",
    )
    await erx.freeze("2026-04-01T12:00:00Z")
    pharmacien = await erx.pro(cases.pro("21"))
    assert (await erx.dispense(numero, pharmacien, {"rang": 1, "quantite": 30})).status_code == 201


async def test_sandbox_lists_seeded_numbers(erx: Erx, cases: Cases) -> None:
    listed = await erx.http.get("/eprescription/sandbox/prescriptions", params={"limit": 5})
    assert listed.status_code == 200, listed.text
    rows = listed.json()["prescriptions"]
    assert len(rows) == 5
    await erx.freeze()
    pharmacien = await erx.pro(cases.pro("21"))
    produits = next(r for r in rows if r["famille"] == "produits-de-sante")
    read = await erx.read(produits["numero"], pharmacien)
    assert read.status_code == 200, read.text
    assert read.json()["depot_dmp"]["motif"] == "seeded"
