"""INSi's targets, on a population of 100,000 persons (SQLite): search by traits (JSON) and the SOAP
endpoint at issue 17's floor (0.3x a bare FastAPI GET), the JSON search's p99 at most 10 ms (issue 3).

Each loaded request is a whole call as an editor makes it: a professional's bearer token, the software
authorisation number, a search that finds one identity (CR 00) with its traits and history.
"""

from __future__ import annotations

import json
import time

import httpx

from bench.context import FLOORS, BenchContext
from bench.harness import rounds, wrk

PERSONS = "100000"
IDAM = "ESANTE-SANDBOX"
ACTION = "urn:ServiceIdentiteCertifiee:1.0.0:rechercherInsAvecTraitsIdentite"


def _lua_string(value: str) -> str:
    return json.dumps(value)  # a JSON string literal is a valid Lua string literal for this content


def post_script(body: str, content_type: str) -> str:
    """A wrk script POSTing ``body`` with ``content_type`` (other headers go on the command line)."""
    return (
        f'wrk.method = "POST"\nwrk.body = {_lua_string(body)}\n'
        f'wrk.headers["Content-Type"] = {_lua_string(content_type)}\n'
    )


def soap_envelope(nom: str, prenom: str, sexe: str, date: str) -> str:
    """A rechercherInsAvecTraitsIdentite request as the real service expects it."""
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope"'
        ' xmlns:wsa="http://www.w3.org/2005/08/addressing" xmlns:ctxbam="urn:siram:bam:ctxbam"'
        ' xmlns:ctxlps="urn:siram:lps:ctxlps" xmlns:rec="http://www.cnamts.fr/INSiRecSans"><soap:Header>'
        '<ctxbam:ContexteBAM Version="01_02"><ctxbam:Id>1f7425e2-b913-415c-adaa-785ee1076a70</ctxbam:Id>'
        "<ctxbam:Temps>2026-01-05T09:00:00.000Z</ctxbam:Temps><ctxbam:Emetteur>BENCH</ctxbam:Emetteur>"
        "<ctxbam:COUVERTURE/></ctxbam:ContexteBAM>"
        '<ctxlps:ContexteLPS Nature="CTXLPS" Version="01_00"><ctxlps:Id>1f7425e2-b913-415c-adaa-785ee1076a71'
        "</ctxlps:Id><ctxlps:Temps>2026-01-05T09:00:00.000Z</ctxlps:Temps><ctxlps:Emetteur>BENCH"
        f'</ctxlps:Emetteur><ctxlps:LPS><ctxlps:IDAM R="4">{IDAM}</ctxlps:IDAM><ctxlps:Version>1'
        "</ctxlps:Version><ctxlps:Instance>b3549edd-4ae9-472a-b26f-fd2fb4ef397f</ctxlps:Instance>"
        "<ctxlps:Nom>urn:lps:bench:1</ctxlps:Nom></ctxlps:LPS></ctxlps:ContexteLPS>"
        f"<wsa:Action>{ACTION}</wsa:Action><wsa:MessageID>uuid:1f7425e2-b913-415c-adaa-785ee1076a72"
        "</wsa:MessageID></soap:Header><soap:Body><rec:RECSANSVITALE>"
        f"<rec:NomNaissance>{nom}</rec:NomNaissance><rec:Prenom>{prenom}</rec:Prenom><rec:Sexe>{sexe}</rec:Sexe>"
        f"<rec:DateNaissance>{date}</rec:DateNaissance></rec:RECSANSVITALE></soap:Body></soap:Envelope>"
    )


def _prepare(base: str) -> tuple[dict[str, str], dict[str, object], float]:
    """A généraliste's token, an identity to find (ECETINSI: with history), and the first-call time."""
    with httpx.Client(base_url=base, timeout=60) as http:
        found = http.get("/sandbox/population/professionals", params={"profession": "10", "limit": 1})
        rpps = found.json()["items"][0]["rpps"]
        issued = http.post(
            "/psc/protocol/openid-connect/token",
            data={
                "grant_type": "client_credentials",
                "client_id": "esante-ci",
                "client_secret": "esante-ci",
                "login_hint": rpps,
            },
        )
        headers = {"Authorization": f"Bearer {issued.json()['access_token']}", "X-Insi-Idam": IDAM}
        body: dict[str, object] = {
            "nom_naissance": "ECETINSI",
            "prenoms": ["PIERRE-ALAIN"],
            "sexe": "M",
            "date_naissance": "2009-07-14",
        }
        started = time.perf_counter()
        first = http.post("/insi/v1/search-by-traits", json=body, headers=headers)
        first_call = time.perf_counter() - started
        if first.status_code != 200 or first.json()["code_cr"] != "00":
            raise RuntimeError(f"the search did not find ECETINSI: {first.text}")
        soap = http.post(
            "/insi/soap",
            content=soap_envelope("ECETINSI", "PIERRE-ALAIN", "M", "2009-07-14"),
            headers={**headers, "Content-Type": "application/soap+xml; charset=utf-8"},
        )
        if soap.status_code != 200 or b"<CodeCR>00</CodeCR>" not in soap.content:
            raise RuntimeError(f"the SOAP search did not find ECETINSI: {soap.text}")
    return headers, body, first_call


def run(ctx: BenchContext) -> None:
    print(f"INSi (population {int(PERSONS):,}; wrk -t1 -c16 -d5s, median of 3 interleaved rounds)")
    with ctx.sandbox("insi", ESANTE_PERSONS=PERSONS) as server:
        print(f"  sandbox ready in {server.started_in:.1f} s (generation and seeding included)")
        headers, body, first_call = _prepare(server.base)
        print(f"  first search of the tenant (loads the register in memory): {first_call * 1000:.0f} ms")
        auth = {"Authorization": headers["Authorization"], "X-Insi-Idam": IDAM}
        json_script = post_script(json.dumps(body), "application/json")
        soap_script = post_script(
            soap_envelope("ECETINSI", "PIERRE-ALAIN", "M", "2009-07-14"),
            "application/soap+xml; charset=utf-8",
        )
        loads = rounds(
            [
                ("bare", lambda: wrk(f"{ctx.bare.base}/small")),
                ("bare-post", lambda: wrk(f"{ctx.bare.base}/small", script=json_script, headers=auth)),
                (
                    "traits",
                    lambda: wrk(f"{server.base}/insi/v1/search-by-traits", script=json_script, headers=auth),
                ),
                ("soap", lambda: wrk(f"{server.base}/insi/soap", script=soap_script, headers=auth)),
            ]
        )
    ref = loads["bare"]
    print(f"  bare FastAPI GET: {ref.rps:,.0f} req/s, p99 {ref.p99_ms:.2f} ms")
    floor = loads["bare-post"]
    print(
        f"  bare FastAPI POST of the same JSON body (the machine's floor for a JSON operation): "
        f"{floor.rps:,.0f} req/s = {floor.rps / ref.rps:.2f}x, p99 {floor.p99_ms:.2f} ms"
    )
    traits = loads["traits"]
    ratio = traits.rps / ref.rps
    ctx.report(
        "INSi search by traits (JSON, CR 00)",
        f"{traits.rps:,.0f} req/s = {ratio:.2f}x bare, p99 {traits.p99_ms:.1f} ms",
        f">= {FLOORS['SQLite']}x, p99 <= 10 ms",
        ratio >= FLOORS["SQLite"] and traits.p99_ms <= 10,
    )
    soap = loads["soap"]
    ratio = soap.rps / ref.rps
    ctx.report(
        "INSi SOAP rechercherInsAvecTraitsIdentite (CR 00)",
        f"{soap.rps:,.0f} req/s = {ratio:.2f}x bare, p99 {soap.p99_ms:.1f} ms",
        f">= {FLOORS['SQLite']}x",
        ratio >= FLOORS["SQLite"],
    )
