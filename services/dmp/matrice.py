"""The habilitation matrix: which document types a professional may read, by profession and savoir-faire.

Source: arrêté du 26 octobre 2023 (JO du 29 octobre 2023) fixing the professionals' access rights to the
DMP. What is public of it: access only for the professionals who actually treat the patient, limited to
the categories of documents the matrix gives their profession; **médecins see every document except the
attestation de résidence**; members of the équipe de soins are presumed authorised. The per-profession
table itself (the annex) was not retrieved: the rows below for the other professions are the sandbox's
reading, stable and documented, and a tenant may replace the whole table by uploading its own file
(``PUT /dmp/sandbox/matrice``) to rehearse the real one.

A row is keyed by profession (TRE_G15 code) and, where it matters, savoir-faire: a row for
``(profession, savoir_faire)`` wins over the row ``(profession, None)``. The default table has no
savoir-faire row (the public sources give none); an uploaded file may add some. A caller whose profession
has no row (a CPE holder, a profession the table does not list) reads nothing (rule ``matrix``).

The file format (JSON)::

    {"lignes": [{"profession": "60", "savoir_faire": null,
                 "autorise": ["compte-rendu", "synthese", "60593-1"]}]}

Each item of ``autorise`` is a category of ``typecodes.CATEGORIES`` (every type of that category) or a
typeCode of ``typecodes.TYPES``; ``refuse`` (optional) removes typeCodes again.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from services.dmp.typecodes import ATTESTATION_RESIDENCE, CATEGORIES, TYPES, types_of

Cle = tuple[str, str | None]

_TOUT: Final = frozenset(CATEGORIES) - {"gestion"}
_COMMUN: Final = frozenset({"vaccination", "directives-anticipees", "document-patient", "synthese"})

DEFAULT_ROWS: Final[dict[Cle, tuple[frozenset[str], frozenset[str]]]] = {
    # (profession, savoir-faire) -> (categories or typeCodes allowed, typeCodes refused)
    ("10", None): (frozenset(CATEGORIES), frozenset({ATTESTATION_RESIDENCE})),
    ("21", None): (
        _COMMUN
        | {"compte-rendu", "prescription", "dispensation", "plan-de-soins", "traitement-administre"}
        | {"remboursement"},
        frozenset(),
    ),
    ("40", None): (
        _COMMUN
        | {"compte-rendu", "imagerie", "prescription", "dispensation", "traitement-administre"}
        | {"certificat", "remboursement"},
        frozenset(),
    ),
    ("50", None): (_TOUT, frozenset()),
    ("60", None): (
        _COMMUN | {"compte-rendu", "prescription", "dispensation", "plan-de-soins", "traitement-administre"},
        frozenset(),
    ),
    ("70", None): (_COMMUN | {"compte-rendu", "imagerie", "prescription", "plan-de-soins"}, frozenset()),
}
"""The default table, as (allowed, refused): médecins every category except the attestation de
résidence; the other rows are the sandbox's reading (see the module docstring)."""


@dataclass(frozen=True, slots=True)
class Matrice:
    """A resolved matrix: (profession, savoir-faire or None) -> the typeCodes that row may read."""

    lignes: Mapping[Cle, frozenset[str]]
    source: str = "default"

    def autorises(self, profession: str | None, savoir_faire: str | None) -> frozenset[str]:
        """The typeCodes a professional of ``profession`` / ``savoir_faire`` may read (empty: none)."""
        if profession is None:
            return frozenset()
        if savoir_faire is not None:
            found = self.lignes.get((profession, savoir_faire))
            if found is not None:
                return found
        return self.lignes.get((profession, None), frozenset())

    def autorise(self, profession: str | None, savoir_faire: str | None, type_code: str) -> bool:
        return type_code in self.autorises(profession, savoir_faire)

    def as_document(self) -> dict[str, Any]:
        """The matrix in the upload format, every row spelt out as typeCodes."""
        return {
            "source": self.source,
            "lignes": [
                {"profession": p, "savoir_faire": s, "autorise": sorted(codes)}
                for (p, s), codes in sorted(self.lignes.items(), key=lambda kv: (kv[0][0], kv[0][1] or ""))
            ],
        }


def _resolve(items: frozenset[str] | list[str], refused: frozenset[str] | list[str]) -> frozenset[str]:
    codes: set[str] = set()
    for item in items:
        if item in CATEGORIES:
            codes |= types_of(frozenset({item}))
        elif item in TYPES:
            codes.add(item)
        else:
            raise ValueError(
                f"{item!r} is neither a category ({', '.join(CATEGORIES)}) nor an accepted typeCode"
            )
    for item in refused:
        if item not in TYPES:
            raise ValueError(f"refused {item!r} is not an accepted typeCode")
    return frozenset(codes) - frozenset(refused)


DEFAULT: Final = Matrice({key: _resolve(a, r) for key, (a, r) in DEFAULT_ROWS.items()})


def parse(document: bytes | str | Mapping[str, Any], source: str = "uploaded") -> Matrice:
    """A matrix from an uploaded file (see the module docstring); ``ValueError`` says what is wrong."""
    data: Any = document
    if isinstance(document, bytes | str):
        try:
            data = json.loads(document)
        except json.JSONDecodeError as exc:
            raise ValueError(f"not JSON: {exc}") from None
    if not isinstance(data, Mapping) or not isinstance(data.get("lignes"), list):
        raise ValueError('the file is a JSON object with a list "lignes"')
    lignes: dict[Cle, frozenset[str]] = {}
    for index, row in enumerate(data["lignes"]):
        where = f"lignes[{index}]"
        if not isinstance(row, Mapping):
            raise ValueError(f"{where} is not an object")
        profession, savoir_faire = row.get("profession"), row.get("savoir_faire")
        allowed, refused = row.get("autorise", []), row.get("refuse", [])
        if not isinstance(profession, str) or not profession:
            raise ValueError(f'{where}.profession must be a TRE_G15 code such as "10"')
        if savoir_faire is not None and not isinstance(savoir_faire, str):
            raise ValueError(f"{where}.savoir_faire must be a string or null")
        if not isinstance(allowed, list) or not all(isinstance(i, str) for i in allowed):
            raise ValueError(f"{where}.autorise must be a list of strings")
        if not isinstance(refused, list) or not all(isinstance(i, str) for i in refused):
            raise ValueError(f"{where}.refuse must be a list of strings")
        key = (profession, savoir_faire)
        if key in lignes:
            raise ValueError(f"{where}: a second row for {key}")
        try:
            lignes[key] = _resolve(allowed, refused)
        except ValueError as exc:
            raise ValueError(f"{where}: {exc}") from None
    return Matrice(lignes, source)
