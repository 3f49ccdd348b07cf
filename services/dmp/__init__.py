"""dmp: the Dossier Médical Partagé and the patient's side of Mon espace santé."""

from services.dmp.app import TITLE, create_app
from services.dmp.seed import seed
from shared.service import ServiceSpec

SERVICE = ServiceSpec(name="dmp", title=TITLE, create_app=create_app, seed=seed)
