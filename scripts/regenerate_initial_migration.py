"""Regenerate migrations/versions/0001_initial.py from the models (allowed until the first release).

Run with `make migration`. After the first release, add new revisions instead.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from alembic import command

from services.sandbox.migrate import MIGRATIONS_DIR, alembic_config

target = MIGRATIONS_DIR / "versions" / "0001_initial.py"
target.unlink(missing_ok=True)
with tempfile.TemporaryDirectory() as tmp:
    command.revision(
        alembic_config(url=f"sqlite:///{Path(tmp) / 'empty.db'}"),
        message="initial schema of every service",
        autogenerate=True,
        rev_id="0001",
    )
generated = next((MIGRATIONS_DIR / "versions").glob("0001_*.py"))
generated.rename(target)
subprocess.run([sys.executable, "-m", "ruff", "format", "-q", str(target)], check=True)
subprocess.run([sys.executable, "-m", "ruff", "check", "-q", "--fix", str(target)], check=False)
print(f"wrote {target}")
