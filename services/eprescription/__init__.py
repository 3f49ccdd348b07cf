"""eprescription: the base e-prescription (ordonnance numérique) of the Assurance Maladie."""

from services.eprescription.app import TITLE, create_app
from services.eprescription.seed import seed
from shared.service import ServiceSpec

SERVICE = ServiceSpec(name="eprescription", title=TITLE, create_app=create_app, seed=seed)
