"""The software authorisation numbers (IDAM) a tenant's INSi knows, in ``insi_logiciel``.

Known numbers are the documented ones (seeded in every tenant, see ``seed.py``), those registered in the
tenant through ``PUT /insi/sandbox/logiciels/{idam}``, and those of ``ESANTE_INSI_KNOWN_IDAM`` (every
tenant). A documented number is in every tenant and can be neither renamed nor forgotten, so an
operation that names one is not looked up; any other number is looked up in the tenant's database (one
indexed read), so that a number registered through any process is known at once by every other.
"""

from __future__ import annotations

from services.insi import access, repository
from services.insi.errors import LogicielDocumente, LogicielInconnu
from services.insi.records import Logiciel
from services.insi.seed import DOCUMENTED_LOGICIELS
from shared.tenants import Tenant

SETTINGS_ORIGIN = "settings"
DOCUMENTED: frozenset[str] = frozenset(row["idam"] for row in DOCUMENTED_LOGICIELS)


def check_idam(tenant: Tenant, idam: str | None, everywhere: frozenset[str]) -> str:
    """The caller's number when ``tenant`` knows it or it is known everywhere (``everywhere``);
    else ``desir_550`` (``IdamInconnu``)."""
    known = bool(idam) and (idam in everywhere or idam in DOCUMENTED or _registered(tenant, str(idam)))
    return access.check_idam(idam, known=known)


def _registered(tenant: Tenant, idam: str) -> bool:
    with tenant.reading() as conn:
        return repository.logiciel_known(conn, idam)


def list_logiciels(tenant: Tenant, everywhere: frozenset[str]) -> list[Logiciel]:
    """The tenant's numbers, then those of the settings it does not hold."""
    with tenant.reading() as conn:
        held = repository.list_logiciels(conn)
    names = {logiciel.idam for logiciel in held}
    return held + [
        Logiciel(idam=idam, nom="ESANTE_INSI_KNOWN_IDAM", origine=SETTINGS_ORIGIN)
        for idam in sorted(everywhere - names)
    ]


def _refuse_documented(found: Logiciel | None) -> None:
    if found is not None and found.origine == "seed":
        raise LogicielDocumente(f"{found.idam} is a documented number", rule="insi-logiciel-documente")


def register(tenant: Tenant, idam: str, nom: str) -> Logiciel:
    """Make ``idam`` known in the tenant; a documented number cannot be renamed."""
    idam = access.check_new_idam(idam)
    with tenant.unit_of_work() as conn:
        _refuse_documented(repository.get_logiciel(conn, idam))
        repository.put_logiciel(conn, idam, nom)
    return Logiciel(idam=idam, nom=nom, origine="tenant")


def forget(tenant: Tenant, idam: str) -> None:
    """Forget a number registered in the tenant; documented numbers stay."""
    with tenant.unit_of_work() as conn:
        _refuse_documented(repository.get_logiciel(conn, idam))
        if not repository.delete_logiciel(conn, idam):
            raise LogicielInconnu(f"{idam} is not registered in this tenant", rule="insi-logiciel")
