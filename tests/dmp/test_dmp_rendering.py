"""The hand-written JSON of a search says exactly what the dict renderer says, for any document."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from services.dmp import rendering
from services.dmp.records import Document
from services.dmp.typecodes import TYPES

text = st.text(max_size=30)
documents = st.builds(
    Document,
    id=st.text("0123456789abcdef", min_size=32, max_size=32),
    ins=st.text("0123456789", min_size=15, max_size=15),
    set_id=st.text("0123456789abcdef", min_size=32, max_size=32),
    version=st.integers(1, 50),
    replaces=st.none() | st.text("0123456789abcdef", min_size=32, max_size=32),
    status=st.sampled_from(("current", "superseded", "deleted")),
    archived=st.sampled_from((True, False, 0, 1)),
    type_code=st.sampled_from([*TYPES, "UNKNOWN"]),
    titre=text,
    date_acte=st.integers(0, 4_102_444_800_000),
    deposited_at=st.integers(0, 4_102_444_800_000),
    auteur_kind=st.sampled_from(("professional", "structure", "patient", "representant")),
    auteur_id=text,
    auteur_nom=text,
    auteur_profession=st.none() | text,
    structure_id=st.none() | text,
    structure_nom=st.none() | text,
    depose_par=text,
    format=text,
    taille=st.integers(0, 10**7),
    hash=text,
    masque_ps=st.sampled_from((True, False, 0, 1)),
    invisible_patient=st.sampled_from((True, False, 0, 1)),
    invisible_representants=st.sampled_from((True, False, 0, 1)),
)


@given(doc=documents)
def test_document_json_is_the_document(doc: Document) -> None:
    assert json.loads(rendering.document_json(doc)) == rendering.document(doc)


@given(docs=st.lists(documents, max_size=5), invisibles=st.none() | st.integers(0, 5))
def test_search_json(docs: list[Document], invisibles: int | None) -> None:
    body = json.loads(rendering.search_json("275126322074974", tuple(docs), invisibles))
    assert body["documents"] == [rendering.document(d) for d in docs]
    assert body["total"] == len(docs)
    assert body.get("invisibles_patient") == invisibles


@given(docs=st.lists(documents, min_size=1, max_size=3))
def test_a_kept_body_answers_only_its_own_search(docs: list[Document]) -> None:
    """The same tuple is rendered once; another INS, count or tuple is rendered for itself."""
    listed = tuple(docs)
    first = rendering.search_json("275126322074974", listed, 0)
    assert rendering.search_json("275126322074974", listed, 0) is first
    assert json.loads(rendering.search_json("175126322074975", listed, 0))["ins"] == "175126322074975"
    assert json.loads(rendering.search_json("275126322074974", listed, 1))["invisibles_patient"] == 1
    fewer = json.loads(rendering.search_json("275126322074974", listed[1:], 0))
    assert fewer["total"] == len(docs) - 1


def test_iso_matches_datetime() -> None:
    from services.dmp.lifecycle import instant

    for value in (0, 1_767_268_800_000, 1_767_268_800_123, 4_102_444_799_999):
        assert rendering.iso(value) == instant(value).isoformat().replace("+00:00", "Z")
