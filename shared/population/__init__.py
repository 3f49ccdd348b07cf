"""The synthetic population shared by every service: persons, rights, professionals, structures.

``generate_population(seed, persons, reference_date)`` is deterministic; see
:mod:`shared.population.generator` for the rules it follows and :mod:`shared.population.cnam`
for the public CNAM test identities it always includes.
"""

from shared.population.cnam import CNAM_IDENTITIES, CnamIdentity
from shared.population.generator import generate_population
from shared.population.model import (
    Address,
    Exoneration,
    InsHistoryEntry,
    Period,
    Person,
    Population,
    Professional,
    Rights,
    RightsPeriod,
    Structure,
)
from shared.population.referentials import MES_STATUSES, PERSON_TAGS, PROFESSIONAL_TAGS

__all__ = [
    "CNAM_IDENTITIES",
    "MES_STATUSES",
    "PERSON_TAGS",
    "PROFESSIONAL_TAGS",
    "Address",
    "CnamIdentity",
    "Exoneration",
    "InsHistoryEntry",
    "Period",
    "Person",
    "Population",
    "Professional",
    "Rights",
    "RightsPeriod",
    "Structure",
    "generate_population",
]
