"""adri: the ADRi teleservice (rights lookup) and the appli carte Vitale sessions that use it."""

from services.adri.app import TITLE, create_app
from services.adri.seed import seed
from shared.service import ServiceSpec

SERVICE = ServiceSpec(name="adri", title=TITLE, create_app=create_app, seed=seed)
