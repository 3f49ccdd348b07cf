"""mssante: the MSSanté space, its SMTP listener, and the patient mailboxes of Mon espace santé."""

from services.mssante.app import TITLE, create_app, serving
from services.mssante.seed import seed
from shared.service import ServiceSpec

SERVICE = ServiceSpec(name="mssante", title=TITLE, create_app=create_app, seed=seed, serving=serving)
