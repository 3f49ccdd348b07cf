"""Generate and validate the identifiers of the French e-health infrastructure.

Covered: the NIR and the NIA (matricule INS), RPPS, FINESS, ADELI, SIREN / SIRET and the
IdNat of professionals and structures, plus the assigning-authority OIDs of the INS.

Choices where no public rule was found are written in the docstring of the function that
applies them. Every check is pure and cheap: no I/O, no global state.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Final, Literal

__all__ = [
    "MAJORITE",
    "NIR_ACCEPTED_SEX_DIGITS",
    "NIR_UNKNOWN_MONTH_CODES",
    "OID_INS_NIA",
    "OID_INS_NIR",
    "OID_INS_NIR_DEMO",
    "OID_INS_NIR_TEST",
    "OLDEST_BIRTH_YEAR",
    "IdNatError",
    "IdNatPrefix",
    "Nir",
    "NirError",
    "birth_date_fault",
    "is_minor",
    "is_valid_adeli",
    "is_valid_finess",
    "is_valid_nir",
    "is_valid_rpps",
    "is_valid_siren",
    "is_valid_siret",
    "luhn_check_digit",
    "make_finess",
    "make_idnat",
    "make_nia",
    "make_nir",
    "make_rpps",
    "make_siret",
    "nir_key",
    "parse_idnat",
    "parse_nir",
]

# Assigning-authority OIDs of the matricule INS (FR Core, fr-core-patient-ins).
OID_INS_NIR = "1.2.250.1.213.1.4.8"
OID_INS_NIA = "1.2.250.1.213.1.4.9"
OID_INS_NIR_TEST = "1.2.250.1.213.1.4.10"
OID_INS_NIR_DEMO = "1.2.250.1.213.1.4.11"

# ---------------------------------------------------------------------------------------------
# NIR / NIA
# ---------------------------------------------------------------------------------------------

NIR_ACCEPTED_SEX_DIGITS = frozenset("123478")
"""Sex digits accepted by :func:`parse_nir`.

1 / 2: man / woman (décret 82-103). 3 / 4: men / women of foreign birth registered while their
civil status was being established (older numbers still in use). 7 / 8: provisional numbers
(man / woman) given before a definitive registration. Other digits are refused. The meaning of
3, 4, 7 and 8 is INSEE practice as commonly described, not checked against a published text.
"""

NIR_UNKNOWN_MONTH_CODES = range(20, 43)
"""Pseudo-month codes 20-42 that INSEE writes when the month of birth is unknown.

INSEE also uses 50-99 for numbers built from a declaration (commonly described practice, not
checked against a published text); :func:`parse_nir` accepts both ranges, and the sandbox
generator draws unknown months from 20-42 only.
"""

_CORSICA = {"2A": "19", "2B": "18"}
_DIGITS = re.compile(r"[0-9]+")
_SEX = {"M": "1", "F": "2"}


class NirError(ValueError):
    """A NIR or NIA that does not follow décret 82-103.

    ``reason`` is one of ``"length"``, ``"format"``, ``"sex"``, ``"month"``, ``"place"``,
    ``"order"`` or ``"key"``.
    """

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True, slots=True)
class Nir:
    """The parts of a NIR / NIA matricule (décret 82-103).

    ``year`` is the 2-digit year (the century is not part of the number), ``month`` the raw
    month code (1-12, or a pseudo-month code when the month is unknown), ``place`` the 5-char
    place of birth (department + commune, or ``99`` + country code for a birth abroad).
    """

    sexe: str
    sex_digit: str
    year: int
    month: int
    place: str
    order: int
    key: int

    @property
    def nir13(self) -> str:
        """The 13 characters without the key."""
        return f"{self.sex_digit}{self.year:02d}{self.month:02d}{self.place}{self.order:03d}"

    @property
    def matricule(self) -> str:
        """The 15 characters: the 13 followed by the 2-digit key."""
        return f"{self.nir13}{self.key:02d}"

    @property
    def month_known(self) -> bool:
        """False when the month code is an INSEE pseudo-month (unknown month of birth)."""
        return 1 <= self.month <= 12

    @property
    def born_abroad(self) -> bool:
        """True when the place of birth is ``99`` + a country code."""
        return self.place.startswith("99")


def nir_key(nir13: str) -> int:
    """Return the 2-digit key of a 13-character NIR or NIA.

    Rule (décret 82-103, as applied by INSEE and CNAM): key = 97 - (N mod 97), where N is the
    13 characters read as a number after replacing the Corsican department ``2A`` by ``19`` and
    ``2B`` by ``18`` (characters 6-7). The same rule applies to NIA numbers.
    Raises :class:`NirError` (``length`` or ``format``) when the value cannot be read.
    """
    if len(nir13) != 13:
        raise NirError("length", f"a NIR without key has 13 characters, got {len(nir13)}")
    department = nir13[5:7].upper()
    if department in _CORSICA:
        nir13 = nir13[:5] + _CORSICA[department] + nir13[7:]
    if not (nir13.isascii() and nir13.isdigit()):
        raise NirError("format", "only digits, and 2A / 2B as department, are allowed")
    return 97 - int(nir13) % 97


def parse_nir(value: str) -> Nir:
    """Parse a 13-character (no key) or 15-character NIR / NIA and check its structure.

    Checks, in this order, each with its own ``reason``:

    - ``length``: 13 or 15 characters (no spaces: callers strip separators themselves);
    - ``format``: digits everywhere outside the department (characters 6-7), key included;
    - ``sex``: one of :data:`NIR_ACCEPTED_SEX_DIGITS`;
    - ``month``: 01-12, or an INSEE pseudo-month 20-42 or 50-99 (unknown month of birth);
    - ``place``: department ``[0-9]{2}`` or ``2A`` / ``2B`` (case-insensitive), followed by the
      3-digit commune or, after department 99, the 3-digit country code;
    - ``order``: 001-999;
    - ``key``: equals :func:`nir_key` (15-character values only).

    A 13-character value gets its computed key in the returned :class:`Nir`.
    """
    if len(value) not in (13, 15):
        raise NirError("length", f"a NIR has 13 or 15 characters, got {len(value)}")
    value = value.upper()
    if not (_DIGITS.fullmatch(value[:5]) and _DIGITS.fullmatch(value[7:])):
        raise NirError("format", "only digits are allowed outside the department")
    department = value[5:7]
    if department not in _CORSICA and not _DIGITS.fullmatch(department):
        raise NirError("place", f"department {department!r} is neither 2 digits nor 2A / 2B")
    sex_digit = value[0]
    if sex_digit not in NIR_ACCEPTED_SEX_DIGITS:
        raise NirError("sex", f"sex digit {sex_digit} is not one of 1, 2, 3, 4, 7, 8")
    month = int(value[3:5])
    if not (1 <= month <= 12 or 20 <= month <= 42 or month >= 50):
        raise NirError("month", f"month code {value[3:5]} is neither 01-12 nor a pseudo-month")
    order = int(value[10:13])
    if order == 0:
        raise NirError("order", "the order number is 001-999")
    computed = nir_key(value[:13])
    if len(value) == 15 and int(value[13:]) != computed:
        raise NirError("key", f"key {value[13:]} does not match the computed key {computed:02d}")
    return Nir(
        sexe="M" if sex_digit in "137" else "F",
        sex_digit=sex_digit,
        year=int(value[1:3]),
        month=month,
        place=value[5:10],
        order=order,
        key=computed,
    )


def is_valid_nir(value: str) -> bool:
    """True when :func:`parse_nir` accepts ``value`` (13 or 15 characters)."""
    try:
        parse_nir(value)
    except NirError:
        return False
    return True


def make_nir(sexe: str, year: int, month: int, place: str, order: int) -> str:
    """Build a 15-character NIR (13 characters + key) from its parts (décret 82-103).

    ``sexe`` is ``"M"`` or ``"F"`` (digit 1 / 2), ``year`` a full or 2-digit year (only the
    last two digits are kept), ``month`` 1-12 or a pseudo-month code (see
    :data:`NIR_UNKNOWN_MONTH_CODES`), ``place`` the 5-char COG of the place of birth (``99`` +
    country code abroad, ``2A`` / ``2B`` for Corsica), ``order`` 1-999.
    Raises :class:`NirError` when a part is out of range.
    """
    if sexe not in _SEX:
        raise NirError("sex", f"sexe must be M or F, got {sexe!r}")
    if not 1 <= order <= 999:
        raise NirError("order", f"the order number is 1-999, got {order}")
    if not 0 <= month <= 99:
        raise NirError("month", f"month code must be 2 digits, got {month}")
    nir13 = f"{_SEX[sexe]}{year % 100:02d}{month:02d}{place}{order:03d}"
    return parse_nir(nir13).matricule


def make_nia(sexe: str, year: int, month: int, place: str, order: int) -> str:
    """Build a 15-character NIA (numéro identifiant d'attente).

    A NIA has the shape and the key of a NIR (see the CNAM test identity PROVISOIRE MATRICULE,
    1090763220888 key 35, which starts with sex digit 1): the sandbox builds it with
    :func:`make_nir`. What tells a NIA from a NIR is the OID it is published with
    (:data:`OID_INS_NIA`), not the digits; callers keep NIA and NIR numbers distinct.
    """
    return make_nir(sexe, year, month, place, order)


# ---------------------------------------------------------------------------------------------
# Luhn-keyed numbers: RPPS, FINESS, SIREN, SIRET
# ---------------------------------------------------------------------------------------------


def _luhn_sum(digits: str, double_first: bool) -> int:
    total = 0
    double = double_first
    for char in reversed(digits):
        value = ord(char) - 48
        if double:
            value *= 2
            if value > 9:
                value -= 9
        total += value
        double = not double
    return total


def luhn_check_digit(digits: str) -> int:
    """Return the Luhn (mod 10) digit to append to ``digits`` so the whole number validates."""
    if not digits.isdigit() or not digits.isascii():
        raise ValueError(f"Luhn applies to digits only, got {digits!r}")
    return (10 - _luhn_sum(digits, double_first=True) % 10) % 10


def _luhn_valid(value: str) -> bool:
    return value.isascii() and value.isdigit() and _luhn_sum(value, double_first=False) % 10 == 0


def is_valid_rpps(value: str) -> bool:
    """True for an 11-digit RPPS whose Luhn check over all 11 digits holds.

    Checked on the ProSanté Connect sandbox numbers 99700427885, 99700218896, 99700366240.
    """
    return len(value) == 11 and _luhn_valid(value)


def make_rpps(serial: int) -> str:
    """Build a sandbox RPPS: ``997`` (as the PSC sandbox numbers) + 7-digit serial + Luhn digit."""
    if not 0 <= serial <= 9_999_999:
        raise ValueError(f"the RPPS serial is 0-9999999, got {serial}")
    body = f"997{serial:07d}"
    return f"{body}{luhn_check_digit(body)}"


def is_valid_finess(value: str) -> bool:
    """True for a 9-digit FINESS whose last digit is the Luhn key of the first 8.

    The rule holds on 750712184, 300017985 and 130786049; it is not an officially published
    rule. Corsican FINESS numbers (``2A`` / ``2B`` prefix) are refused: their key rule is unknown.
    """
    return len(value) == 9 and _luhn_valid(value)


def make_finess(dept: str, serial: int) -> str:
    """Build a FINESS: 2-digit department + 6-digit serial + Luhn key on the first 8 digits.

    Corsican departments are refused (see :func:`is_valid_finess`).
    """
    if len(dept) != 2 or not dept.isdigit():
        raise ValueError(f"the FINESS department is 2 digits, got {dept!r}")
    if not 0 <= serial <= 999_999:
        raise ValueError(f"the FINESS serial is 0-999999, got {serial}")
    body = f"{dept}{serial:06d}"
    return f"{body}{luhn_check_digit(body)}"


def is_valid_adeli(value: str) -> bool:
    """True for a 9-digit ADELI number.

    No public key rule for ADELI numbers was found: only the format is checked.
    """
    return len(value) == 9 and value.isascii() and value.isdigit()


def is_valid_siren(value: str) -> bool:
    """True for a 9-digit SIREN whose Luhn check holds (INSEE rule)."""
    return len(value) == 9 and _luhn_valid(value)


def is_valid_siret(value: str) -> bool:
    """True for a 14-digit SIRET (SIREN + 5-digit NIC) whose Luhn check over 14 digits holds.

    The SIREN part must validate too. La Poste establishments (SIREN 356000000) follow another
    rule and are refused here.
    """
    return len(value) == 14 and _luhn_valid(value) and is_valid_siren(value[:9])


def make_siret(serial: int, nic: int) -> str:
    """Build a SIRET: a Luhn-valid SIREN from an 8-digit serial, then a NIC chosen from ``nic``.

    The NIC is the 4-digit ``nic`` followed by the digit that makes the 14 digits Luhn-valid.
    """
    if not 0 <= serial <= 99_999_999:
        raise ValueError(f"the SIREN serial is 0-99999999, got {serial}")
    if not 0 <= nic <= 9_999:
        raise ValueError(f"the NIC serial is 0-9999, got {nic}")
    siren = f"{serial:08d}{luhn_check_digit(f'{serial:08d}')}"
    body = f"{siren}{nic:04d}"
    return f"{body}{luhn_check_digit(body)}"


# ---------------------------------------------------------------------------------------------
# IdNat
# ---------------------------------------------------------------------------------------------


class IdNatPrefix(StrEnum):
    """First character of an IdNat (ANS PSIdNat: idNat_PS / idNat_Struct).

    Professionals: ``8`` + RPPS, ``0`` + ADELI, or a structure prefix followed by
    ``<structure id>/<internal id>`` (e.g. CPE holders ``3<FINESS>/<n>``).
    Structures: the structure prefix + its id alone (``3<FINESS>``, ``5<SIRET>``).
    """

    ADELI = "0"
    CABINET_ADELI = "1"
    FINESS = "3"
    SIREN = "4"
    SIRET = "5"
    CABINET_RPPS = "6"
    RPPS = "8"


class IdNatError(ValueError):
    """An IdNat that cannot be read.

    ``reason`` is one of ``"prefix"``, ``"format"``, ``"rpps"``, ``"adeli"``, ``"finess"``,
    ``"siren"``, ``"siret"`` or ``"internal-id"``.
    """

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


_INTERNAL_ID = re.compile(r"[A-Za-z0-9-]{1,30}")
_CABINET_ID = re.compile(r"[0-9]{1,20}")


def _check_structure_id(prefix: IdNatPrefix, structure_id: str) -> None:
    if prefix is IdNatPrefix.FINESS:
        if not is_valid_finess(structure_id):
            raise IdNatError("finess", f"{structure_id!r} is not a FINESS with a valid key")
    elif prefix is IdNatPrefix.SIREN:
        if not is_valid_siren(structure_id):
            raise IdNatError("siren", f"{structure_id!r} is not a SIREN with a valid key")
    elif prefix is IdNatPrefix.SIRET:
        if not is_valid_siret(structure_id):
            raise IdNatError("siret", f"{structure_id!r} is not a SIRET with a valid key")
    elif not _CABINET_ID.fullmatch(structure_id):
        raise IdNatError("format", f"cabinet id {structure_id!r} must be digits")


def _check_inner(prefix: IdNatPrefix, inner: str) -> None:
    if prefix is IdNatPrefix.RPPS:
        if not is_valid_rpps(inner):
            raise IdNatError("rpps", f"{inner!r} is not an 11-digit RPPS with a valid Luhn key")
        return
    if prefix is IdNatPrefix.ADELI:
        if not is_valid_adeli(inner):
            raise IdNatError("adeli", f"{inner!r} is not a 9-digit ADELI number")
        return
    structure_id, slash, internal = inner.partition("/")
    if slash and not _INTERNAL_ID.fullmatch(internal):
        raise IdNatError("internal-id", f"internal id {internal!r} must be 1-30 of [A-Za-z0-9-]")
    _check_structure_id(prefix, structure_id)


def make_idnat(prefix: IdNatPrefix, value: str) -> str:
    """Build an IdNat: the prefix followed by ``value``, after checking ``value``.

    ``value`` is an RPPS (prefix 8, Luhn-checked), an ADELI (prefix 0, format only) or, for the
    structure prefixes, a structure id optionally followed by ``/`` and an internal id of 1-30
    characters ``[A-Za-z0-9-]`` (the part before ``/`` is checked: FINESS key, SIREN / SIRET
    Luhn key, digits for cabinet ids). Raises :class:`IdNatError`.
    """
    _check_inner(prefix, value)
    return f"{prefix.value}{value}"


def parse_idnat(value: str) -> tuple[IdNatPrefix, str]:
    """Split an IdNat into its prefix and inner id, checking both (see :func:`make_idnat`)."""
    if not value:
        raise IdNatError("format", "an IdNat is not empty")
    try:
        prefix = IdNatPrefix(value[0])
    except ValueError:
        allowed = ", ".join(p.value for p in IdNatPrefix)
        raise IdNatError("prefix", f"prefix {value[0]!r} is not one of {allowed}") from None
    inner = value[1:]
    _check_inner(prefix, inner)
    return prefix, inner


MAJORITE: Final = 18
"""The age of majority (Code civil art. 414)."""


def is_minor(date_naissance: str, today: date) -> bool:
    """Under 18 at ``today``; an unknown day or month (``00``) counts as the 1st / January."""
    year, month, day = (int(part) for part in date_naissance.split("-"))
    born = (year, month or 1, day or 1)
    return (today.year - born[0]) - ((today.month, today.day) < born[1:]) < MAJORITE


OLDEST_BIRTH_YEAR: Final = 1850
"""Birth years before this one are refused as impossible."""
_BIRTH_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")


def birth_date_fault(value: str, today: date) -> Literal["format", "impossible", "future"] | None:
    """What is wrong with a ``YYYY-MM-DD`` birth date as INSi reads it (XSD ``DateLunaire``), or None.

    ``00`` stands for an unknown day (``1980-05-00``) or an unknown day and month (``1980-00-00``).
    ``impossible``: a year before ``OLDEST_BIRTH_YEAR``, a month above 12, a known day with an unknown
    month, a day the month does not have (``2021-02-30``); ``future``: after ``today`` (tenant clock)."""
    match = _BIRTH_DATE.fullmatch(value)
    if match is None:
        return "format"
    year, month, day = (int(part) for part in match.groups())
    if year < OLDEST_BIRTH_YEAR or month > 12 or day > 31 or (month == 0 and day != 0):
        return "impossible"
    if month and day:
        try:
            born = date(year, month, day)
        except ValueError:
            return "impossible"
    else:
        born = date(year, month or 1, 1)
    return "future" if born > today else None
