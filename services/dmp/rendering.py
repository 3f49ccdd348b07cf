"""The DMP's records as the JSON the API answers (plain dicts: the hot paths skip response models)."""

from __future__ import annotations

import base64
import json
from datetime import date
from typing import Any, Final

from services.dmp import lifecycle
from services.dmp.records import Document, LienRecord, Notification, Profile
from services.dmp.service import CONFIDENTIALITE, confidentialite_of
from services.dmp.typecodes import TYPES

_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


def iso(value: int | None) -> str | None:
    """Unix ms -> ISO 8601 UTC (``2026-01-01T12:00:00Z``, microseconds when there are some)."""
    if value is None:
        return None
    seconds, milli = divmod(value, 1000)
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    day = date.fromordinal(_EPOCH_ORDINAL + days).isoformat()
    if milli:
        return f"{day}T{hours:02d}:{minutes:02d}:{secs:02d}.{milli:03d}000Z"
    return f"{day}T{hours:02d}:{minutes:02d}:{secs:02d}Z"


def dumps(body: Any) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


_TYPE_CACHE = {
    code: {"code": t.code, "system": t.system, "libelle": t.libelle, "categorie": t.categorie}
    for code, t in TYPES.items()
}


def document(doc: Document) -> dict[str, Any]:
    return {
        "id": doc.id,
        "ins": doc.ins,
        "set_id": doc.set_id,
        "version": doc.version,
        "remplace": doc.replaces,
        "statut": doc.status,
        "archive": bool(doc.archived),
        "type_code": _TYPE_CACHE.get(doc.type_code)
        or {"code": doc.type_code, "system": "", "libelle": "", "categorie": ""},
        "titre": doc.titre,
        "date_acte": iso(doc.date_acte),
        "date_depot": iso(doc.deposited_at),
        "auteur": {
            "kind": doc.auteur_kind,
            "id": doc.auteur_id,
            "nom": doc.auteur_nom,
            "profession": doc.auteur_profession,
        },
        "structure": None if doc.structure_id is None else {"id": doc.structure_id, "nom": doc.structure_nom},
        "format": doc.format,
        "taille": doc.taille,
        "hash": doc.hash,
        "confidentialite": confidentialite_of(doc),
    }


def base64_of(contenu: bytes) -> str:
    return base64.b64encode(contenu).decode("ascii")


_quote = json.encoder.encode_basestring  # the C escaper json.dumps uses: '"' + escaped + '"'
_TYPE_JSON = {
    code: json.dumps(body, ensure_ascii=False, separators=(",", ":")) for code, body in _TYPE_CACHE.items()
}
_CONFIDENTIALITE_JSON = {
    flags: json.dumps(
        [code for code, on in zip(CONFIDENTIALITE, flags, strict=True) if on], separators=(",", ":")
    )
    for flags in ((a, b, c) for a in (False, True) for b in (False, True) for c in (False, True))
}


def _q(value: str | None) -> str:
    return "null" if value is None else _quote(value)


_FRAGMENTS: dict[Document, str] = {}
FRAGMENTS_KEPT: Final = 100_000
"""Rendered documents kept in memory, keyed by the whole record: a changed document is another key,
so the cache never answers stale JSON, in one process or several sharing a database."""


def document_json(doc: Document) -> str:
    """``document(doc)`` as JSON text, written directly (building dicts for json.dumps measured several
    times slower; ``tests/dmp/test_dmp_rendering.py`` checks both agree) and kept per record."""
    found = _FRAGMENTS.get(doc)
    if found is None:
        if len(_FRAGMENTS) >= FRAGMENTS_KEPT:
            _FRAGMENTS.clear()
        found = _FRAGMENTS[doc] = _render(doc)
    return found


def _render(doc: Document) -> str:
    type_json = _TYPE_JSON.get(doc.type_code)
    if type_json is None:
        type_json = json.dumps(document(doc)["type_code"], ensure_ascii=False, separators=(",", ":"))
    structure = (
        "null"
        if doc.structure_id is None
        else f'{{"id":{_quote(doc.structure_id)},"nom":{_q(doc.structure_nom)}}}'
    )
    flags = (bool(doc.masque_ps), bool(doc.invisible_patient), bool(doc.invisible_representants))
    return (
        f'{{"id":{_quote(doc.id)},"ins":{_quote(doc.ins)},"set_id":{_quote(doc.set_id)},'
        f'"version":{int(doc.version)},"remplace":{_q(doc.replaces)},"statut":{_quote(doc.status)},'
        f'"archive":{"true" if doc.archived else "false"},"type_code":{type_json},'
        f'"titre":{_quote(doc.titre)},'
        f'"date_acte":"{iso(doc.date_acte)}","date_depot":"{iso(doc.deposited_at)}",'
        f'"auteur":{{"kind":{_quote(doc.auteur_kind)},"id":{_quote(doc.auteur_id)},'
        f'"nom":{_quote(doc.auteur_nom)},"profession":{_q(doc.auteur_profession)}}},'
        f'"structure":{structure},"format":{_quote(doc.format)},"taille":{int(doc.taille)},'
        f'"hash":{_quote(doc.hash)},"confidentialite":{_CONFIDENTIALITE_JSON[flags]}}}'
    )


_BODIES: dict[int, tuple[tuple[Document, ...], str, int | None, bytes]] = {}
BODIES_KEPT_BYTES: Final = 32 * 1024 * 1024
_bodies_bytes = 0


def search_json(ins: str, documents: tuple[Document, ...], invisibles: int | None) -> bytes:
    """The body of a search answer (professionals: with the count of documents invisible to the
    patient). A search repeated on unchanged documents hands the very same tuple: its body is kept,
    found by identity (the entry holds the tuple, so its ``id`` cannot be reused while it lives), for
    BODIES_KEPT_BYTES of bodies in all."""
    global _bodies_bytes
    same = _BODIES.get(id(documents))
    if same is not None and same[0] is documents and same[1] == ins and same[2] == invisibles:
        return same[3]
    counted = "" if invisibles is None else f'"invisibles_patient":{invisibles},'
    listed = ",".join(document_json(d) for d in documents)
    body = f'{{"ins":{_quote(ins)},"total":{len(documents)},{counted}"documents":[{listed}]}}'.encode()
    if _bodies_bytes + len(body) > BODIES_KEPT_BYTES:
        _BODIES.clear()
        _bodies_bytes = 0
    _BODIES[id(documents)] = (documents, ins, invisibles, body)
    _bodies_bytes += len(body)
    return body


def document_with_content(doc: Document, contenu: bytes) -> dict[str, Any]:
    body = document(doc)
    body["contenu"] = base64.b64encode(contenu).decode("ascii")
    return body


def profile(
    found: Profile,
    statut: lifecycle.Statut,
    representants: tuple[str, ...],
    geres: tuple[str, ...],
    representant: bool,
) -> dict[str, Any]:
    dates = found.dates
    reglages = found.reglages
    return {
        "ins": found.ins,
        "nom_naissance": found.nom_naissance,
        "prenoms": list(found.prenoms),
        "statut": statut.value,
        "invitation": iso(dates.invited_at),
        "creation": iso(lifecycle.creation(dates)),
        "activation": iso(dates.activated_at),
        "opposition": iso(dates.opposed_at),
        "fermeture": iso(dates.closed_at),
        "motif_fermeture": found.closure_motif,
        "suppression_archive": iso(lifecycle.archive_deleted_at(dates)),
        "medecin_traitant": found.medecin_traitant,
        "parametres_urgence": {
            "centre_15": reglages.centre_15,
            "bris_de_glace": reglages.bris_de_glace,
            "masques_en_urgence": reglages.masques_en_urgence,
        },
        "representants_legaux": list(representants),
        "profils_geres": list(geres),
        "agissant_comme": "representant" if representant else "patient",
    }


def lien(record: LienRecord) -> dict[str, Any]:
    return {
        "idnat": record.idnat,
        "statut": record.statut,
        "source": record.source,
        "nom": record.nom,
        "profession": record.profession,
        "premier_acces": iso(record.first_access_at),
    }


def trace(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "date": iso(row["at"]),
        "action": row["action"],
        "acteur": {
            "kind": row["acteur_kind"],
            "id": row["acteur_id"],
            "nom": row["acteur_nom"],
            "profession": row["profession"],
        },
        "mode": row["mode"],
        "justification": row["justification"],
        "document_id": row["document_id"],
        "detail": row["detail"],
    }


def notification(item: Notification) -> dict[str, Any]:
    return {
        "id": item.id,
        "date": iso(item.at),
        "kind": item.kind,
        "acteur_id": item.acteur_id,
        "acteur_nom": item.acteur_nom,
        "mode": item.mode,
        "justification": item.justification,
        "document_id": item.document_id,
        "email": item.email,
        "envoye": iso(item.sent_at),
    }
