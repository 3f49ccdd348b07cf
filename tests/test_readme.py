"""The README's table of environment variables is the settings' and the CLI's, no more, no less."""

from __future__ import annotations

import re
from pathlib import Path

import typer.main
from pydantic_settings import BaseSettings

from services.adri.config import AdriSettings
from services.dmp.config import DmpSettings
from services.eprescription.config import EprescriptionSettings
from services.insi.config import InsiSettings
from services.mssante.config import MssanteSettings
from services.psc.config import PscSettings
from services.sandbox.cli import app as cli_app
from shared.config import SandboxSettings

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
SETTINGS: tuple[type[BaseSettings], ...] = (
    SandboxSettings,
    PscSettings,
    InsiSettings,
    AdriSettings,
    DmpSettings,
    EprescriptionSettings,
    MssanteSettings,
)


def _documented() -> list[str]:
    return re.findall(r"^\| `(ESANTE_[A-Z0-9_]+)` \|", README, flags=re.M)


def _settings_variables() -> set[str]:
    return {
        f"{cls.model_config['env_prefix']}{name.upper()}" for cls in SETTINGS for name in cls.model_fields
    }


def _cli_variables() -> set[str]:
    group = typer.main.get_command(cli_app)
    found: set[str] = set()
    for command in group.commands.values():  # type: ignore[attr-defined]
        for param in command.params:
            envvar = getattr(param, "envvar", None)
            if isinstance(envvar, str):
                found.add(envvar)
    return found


def test_every_setting_and_cli_variable_is_in_the_readme_once() -> None:
    documented = _documented()
    assert len(documented) == len(set(documented)), "a variable is listed twice"
    expected = _settings_variables() | _cli_variables()
    assert set(documented) == expected, (
        f"missing: {sorted(expected - set(documented))}; not a setting: {sorted(set(documented) - expected)}"
    )
