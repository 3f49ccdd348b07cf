"""Property: over random professionals, patients, documents and settings, no document is ever
returned where the rules refuse it (and every document the rules allow is returned).

The expected outcome is computed here from the rules as the issue states them, independently of
``services.dmp.access``; the state is written straight into the tenant's tables, then read through
the HTTP API (search and read for professionals, the patient API for the patient and a representative).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from dmp_helpers import Cases, Dmp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, insert, update

from services.dmp.matrice import DEFAULT
from services.dmp.models import DmpDocument, DmpDocumentContenu, DmpProfessionnel, DmpProfile, DmpTrace
from services.dmp.typecodes import TYPES
from shared.population import Person, Professional
from shared.runtime import Runtime

NOW = datetime(2026, 1, 1, 12, tzinfo=UTC)
NOW_MS = int(NOW.timestamp() * 1000)
DAY = 86_400_000
STATUSES = ("activated", "open", "closed", "invited", "opposed")
CALLERS = (
    "generaliste",
    "specialiste",
    "pharmacien",
    "infirmier",
    "kine",
    "sage-femme",
    "dentiste",
    "regulateur",
    "cpe",
)
MODES = ("normal", "btg", "btg-no-justification", "centre-15")


@dataclass(frozen=True)
class Doc:
    type_code: str
    masque: bool
    invisible_patient: bool
    invisible_rep: bool
    status: str
    archived: bool
    by_caller: bool


@dataclass(frozen=True)
class Case:
    status: str
    centre_15: bool
    btg: bool
    masked_ok: bool
    mt: str  # none, caller, other
    lien: str  # none, autorise, bloque
    caller: str
    mode: str
    docs: tuple[Doc, ...]


docs = st.builds(
    Doc,
    type_code=st.sampled_from(sorted(TYPES)),
    masque=st.booleans(),
    invisible_patient=st.booleans(),
    invisible_rep=st.booleans(),
    status=st.sampled_from(("current", "current", "superseded", "deleted")),
    archived=st.booleans(),
    by_caller=st.booleans(),
)
cases_ = st.builds(
    Case,
    status=st.sampled_from(STATUSES),
    centre_15=st.booleans(),
    btg=st.booleans(),
    masked_ok=st.booleans(),
    mt=st.sampled_from(("none", "caller", "other")),
    lien=st.sampled_from(("none", "autorise", "bloque")),
    caller=st.sampled_from(CALLERS),
    mode=st.sampled_from(MODES),
    docs=st.lists(docs, max_size=6).map(tuple),
)


def caller_of(cases: Cases, name: str) -> Professional:
    if name == "cpe":
        return cases.pro(None, "cpe")
    if name == "regulateur":
        return cases.pro("10", "regulateur")
    profession = {"pharmacien": "21", "infirmier": "60", "kine": "70", "sage-femme": "50", "dentiste": "40"}
    return cases.pro(profession.get(name, "10"), name)


def expected_refusal(case: Case, pro: Professional) -> str | None:
    """The rule that refuses the consultation, as the issue states the rules, or None."""
    emergency = case.mode in ("btg", "btg-no-justification", "centre-15")
    if "cpe" in pro.cards and pro.profession is None:
        return "card-cpe"
    if case.mode == "btg-no-justification":
        return "btg-justification"
    if case.mode == "centre-15" and not pro.regulation:
        return "centre15-regulation"
    if case.status == "closed":
        return "status-closed"
    if case.status in ("invited", "opposed"):
        return f"status-{case.status}"
    if case.lien == "bloque":
        return "blocked"
    if emergency and case.mode != "centre-15" and not case.btg:
        return "btg-forbidden"
    if case.mode == "centre-15" and not case.centre_15:
        return "centre15-forbidden"
    return None


def professional_sees(case: Case, pro: Professional, doc: Doc) -> bool:
    if doc.status == "deleted":
        return False
    allowed_type = (
        doc.type_code != "ATTEST-RESID"
        if pro.profession == "10"
        else DEFAULT.autorise(pro.profession, None, doc.type_code)
    )
    if not allowed_type:
        return False
    if doc.masque:
        emergency = case.mode != "normal"
        return case.mt == "caller" or doc.by_caller or (emergency and case.masked_ok)
    return True


def patient_sees(doc: Doc, representant: bool) -> bool:
    return doc.status != "deleted" and not doc.invisible_patient and not (representant and doc.invisible_rep)


def write_state(
    runtime: Runtime, tenant: str, person: Person, pro: Professional, other: Professional, case: Case
) -> dict[str, Doc]:
    invited = NOW_MS - 100 * DAY if case.status != "invited" else NOW_MS - 10 * DAY
    values = {
        "invited_at": invited,
        "opposed_at": NOW_MS - 95 * DAY if case.status == "opposed" else None,
        "created_at": None,
        "activated_at": NOW_MS - 50 * DAY if case.status in ("activated", "closed") else None,
        "closed_at": NOW_MS - DAY if case.status == "closed" else None,
        "data_since": None,
        "medecin_traitant": {"none": None, "caller": pro.idnat, "other": other.idnat}[case.mt],
        "centre_15": case.centre_15,
        "bris_de_glace": case.btg,
        "masques_en_urgence": case.masked_ok,
    }
    documents = {}
    with runtime.tenants.get(tenant).unit_of_work() as conn:
        conn.execute(update(DmpProfile).where(DmpProfile.ins == person.ins).values(**values))
        conn.execute(delete(DmpProfessionnel).where(DmpProfessionnel.ins == person.ins))
        conn.execute(delete(DmpDocument).where(DmpDocument.ins == person.ins))
        conn.execute(delete(DmpTrace).where(DmpTrace.ins == person.ins))
        if case.lien != "none":
            conn.execute(
                insert(DmpProfessionnel).values(
                    ins=person.ins,
                    idnat=pro.idnat,
                    statut=case.lien,
                    source="patient",
                    nom="",
                    profession=None,
                    first_access_at=None,
                    updated_at=NOW_MS,
                )
            )
        for index, doc in enumerate(case.docs):
            doc_id = uuid.uuid4().hex
            author = pro if doc.by_caller else other
            documents[doc_id] = doc
            conn.execute(
                insert(DmpDocument).values(
                    id=doc_id,
                    ins=person.ins,
                    set_id=doc_id,
                    version=1,
                    replaces=None,
                    status=doc.status,
                    archived=doc.archived,
                    type_code=doc.type_code,
                    titre=f"doc {index}",
                    date_acte=NOW_MS - index * DAY,
                    deposited_at=NOW_MS - DAY,
                    auteur_kind="professional" if author.profession else "structure",
                    auteur_id=author.idnat,
                    auteur_nom=author.nom,
                    auteur_profession=author.profession,
                    structure_id=None,
                    structure_nom=None,
                    depose_par=author.idnat,
                    format="text/plain",
                    taille=1,
                    hash="0" * 64,
                    masque_ps=doc.masque,
                    invisible_patient=doc.invisible_patient,
                    invisible_representants=doc.invisible_rep,
                )
            )
            conn.execute(insert(DmpDocumentContenu).values(document_id=doc_id, contenu=b"x"))
    return documents


@pytest.mark.asyncio
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=cases_)
async def test_no_document_is_returned_where_the_rules_refuse_it(
    dmp: Dmp, cases: Cases, runtime: Runtime, tenant_name: str, case: Case
) -> None:
    if not dmp.frozen:  # first example of this tenant
        await dmp.freeze(NOW.isoformat().replace("+00:00", "Z"))
    child = cases.person("minor", "mes-activated", test=lambda p: bool(p.parents))
    person = child if case.caller == "kine" else cases.person("mes-activated", "adult")
    parent = cases.parent(child)
    pro = caller_of(cases, case.caller)
    other = cases.pro("10", "generaliste", skip=5)
    documents = write_state(runtime, tenant_name, person, pro, other, case)
    headers = await dmp.pro(pro)
    if case.mode in ("btg", "btg-no-justification"):
        headers["X-Access-Mode"] = "bris-de-glace"
        if case.mode == "btg":
            headers["X-Access-Justification"] = "urgence vitale"
    elif case.mode == "centre-15":
        headers["X-Access-Mode"] = "centre-15"

    refusal = expected_refusal(case, pro)
    response = await dmp.search(person, headers, statut="all")
    if refusal is not None:
        assert response.status_code in (403, 404), response.text
        assert response.json()["rule"] == refusal
    else:
        assert response.status_code == 200, response.text
        returned = {d["id"] for d in response.json()["documents"]}
        allowed = {i for i, d in documents.items() if professional_sees(case, pro, d)}
        assert returned == allowed
        assert response.json()["invisibles_patient"] == sum(
            1 for i in allowed if documents[i].invisible_patient
        )
    for doc_id, doc in documents.items():
        read = await dmp.read(doc_id, headers)
        visible = refusal is None and professional_sees(case, pro, doc)
        assert (read.status_code == 200) is visible, (doc, read.text)
        if not visible:
            assert read.status_code in (403, 404)

    viewer, representant = (parent, True) if person is child else (person, False)
    mine = await dmp.me(
        viewer,
        "GET",
        "/documents",
        represented_ins=child.ins if representant else None,
        params={"statut": "all"},
    )
    if case.status in ("activated",):
        assert mine.status_code == 200, mine.text
        seen = {d["id"] for d in mine.json()["documents"]}
        assert seen == {i for i, d in documents.items() if patient_sees(d, representant)}
    else:
        assert mine.status_code in (403, 404), mine.text
