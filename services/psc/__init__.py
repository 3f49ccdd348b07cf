"""psc: the ProSanté Connect sandbox (OIDC for professionals) and the Mon espace santé patient login."""

from services.psc.app import create_app, on_startup
from services.psc.seed import seed
from shared.service import ServiceSpec

SERVICE = ServiceSpec(
    name="psc",
    title="ProSanté Connect (sandbox)",
    create_app=create_app,
    seed=seed,
    on_startup=on_startup,
)
