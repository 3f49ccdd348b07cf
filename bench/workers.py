"""``esante up --workers N`` on PostgreSQL: INSi search and DMP search with 1 and 2 workers, each beside
a bare FastAPI app with as many workers (``uvicorn --workers N``), so that the scaling of the sandbox
reads against the scaling the machine allows (2 vCPU here, wrk and PostgreSQL on the same machine).

Figures only (no floor applies to the scaling): the 1-worker ratios are also the INSi and DMP figures
on PostgreSQL of issue 17's floor (0.2x).
"""

from __future__ import annotations

import json
import random

import httpx

from bench.context import FLOORS, BenchContext, fresh_postgres, postgres_url
from bench.harness import BARE_APP, esante_up, request_cycle, rounds, uvicorn_server, wrk
from bench.insi import IDAM, post_script
from shared.population import generate_population

PERSONS = 1000
PG_URL = postgres_url("esantebench_workers")
TRAITS = {
    "nom_naissance": "ECETINSI",
    "prenoms": ["PIERRE-ALAIN"],
    "sexe": "M",
    "date_naissance": "2009-07-14",
}


def _setup(base: str, searched: list[str]) -> dict[str, str]:
    """A généraliste's headers; one document deposited for each searched patient (first access done)."""
    with httpx.Client(base_url=base, timeout=60) as http:
        rpps = http.get("/sandbox/population/professionals", params={"profession": "10", "limit": 1}).json()[
            "items"
        ][0]["rpps"]
        issued = http.post(
            "/psc/protocol/openid-connect/token",
            data={"grant_type": "client_credentials", "login_hint": rpps},
            auth=("esante-ci", "esante-ci"),
        )
        auth = {"Authorization": f"Bearer {issued.raise_for_status().json()['access_token']}"}
        for ins in searched:
            http.get(f"/dmp/v1/patients/{ins}/documents", headers=auth).raise_for_status()
        found = http.post("/insi/v1/search-by-traits", json=TRAITS, headers={**auth, "X-Insi-Idam": IDAM})
        if found.status_code != 200 or found.json()["code_cr"] != "00":
            raise RuntimeError(f"INSi did not find ECETINSI: {found.text}")
    return auth


def run(ctx: BenchContext) -> None:
    print("Workers on PostgreSQL (1,000 persons; wrk -t1 -c16 -d5s, median of 3 interleaved rounds)")
    population = generate_population(seed=1, persons=PERSONS)
    people = [p.ins for p in population.persons if "adult" in p.tags and "mes-activated" in p.tags]
    searched = random.Random(7).sample(people, 50)
    search = request_cycle([(f"/dmp/v1/patients/{ins}/documents", None) for ins in searched])
    traits = post_script(json.dumps(TRAITS), "application/json")
    figures: dict[int, dict[str, float]] = {}
    for workers in (1, 2):
        with (
            fresh_postgres(PG_URL),
            uvicorn_server(BARE_APP, "/small", workers=workers) as bare,
            esante_up(
                ctx.tmp / f"workers-{workers}",
                {
                    "ESANTE_DATABASE_URL": PG_URL,
                    "ESANTE_WORKERS": str(workers),
                    "ESANTE_PERSONS": str(PERSONS),
                },
            ) as sandbox,
        ):
            auth = _setup(sandbox.base, searched)
            insi_headers = {**auth, "X-Insi-Idam": IDAM}
            loads = rounds(
                [
                    ("bare", lambda b=bare.base: wrk(f"{b}/small")),
                    (
                        "insi",
                        lambda s=sandbox.base, h=insi_headers: wrk(
                            f"{s}/insi/v1/search-by-traits", script=traits, headers=h
                        ),
                    ),
                    (
                        "dmp",
                        lambda s=sandbox.base, h=auth: wrk(
                            f"{s}/dmp/v1/patients/x/documents", script=search, headers=h
                        ),
                    ),
                ]
            )
        figures[workers] = {name: load.rps for name, load in loads.items()}
        ref = loads["bare"].rps
        print(f"  {workers} worker(s): bare {ref:,.0f} req/s", flush=True)
        for name, label in (("insi", "INSi search by traits"), ("dmp", "DMP search")):
            rps = loads[name].rps
            line = f"{rps:,.0f} req/s = {rps / ref:.2f}x bare of {workers} worker(s)"
            if workers == 1:
                floor = FLOORS["PostgreSQL"]
                ctx.report(f"{label} (PostgreSQL, 1 worker)", line, f">= {floor}x", rps / ref >= floor)
            else:
                print(f"  info {label + f' (PostgreSQL, {workers} workers)':<55} {line}", flush=True)
    for name in ("bare", "insi", "dmp"):
        scale = figures[2][name] / figures[1][name]
        print(f"  {name}: 2 workers / 1 worker = x{scale:.2f}")
