"""Build the seeded template (migrate, generate the population, let each service seed its part)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from shared.config import SandboxSettings
from shared.db import make_engine
from shared.population import Population, generate_population
from shared.runtime import Runtime
from shared.tenancy import DEFAULT_TENANT

Progress = Callable[[str, int, int], None]
"""Called as ``progress(step, done, total)`` during long work."""

POPULATION_FORMAT = "1"
"""Bumped whenever the generator's output changes, so that cached templates are rebuilt."""


def template_fingerprint(settings: SandboxSettings) -> str:
    """What the template was built from: schema head, population parameters, signing setup."""
    from services.sandbox.migrate import schema_digest

    parts = [
        f"schema={schema_digest()}",
        f"population={POPULATION_FORMAT}",
        f"seed={settings.seed}",
        f"persons={settings.persons}",
        f"reference_date={settings.reference_date.isoformat()}",
    ]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:32] + ":" + ",".join(parts)


def build_population(settings: SandboxSettings, progress: Progress | None = None) -> Population:
    def report(done: int, total: int) -> None:
        if progress is not None:
            progress("population", done, total)

    return generate_population(
        seed=settings.seed, persons=settings.persons, reference_date=settings.reference_date, progress=report
    )


def seed_database(url: str, settings: SandboxSettings, progress: Progress | None = None) -> None:
    """Migrate the empty database at ``url`` and seed every service's part of the population."""
    from services.sandbox.migrate import upgrade
    from services.sandbox.registry import all_services

    upgrade(url)
    population = build_population(settings, progress)
    engine = make_engine(url, pooled=False)
    specs = [spec for spec in all_services() if spec.seed is not None]
    with engine.begin() as conn:
        for index, spec in enumerate(specs):
            if progress is not None:
                progress(f"seed {spec.name}", index, len(specs))
            assert spec.seed is not None
            spec.seed(conn, population, settings)
    engine.dispose()


def prepare(runtime: Runtime, progress: Progress | None = None) -> bool:
    """Make the template current, open the default tenant, then mark the runtime ready.

    Returns True when the template had to be (re)built. Each service's ``on_startup`` hook runs first
    (psc makes its signing keys there).
    """
    from services.sandbox.registry import all_services

    for spec in all_services():
        if spec.on_startup is not None:
            spec.on_startup(runtime)
    settings = runtime.settings
    built = runtime.storage.ensure_template(
        template_fingerprint(settings), lambda url: seed_database(url, settings, progress)
    )
    if built:
        runtime.tenants.forget_all()
    runtime.tenants.get(DEFAULT_TENANT)
    runtime.ready.set()
    return built
