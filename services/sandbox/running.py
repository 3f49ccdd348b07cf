"""Where a sandbox runs: the record ``esante up`` (and ``esante serve``) keeps in its data folder while it
serves, so that ``esante token``, ``esante reset`` and ``esante status`` act on the sandbox that runs
and not on a default port.

Each serving process writes ``<data-dir>/run/<host>-<pid>.json`` (its URLs, ports, TLS, the CA's path)
once it is ready, and removes it when it stops. A record of this host whose process is gone (killed) is
ignored and removed by the next reader; records of other hosts (the other containers of
docker-compose, which share the data volume) are read as they are.

On SQLite one process at a time may serve a data folder (its tenant files are not made to be shared):
the first holds an exclusive lock on ``<data-dir>/run/serving.lock``, and a second one is refused with
the pid and URL of the first. On PostgreSQL several processes serve one database (``esante serve`` per
service, ``esante up --workers N``).
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from shared.config import SandboxSettings
from shared.files import try_exclusive, write_atomically

RUN_DIR = "run"


@dataclass(frozen=True)
class Running:
    """One serving process, as its record says."""

    pid: int
    hostname: str
    base_url: str
    services: list[str]
    host: str
    port: int
    smtp_port: int
    smtps_port: int
    tls: bool
    database: str
    data_dir: str
    ca_certificate: str
    issuer: str


class DataDirInUse(RuntimeError):
    """Another process serves this SQLite data folder."""


def _run_dir(data_dir: Path) -> Path:
    return data_dir / RUN_DIR


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True


def find(data_dir: Path) -> list[Running]:
    """The processes serving ``data_dir`` now (records of dead processes are removed)."""
    found = []
    folder = _run_dir(data_dir)
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        try:
            record = Running(**json.loads(path.read_text(encoding="utf-8")))
        except (ValueError, TypeError, OSError):
            continue
        if record.hostname != socket.gethostname() or _alive(record.pid):
            found.append(record)
        else:
            path.unlink(missing_ok=True)
    return found


@contextlib.contextmanager
def exclusive_use(settings: SandboxSettings) -> Iterator[None]:
    """On SQLite, hold the data folder for this process; raise ``DataDirInUse`` when another has it."""
    if settings.uses_postgres:
        yield
        return
    folder = _run_dir(settings.data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    handle = try_exclusive(folder / "serving.lock")
    if handle is None:
        others = find(settings.data_dir)
        where = f" (pid {others[0].pid}, {others[0].base_url})" if others else ""
        raise DataDirInUse(
            f"the data folder {settings.data_dir} is served by another sandbox{where}: stop it, or "
            "give this one its own folder (--data-dir or ESANTE_DATA_DIR)"
        )
    with handle:
        yield


def write(record: Running) -> Path:
    """Put ``record`` in its data folder (atomically: a reader sees the whole record or none)."""
    folder = _run_dir(Path(record.data_dir))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{record.hostname}-{record.pid}.json"
    write_atomically(path, json.dumps(asdict(record), indent=2).encode(), 0o644)
    return path


def remove(data_dir: Path) -> None:
    """Take this process's record away (it stops serving)."""
    (_run_dir(data_dir) / f"{socket.gethostname()}-{os.getpid()}.json").unlink(missing_ok=True)


def describe(settings: SandboxSettings, services: list[str], *, tls: bool) -> Running:
    """The record of this process, from what it serves with."""
    from shared.tls import tls_dir

    return Running(
        pid=os.getpid(),
        hostname=socket.gethostname(),
        base_url=settings.base_url,
        services=services,
        host=settings.host,
        port=settings.port,
        smtp_port=settings.smtp_port if "mssante" in services else 0,
        smtps_port=settings.smtps_port if "mssante" in services else 0,
        tls=tls,
        database="postgresql" if settings.uses_postgres else "sqlite",
        data_dir=str(settings.data_dir.resolve()),
        ca_certificate=str((tls_dir(settings.data_dir) / "ca.pem").resolve()),
        issuer=settings.issuer,
    )
