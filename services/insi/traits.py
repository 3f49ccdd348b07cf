"""The traits of a request: how they are checked, and how they are normalised for matching.

Normalisation (what the sandbox compares; the register stores the same keys, ``nom_cle``...):

1. Unicode compatibility decomposition (NFKD), then every combining mark is dropped: accents, cedillas
   and diaereses go (``Hélène`` -> ``HELENE``, ``François`` -> ``FRANCOIS``);
2. the ligatures NFKD keeps are spelt out: ``Œ`` -> ``OE``, ``Æ`` -> ``AE``, ``ß`` -> ``SS``;
3. upper case;
4. hyphens (``-`` and the Unicode dashes) and apostrophes (``'``, ``’``, ``ʼ``, `````) become spaces;
5. runs of spaces collapse to one, and the ends are trimmed.

So ``d’Almeida``, ``D'ALMEIDA`` and ``D ALMEIDA`` are the same nom, and ``Jean-Pierre`` matches
``JEAN PIERRE``; ``DALMEIDA`` (separator dropped) is another nom. After normalisation a nom or a prénom
holds only letters A-Z and single spaces; anything else (digits, other punctuation) is refused.

The real INSi's exact comparison rules are not public; this is the sandbox's documented choice, close to
the RNIV's writing rules (upper case, no diacritics, hyphens and apostrophes kept as separators).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from services.insi.errors import (
    CleInvalide,
    DateInvalide,
    LieuInvalide,
    MatriculeInvalide,
    NomInvalide,
    PrenomInvalide,
    RangInvalide,
    SexeInvalide,
    TraitTropLong,
)
from shared.identifiers import NirError, birth_date_fault, nir_key, parse_nir

MAX_NOM = 100
"""Longest nom de naissance accepted (characters, before normalisation)."""
MAX_PRENOM = 100
"""Longest single prénom accepted."""
MAX_PRENOMS = 10
"""Most prénoms in one request."""

SEXES = ("M", "F")

_LIGATURES = str.maketrans({"Œ": "OE", "œ": "OE", "Æ": "AE", "æ": "AE", "ß": "SS"})
_SEPARATORS = re.compile(r"[\-\u2010\u2011\u2012\u2013\u2014\u2212'\u2019\u02bc`\s]+")
_NORMALISED = re.compile(r"[A-Z]+(?: [A-Z]+)*")
_COG = re.compile(r"[0-9]{2}[0-9]{3}|2[AB][0-9]{3}")
_CLE = re.compile(r"[0-9]{2}")


def normalise(text: str) -> str:
    """The matching key of a nom or of prénoms (see the module docstring for the five steps)."""
    if _NORMALISED.fullmatch(text):  # already upper-case letters and single spaces: the usual case
        return text
    if not text.isascii():
        decomposed = unicodedata.normalize("NFKD", text.translate(_LIGATURES))
        text = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _SEPARATORS.sub(" ", text.upper()).strip()


def _check_name(
    value: str,
    limit: int,
    error: type[NomInvalide] | type[PrenomInvalide],
    what: str,
    key: str | None = None,
) -> str:
    if len(value) > limit:
        raise TraitTropLong(
            f"{what} has {len(value)} characters, at most {limit}", rule="insi-trait-longueur"
        )
    if key is None:
        key = normalise(value)
    if not key:
        raise error(f"{what} is empty", rule="insi-trait-format")
    if not _NORMALISED.fullmatch(key):
        raise error(
            f"{what} {value[:40]!r} holds characters other than letters, spaces, hyphens and apostrophes",
            rule="insi-trait-format",
        )
    return key


def check_nom(value: str, key: str | None = None) -> str:
    """The normalised nom de naissance (``key``: already normalised); refuses empty, over-long or
    non-alphabetic values."""
    return _check_name(value, MAX_NOM, NomInvalide, "nom_naissance", key)


def check_prenoms(values: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """The normalised prénoms, in order: 1 to ``MAX_PRENOMS`` of them, each checked like a nom."""
    if not values:
        raise PrenomInvalide("at least one prénom is required", rule="insi-trait-format")
    if len(values) > MAX_PRENOMS:
        raise TraitTropLong(f"{len(values)} prénoms, at most {MAX_PRENOMS}", rule="insi-trait-longueur")
    return tuple(_check_name(v, MAX_PRENOM, PrenomInvalide, "prénom") for v in values)


def check_sexe(value: str) -> str:
    """``M`` or ``F`` (case-insensitive), the values INSi uses."""
    sexe = value.strip().upper()
    if sexe not in SEXES:
        raise SexeInvalide(f"sexe {value[:10]!r} is neither M nor F", rule="insi-sexe")
    return sexe


def check_date_naissance(value: str, today: date) -> str:
    """A ``YYYY-MM-DD`` birth date as INSi reads it (XSD ``DateLunaire``), returned unchanged; refused by
    the rules of ``shared.identifiers.birth_date_fault`` (format, impossible, after ``today``)."""
    fault = birth_date_fault(value, today)
    if fault == "format":
        raise DateInvalide(f"date_naissance {value[:20]!r} is not YYYY-MM-DD", rule="insi-date-format")
    if fault == "impossible":
        raise DateInvalide(f"date_naissance {value} is impossible", rule="insi-date-impossible")
    if fault == "future":
        raise DateInvalide(f"date_naissance {value} is after today ({today})", rule="insi-date-future")
    return value


def check_lieu(value: str) -> str:
    """A COG of 5 characters: department + commune, ``2A`` / ``2B`` + commune, or ``99`` + country."""
    cog = value.strip().upper()
    if not _COG.fullmatch(cog):
        raise LieuInvalide(f"lieu_naissance {value[:20]!r} is not a 5-character COG code", rule="insi-lieu")
    return cog


def check_rang(value: int | str) -> int:
    """A rang de naissance of a carte Vitale: 1 to 9."""
    text = str(value).strip()
    if not (len(text) == 1 and text.isdigit() and text != "0"):
        raise RangInvalide(f"rang_naissance {text[:10]!r} is not 1 to 9", rule="insi-rang")
    return int(text)


def split_matricule(value: str, what: str = "matricule") -> tuple[str, str]:
    """The 13 characters and the key of a 15-character matricule (spaces are ignored)."""
    compact = value.replace(" ", "")
    if len(compact) != 15:
        raise MatriculeInvalide(
            f"{what} has {len(compact)} characters, a matricule INS has 15 (13 + 2-digit key)",
            rule="insi-matricule-format",
        )
    return compact[:13], compact[13:]


def check_matricule(
    num: str, cle: str, *, published: bool = False, what: str = "matricule"
) -> tuple[str, str]:
    """A NIR / NIA as 13 characters + key (décret 82-103), returned upper-cased.

    The 13 characters must have the NIR structure (sex digit, month or pseudo-month, place, order); the
    key must be ``97 - (N mod 97)`` (2A -> 19, 2B -> 18), except when ``published`` says the register
    holds this exact matricule (HERMANN GATIEN's published key does not follow the rule).
    """
    num = num.strip().upper()
    cle = cle.strip()
    if len(num) > 13 or len(cle) > 2:
        raise TraitTropLong(f"{what}: 13 characters and a 2-digit key at most", rule="insi-trait-longueur")
    try:
        parse_nir(num)
    except NirError as exc:
        raise MatriculeInvalide(
            f"{what} {num!r}: {exc.detail}", rule=f"insi-matricule-{exc.reason}"
        ) from None
    if not _CLE.fullmatch(cle):
        raise CleInvalide(f"{what}: key {cle!r} is not 2 digits", rule="insi-matricule-cle")
    if not published and int(cle) != nir_key(num):
        raise CleInvalide(
            f"{what} {num}: key {cle} does not match the computed key {nir_key(num):02d}",
            rule="insi-matricule-cle",
        )
    return num, cle
