"""The public CNAM test identities, part of every population with their published values.

Sources: the INSi fixtures of padoa/tlsi-ins (CNDA / CNAM validation cases, responses of the
qualification platform: where both exist, the platform's latest recording wins, e.g. ECETINSI's one
INSHISTO entry and ADRTROIS DOMINIQUE born in 2A020), and, for PAT-TROIS DOMINIQUE, the DMP test
environment as shown in ANS DRIM-M data and FR Core examples. Published values are kept as they are, including
HERMANN GATIEN's matricule whose key does not match the mod-97 rule, and ECETINSI's history
entry whose DateFin precedes its DateDeb.

``insi_behaviour`` tells the INSi service what is special about an identity:

- ``"history"``: the answer carries INSHISTO entries (ECETINSI PIERRE-ALAIN);
- ``"prenom-ola-01"``: a search with prénom OLA answers 01, with CATARINA 00 (TCHITCHI);
- ``"key-mismatch"``: the published key is not the mod-97 key (HERMANN GATIEN, who also has
  INSHISTO entries);
- ``"nia-oid"``: the matricule is a NIA, returned with OID .9 (PROVISOIRE MATRICULE);
- ``"always-01"``: every search answers 01, "aucune identité trouvée" (HOUILLES);
- ``"nir-test-oid"``: published with the INS-NIR-TEST OID .10 (PAT-TROIS, DMP test patient).

Choices for what was not published:

- HOUILLES PIERRE PAUL JACQUES: no matricule is published (INSi never finds him); the sandbox
  gives him NIR 1930163220901 (key 78), place 63220, and ADRi knows him.
- DE VINCI LEONARDO: the CNAM platform answers 02 (several identities) to his traits, without
  publishing either identity. The sandbox has two homonyms: one born in Italy (99127, NIR
  1140299127042 key 46), one in Paris 14e (75114, NIR 1140275114123 key 33); a search answers 02
  without the place of birth, 00 with it.
- ADRDEUX LAURENT: no CNAM fixture; a third-party test shows 1810163220751 with key 42, which
  fails the mod-97 rule: the sandbox keeps the 13 digits with the computed key 40, born
  1981-01-01 (the NIR's month) in 63220.
- PAT-TROIS DOMINIQUE MARIE-LOUISE: born 1979-03-28 in 51215 (Dompremy), as in ANS examples.
- Places of birth: 63220 (Puy-de-Dôme, as on every qualification identity), 2A020 / 2B020
  for ADRTROIS; their commune names are unknown and shown as "Commune <COG> (<department>)".
- Every identity: Mon espace santé activated (invited at the launch, 2022-01-03), open régime
  général rights since 2016-01-01 (or birth), caisse of the residence department, centre 0001,
  the first généraliste of the population as médecin traitant, e-mail
  ``prenom.nom@patient-mail.test``, phone ``+336399800NN`` (NN: the identity's number).
- Minors (at the reference date) get a CNAM adult as legal representative and ouvrant droit:
  ECETINSI -> ADRUN ZOE, NESSI -> HERMANN GATIEN, PROVISOIRE -> CORSE ANTHONY,
  DE VINCI -> ADRDEUX LAURENT.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from shared.identifiers import OID_INS_NIA, OID_INS_NIR, OID_INS_NIR_TEST
from shared.population.dates import add_years
from shared.population.model import (
    Address,
    InsHistoryEntry,
    Person,
    Rights,
    RightsPeriod,
)
from shared.population.names import ascii_slug
from shared.population.referentials import ACTIVATION_ALPHABET, MES_LAUNCH
from shared.population.rights import caisse_for
from shared.population.tags import person_tags

RIGHTS_START = date(2016, 1, 1)

_CLERMONT = Address("12 place de Jaude", "63000", "Clermont-Ferrand")
_AJACCIO = Address("4 cours Napoléon", "20000", "Ajaccio")
_BASTIA = Address("9 boulevard Paoli", "20200", "Bastia")
_PARIS_7 = Address("28 avenue de Breteuil", "75007", "Paris 7e Arrondissement")
_PARIS_14 = Address("3 rue Daguerre", "75014", "Paris 14e Arrondissement")
_COMMUNE_63220 = "Commune 63220 (Puy-de-Dôme)"


@dataclass(frozen=True, slots=True)
class CnamIdentity:
    """One CNAM test identity as published (or as chosen, see the module docstring)."""

    id: str
    nom_naissance: str
    prenoms: tuple[str, ...]
    sexe: str
    date_naissance: str
    lieu_naissance: str
    commune_naissance: str
    ins: str
    oid: str
    address: Address
    insi_behaviour: str | None = None
    ins_history: tuple[InsHistoryEntry, ...] = ()
    representative: str | None = None

    @property
    def ins_kind(self) -> str:
        return "NIA" if self.oid == OID_INS_NIA else "NIR"


# Positional fields: id, nom de naissance, prénoms, sexe, date de naissance, lieu de naissance
# (COG), commune, matricule INS (15 characters), OID, address; then the keyword extras.
CNAM_IDENTITIES: tuple[CnamIdentity, ...] = (
    CnamIdentity(
        "CNAM01",
        "ADRUN",
        ("ZOE",),
        "F",
        "1975-12-31",
        "63220",
        _COMMUNE_63220,
        "275126322074974",
        OID_INS_NIR,
        _CLERMONT,
    ),
    CnamIdentity(
        "CNAM02",
        "ADRTROIS",
        ("DOMINIQUE",),
        "F",
        "1997-02-26",
        "2A020",
        "Commune 2A020 (Corse-du-Sud)",
        "297022A02077878",
        OID_INS_NIR,
        _AJACCIO,
    ),
    CnamIdentity(
        "CNAM03",
        "ADRTROIS",
        ("TOUSSAINT",),
        "M",
        "1960-01-01",
        "2B020",
        "Commune 2B020 (Haute-Corse)",
        "160012B02077713",
        OID_INS_NIR,
        _BASTIA,
    ),
    CnamIdentity(
        "CNAM04",
        "ECETINSI",
        ("PIERRE-ALAIN", "MURIEL", "FLORIANT"),
        "M",
        "2009-07-14",
        "63220",
        _COMMUNE_63220,
        "109076322083489",
        OID_INS_NIR,
        _CLERMONT,
        insi_behaviour="history",
        ins_history=(InsHistoryEntry("209076322083439", OID_INS_NIR, date(2019, 3, 1), date(2019, 2, 28)),),
        representative="CNAM01",
    ),
    CnamIdentity(
        "CNAM05",
        "CORSE",
        ("ANTHONY",),
        "M",
        "1980-03-02",
        "2B020",
        "Commune 2B020 (Haute-Corse)",
        "180032B02040123",
        OID_INS_NIR,
        _BASTIA,
        ins_history=(InsHistoryEntry("180032B02040123", OID_INS_NIR),),
    ),
    CnamIdentity(
        "CNAM06",
        "NESSI",
        ("MICHELANGELO", "ANTHONY"),
        "M",
        "2010-08-07",
        "63220",
        _COMMUNE_63220,
        "110086322083060",
        OID_INS_NIR,
        _CLERMONT,
        representative="CNAM08",
    ),
    CnamIdentity(
        "CNAM07",
        "TCHITCHI",
        ("CATARINA", "BELLA"),
        "F",
        "1936-06-21",
        "63220",
        _COMMUNE_63220,
        "236066322083656",
        OID_INS_NIR,
        _CLERMONT,
        insi_behaviour="prenom-ola-01",
    ),
    CnamIdentity(
        "CNAM08",
        "HERMANN",
        ("GATIEN",),
        "M",
        "1981-03-24",
        "63220",
        _COMMUNE_63220,
        "181036322045660",
        OID_INS_NIR,
        _CLERMONT,
        insi_behaviour="key-mismatch",
        ins_history=(
            InsHistoryEntry("181036322045660", OID_INS_NIR),
            InsHistoryEntry("281036322045610", OID_INS_NIR),
        ),
    ),
    CnamIdentity(
        "CNAM09",
        "PROVISOIRE",
        ("MATRICULE",),
        "M",
        "2009-07-01",
        "63220",
        _COMMUNE_63220,
        "109076322088835",
        OID_INS_NIA,
        _CLERMONT,
        insi_behaviour="nia-oid",
        representative="CNAM05",
    ),
    CnamIdentity(
        "CNAM10",
        "HOUILLES",
        ("PIERRE", "PAUL", "JACQUES"),
        "M",
        "1993-01-27",
        "63220",
        _COMMUNE_63220,
        "193016322090178",
        OID_INS_NIR,
        _CLERMONT,
        insi_behaviour="always-01",
    ),
    CnamIdentity(
        "CNAM11",
        "DE VINCI",
        ("LEONARDO",),
        "M",
        "2014-02-01",
        "99127",
        "Italie",
        "114029912704246",
        OID_INS_NIR,
        _PARIS_14,
        representative="CNAM12",
    ),
    CnamIdentity(
        "CNAM14",
        "DE VINCI",
        ("LEONARDO",),
        "M",
        "2014-02-01",
        "75114",
        "Paris 14e Arrondissement",
        "114027511412333",
        OID_INS_NIR,
        _PARIS_14,
        representative="CNAM12",
    ),
    CnamIdentity(
        "CNAM12",
        "ADRDEUX",
        ("LAURENT",),
        "M",
        "1981-01-01",
        "63220",
        _COMMUNE_63220,
        "181016322075140",
        OID_INS_NIR,
        _CLERMONT,
    ),
    CnamIdentity(
        "CNAM13",
        "PAT-TROIS",
        ("DOMINIQUE", "MARIE-LOUISE"),
        "F",
        "1979-03-28",
        "51215",
        "Dompremy",
        "279035121518989",
        OID_INS_NIR_TEST,
        _PARIS_7,
        insi_behaviour="nir-test-oid",
    ),
)


def _homonyms(identity: CnamIdentity) -> list[CnamIdentity]:
    return [
        other
        for other in CNAM_IDENTITIES
        if (other.nom_naissance, other.prenoms, other.sexe, other.date_naissance)
        == (identity.nom_naissance, identity.prenoms, identity.sexe, identity.date_naissance)
    ]


def _has_homonym(identity: CnamIdentity) -> bool:
    return len(_homonyms(identity)) > 1


def _homonym_suffix(identity: CnamIdentity) -> str:
    """Nothing for the first of homonyms (DE VINCI LEONARDO), ``.<number>`` for the next ones."""
    return "" if _homonyms(identity)[0] is identity else f".{int(identity.id[4:])}"


RESERVED_NIR13: frozenset[str] = frozenset(
    matricule[:13]
    for identity in CNAM_IDENTITIES
    for matricule in (identity.ins, *(entry.matricule for entry in identity.ins_history))
)
"""13-character numbers the generator must not hand out (current and historical matricules)."""


def _activation_code(identity_id: str) -> str:
    digest = hashlib.sha256(identity_id.encode()).digest()
    return "".join(ACTIVATION_ALPHABET[byte % 32] for byte in digest[:8])


def cnam_persons(reference: date, generalists: Sequence[str]) -> list[Person]:
    """The CNAM test identities as persons at ``reference`` (``generalists``: RPPS numbers)."""
    rights: dict[str, Rights] = {}
    built: dict[str, Person] = {}
    # representatives first: a minor's rights are its representative's
    for identity in sorted(CNAM_IDENTITIES, key=lambda i: i.representative is not None):
        birth = date.fromisoformat(identity.date_naissance)
        minor = add_years(birth, 18) > reference
        parent = identity.representative if minor else None
        if parent is None:
            start = max(birth, RIGHTS_START)
            caisse = caisse_for(identity.address.department)
            period = RightsPeriod(start, None, "01", caisse, "0001")
            own = Rights((period,), medecin_traitant_rpps=generalists[0])
        else:
            own = Rights(rights[parent].periods, medecin_traitant_rpps=generalists[0])
        rights[identity.id] = own
        first = ascii_slug(identity.prenoms[0])
        built[identity.id] = Person(
            id=identity.id,
            ins=identity.ins,
            ins_kind=identity.ins_kind,
            oid=identity.oid,
            nir=None if identity.ins_kind == "NIA" else identity.ins,
            nom_naissance=identity.nom_naissance,
            nom_usage=identity.nom_naissance,
            prenoms=identity.prenoms,
            sexe=identity.sexe,
            date_naissance=identity.date_naissance,
            lieu_naissance=identity.lieu_naissance,
            commune_naissance=identity.commune_naissance,
            email=f"{first}.{ascii_slug(identity.nom_naissance)}{_homonym_suffix(identity)}@patient-mail.test",
            phone=f"+336399800{int(identity.id[4:]):02d}",
            adresse=identity.address,
            mes_status="activated",
            mes_invitation_date=MES_LAUNCH,
            mes_activation_code=_activation_code(identity.id),
            parents=() if parent is None else (parent,),
            twin_of=None,
            rang_naissance=1,
            ouvrant_droit_id=identity.id if parent is None else parent,
            rights=own,
            tags=person_tags(
                ins_kind=identity.ins_kind,
                mes_status="activated",
                minor=minor,
                lieu_naissance=identity.lieu_naissance,
                date_naissance=identity.date_naissance,
                rights=own,
                on_parent_rights=parent is not None,
                twin=False,
                homonym=_has_homonym(identity),
                cnam_test=True,
                reference=reference,
            ),
            insi_behaviour=identity.insi_behaviour,
            ins_history=identity.ins_history,
        )
    return [built[identity.id] for identity in CNAM_IDENTITIES]
