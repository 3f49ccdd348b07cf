"""The DMP's answers, for any document, are what their declared schemas say."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from services.dmp import metadata, rendering
from services.dmp.records import Document
from services.dmp.schemas import DocumentRead, SearchRead
from services.dmp.typecodes import TYPES

text = st.text(max_size=30)
part = st.text(st.characters(blacklist_characters="|\n", blacklist_categories=("Cs",)), max_size=20)
lines = st.lists(st.lists(part, min_size=2, max_size=3).map("|".join), max_size=3).map("\n".join)
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
    unique_id=st.none() | text,
    facility_type=st.sampled_from([*metadata.FACILITY_TYPES, ""]),
    practice_setting=st.sampled_from([*metadata.PRACTICE_SETTINGS, ""]),
    format_code=st.sampled_from([*metadata.FORMATS, "unknown"]),
    event_codes=lines,
    reference_ids=lines,
    structure_idnat=st.none() | text,
    sha1=st.none() | st.binary(min_size=20, max_size=20).map(bytes.hex),
)


@given(doc=documents)
def test_a_rendered_document_is_its_declared_schema(doc: Document) -> None:
    body = rendering.document(doc)
    assert DocumentRead.model_validate(body).model_dump() == body


@given(docs=st.lists(documents, max_size=5), invisibles=st.integers(0, 5))
def test_a_rendered_search_is_its_declared_schema(docs: list[Document], invisibles: int) -> None:
    body = rendering.search("275126322074974", docs, invisibles)
    assert SearchRead.model_validate(body).model_dump() == body
    assert body["documents"] == [rendering.document(d) for d in docs]
    assert body["total"] == len(docs)
    assert body["invisibles_patient"] == invisibles


def test_iso_matches_datetime() -> None:
    from services.dmp.lifecycle import instant

    for value in (0, 1_767_268_800_000, 1_767_268_800_123, 4_102_444_799_999):
        assert rendering.iso(value) == instant(value).isoformat().replace("+00:00", "Z")
