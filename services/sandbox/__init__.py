"""The composition root: the all-in-one app, the CLI, tenants, the clock, seeding."""

from services.sandbox.app import create_app
from services.sandbox.seed import seed
from shared.service import ServiceSpec

SERVICE = ServiceSpec(name="sandbox", title="Sandbox control", create_app=create_app, seed=seed)
