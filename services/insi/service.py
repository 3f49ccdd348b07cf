"""INSi's operations: validate a request, honour the errors asked on demand, search, answer a CR.

Both wires (JSON in ``router.py``, SOAP in ``soap.py``) hand the raw fields to the ``prepare_*``
functions, which check them (``traits.py``) and return the query with what its nom de naissance asks
for (a fault or a delay, see ``rules.demande``); ``answer_*`` then runs the query on the register.
Nothing here knows about HTTP or commits anything: the register is read-only.
"""

from __future__ import annotations

from datetime import date

from services.insi import matching, rules, traits
from services.insi.errors import (
    IdamInconnu,
    NiveauAccesInsuffisant,
    RequeteIncomplete,
    ServiceIndisponible,
    TraitTropLong,
)
from services.insi.records import (
    Identity,
    Resultat,
    TraitsQuery,
    Verification,
    VerificationQuery,
    VitaleQuery,
)
from services.insi.register import Register
from services.insi.rules import Demande, OidMode


def _nom(value: str, slow_seconds: float) -> tuple[str, Demande]:
    """The normalised nom and what it asks for; a magic nom (``FAUTE-550``...) skips the letters-only
    check, so that its digits are allowed."""
    if len(value) > traits.MAX_NOM:
        raise TraitTropLong(
            f"nom_naissance has {len(value)} characters, at most {traits.MAX_NOM}", rule="insi-trait-longueur"
        )
    key = traits.normalise(value)
    demande = rules.demande(key, slow_seconds)
    if demande.faute is not None or demande.delai:
        return key, demande
    return traits.check_nom(value, key), demande


def honour(demande: Demande) -> float:
    """Raise the fault a magic nom asks for; return the delay in seconds of a slow answer (else 0)."""
    if demande.faute == "desir_550":
        raise IdamInconnu("fault asked for by the nom de naissance FAUTE-550", rule="insi-faute-a-la-demande")
    if demande.faute == "desir_560":
        raise NiveauAccesInsuffisant(
            "fault asked for by the nom de naissance FAUTE-560", rule="insi-faute-a-la-demande"
        )
    if demande.faute is not None:
        raise ServiceIndisponible(
            "technical fault asked for by the nom de naissance FAUTE-TECHNIQUE",
            rule="insi-faute-a-la-demande",
        )
    return demande.delai


# --- search by traits ---------------------------------------------------------------------------------


def prepare_traits(
    nom_naissance: str,
    prenoms: list[str] | tuple[str, ...],
    sexe: str,
    date_naissance: str,
    lieu_naissance: str | None,
    *,
    today: date,
    slow_seconds: float,
) -> tuple[TraitsQuery, Demande]:
    """A checked search by traits; raises a ``TraitInvalide`` naming the first bad trait."""
    prenoms_cle = traits.check_prenoms(prenoms)
    query_sexe = traits.check_sexe(sexe)
    query_date = traits.check_date_naissance(date_naissance, today)
    lieu = None if lieu_naissance is None else traits.check_lieu(lieu_naissance)
    nom_cle, demande = _nom(nom_naissance, slow_seconds)
    return TraitsQuery(nom_cle, prenoms_cle, query_sexe, query_date, lieu), demande


def answer_traits(register: Register, query: TraitsQuery) -> Resultat:
    """Search by traits: 00 with the identity, 01 when none matches, 02 when several do."""
    found = matching.match_traits(register, query)
    return _resultat(found)


def _resultat(found: list[Identity]) -> Resultat:
    code = rules.code_cr(len(found))
    return Resultat(code, rules.LIBELLES_CR[code], found[0] if code == rules.CR_OK else None)


# --- search with a carte Vitale -----------------------------------------------------------------------


def _matricule(register: Register, num: str, cle: str, what: str) -> tuple[str, str]:
    published = register.is_published(num.strip().upper() + cle.strip())
    return traits.check_matricule(num, cle, published=published, what=what)


def prepare_vitale(
    register: Register,
    *,
    individu: tuple[str, str] | None,
    ouvrant_droit: tuple[str, str] | None,
    nom_naissance: str | None,
    date_naissance: str | None,
    rang_naissance: int | str | None,
    today: date,
    slow_seconds: float,
) -> tuple[VitaleQuery, Demande]:
    """A checked carte Vitale search: a matricule (the beneficiary's or the ouvrant droit's, 13
    characters + key) and the date de naissance are needed; nom and rang are optional."""
    if individu is None and ouvrant_droit is None:
        raise RequeteIncomplete(
            "a carte Vitale search needs MatriculeIndividu or MatriculeOD", rule="insi-vitale-matricule"
        )
    if date_naissance is None:
        raise RequeteIncomplete("a carte Vitale search needs the date de naissance", rule="insi-vitale-date")
    num_individu = None if individu is None else _matricule(register, *individu, "MatriculeIndividu")[0]
    num_od = None if ouvrant_droit is None else _matricule(register, *ouvrant_droit, "MatriculeOD")[0]
    query_date = traits.check_date_naissance(date_naissance, today)
    rang = None if rang_naissance is None else traits.check_rang(rang_naissance)
    nom_cle: str | None = None
    demande = rules.NORMALE
    if nom_naissance is not None:
        nom_cle, demande = _nom(nom_naissance, slow_seconds)
    return VitaleQuery(num_individu, num_od, nom_cle, query_date, rang), demande


def answer_vitale(register: Register, query: VitaleQuery) -> Resultat:
    """Search with a carte Vitale: 00, 01 or 02 as for the traits."""
    return _resultat(matching.match_vitale(register, query))


# --- verification ---------------------------------------------------------------------------------------


def prepare_verification(
    register: Register,
    *,
    matricule: str,
    oid: str | None,
    nom_naissance: str,
    prenoms: list[str] | tuple[str, ...],
    sexe: str,
    date_naissance: str,
    lieu_naissance: str | None,
    today: date,
    slow_seconds: float,
) -> tuple[VerificationQuery, Demande]:
    """A checked verification: the 15-character matricule held and the traits held with it."""
    num, cle = _matricule(register, *traits.split_matricule(matricule), "matricule")
    if oid is not None and len(oid) > 64:
        raise TraitTropLong("oid has more than 64 characters", rule="insi-trait-longueur")
    query, demande = prepare_traits(
        nom_naissance, prenoms, sexe, date_naissance, lieu_naissance, today=today, slow_seconds=slow_seconds
    )
    return VerificationQuery(num, cle, oid, query, nom_naissance, tuple(prenoms)), demande


def answer_verification(register: Register, query: VerificationQuery, mode: OidMode) -> Resultat:
    """00 with the identity and the comparison when the matricule is known (active or former), else 01.

    ``conforme`` holds when the matricule is the active one and no trait differs; ``ecarts`` names each
    difference (``matricule`` when the INS held was replaced, then ``oid``, ``nom_naissance``,
    ``prenoms``, ``sexe``, ``date_naissance``, ``lieu_naissance``).
    """
    identity, active = matching.find_held(register, query.num)
    if identity is None:
        return Resultat(rules.CR_AUCUNE, rules.LIBELLES_CR[rules.CR_AUCUNE])
    ecarts = matching.compare(identity, query, rules.oid_publie(identity.oid, mode), active)
    verification = Verification(conforme=not ecarts, ins_actif=active, ecarts=ecarts)
    return Resultat(rules.CR_OK, rules.LIBELLES_CR[rules.CR_OK], identity, verification)
