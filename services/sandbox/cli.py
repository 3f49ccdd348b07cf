"""The `esante` command: run, migrate, seed, reset, print tokens, export OpenAPI.

Every option can also be given as an ``ESANTE_*`` environment variable (shown in ``--help``).
"""

from __future__ import annotations

import gc
import json
from contextlib import closing
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from shared.config import SandboxSettings
    from shared.runtime import Runtime

app = typer.Typer(
    name="esante",
    help="esante-sandbox: a local sandbox of the French national e-health infrastructure.",
    no_args_is_help=True,
    add_completion=False,
)

Host = Annotated[str | None, typer.Option(envvar="ESANTE_HOST", help="Interface to listen on [127.0.0.1]")]
Port = Annotated[int | None, typer.Option(envvar="ESANTE_PORT", help="HTTP port [8000]")]
SmtpPort = Annotated[
    int | None, typer.Option(envvar="ESANTE_SMTP_PORT", help="SMTP port, STARTTLS (mssante) [2525]; 0: off")
]
SmtpsPort = Annotated[
    int | None,
    typer.Option(envvar="ESANTE_SMTPS_PORT", help="SMTP port with implicit TLS (mssante) [2465]; 0: off"),
]
DataDir = Annotated[
    Path | None,
    typer.Option(envvar="ESANTE_DATA_DIR", help="Folder for databases, keys, certificates [.esante]"),
]
DatabaseUrl = Annotated[
    str | None, typer.Option(envvar="ESANTE_DATABASE_URL", help="PostgreSQL URL (SQLite when unset)")
]
Persons = Annotated[int | None, typer.Option(envvar="ESANTE_PERSONS", help="Persons to generate [1000]")]
Seed = Annotated[int | None, typer.Option(envvar="ESANTE_SEED", help="Population seed [1]")]
ReferenceDate = Annotated[
    str | None, typer.Option(envvar="ESANTE_REFERENCE_DATE", help="Population reference date [2026-01-01]")
]
LogLevel = Annotated[str, typer.Option(envvar="ESANTE_LOG_LEVEL", help="uvicorn log level")]
Tenant = Annotated[str, typer.Option(envvar="ESANTE_TENANT", help="Tenant name")]
Tls = Annotated[
    bool,
    typer.Option(
        "--tls",
        envvar="ESANTE_TLS",
        help="Serve HTTPS (sandbox CA in <data-dir>/tls) and accept client certificates (esante cert)",
    ),
]


def _settings(**overrides: Any) -> SandboxSettings:
    from shared.config import SandboxSettings

    given = {k: v for k, v in overrides.items() if v is not None}
    if "reference_date" in given:
        given["reference_date"] = date.fromisoformat(given["reference_date"])
    return SandboxSettings(**given)


def _progress_printer() -> tuple[Any, Any]:
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


def _serve(settings: SandboxSettings, only: str | None, log_level: str, tls: bool = False) -> None:
    import uvicorn
    from rich.console import Console

    from services.sandbox.composition import build_root_app
    from shared.runtime import Runtime

    tls_options: dict[str, Any] = {}
    if tls:
        from shared.tls import uvicorn_tls_options

        # HTTPS with an optional client certificate, read into the ASGI TLS extension (shared/tls.py)
        tls_options = uvicorn_tls_options(settings.data_dir, [settings.host])
        if settings.public_url is None:
            settings = settings.model_copy(update={"public_url": f"https://{settings.host}:{settings.port}"})
    console = Console()
    runtime = Runtime(settings)
    bar, progress = _progress_printer()

    def announce() -> None:
        bar.stop()
        _print_urls(console, runtime, only)

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
        host=settings.host,
        port=settings.port,
        log_level=log_level,
        access_log=False,
        lifespan="on",  # starts the SMTP listeners and the template check
        ws="none",  # no service speaks WebSocket: uvicorn need not import a WebSocket library
        **tls_options,
    )
    with closing(runtime):
        uvicorn.Server(config).run()


def _print_urls(console: Any, runtime: Runtime, only: str | None) -> None:
    from services.sandbox.registry import service_names

    base = runtime.settings.base_url
    console.print(f"[bold green]esante-sandbox ready[/] at {base}  (Ctrl-C stops it)")
    for name in service_names():
        if only is None or name == only:
            console.print(f"  {name:<14} {base}/{name}/docs")
    console.print(f"  {'hub':<14} {base}/")
    console.print(f"  OIDC discovery {runtime.settings.issuer}/.well-known/openid-configuration")


@app.command()
def up(
    host: Host = None,
    port: Port = None,
    smtp_port: SmtpPort = None,
    smtps_port: SmtpsPort = None,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    persons: Persons = None,
    seed: Seed = None,
    reference_date: ReferenceDate = None,
    log_level: LogLevel = "warning",
    tls: Tls = False,
) -> None:
    """Run every service in one process (HTTP, each under its prefix), seeded and ready."""
    settings = _settings(
        host=host,
        port=port,
        smtp_port=smtp_port,
        smtps_port=smtps_port,
        data_dir=data_dir,
        database_url=database_url,
        persons=persons,
        seed=seed,
        reference_date=reference_date,
    )
    _serve(settings, None, log_level, tls)


@app.command()
def serve(
    service: Annotated[str, typer.Argument(help="Service to run alone, e.g. psc")],
    host: Host = None,
    port: Port = None,
    smtp_port: SmtpPort = None,
    smtps_port: SmtpsPort = None,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    persons: Persons = None,
    seed: Seed = None,
    reference_date: ReferenceDate = None,
    log_level: LogLevel = "warning",
    tls: Tls = False,
) -> None:
    """Run one service alone, under its prefix (what each docker-compose container runs)."""
    from services.sandbox.registry import service_names

    if service not in service_names():
        raise typer.BadParameter(f"unknown service {service!r}; one of {', '.join(service_names())}")
    settings = _settings(
        host=host,
        port=port,
        smtp_port=smtp_port,
        smtps_port=smtps_port,
        data_dir=data_dir,
        database_url=database_url,
        persons=persons,
        seed=seed,
        reference_date=reference_date,
    )
    _serve(settings, service, log_level, tls)


@app.command()
def cert(
    cn: Annotated[str, typer.Option(help="Common name: INSI-AUTO or INSI-MANU for INSi's access levels")],
    out: Annotated[Path | None, typer.Option(help="Folder to write to [<data-dir>/tls/clients]")] = None,
    password: Annotated[str, typer.Option(help="Password of the PKCS#12 file")] = "esante",
    organisation: Annotated[str, typer.Option(help="O of the subject")] = "esante-sandbox test organisation",
    data_dir: DataDir = None,
) -> None:
    """Issue a client certificate signed by the sandbox CA (made on first use) for mTLS (esante up --tls)."""
    from shared.tls import issue_client_certificate

    settings = _settings(data_dir=data_dir)
    try:
        files = issue_client_certificate(
            settings.data_dir,
            cn,
            out or settings.data_dir / "tls" / "clients",
            organisation=organisation,
            password=password,
        )
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--cn") from exc
    if cn not in ("INSI-AUTO", "INSI-MANU"):
        typer.echo(
            f"note: INSi gives no access to CN {cn!r} (desir_560): use INSI-AUTO or INSI-MANU", err=True
        )
    for label, path in (
        ("certificate", files.certificate),
        ("private key", files.key),
        ("PKCS#12", files.p12),
        ("CA", files.ca),
    ):
        typer.echo(f"{label:<12} {path}")


@app.command()
def migrate(data_dir: DataDir = None, database_url: DatabaseUrl = None) -> None:
    """Migrate the template and every tenant to the latest schema."""
    from services.sandbox.migrate import upgrade
    from shared.db import make_storage

    settings = _settings(data_dir=data_dir, database_url=database_url)
    with closing(make_storage(settings.database_url, settings.data_dir)) as storage, storage.template_lock():
        targets = [("template", storage.template_url())] + [
            (name, storage.tenant_url(name)) for name in storage.list_tenants()
        ]
        for name, url in targets:
            upgrade(url)
            typer.echo(f"migrated {name}")


@app.command("seed")
def seed_command(
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    persons: Persons = None,
    seed: Seed = None,
    reference_date: ReferenceDate = None,
    force: Annotated[bool, typer.Option(help="Rebuild even when the template is current")] = False,
) -> None:
    """Build the seeded template (migrate, generate the population, seed every service)."""
    from services.sandbox.provisioning import seed_database, template_fingerprint
    from shared.db import make_storage
    from shared.tenancy import DEFAULT_TENANT

    settings = _settings(
        data_dir=data_dir,
        database_url=database_url,
        persons=persons,
        seed=seed,
        reference_date=reference_date,
    )
    bar, progress = _progress_printer()
    fingerprint = template_fingerprint(settings)
    with closing(make_storage(settings.database_url, settings.data_dir)) as storage, storage.template_lock():
        if storage.template_fingerprint() == fingerprint and not force:
            typer.echo("template is current; nothing to do (--force rebuilds it)")
            return
        storage.build_template(fingerprint, lambda url: seed_database(url, settings, progress))
        storage.copy_template_to(DEFAULT_TENANT, replace=True)
    bar.stop()
    typer.echo(
        f"seeded {settings.persons} persons (seed {settings.seed}, reference {settings.reference_date})"
    )


@app.command()
def reset(
    tenant: Tenant = "default",
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    port: Port = None,
    host: Host = None,
) -> None:
    """Put a tenant back to the seeded state (through the running sandbox when there is one)."""
    import httpx

    from shared.tenancy import check_tenant_name

    settings = _settings(data_dir=data_dir, database_url=database_url, port=port, host=host)
    check_tenant_name(tenant)
    try:
        response = httpx.post(f"{settings.base_url}/sandbox/tenants/{tenant}/reset", timeout=10)
        response.raise_for_status()
        typer.echo(f"reset {tenant} through {settings.base_url}")
        return
    except httpx.ConnectError:
        pass  # nothing running: reset the files directly
    from shared.db import make_storage

    with closing(make_storage(settings.database_url, settings.data_dir)) as storage:
        if storage.template_fingerprint() is None:
            raise typer.BadParameter("no template yet: run `esante seed` first")
        with storage.template_lock():
            storage.copy_template_to(tenant, replace=True)
    typer.echo(f"reset {tenant}")


@app.command()
def token(
    rpps: Annotated[str | None, typer.Option(help="RPPS or IdNat of the professional")] = None,
    ins: Annotated[str | None, typer.Option(help="INS of the patient (Mon espace santé token)")] = None,
    card: Annotated[str, typer.Option(help="Card mode: cps, e-cps or cpe")] = "cps",
    tenant: Tenant = "default",
    client_id: Annotated[str, typer.Option(help="OIDC client the token is issued to")] = "esante-ci",
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    full: Annotated[bool, typer.Option(help="Print the whole token response as JSON")] = False,
) -> None:
    """Print a bearer access token for a professional (--rpps) or a patient (--ins)."""
    if (rpps is None) == (ins is None):
        raise typer.BadParameter("give exactly one of --rpps or --ins")
    from services.psc.grants import issue_patient_token, issue_professional_token
    from services.psc.keys import load_keyring
    from services.sandbox.provisioning import prepare
    from shared.errors import SandboxError
    from shared.runtime import Runtime

    settings = _settings(data_dir=data_dir, database_url=database_url)
    with closing(Runtime(settings)) as runtime:
        prepare(runtime)
        target = runtime.tenants.get(tenant)
        keyring = load_keyring(settings)
        try:
            with target.unit_of_work() as conn:
                now = target.clock.now()
                if rpps is not None:
                    answer = issue_professional_token(
                        conn, keyring, settings, now, login_hint=rpps, card_mode=card, client_id=client_id
                    )
                else:
                    assert ins is not None
                    answer = issue_patient_token(conn, keyring, settings, now, ins=ins, client_id=client_id)
        except SandboxError as exc:
            typer.echo(f"error: {exc.code}: {exc.detail}", err=True)
            raise typer.Exit(2) from exc
    typer.echo(json.dumps(answer, indent=2) if full else answer["access_token"])


@app.command()
def openapi(
    output_dir: Annotated[Path, typer.Option(help="Where to write <service>.json")] = Path("openapi"),
) -> None:
    """Write every service's OpenAPI document to openapi/<service>.json."""
    from services.sandbox.openapi_export import write_specs

    for path in write_specs(output_dir):
        typer.echo(f"wrote {path}")


def main() -> None:
    app()
