"""Serving the sandbox from the command line: the listening sockets (a busy port is one line naming
the option to change), the progress bar of a first seeding, the banner of what to call, and the
running record (``running``); one process, or uvicorn's workers (``workers``)."""

from __future__ import annotations

import errno
import gc
import socket
from contextlib import closing
from typing import Any

from services.sandbox import running
from shared.config import SandboxSettings


def progress_printer() -> tuple[Any, Any]:
    """A rich progress bar and the ``progress(step, done, total)`` callback that drives it."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        transient=True,
    )
    tasks: dict[str, Any] = {}

    def progress(step: str, done: int, total: int) -> None:
        if not bar.live.is_started:
            bar.start()
        if step not in tasks:
            tasks[step] = bar.add_task(step, total=total)
        bar.update(tasks[step], completed=done, total=total)

    return bar, progress


class Refused(Exception):
    """Why the sandbox cannot start, in one line (no traceback)."""


def _listening_socket(host: str, port: int, what: str, option: str, variable: str) -> socket.socket:
    """A socket bound to ``host:port``, or ``Refused`` naming the option or variable to change."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise Refused(
                f"port {port} ({what}) is in use on {host}: choose another with {option} or {variable}"
            ) from None
        raise Refused(f"cannot listen on {host}:{port} ({what}): {exc.strerror}") from None
    return sock


def _ports(settings: SandboxSettings, only: str | None) -> socket.socket:
    """The HTTP socket, bound; the SMTP ports tried (their listeners start with the app), so that a
    busy one is one line and not a traceback from the app's start."""
    http = _listening_socket(settings.host, settings.port, "HTTP", "--port", "ESANTE_PORT")
    if only in (None, "mssante"):
        for port, what, option, variable in (
            (settings.smtp_port, "SMTP", "--smtp-port", "ESANTE_SMTP_PORT"),
            (settings.smtps_port, "SMTP with implicit TLS", "--smtps-port", "ESANTE_SMTPS_PORT"),
        ):
            if port:
                try:
                    _listening_socket(settings.host, port, what, option, variable).close()
                except Refused:
                    http.close()
                    raise
    return http


def serve(settings: SandboxSettings, only: str | None, log_level: str, tls: bool = False) -> None:
    """Serve until Ctrl-C: in this process (the data folder held on SQLite), or in ``settings.workers``
    worker processes. ``Refused`` or ``running.DataDirInUse`` say, in one line, why it cannot start."""
    if settings.workers > 1:
        _serve_workers(settings, only, log_level, tls)
        return
    with running.exclusive_use(settings):
        _serve_exclusively(settings, only, log_level, tls)


def _serve_exclusively(settings: SandboxSettings, only: str | None, log_level: str, tls: bool) -> None:
    import uvicorn
    from rich.console import Console

    from services.sandbox.composition import build_root_app
    from services.sandbox.registry import service_names
    from shared.runtime import Runtime

    http = _ports(settings, only)
    tls_options: dict[str, Any] = {}
    if tls:
        from shared.tls import server_hosts, uvicorn_tls_options

        # HTTPS with an optional client certificate, read into the ASGI TLS extension (shared/tls.py)
        tls_options = uvicorn_tls_options(settings.data_dir, server_hosts(settings))
        if settings.public_url is None:
            settings = settings.model_copy(update={"public_url": f"https://{settings.host}:{settings.port}"})
    console = Console(soft_wrap=True)  # long lines stay whole in a log file or a narrow terminal
    runtime = Runtime(settings)
    bar, progress = progress_printer()
    served = [n for n in service_names() if only is None or n == only]
    record = running.describe(settings, served, tls=tls)

    def announce() -> None:
        bar.stop()
        running.write(record)
        _print_banner(console, record)

    # Importing the services and building their apps makes some 160,000 objects that live as long as
    # the process (routes, schemas, models): the cyclic collector would walk them again and again and
    # free next to nothing (a few hundred objects; about 60 ms of a start). It is paused meanwhile, and
    # what was built is then kept out of later collections (frozen): the full collection that so many
    # new objects would soon trigger, during the start or the first requests, is spared too.
    gc.disable()
    try:
        root = build_root_app(runtime, only, progress=progress, on_ready=announce)
    finally:
        gc.enable()
    gc.freeze()
    config = uvicorn.Config(
        root,
        log_level=log_level,
        access_log=False,
        lifespan="on",  # starts the SMTP listeners and the template check
        ws="none",  # no service speaks WebSocket: uvicorn need not import a WebSocket library
        **tls_options,
    )
    try:
        with closing(runtime):
            uvicorn.Server(config).run(sockets=[http])
    finally:
        running.remove(settings.data_dir)
        http.close()


def _serve_workers(settings: SandboxSettings, only: str | None, log_level: str, tls: bool) -> None:
    """``--workers N``: the parent prepares the template (with the progress bar), then uvicorn's
    supervisor runs N workers on one socket (``services.sandbox.workers``)."""
    import threading

    import uvicorn
    from rich.console import Console
    from uvicorn.supervisors import Multiprocess

    from services.sandbox import workers
    from services.sandbox.provisioning import prepare
    from services.sandbox.registry import service_names
    from shared.runtime import Runtime

    if not settings.uses_postgres:
        raise Refused(
            f"--workers {settings.workers} needs PostgreSQL (--database-url or ESANTE_DATABASE_URL): "
            "SQLite's files are served by one process"
        )
    if tls:
        raise Refused("--tls serves one process: run it without --workers")
    http = _ports(settings, only)
    console = Console(soft_wrap=True)
    bar, progress = progress_printer()
    with closing(Runtime(settings)) as runtime:
        prepare(runtime, progress)
    bar.stop()
    workers.hand_over(settings, only)
    config = uvicorn.Config(
        f"{workers.__name__}:worker_app",
        factory=True,
        workers=settings.workers,
        log_level=log_level,
        access_log=False,
        lifespan="on",
        ws="none",
    )
    record = running.describe(settings, [n for n in service_names() if only in (None, n)], tls=False)
    supervisor = Multiprocess(config, sockets=[http])

    def announce() -> None:
        running.write(record)
        _print_banner(console, record)
        console.print(f"  workers        {settings.workers} (one runs SMTP)")

    threading.Thread(
        target=workers.wait_until_ready,
        args=(settings, supervisor.should_exit.is_set, announce),
        name="esante-workers-ready",
        daemon=True,
    ).start()
    try:
        supervisor.run()
    finally:
        running.remove(settings.data_dir)
        http.close()


def _print_banner(console: Any, record: Any) -> None:
    """What a newcomer needs to make the first calls: URLs, ports, the CA, the test clients, the IDAM."""
    from services.psc.seed import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, WEB_CLIENT_ID, WEB_CLIENT_SECRET

    base = record.base_url
    console.print(f"[bold green]esante-sandbox ready[/] at {base}  (Ctrl-C stops it; `esante status`)")
    for name in record.services:
        console.print(f"  {name:<14} {base}/{name}/docs")
    if len(record.services) > 1:
        console.print(f"  {'hub':<14} {base}/")
    if "psc" in record.services:
        console.print(f"  OIDC discovery {record.issuer}/.well-known/openid-configuration")
        console.print(
            f"  test clients   {DEFAULT_CLIENT_ID} / {DEFAULT_CLIENT_SECRET} (every grant), "
            f"{WEB_CLIENT_ID} / {WEB_CLIENT_SECRET} (code flow only)"
        )
    if "insi" in record.services:
        console.print("  INSi IDAM      ESANTE-SANDBOX (header X-Insi-Idam, or ContexteLPS/LPS/IDAM in SOAP)")
    if record.smtp_port or record.smtps_port:
        ports = ", ".join(
            f"{port} ({kind})"
            for port, kind in ((record.smtp_port, "STARTTLS"), (record.smtps_port, "implicit TLS"))
            if port
        )
        console.print(f"  SMTP           {record.host}: {ports}")
    console.print(f"  CA certificate {record.ca_certificate}")
