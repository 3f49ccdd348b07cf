"""The root ASGI app: every service (or one) mounted under its prefix, a hub page, readiness."""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import ExitStack, asynccontextmanager
from html import escape

from fastapi import FastAPI
from fastapi.responses import HTMLResponse

from services.sandbox.provisioning import Progress, prepare
from services.sandbox.registry import all_services
from shared.app import NO_TELEMETRY, VERSION, ServiceRoot
from shared.errors import install_error_handlers
from shared.runtime import Runtime

log = logging.getLogger("esante")


def _prepare_in_background(
    runtime: Runtime, progress: Progress | None, on_ready: Callable[[], None] | None
) -> None:
    def work() -> None:
        try:
            prepare(runtime, progress)
        except Exception as exc:  # readiness stays off and says why
            runtime.not_ready_reason = f"preparing the template failed: {exc!r}"
            log.exception("preparing the template failed")
            return
        if on_ready is not None:
            on_ready()

    # A daemon thread: Ctrl-C during a long seeding stops the process at once.
    threading.Thread(target=work, name="esante-prepare", daemon=True).start()


def build_root_app(
    runtime: Runtime,
    only: str | None = None,
    *,
    prepare_on_start: bool = True,
    progress: Progress | None = None,
    on_ready: Callable[[], None] | None = None,
    listeners: bool = True,
) -> FastAPI:
    """Mount every service (or ``only`` one) under ``/<name>``; start preparing on lifespan start, and
    the services' other listeners (MSSanté's SMTP) unless ``listeners`` is false (the other workers of
    ``esante up --workers``: one process listens)."""

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        with ExitStack() as serving:
            for spec in specs:
                if spec.serving is not None and listeners:
                    serving.enter_context(spec.serving(runtime))
            if prepare_on_start:
                _prepare_in_background(runtime, progress, on_ready)
            yield
        await runtime.clients.aclose()

    root = ServiceRoot(
        title="esante-sandbox",
        version=VERSION,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        telemetry=NO_TELEMETRY,
    )
    install_error_handlers(root)
    specs = [s for s in all_services() if only is None or s.name == only]
    for spec in specs:
        app = spec.create_app(runtime)
        root.mount_service(spec.name, app)
        runtime.clients.register_local(spec.name, app)

    @root.get("/health/live", include_in_schema=False)
    async def live() -> dict[str, str]:
        return {"status": "live", "service": only or "all-in-one"}

    @root.get("/health/ready", include_in_schema=False)
    async def ready() -> dict[str, str]:
        runtime.check_ready()
        return {"status": "ready", "service": only or "all-in-one"}

    @root.get("/", include_in_schema=False, response_class=HTMLResponse)
    async def hub() -> str:
        return hub_page([(s.name, s.title) for s in specs], runtime.settings.base_url)

    return root


def hub_page(services: list[tuple[str, str]], base_url: str) -> str:
    rows = "\n".join(
        f"<tr><td><code>/{escape(n)}</code></td><td>{escape(t)}</td>"
        f'<td><a href="/{escape(n)}/docs">interactive docs</a></td>'
        f'<td><a href="/{escape(n)}/openapi.json">openapi.json</a></td>'
        f'<td><a href="/{escape(n)}/health/ready">ready?</a></td></tr>'
        for n, t in services
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>esante-sandbox</title>
<style>body{{font-family:system-ui,sans-serif;margin:2rem;max-width:60rem}}
td,th{{padding:.3rem .8rem;text-align:left}}code{{background:#eee;padding:0 .2rem}}</style></head>
<body><h1>esante-sandbox</h1>
<p>A local sandbox of the French national e-health infrastructure, at <code>{escape(base_url)}</code>.
Send <code>X-Sandbox-Tenant: &lt;name&gt;</code> to work in an isolated copy of the seeded world.</p>
<table><thead><tr><th>prefix</th><th>service</th><th colspan="3">links</th></tr></thead>
<tbody>
{rows}
</tbody></table>
<p>Test cases: <a href="/sandbox/population/persons?tag=cnam-test">CNAM test identities</a>,
<a href="/sandbox/population/professionals?tag=centre-15">centre-15 regulators</a>,
<a href="/sandbox/population/tags">every tag</a>.</p>
</body></html>"""
