"""How a request finds identities: the matching rules of the three operations, pure functions over the
register.

Search by traits (``rechercherInsAvecTraitsIdentite``). An identity matches when, after normalisation
(``traits.normalise``):

- its nom de naissance, sexe and date de naissance equal the request's (the date character for
  character, ``00`` parts included);
- the request's prénoms, read as one space-separated string, equal either its first prénom or its whole
  ``ListePrenom``: one prénom finds everyone whose first prénom it is, the whole list only those with
  exactly that list;
- when the request gives a place of birth (COG), it is the identity's.

This gives the steps the INSi guidance prescribes for homonyms: search with the first prénom; on ``02``
search again with every prénom; on ``02`` again add the place of birth. Identities whose documented
behaviour is never to be found (HOUILLES) are left out.

Search with a carte Vitale (``rechercherInsAvecCarteVitale``, the sandbox's reading of the card data):
the beneficiary's own matricule (``MatriculeIndividu``) finds the identity whose active or former
matricule it is; without it, the ouvrant droit's matricule (``MatriculeOD``) finds every identity whose
card names that ouvrant droit, and the rang de naissance, when given, keeps those of that rang (twins
share an ouvrant droit and a date, not a rang). Then the date de naissance must be the identity's, and
the nom de naissance, when given, too.

Verification of an INS already held: the 13 characters find the identity (active matricule, else a
former one); each trait sent is compared with the register, and every difference is reported.
"""

from __future__ import annotations

from collections.abc import Sequence

from services.insi.records import Ecart, Identity, TraitsQuery, VerificationQuery, VitaleQuery
from services.insi.register import Register
from services.insi.rules import JAMAIS_TROUVEE


def _findable(identity: Identity) -> bool:
    return identity.comportement not in JAMAIS_TROUVEE


def prenoms_match(identity: Identity, prenom_cle: str) -> bool:
    """The request's prénoms (normalised, space-joined) are the first prénom or the whole list."""
    return prenom_cle == identity.prenom_cle or prenom_cle == identity.prenoms_cle


def match_traits(register: Register, query: TraitsQuery) -> list[Identity]:
    """Identities found by a search by traits (see the module docstring)."""
    wanted = query.prenom_cle
    lieu = query.lieu_naissance
    return [
        identity
        for identity in register.by_traits(query.nom_cle, query.sexe, query.date_naissance)
        if prenoms_match(identity, wanted)
        and (lieu is None or identity.lieu_naissance == lieu)
        and _findable(identity)
    ]


def match_vitale(register: Register, query: VitaleQuery) -> list[Identity]:
    """Identities found with the data of a carte Vitale (see the module docstring)."""
    candidates: Sequence[Identity]
    if query.individu is not None:
        found = register.by_matricule(query.individu) or register.by_former_matricule(query.individu)
        candidates = () if found is None else (found,)
    else:
        assert query.ouvrant_droit is not None
        candidates = register.by_ouvrant_droit(query.ouvrant_droit)
        if query.rang_naissance is not None:
            candidates = tuple(i for i in candidates if i.rang_naissance == query.rang_naissance)
    return [
        identity
        for identity in candidates
        if identity.date_naissance == query.date_naissance
        and (query.nom_cle is None or identity.nom_cle == query.nom_cle)
        and _findable(identity)
    ]


def find_held(register: Register, num: str) -> tuple[Identity | None, bool]:
    """The identity of a matricule held by the caller, and whether it is its active matricule."""
    identity = register.by_matricule(num)
    if identity is not None:
        return (identity if _findable(identity) else None), True
    identity = register.by_former_matricule(num)
    if identity is None or not _findable(identity):
        return None, False
    return identity, False


def compare(identity: Identity, query: VerificationQuery, oid: str, active: bool) -> tuple[Ecart, ...]:
    """Every trait of the verification that differs from the register (``oid``: the OID answered)."""
    traits = query.traits
    ecarts: list[Ecart] = []
    if not active or query.cle != identity.cle:
        ecarts.append(Ecart("matricule", query.num + query.cle, identity.matricule))
    if query.oid is not None and query.oid != oid:
        ecarts.append(Ecart("oid", query.oid, oid))
    if traits.nom_cle != identity.nom_cle:
        ecarts.append(Ecart("nom_naissance", query.nom_naissance, identity.nom_naissance))
    if not prenoms_match(identity, traits.prenom_cle):
        ecarts.append(Ecart("prenoms", " ".join(query.prenoms), identity.liste_prenom))
    if traits.sexe != identity.sexe:
        ecarts.append(Ecart("sexe", traits.sexe, identity.sexe))
    if traits.date_naissance != identity.date_naissance:
        ecarts.append(Ecart("date_naissance", traits.date_naissance, identity.date_naissance))
    if traits.lieu_naissance is not None and traits.lieu_naissance != identity.lieu_naissance:
        ecarts.append(Ecart("lieu_naissance", traits.lieu_naissance, identity.lieu_naissance))
    return tuple(ecarts)
