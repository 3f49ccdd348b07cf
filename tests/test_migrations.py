"""One Alembic lineage: a fresh database migrated to head matches the models exactly."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text
from typer.testing import CliRunner

from services.sandbox.cli import app as cli_app
from services.sandbox.migrate import head_revision, pending_model_changes, target_metadata, upgrade
from shared.testing import postgres_test_url, scratch_storage


def test_models_and_migrations_agree(tmp_path: Path) -> None:
    with scratch_storage(tmp_path, "esante_mig") as storage:
        url = storage.template_url()
        upgrade(url)
        assert pending_model_changes(url) == []
        engine = create_engine(url)
        with engine.connect() as conn:
            assert (
                conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == head_revision()
            )
            assert set(inspect(conn).get_table_names()) - {"alembic_version"} == set(target_metadata().tables)
        engine.dispose()


def test_documents_stored_before_0007_get_the_sha1_of_their_content(tmp_path: Path) -> None:
    with scratch_storage(tmp_path, "esante_sha") as storage:
        url = storage.template_url()
        upgrade(url, "0006")
        engine = create_engine(url)
        columns = (
            "id, ins, set_id, version, status, archived, type_code, titre, date_acte, deposited_at, "
            "auteur_kind, auteur_id, auteur_nom, depose_par, format, taille, hash, masque_ps, "
            "invisible_patient, invisible_representants"
        )
        with engine.begin() as conn:
            for doc_id, content in (("a" * 32, b"first"), ("b" * 32, b"second")):
                conn.execute(
                    text(
                        f"INSERT INTO dmp_document ({columns}) VALUES (:id, '123', :id, 1, 'current', "
                        "false, '11488-4', 't', 0, 0, 'professional', '8100', 'Dr', '8100', "
                        "'text/plain', 5, '', false, false, false)"
                    ),
                    {"id": doc_id},
                )
                conn.execute(
                    text("INSERT INTO dmp_document_contenu (document_id, contenu) VALUES (:id, :c)"),
                    {"id": doc_id, "c": content},
                )
        engine.dispose()
        upgrade(url)
        engine = create_engine(url)
        with engine.connect() as conn:
            rows = dict(conn.execute(text("SELECT id, sha1 FROM dmp_document ORDER BY id")).all())
            structures = conn.execute(text("SELECT structure_idnat FROM dmp_document")).scalars().all()
        engine.dispose()
        assert rows == {
            "a" * 32: hashlib.sha1(b"first", usedforsecurity=False).hexdigest(),
            "b" * 32: hashlib.sha1(b"second", usedforsecurity=False).hexdigest(),
        }
        assert structures == [None, None]


def test_a_model_change_without_migration_is_detected(tmp_path: Path) -> None:
    with scratch_storage(tmp_path, "esante_mid") as storage:
        url = storage.template_url()
        upgrade(url)
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP TABLE sandbox_tag"))
        engine.dispose()
        assert any(change[0] == "add_table" for change in pending_model_changes(url))


def test_table_names_carry_their_owner_prefix() -> None:
    owners = {"psc", "insi", "adri", "dmp", "eprescription", "mssante", "sandbox", "tenant"}
    for name in target_metadata().tables:
        assert name.split("_", 1)[0] in owners, name


def test_esante_migrate_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with scratch_storage(tmp_path, "esante_cli") as storage:
        monkeypatch.setenv("ESANTE_DATA_DIR", str(tmp_path))
        url = postgres_test_url("esante_cli")
        if url is None:
            monkeypatch.delenv("ESANTE_DATABASE_URL", raising=False)
        else:
            monkeypatch.setenv("ESANTE_DATABASE_URL", url)
        result = CliRunner().invoke(cli_app, ["migrate"])
        assert result.exit_code == 0, result.output
        assert "migrated template" in result.output
        assert pending_model_changes(storage.template_url()) == []
