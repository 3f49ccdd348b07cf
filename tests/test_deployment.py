"""docker-compose.yml and the Dockerfile, checked statically against the CLI and the settings."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import typer.main
import yaml
from sqlalchemy import make_url

from services.sandbox.cli import app as cli_app
from services.sandbox.registry import COMPOSE_PORTS, service_names
from shared.config import SandboxSettings

ROOT = Path(__file__).resolve().parent.parent
COMPOSE: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
DOCKERFILE = (ROOT / "Dockerfile").read_text()


def _parse_cli(args: list[str]) -> dict[str, Any]:
    """Parse a command line exactly as `esante` would, without running it."""
    group: Any = typer.main.get_command(cli_app)
    name, *rest = args
    with group.make_context("esante", [name]) as ctx:
        sub = group.get_command(ctx, name)
        assert sub is not None, f"no command {name!r}"
        params: dict[str, Any] = sub.make_context(name, rest, parent=ctx).params
    return {"command": name, **params}


def _settings_from(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> SandboxSettings:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return SandboxSettings()


@pytest.mark.parametrize("service", service_names())
def test_each_service_has_its_container(service: str, monkeypatch: pytest.MonkeyPatch) -> None:
    container = COMPOSE["services"][service]
    port = COMPOSE_PORTS[service]
    parsed = _parse_cli(container["command"][1:])
    assert container["command"][0] == "esante"
    assert parsed["command"] == "serve"
    assert parsed["service"] == service
    assert parsed["port"] == port
    settings = _settings_from(container["environment"], monkeypatch)
    smtp = [f"{p}:{p}" for p in (settings.smtp_port, settings.smtps_port)] if service == "mssante" else []
    assert container["ports"] == [f"{port}:{port}", *smtp]
    assert settings.port == port
    assert container["depends_on"]["setup"]["condition"] == "service_completed_successfully"


def test_every_environment_variable_is_a_setting() -> None:
    fields = {f"ESANTE_{name.upper()}" for name in SandboxSettings.model_fields}
    for name, container in COMPOSE["services"].items():
        for key in container.get("environment", {}):
            if key.startswith("ESANTE_"):
                assert key in fields, f"{name}: {key} is not a setting"


def postgres_test_url_points_at_the_postgres_container(monkeypatch: pytest.MonkeyPatch) -> None:
    pg = COMPOSE["services"]["postgres"]["environment"]
    settings = _settings_from(COMPOSE["services"]["setup"]["environment"], monkeypatch)
    assert settings.database_url is not None
    url = make_url(settings.database_url)
    assert (url.host, url.port, url.username, url.password, url.database) == (
        "postgres",
        5432,
        pg["POSTGRES_USER"],
        pg["POSTGRES_PASSWORD"],
        pg["POSTGRES_DB"],
    )
    assert settings.uses_postgres


def test_service_urls_reach_every_container(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = _settings_from(COMPOSE["services"]["setup"]["environment"], monkeypatch)
    expected = {name: f"http://{name}:{COMPOSE_PORTS[name]}/{name}" for name in service_names()}
    assert settings.service_urls == expected


def test_issuer_is_the_published_psc(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = _settings_from(COMPOSE["services"]["setup"]["environment"], monkeypatch)
    assert settings.issuer == f"http://localhost:{COMPOSE_PORTS['psc']}/psc"


def test_setup_seeds_once_before_the_services() -> None:
    setup = COMPOSE["services"]["setup"]
    assert _parse_cli(setup["command"][1:])["command"] == "seed"
    assert setup["depends_on"]["postgres"]["condition"] == "service_healthy"


def test_dockerfile_installs_every_package_and_runs_the_cli() -> None:
    packages = re.search(r"include = \[(.*?)\]", (ROOT / "pyproject.toml").read_text())
    assert packages is not None
    for name in json.loads(f"[{packages.group(1)}]"):
        assert f"COPY {name.rstrip('*')} ./{name.rstrip('*')}" in DOCKERFILE
    cmd = re.search(r"^CMD (\[.*\])$", DOCKERFILE, re.MULTILINE)
    assert cmd is not None
    args = json.loads(cmd.group(1))
    assert args[0] == "esante"
    assert _parse_cli(args[1:])["command"] == "up"
    assert "EXPOSE 8000 2525" in DOCKERFILE
    assert f"ESANTE_HOST={SandboxSettings(host='0.0.0.0').host}" in DOCKERFILE


def test_healthcheck_uses_the_readiness_route() -> None:
    line = next(row for row in DOCKERFILE.splitlines() if "urlopen" in row)
    assert "/health/ready" in line
    assert shlex.split(line)[0] == "CMD"


def _image_containers() -> dict[str, Any]:
    return {n: c for n, c in COMPOSE["services"].items() if c.get("image") == "esante-sandbox:latest"}


def test_every_container_of_the_image_can_build_it() -> None:
    """The image is not published: a container that only names it would be pulled, and fail."""
    containers = _image_containers()
    assert set(containers) == {"setup", *service_names()}
    for name, container in containers.items():
        assert container.get("build") == ".", name


def test_every_container_shares_the_data_volume(monkeypatch: pytest.MonkeyPatch) -> None:
    """One named volume at the data folder: the psc keys, the sandbox CA a CI job reads, the records."""
    assert "esante-data" in COMPOSE["volumes"]
    for name, container in _image_containers().items():
        settings = _settings_from(container["environment"], monkeypatch)
        assert f"esante-data:{settings.data_dir}" in container["volumes"], name


def test_the_server_certificate_names_the_compose_hosts(monkeypatch: pytest.MonkeyPatch) -> None:
    from shared.tls import server_hosts

    settings = _settings_from(COMPOSE["services"]["mssante"]["environment"], monkeypatch)
    assert set(service_names()) <= set(server_hosts(settings))


def test_the_certificate_made_for_compose_carries_its_hosts(tmp_path: Path) -> None:
    from cryptography import x509

    from shared.tls import server_certificate, server_hosts

    settings = SandboxSettings(data_dir=tmp_path, host="0.0.0.0", tls_sans="mssante, dmp")  # type: ignore[arg-type]
    files = server_certificate(tmp_path, server_hosts(settings))
    certificate = x509.load_pem_x509_certificate(files.certificate.read_bytes())
    names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert {"mssante", "dmp", "localhost"} <= set(names.get_values_for_type(x509.DNSName))
    assert SandboxSettings(data_dir=tmp_path).tls_sans == []


def _make_rule(makefile: str, target: str) -> tuple[str, list[str]]:
    """A Makefile rule's prerequisites and recipe lines."""
    match = re.search(rf"^{re.escape(target)}:(.*)\n((?:\t.*\n)*)", makefile, flags=re.M)
    assert match is not None, target
    return match.group(1), [line.strip() for line in match.group(2).splitlines()]


def test_make_run_installs_what_running_needs_and_shows_it() -> None:
    """The dev tools come with `make test`; the first `make run` prints pip's progress, not silence."""
    makefile = (ROOT / "Makefile").read_text()
    prerequisites, _ = _make_rule(makefile, "run")
    assert prerequisites.split("|")[0].split() == ["$(RUN_STAMP)"]
    _, recipe = _make_rule(makefile, "$(RUN_STAMP)")
    installs = [line for line in recipe if "pip install" in line]
    assert installs == ["$(BIN)/pip install --progress-bar on -e ."]
    assert any(line.startswith("@echo") for line in recipe)
    test_prerequisites, _ = _make_rule(makefile, "lint")
    assert "$(STAMP)" in test_prerequisites
    _, dev_recipe = _make_rule(makefile, "$(STAMP)")
    assert any("'.[dev]'" in line for line in dev_recipe)
