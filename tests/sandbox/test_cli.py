"""The `esante` command line: options and their ESANTE_* variables, seed, reset, token, openapi."""

from __future__ import annotations

import json
from pathlib import Path

import jwt
import pytest
from typer.testing import CliRunner

from services.sandbox.cli import app as cli_app
from shared.testing import postgres_test_url, scratch_storage

runner = CliRunner()


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A data folder (and on PostgreSQL a database prefix) of the test's own, given by variables."""
    monkeypatch.setenv("ESANTE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("ESANTE_PERSONS", "40")
    url = postgres_test_url("esante_c")
    if url is None:
        monkeypatch.delenv("ESANTE_DATABASE_URL", raising=False)
    else:
        monkeypatch.setenv("ESANTE_DATABASE_URL", url)
    return tmp_path


def test_help_lists_every_command() -> None:
    result = runner.invoke(cli_app, ["--help"])
    assert result.exit_code == 0
    for command in ("up", "serve", "migrate", "seed", "reset", "token", "openapi"):
        assert command in result.output


def test_options_name_their_environment_variable() -> None:
    result = runner.invoke(cli_app, ["up", "--help"], env={"COLUMNS": "200"})
    for var in (
        "ESANTE_HOST",
        "ESANTE_PORT",
        "ESANTE_SMTP_PORT",
        "ESANTE_DATA_DIR",
        "ESANTE_PERSONS",
        "ESANTE_SEED",
    ):
        assert var in result.output


def test_serve_refuses_an_unknown_service() -> None:
    result = runner.invoke(cli_app, ["serve", "nowhere"])
    assert result.exit_code == 2
    assert "unknown service" in result.output


def test_seed_builds_the_template_once(cli_env: Path) -> None:
    with scratch_storage(cli_env, "esante_c") as storage:
        first = runner.invoke(cli_app, ["seed"])
        assert first.exit_code == 0, first.output
        assert "seeded 40 persons" in first.output
        assert storage.template_fingerprint() is not None
        assert storage.tenant_exists("default")
        again = runner.invoke(cli_app, ["seed"])
        assert again.exit_code == 0
        assert "template is current" in again.output
        bigger = runner.invoke(cli_app, ["seed", "--persons", "41"])
        assert "seeded 41 persons" in bigger.output


def test_reset_offline_recreates_the_tenant(cli_env: Path) -> None:
    with scratch_storage(cli_env, "esante_c") as storage:
        assert runner.invoke(cli_app, ["seed"]).exit_code == 0
        storage.drop_tenant("default")
        result = runner.invoke(cli_app, ["reset"])
        assert result.exit_code == 0, result.output
        assert storage.tenant_exists("default")


def test_reset_without_template_is_refused(cli_env: Path) -> None:
    with scratch_storage(cli_env, "esante_c"):
        result = runner.invoke(cli_app, ["reset"])
        assert result.exit_code == 2
        assert "esante seed" in result.output


def test_reset_refuses_a_bad_tenant_name(cli_env: Path) -> None:
    result = runner.invoke(cli_app, ["reset", "--tenant", "Bad_Name"])
    assert result.exit_code != 0


def test_token_for_a_professional(cli_env: Path) -> None:
    with scratch_storage(cli_env, "esante_c"):
        result = runner.invoke(cli_app, ["token", "--rpps", _a_generaliste(cli_env), "--card", "e-cps"])
        assert result.exit_code == 0, result.output
        claims = jwt.decode(result.output.strip(), options={"verify_signature": False})
        assert claims["card_mode"] == "e-cps"
        assert claims["SubjectRefPro"]["exercices"][0]["codeProfession"] == "10"


def test_token_needs_exactly_one_subject(cli_env: Path) -> None:
    assert runner.invoke(cli_app, ["token"]).exit_code == 2
    assert runner.invoke(cli_app, ["token", "--rpps", "1", "--ins", "2"]).exit_code == 2


def test_token_for_an_unknown_professional_is_refused(cli_env: Path) -> None:
    with scratch_storage(cli_env, "esante_c"):
        result = runner.invoke(cli_app, ["token", "--rpps", "99999999999"])
        assert result.exit_code == 2


def test_openapi_writes_every_service(tmp_path: Path) -> None:
    result = runner.invoke(cli_app, ["openapi", "--output-dir", str(tmp_path)])
    assert result.exit_code == 0
    for name in ("psc", "sandbox"):
        assert json.loads((tmp_path / f"{name}.json").read_text())["openapi"].startswith("3.")


def _a_generaliste(_: Path) -> str:
    from shared.population import generate_population

    population = generate_population(seed=1, persons=40)
    return next(p.rpps for p in population.professionals if p.savoir_faire == "SM26" and p.rpps)
