"""The `esante` command: run, migrate, seed, reset, print tokens, export OpenAPI.

Every option can also be given as an ``ESANTE_*`` environment variable (shown in ``--help``).
"""

from __future__ import annotations

import json
from contextlib import closing
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from shared.config import SandboxSettings

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
Workers = Annotated[
    int | None,
    typer.Option(
        envvar="ESANTE_WORKERS", help="HTTP worker processes, on PostgreSQL (one also runs SMTP) [1]"
    ),
]
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


def _serve(settings: SandboxSettings, only: str | None, log_level: str, tls: bool = False) -> None:
    """Serve until Ctrl-C; a busy port or data folder is one line on stderr and exit status 1."""
    from services.sandbox import running, serving

    try:
        serving.serve(settings, only, log_level, tls)
    except (serving.Refused, running.DataDirInUse) as refused:
        typer.echo(f"error: {refused}", err=True)
        raise typer.Exit(1) from None


def _running_sandbox(settings: SandboxSettings, service: str) -> Any:
    """The process serving ``service`` on ``settings.data_dir`` now (from its record), or None when no
    sandbox runs there; exit status 1 when some run but none serves ``service``."""
    from services.sandbox import running

    found = running.find(settings.data_dir)
    serving = next((r for r in found if service in r.services), None)
    if found and serving is None:
        others = ", ".join(f"{'+'.join(r.services)} at {r.base_url}" for r in found)
        typer.echo(f"error: no running process serves {service} on {settings.data_dir} ({others})", err=True)
        raise typer.Exit(1)
    return serving


def _http(record: Any) -> Any:
    """An HTTP client of the running sandbox (trusting the sandbox CA when it serves HTTPS)."""
    import httpx

    return httpx.Client(
        base_url=record.base_url, timeout=10, verify=record.ca_certificate if record.tls else True
    )


def _unreachable(record: Any, exc: Exception) -> typer.Exit:
    typer.echo(
        f"error: the sandbox serving {record.data_dir} (pid {record.pid}) does not answer at "
        f"{record.base_url}: {exc}",
        err=True,
    )
    return typer.Exit(1)


def _files_in_use(settings: SandboxSettings, exc: Exception) -> typer.Exit:
    typer.echo(f"error: {exc}; it has not said where it runs yet (starting?): try again", err=True)
    return typer.Exit(1)


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
    workers: Workers = None,
) -> None:
    """Run every service (HTTP, each under its prefix), seeded and ready: in one process, or in
    ``--workers N`` processes on PostgreSQL."""
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
        workers=workers,
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
    from services.sandbox.serving import progress_printer

    bar, progress = progress_printer()
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
) -> None:
    """Put a tenant back to the seeded state: through the sandbox that serves the data folder (its
    clock, caches and connections follow), else on the files when none runs."""
    import httpx

    from services.sandbox import running
    from shared.db import make_storage
    from shared.tenancy import check_tenant_name

    settings = _settings(data_dir=data_dir, database_url=database_url)
    check_tenant_name(tenant)
    record = _running_sandbox(settings, "sandbox")
    if record is not None:
        try:
            with _http(record) as http:
                answer = http.post(f"/sandbox/tenants/{tenant}/reset")
        except httpx.TransportError as exc:
            raise _unreachable(record, exc) from None
        if answer.status_code != 200:
            typer.echo(f"error: {answer.status_code} {answer.text}", err=True)
            raise typer.Exit(1)
        typer.echo(f"reset {tenant} through {record.base_url}")
        return
    try:
        with (
            running.exclusive_use(settings),
            closing(make_storage(settings.database_url, settings.data_dir)) as storage,
        ):
            if storage.template_fingerprint() is None:
                raise typer.BadParameter("no template yet: run `esante seed` first")
            with storage.template_lock():
                storage.copy_template_to(tenant, replace=True)
    except running.DataDirInUse as exc:
        raise _files_in_use(settings, exc) from None
    typer.echo(f"reset {tenant} (no sandbox serves {settings.data_dir}: the files)")


@app.command()
def token(
    rpps: Annotated[str | None, typer.Option(help="RPPS or IdNat of the professional")] = None,
    ins: Annotated[str | None, typer.Option(help="INS of the patient (Mon espace santé token)")] = None,
    card: Annotated[str, typer.Option(help="Card mode: cps, e-cps or cpe")] = "cps",
    tenant: Tenant = "default",
    client_id: Annotated[
        str, typer.Option(help="Documented OIDC client the token is issued to (its secret is its id)")
    ] = "esante-ci",
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    full: Annotated[bool, typer.Option(help="Print the whole token response as JSON")] = False,
) -> None:
    """Print a bearer access token for a professional (--rpps) or a patient (--ins): from the sandbox
    that serves the data folder (its issuer, its port), else from the files when none runs."""
    if (rpps is None) == (ins is None):
        raise typer.BadParameter("give exactly one of --rpps or --ins")
    settings = _settings(data_dir=data_dir, database_url=database_url)
    record = _running_sandbox(settings, "psc")
    if record is not None:
        answer = _token_from(record, rpps, ins, card, tenant, client_id)
    else:
        answer = _token_from_files(settings, rpps, ins, card, tenant, client_id)
    typer.echo(json.dumps(answer, indent=2) if full else answer["access_token"])


def _token_from(
    record: Any, rpps: str | None, ins: str | None, card: str, tenant: str, client_id: str
) -> dict[str, Any]:
    """Client credentials at the running sandbox's psc, as a CI job would ask."""
    import httpx

    form = {"grant_type": "client_credentials", "login_hint": rpps or ins or ""}
    if rpps is not None:
        form["card_mode"] = card
    path = "/psc/protocol/openid-connect/token" if rpps else "/psc/patients/protocol/openid-connect/token"
    try:
        with _http(record) as http:
            answer = http.post(
                path, data=form, auth=(client_id, client_id), headers={"X-Sandbox-Tenant": tenant}
            )
    except httpx.TransportError as exc:
        raise _unreachable(record, exc) from None
    body: dict[str, Any] = (
        answer.json() if answer.headers.get("content-type", "").startswith("application/json") else {}
    )
    if answer.status_code != 200:
        why = body.get("error_description") or body.get("detail") or answer.text
        typer.echo(f"error: {body.get('error', answer.status_code)}: {why}", err=True)
        raise typer.Exit(2)
    return body


def _token_from_files(
    settings: SandboxSettings, rpps: str | None, ins: str | None, card: str, tenant: str, client_id: str
) -> dict[str, Any]:
    from services.psc.grants import issue_patient_token, issue_professional_token
    from services.psc.keys import load_keyring
    from services.sandbox import running
    from services.sandbox.provisioning import prepare
    from shared.errors import SandboxError
    from shared.runtime import Runtime

    try:
        with running.exclusive_use(settings), closing(Runtime(settings)) as runtime:
            prepare(runtime)
            target = runtime.tenants.get(tenant)
            keyring = load_keyring(settings)
            with target.unit_of_work() as conn:
                now = target.clock.now()
                if rpps is not None:
                    return issue_professional_token(
                        conn, keyring, settings, now, login_hint=rpps, card_mode=card, client_id=client_id
                    )
                assert ins is not None
                return issue_patient_token(conn, keyring, settings, now, ins=ins, client_id=client_id)
    except running.DataDirInUse as exc:
        raise _files_in_use(settings, exc) from None
    except SandboxError as exc:
        typer.echo(f"error: {exc.code}: {exc.detail}", err=True)
        raise typer.Exit(2) from exc


@app.command()
def status(data_dir: DataDir = None) -> None:
    """What serves the data folder: URLs and ports, each service's readiness, the tenants and their
    clocks. Exit status 1 when no sandbox serves it."""
    import httpx
    from rich.console import Console

    from services.sandbox import running

    settings = _settings(data_dir=data_dir)
    console = Console()
    found = running.find(settings.data_dir)
    if not found:
        console.print(
            f"no sandbox serves {settings.data_dir.resolve()} (`make run` or `esante up` starts one)"
        )
        raise typer.Exit(1)
    for record in found:
        smtp = ", ".join(
            f"{p} ({k})"
            for p, k in ((record.smtp_port, "STARTTLS"), (record.smtps_port, "implicit TLS"))
            if p
        )
        console.print(
            f"[bold]{record.base_url}[/]  pid {record.pid}, {record.database}, data {record.data_dir}"
        )
        if smtp:
            console.print(f"  SMTP {record.host}: {smtp}")
        console.print(f"  CA certificate {record.ca_certificate}")
        try:
            with _http(record) as http:
                for name in record.services:
                    ready = http.get(f"/{name}/health/ready")
                    state = (
                        ready.json().get("status") if ready.status_code == 200 else ready.json().get("detail")
                    )
                    console.print(f"  {name:<14} {state}")
                if "sandbox" in record.services:
                    tenants = http.get("/sandbox/tenants").json()["tenants"]
                    for tenant in tenants:
                        clock = http.get(f"/sandbox/tenants/{tenant['name']}/clock").json()
                        console.print(
                            f"  tenant {tenant['name']:<20} clock {clock['mode']}, now {clock['now']}"
                        )
        except (httpx.TransportError, ValueError, KeyError) as exc:
            raise _unreachable(record, exc) from None


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
