"""insi: the INSi teleservice (qualification and verification of the INS), in JSON and in SOAP 1.2."""

from services.insi.app import create_app, on_startup
from services.insi.seed import seed
from shared.service import ServiceSpec

SERVICE = ServiceSpec(
    name="insi",
    title="INSi (sandbox)",
    create_app=create_app,
    seed=seed,
    on_startup=on_startup,
)
