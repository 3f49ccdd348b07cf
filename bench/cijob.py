"""Issue 17's CI-job benchmark (informational: printed, no target).

The all-in-one sandbox (`esante up`, its own process) starts on a data folder seeded beforehand, outside
the timing; its start-up, from the process start to /health/ready answering 200, is printed apart. Then
one scripted editor job runs, timed end to end: about 300 calls as an editor's CI runs its test cases
in its own tenant, ten rounds each starting with a reset of that tenant, every call's answer checked
(a call not answered as expected stops the job with what it got: a real job, not a load loop).

A round: the reset; a médecin's and a pharmacien's psc tokens (``client_credentials`` with
``login_hint``); five patients qualified with INSi in JSON and again over SOAP; their rights with
ADRi; three DMP deposits, each searched for; an ordonnance numérique created (deposited in the DMP),
read and dispensed by the pharmacien; two MSSanté messages over SMTP (AUTH PLAIN), one to the
pharmacien and one to a patient's address, and the pharmacien's mailbox read. Patients and
professionals come from the seeded population API.
"""

from __future__ import annotations

import base64
import os
import smtplib
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET
from xml.sax.saxutils import escape

import httpx

from bench.context import BenchContext, fresh_postgres, postgres_url
from bench.harness import ROOT, esante_up
from shared.config import SandboxSettings

TENANT = "ci-job"
ROUNDS = 10
PATIENTS_PER_ROUND = 5
DEPOSITS_PER_ROUND = 3
IDAM = "ESANTE-SANDBOX"
MSSANTE_PASSWORD = "mssante"
PG_URL = postgres_url("esantebenchcijob")
SOAP_CONTENT_TYPE = "application/soap+xml; charset=utf-8"
SOAP_ACTION = "urn:ServiceIdentiteCertifiee:1.0.0:rechercherInsAvecTraitsIdentite"
RESULTAT_NS = "{http://www.cnamts.fr/INSiResultat}"
AVOIDED_TAGS = {"cnam-test", "homonym", "twin"}
"""The CNAM test identities have answers of their own (INSi CR 01, key mismatch...); homonyms and
twins may find several identities: the job's patients are ordinary ones."""


class JobFailed(RuntimeError):
    """A call of the job was not answered as expected."""


class Job:
    """The editor's job: every call goes through here, is counted, timed by kind, and checked."""

    def __init__(self, http: httpx.Client, smtp_port: int) -> None:
        self.http = http
        self.smtp_port = smtp_port
        self.calls = 0
        self.by_kind: dict[str, list[float]] = {}

    def _count(self, kind: str, started: float) -> None:
        self.calls += 1
        self.by_kind.setdefault(kind, []).append(time.perf_counter() - started)

    def call(self, kind: str, method: str, path: str, expect: int, **kwargs: Any) -> httpx.Response:
        started = time.perf_counter()
        response = self.http.request(method, path, **kwargs)
        self._count(kind, started)
        if response.status_code != expect:
            raise JobFailed(
                f"{method} {path}: {response.status_code}, expected {expect}: {response.text[:800]}"
            )
        return response

    def send_mail(self, connection: smtplib.SMTP, sender: str, to: str, subject: str) -> None:
        started = time.perf_counter()
        refused = connection.send_message(_mail(sender, to, subject))  # raises on any refusal
        self._count("mssante SMTP message", started)
        if refused:
            raise JobFailed(f"SMTP: {to} refused: {refused}")


def _mail(sender: str, to: str, subject: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = formatdate()
    msg["Message-ID"] = make_msgid(domain="ci-job.mssante.fr")
    msg["X-MSS-NIL"] = "NIL-CI-JOB"
    msg.set_content("Compte rendu de consultation.\n")
    return msg


def _soap_search(person: dict[str, Any]) -> str:
    """A rechercherInsAvecTraitsIdentite envelope as the real service expects it (see
    services/insi/README.md): ContexteBAM, ContexteLPS with the software's IDAM, WS-Addressing."""
    p = "rec"
    traits = [f"<{p}:NomNaissance>{escape(person['nom_naissance'])}</{p}:NomNaissance>"]
    traits += [f"<{p}:Prenom>{escape(prenom)}</{p}:Prenom>" for prenom in person["prenoms"]]
    traits += [
        f"<{p}:Sexe>{escape(person['sexe'])}</{p}:Sexe>",
        f"<{p}:DateNaissance>{escape(person['date_naissance'])}</{p}:DateNaissance>",
    ]
    now = "2026-01-05T09:00:00.000Z"
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope"'
        ' xmlns:wsa="http://www.w3.org/2005/08/addressing" xmlns:ctxbam="urn:siram:bam:ctxbam"'
        ' xmlns:ctxlps="urn:siram:lps:ctxlps" xmlns:rec="http://www.cnamts.fr/INSiRecSans"><soap:Header>'
        f'<ctxbam:ContexteBAM Version="01_02"><ctxbam:Id>{uuid.uuid4()}</ctxbam:Id>'
        f"<ctxbam:Temps>{now}</ctxbam:Temps><ctxbam:Emetteur>CI-JOB</ctxbam:Emetteur>"
        "<ctxbam:COUVERTURE/></ctxbam:ContexteBAM>"
        f'<ctxlps:ContexteLPS Nature="CTXLPS" Version="01_00"><ctxlps:Id>{uuid.uuid4()}</ctxlps:Id>'
        f"<ctxlps:Temps>{now}</ctxlps:Temps><ctxlps:Emetteur>CI-JOB</ctxlps:Emetteur><ctxlps:LPS>"
        f'<ctxlps:IDAM R="4">{IDAM}</ctxlps:IDAM><ctxlps:Version>1</ctxlps:Version>'
        f"<ctxlps:Instance>{uuid.uuid4()}</ctxlps:Instance><ctxlps:Nom>urn:lps:ci-job:1</ctxlps:Nom>"
        f"</ctxlps:LPS></ctxlps:ContexteLPS><wsa:Action>{SOAP_ACTION}</wsa:Action>"
        f"<wsa:MessageID>uuid:{uuid.uuid4()}</wsa:MessageID></soap:Header><soap:Body>"
        f"<{p}:RECSANSVITALE>{''.join(traits)}</{p}:RECSANSVITALE></soap:Body></soap:Envelope>"
    )


def _soap_found(content: bytes) -> str | None:
    """The INS (NumIdentifiant and Cle) of a SOAP answer with CR 00, else None."""
    resultat = ET.fromstring(content).find(f".//{RESULTAT_NS}RESULTAT")
    if resultat is None or resultat.findtext(f"{RESULTAT_NS}CR/{RESULTAT_NS}CodeCR") != "00":
        return None
    found = resultat.find(f"{RESULTAT_NS}INDIVIDU/{RESULTAT_NS}INSACTIF/{RESULTAT_NS}IdIndividu")
    if found is None:
        return None
    return f"{found.findtext(f'{RESULTAT_NS}NumIdentifiant')}{found.findtext(f'{RESULTAT_NS}Cle')}"


def _traits(person: dict[str, Any]) -> dict[str, Any]:
    return {
        "nom_naissance": person["nom_naissance"],
        "prenoms": person["prenoms"],
        "sexe": person["sexe"],
        "date_naissance": person["date_naissance"],
        "lieu_naissance": person["lieu_naissance"],
    }


def _token(job: Job, rpps: str) -> dict[str, str]:
    form = {
        "grant_type": "client_credentials",
        "client_id": "esante-ci",
        "client_secret": "esante-ci",
        "login_hint": rpps,
    }
    issued = job.call("psc token", "POST", "/psc/protocol/openid-connect/token", 200, data=form)
    return {"Authorization": f"Bearer {issued.json()['access_token']}"}


def _pick(job: Job) -> tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]]]:
    """A généraliste, a pharmacien and the job's patients (adults with an activated Mon espace santé
    profile and open rights), from the seeded population."""
    medecins = job.call(
        "sandbox population",
        "GET",
        "/sandbox/population/professionals",
        200,
        params={"profession": "10", "tag": "generaliste", "limit": 10},
    ).json()["items"]
    pharmaciens = job.call(
        "sandbox population",
        "GET",
        "/sandbox/population/professionals",
        200,
        params={"profession": "21", "limit": 10},
    ).json()["items"]
    persons = job.call(
        "sandbox population",
        "GET",
        "/sandbox/population/persons",
        200,
        params={"tag": ["adult", "mes-activated", "rights-open", "nir"], "limit": 200},
    ).json()["items"]
    patients = [p for p in persons if not AVOIDED_TAGS & set(p["tags"])]
    needed = ROUNDS * PATIENTS_PER_ROUND
    if not medecins or not pharmaciens or len(patients) < needed:
        raise JobFailed(f"the population lacks the job's cast: {len(patients)} patients of {needed}")
    medecin = next(m for m in medecins if m.get("mssante") and m.get("rpps"))
    pharmacien = next(p for p in pharmaciens if p.get("mssante") and p.get("rpps"))
    return medecin, pharmacien, patients[:needed]


def _qualify(job: Job, doctor: dict[str, str], person: dict[str, Any]) -> None:
    """INSi in JSON, then the same search over SOAP: both find the patient's INS (CR 00)."""
    headers = {**doctor, "X-Insi-Idam": IDAM}
    found = job.call(
        "insi JSON search", "POST", "/insi/v1/search-by-traits", 200, json=_traits(person), headers=headers
    ).json()
    if found["code_cr"] != "00" or found["individu"]["ins"]["matricule"] != person["ins"]:
        raise JobFailed(f"INSi JSON did not find {person['ins']}: {found}")
    soap = job.call(
        "insi SOAP search",
        "POST",
        "/insi/soap",
        200,
        content=_soap_search(person),
        headers={**headers, "Content-Type": SOAP_CONTENT_TYPE},
    )
    if _soap_found(soap.content) != person["ins"]:
        raise JobFailed(f"INSi SOAP did not find {person['ins']}: {soap.text[:800]}")


def _deposit(job: Job, doctor: dict[str, str], person: dict[str, Any], index: int) -> None:
    """A consultation report deposited in the DMP, then found by the patient's search."""
    body = {
        "patient": {"matricule": person["ins"], "oid": person["oid"], **_traits(person)},
        "type_code": "11488-4",
        "titre": f"Compte rendu de consultation {index}",
        "date_acte": "2026-01-02T09:30:00Z",
        "format": "text/plain",
        "contenu": base64.b64encode(f"Compte rendu {index} (CI job)".encode()).decode(),
    }
    path = f"/dmp/v1/patients/{person['ins']}/documents"
    deposited = job.call("dmp deposit", "POST", path, 201, json=body, headers=doctor).json()
    found = job.call("dmp search", "GET", path, 200, headers=doctor).json()
    if deposited["id"] not in [d["id"] for d in found["documents"]]:
        raise JobFailed(f"the DMP search of {person['ins']} misses document {deposited['id']}")


def _prescribe_and_dispense(
    job: Job, doctor: dict[str, str], pharmacy: dict[str, str], person: dict[str, Any]
) -> None:
    """An ordonnance numérique created (its PDF deposited in the DMP), read by its number and
    dispensed in full by the pharmacien."""
    body = {
        "prescripteur": {"numero_am": "991118019"},
        "patient": {"ins": person["ins"], "oid": person["oid"], **_traits(person)},
        "consentement": "OUI",
        "lignes": [
            {
                "kind": "medicament",
                "code_type": "substance",
                "substance": "amoxicilline",
                "dosage": "1 g",
                "designation": "Amoxicilline 1 g comprimé",
                "posologie": "1 comprimé matin et soir",
                "duree_jours": 6,
            }
        ],
    }
    created = job.call(
        "eprescription create", "POST", "/eprescription/v1/prescriptions", 201, json=body, headers=doctor
    ).json()
    if created["depot_dmp"]["statut"] != "deposited":
        raise JobFailed(f"the ordonnance was not deposited in the DMP: {created['depot_dmp']}")
    path = f"/eprescription/v1/prescriptions/{created['numero']}"
    [line] = job.call("eprescription read", "GET", path, 200, headers=pharmacy).json()["lignes"]
    dispensed = job.call(
        "eprescription dispense",
        "POST",
        f"{path}/dispensations",
        201,
        json={"lignes": [{"rang": line["rang"], "quantite": line["restant"]}]},
        headers=pharmacy,
    ).json()
    if dispensed["statut"] != "executee":
        raise JobFailed(f"the ordonnance is not executed after a full dispensation: {dispensed}")


def _mail_round(
    job: Job,
    medecin: dict[str, Any],
    pharmacien: dict[str, Any],
    pharmacy: dict[str, str],
    person: dict[str, Any],
    round_index: int,
) -> None:
    """Two messages over SMTP (AUTH PLAIN in the job's tenant), then the pharmacien's mailbox read."""
    subject = f"CI job round {round_index}"
    with smtplib.SMTP("127.0.0.1", job.smtp_port, timeout=30) as connection:
        connection.login(f"{TENANT}/{medecin['mssante']}", MSSANTE_PASSWORD)
        job.send_mail(connection, medecin["mssante"], pharmacien["mssante"], subject)
        job.send_mail(connection, medecin["mssante"], f"{person['ins']}@patient.mssante.fr", subject)
    inbox = job.call(
        "mssante mailbox read",
        "GET",
        f"/mssante/v1/mailboxes/{pharmacien['mssante']}/messages",
        200,
        headers=pharmacy,
    ).json()
    if subject not in [m.get("subject") for m in inbox]:
        raise JobFailed(f"the pharmacien's mailbox misses {subject!r}: {inbox}")


def run_job(base: str, smtp_port: int) -> Job:
    """The editor's job against the sandbox at ``base``; raises JobFailed at the first unexpected answer."""
    day = SandboxSettings().reference_date.isoformat()
    with httpx.Client(base_url=base, timeout=60, headers={"X-Sandbox-Tenant": TENANT}) as http:
        job = Job(http, smtp_port)
        job.call("psc discovery", "GET", "/psc/.well-known/openid-configuration", 200)
        job.call("psc discovery", "GET", "/psc/protocol/openid-connect/certs", 200)
        medecin, pharmacien, patients = _pick(job)
        for round_index in range(ROUNDS):
            job.call("sandbox tenant reset", "POST", f"/sandbox/tenants/{TENANT}/reset", 200)
            doctor, pharmacy = _token(job, medecin["rpps"]), _token(job, pharmacien["rpps"])
            cast = patients[round_index * PATIENTS_PER_ROUND : (round_index + 1) * PATIENTS_PER_ROUND]
            for person in cast:
                _qualify(job, doctor, person)
            for person in cast:
                job.call(
                    "adri rights",
                    "GET",
                    f"/adri/v1/beneficiaries/{person['ins']}",
                    200,
                    params={"date": day},
                    headers=doctor,
                )
            for index, person in enumerate(cast[:DEPOSITS_PER_ROUND]):
                _deposit(job, doctor, person, index)
            _prescribe_and_dispense(job, doctor, pharmacy, cast[0])
            _mail_round(job, medecin, pharmacien, pharmacy, cast[1], round_index)
    return job


def seed(data_dir: Path, env: dict[str, str]) -> float:
    """`esante seed` on ``data_dir`` (before anything is timed); returns its seconds."""
    started = time.monotonic()
    subprocess.run(
        [sys.executable, "-m", "services.sandbox", "seed"],
        cwd=ROOT,
        env={**os.environ, "ESANTE_DATA_DIR": str(data_dir), **env},
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.monotonic() - started


@contextmanager
def _database(label: str) -> Iterator[dict[str, str]]:
    if label == "SQLite":
        yield {"ESANTE_DATABASE_URL": ""}
        return
    with fresh_postgres(PG_URL):
        yield {"ESANTE_DATABASE_URL": PG_URL}


def one_database(ctx: BenchContext, label: str) -> None:
    data_dir = ctx.tmp / f"cijob-{label.lower()}"
    with _database(label) as env:
        seconds = seed(data_dir, env)
        print(f"  {label}: data folder seeded in {seconds:.1f} s (not timed below)")
        with esante_up(data_dir, env) as server:
            print(f"  {label}: esante up ready in {server.started_in:.2f} s (process start to /health/ready)")
            started = time.perf_counter()
            job = run_job(server.base, server.smtp_port)
            elapsed = time.perf_counter() - started
    print(
        f"  {label}: CI job of {job.calls} calls in {elapsed:.2f} s = {job.calls / elapsed:.0f} calls/s"
        f" (start-up {server.started_in:.2f} s apart)"
    )
    for kind, times in sorted(job.by_kind.items(), key=lambda item: -sum(item[1])):
        each = sum(times) / len(times) * 1000
        print(f"      {kind:<24} {len(times):>4} calls {sum(times):7.2f} s  {each:6.1f} ms each")


def run(ctx: BenchContext) -> None:
    print(f"CI job (informational: {ROUNDS} rounds in tenant {TENANT!r}, every answer checked)")
    one_database(ctx, "SQLite")
    if os.environ.get("ESANTE_BENCH_DATABASE_URL"):
        one_database(ctx, "PostgreSQL")
