"""How a person's tags are derived from its record (see ``referentials.PERSON_TAGS``)."""

from __future__ import annotations

from datetime import date

from shared.population.model import Rights
from shared.population.referentials import MES_STATUSES, PERSON_TAGS

_BIT = {tag: 1 << index for index, tag in enumerate(PERSON_TAGS)}
_MES_BIT = {status: _BIT[f"mes-{status}"] for status in MES_STATUSES}
_TAGS: dict[int, tuple[str, ...]] = {}
"""Tag tuples by bit mask: persons with the same tags share one tuple, built once."""


def person_tags(
    *,
    ins_kind: str,
    mes_status: str,
    minor: bool,
    lieu_naissance: str,
    date_naissance: str,
    rights: Rights | None,
    on_parent_rights: bool,
    twin: bool,
    homonym: bool,
    cnam_test: bool,
    reference: date,
) -> tuple[str, ...]:
    """The sorted tags of a person at the reference date.

    Rights tags: ``rights-open`` when a period covers the reference date, else
    ``rights-future`` when one starts after it, else ``rights-closed``; ``regime-change`` when
    the periods carry more than one régime; ``unknown-to-adri`` when there are no rights.
    """
    bit = _BIT
    mask = _MES_BIT[mes_status] | bit["minor" if minor else "adult"]
    mask |= bit["nia" if ins_kind == "NIA" else "nir"]
    if lieu_naissance.startswith("99"):
        mask |= bit["born-abroad"]
    elif lieu_naissance.startswith(("2A", "2B")):
        mask |= bit["corsica"]
    if "-00" in date_naissance:
        mask |= bit["partial-birth-date"]
    if twin:
        mask |= bit["twin"]
    if homonym:
        mask |= bit["homonym"]
    if cnam_test:
        mask |= bit["cnam-test"]
    if rights is None:
        mask |= bit["unknown-to-adri"]
    else:
        periods = rights.periods
        if rights.period_at(reference) is not None:
            mask |= bit["rights-open"]
        elif any(p.start > reference for p in periods):
            mask |= bit["rights-future"]
        else:
            mask |= bit["rights-closed"]
        if len(periods) > 1 and len({p.regime for p in periods}) > 1:
            mask |= bit["regime-change"]
        if rights.ald:
            mask |= bit["ald"]
        if rights.css is not None:
            mask |= bit["css"]
        if rights.maternite is not None:
            mask |= bit["maternite"]
        if rights.invalidite is not None:
            mask |= bit["invalidite"]
        if on_parent_rights:
            mask |= bit["child-on-parent-rights"]
    tags = _TAGS.get(mask)
    if tags is None:
        tags = _TAGS[mask] = tuple(tag for tag in PERSON_TAGS if mask & bit[tag])
    return tags
