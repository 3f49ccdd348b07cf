"""The e-prescription's figures as ratios to a bare FastAPI GET measured in the same run, with issue 17's
floors (at least 0.3x on SQLite, 0.2x on PostgreSQL): the read by number (a pharmacist scanning a
seeded QR code) and a dispensation (one unit of an LPPR line at a time, cycling over twenty
prescriptions); and the PDF facsimile (one client, sequential: milliseconds each, issue 5's target on
SQLite, PostgreSQL's printed beside it)."""

from __future__ import annotations

import json
import statistics
import time
from typing import Any

import httpx

from bench.context import FLOORS, BenchContext, fresh_postgres, postgres_url
from bench.harness import request_cycle, rounds, wrk
from shared.config import SandboxSettings
from shared.population import generate_population

PG_URL = postgres_url("esantebencherx")
PRESCRIPTIONS = 20
PDFS = 100


def _token(http: httpx.Client, rpps: str) -> str:
    form = {"grant_type": "client_credentials", "client_id": "esante-ci", "client_secret": "esante-ci"}
    issued = http.post("/psc/protocol/openid-connect/token", data={**form, "login_hint": rpps})
    issued.raise_for_status()
    token: str = issued.json()["access_token"]
    return token


def _body(person: Any) -> dict[str, Any]:
    return {
        "prescripteur": {"numero_am": "991118019"},
        "patient": {
            "ins": person.ins,
            "oid": person.oid,
            "nom_naissance": person.nom_naissance,
            "prenoms": list(person.prenoms),
            "sexe": person.sexe,
            "date_naissance": person.date_naissance,
            "lieu_naissance": person.lieu_naissance,
            "poids_kg": 70,
        },
        "consentement": "OUI",
        "lignes": [
            {
                "kind": "lppr",
                "code_lpp": "1101421",
                "designation": "Compresses stériles",
                "quantite": 10_000,
                "duree_jours": 30,
                "renouvellements": 11,
                "conditionnement_superieur": True,
            }
        ],
    }


def measure(ctx: BenchContext, base: str, label: str) -> None:
    floor = FLOORS[label]
    population = generate_population(
        seed=1, persons=SandboxSettings().persons, reference_date=SandboxSettings().reference_date
    )
    doctor = next(p for p in population.professionals if "generaliste" in p.tags and p.rpps)
    pharmacist = next(p for p in population.professionals if p.profession == "21" and p.rpps)
    persons = [p for p in population.persons if p.mes_status == "activated" and "adult" in p.tags]
    assert doctor.rpps
    assert pharmacist.rpps
    with httpx.Client(base_url=base, timeout=60) as http:
        prescriber = {"Authorization": f"Bearer {_token(http, doctor.rpps)}"}
        auth = {"Authorization": f"Bearer {_token(http, pharmacist.rpps)}"}
        seeded = http.get("/eprescription/sandbox/prescriptions", params={"limit": 1000}).json()[
            "prescriptions"
        ]
        numbers = [p["numero"] for p in seeded if p["famille"] == "produits-de-sante"]
        created, creations = [], []
        for person in persons[:PRESCRIPTIONS]:
            started = time.perf_counter()
            answer = http.post("/eprescription/v1/prescriptions", json=_body(person), headers=prescriber)
            creations.append((time.perf_counter() - started) * 1000)
            assert answer.status_code == 201, answer.text
            created.append(answer.json()["numero"])
        pdf_ms = []
        for index in range(PDFS):
            started = time.perf_counter()
            pdf = http.get(
                f"/eprescription/v1/prescriptions/{numbers[index % len(numbers)]}/pdf", headers=auth
            )
            pdf_ms.append((time.perf_counter() - started) * 1000)
            assert pdf.status_code == 200, pdf.text
    print(
        f"  {label}: prescription created (PDF + DMP deposit), median {statistics.median(creations):.1f} ms"
    )
    body = json.dumps({"lignes": [{"rang": 1, "quantite": 1}]})
    read = request_cycle([(f"/eprescription/v1/prescriptions/{n}", None) for n in numbers])
    dispense = request_cycle([(f"/eprescription/v1/prescriptions/{n}/dispensations", body) for n in created])
    loads = rounds(
        [
            ("bare", lambda: wrk(f"{ctx.bare.base}/small")),
            ("read", lambda: wrk(f"{base}/eprescription/v1/prescriptions/x", script=read, headers=auth)),
            ("dispense", lambda: wrk(f"{base}/eprescription/x", script=dispense, headers=auth)),
        ]
    )
    ref = loads["bare"]
    print(f"  bare FastAPI GET: {ref.rps:,.0f} req/s, p99 {ref.p99_ms:.2f} ms")
    ratio = loads["read"].rps / ref.rps
    ctx.report(
        f"e-prescription read by number ({label})",
        f"{loads['read'].rps:,.0f} req/s = {ratio:.2f}x bare",
        f">= {floor}x",
        ratio >= floor,
    )
    done = loads["dispense"]
    ratio = done.rps / ref.rps
    ctx.report(
        f"e-prescription dispensation ({label})",
        f"{done.rps:,.0f} req/s = {ratio:.2f}x bare, p99 {done.p99_ms:.1f} ms",
        f">= {floor}x",
        ratio >= floor,
    )
    pdf_ms.sort()
    p95 = pdf_ms[int(len(pdf_ms) * 0.95) - 1]
    report = ctx.report if label == "SQLite" else ctx.inform
    report(
        f"e-prescription PDF, one client ({label})",
        f"median {statistics.median(pdf_ms):.1f} ms, p95 {p95:.1f} ms",
        "<= 30 ms each",
        p95 <= 30,
    )


NO_SMTP = {"ESANTE_SMTP_PORT": "0", "ESANTE_SMTPS_PORT": "0"}
"""The suite needs no SMTP listener: without one it does not collide with another run on port 2525."""


def run(ctx: BenchContext) -> None:
    with ctx.sandbox("erx-sqlite", **NO_SMTP) as server:
        measure(ctx, server.base, "SQLite")
    with fresh_postgres(PG_URL), ctx.sandbox("erx-pg", ESANTE_DATABASE_URL=PG_URL, **NO_SMTP) as server:
        measure(ctx, server.base, "PostgreSQL")
