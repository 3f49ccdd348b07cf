"""Storage: the declarative base, and one database per tenant copied from a seeded template.

SQLite (the default): ``<data_dir>/template.db`` is migrated and seeded once; a tenant is a copy of it
under ``<data_dir>/tenants/<name>.db``, opened in WAL mode. PostgreSQL (``ESANTE_DATABASE_URL``): the
URL's database is only the maintenance connection; the template is ``<db>_template`` and a tenant is
``<db>_t_<name>``, created with ``CREATE DATABASE ... TEMPLATE``.

Services access their tables through SQLAlchemy Core statements on a synchronous connection of the
tenant's pooled engine, used inline (``Tenant.reading`` / ``Tenant.unit_of_work``), rows read by column
name: on this machine that is several times faster than the async ORM (see the benchmarks), and it is
one code path for both databases.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import sqlite3
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Final, cast

from sqlalchemy import Engine, MetaData, String, Table, create_engine, event, make_url, text
from sqlalchemy.engine import URL
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.pool import NullPool

from shared.files import exclusive

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


BIGINT_MAX: Final = 2**63 - 1
"""The largest integer SQLite and PostgreSQL's BIGINT store (instants in ms, sizes, offsets)."""
INTEGER_MAX: Final = 2**31 - 1
"""The largest PostgreSQL INTEGER (ids, versions). Every integer a request may carry into a query is
bounded by the type of the column it meets, so that a larger one is a 422 and not a driver's error."""


class Base(DeclarativeBase):
    """Base of every model; table names carry their owner's prefix (``dmp_document``)."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def table_of(model: type[Base]) -> Table:
    """The Core table of a model, for repositories that build statements with SQLAlchemy Core."""
    return cast(Table, model.__table__)


class TenantMeta(Base):
    """Key/value facts about a database: which population and schema it was built with."""

    __tablename__ = "tenant_meta"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(400))


TEMPLATE_FINGERPRINT_KEY = "template-fingerprint"

TemplateBuilder = Callable[[str], None]
"""Migrates and seeds the (empty) database at the given URL."""


def read_meta(engine: Engine, key: str) -> str | None:
    with engine.connect() as conn:
        try:
            value = conn.execute(text("SELECT value FROM tenant_meta WHERE key = :k"), {"k": key}).scalar()
        except Exception:  # the table does not exist yet: not a built database
            return None
    return None if value is None else str(value)


SYNCHRONOUS: Final = ("off", "normal", "full")


def _sqlite_setup(synchronous: str) -> Callable[[sqlite3.Connection, Any], None]:
    if synchronous not in SYNCHRONOUS:
        raise ValueError(f"synchronous must be one of {SYNCHRONOUS}, not {synchronous!r}")

    def on_connect(dbapi_conn: sqlite3.Connection, _: Any) -> None:
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA synchronous={synchronous.upper()}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=10000")
        cur.close()

    return on_connect


def make_engine(url: str, *, pooled: bool = True, synchronous: str = "normal") -> Engine:
    """An engine for one database; SQLite connections get WAL, foreign keys, a busy timeout and
    ``synchronous``: NORMAL fsyncs at each WAL checkpoint, OFF never (an application crash loses no
    commit either way; a power cut may damage an OFF database). On this machine kind those fsyncs,
    made by the committing request, cost a sixth of a dispensation's throughput."""
    if url.startswith("sqlite"):
        engine = create_engine(url, poolclass=None if pooled else NullPool)
        event.listen(engine, "connect", _sqlite_setup(synchronous))
        return engine
    if not pooled:
        return create_engine(url, poolclass=NullPool, connect_args=_PG_CONNECT)
    # No ping when a connection is taken from the pool: it would be one more round trip per block, and
    # the event loop waits for each. After a PostgreSQL restart the first statement on a dead
    # connection fails (503 database-unavailable) and SQLAlchemy then drops every connection the pool
    # held, so the next block connects afresh. A full pool answers within POOL_WAIT_SECONDS.
    return create_engine(
        url,
        pool_size=8,
        max_overflow=8,
        pool_pre_ping=False,
        pool_timeout=POOL_WAIT_SECONDS,
        connect_args=_PG_CONNECT,
    )


POOL_WAIT_SECONDS: Final = 10
_PG_CONNECT: Final = {"connect_timeout": 5}
"""A server that does not answer fails a connection in seconds (a request is never left hanging)."""


class Storage(ABC):
    """Where the template and the tenants' databases live, and how they are copied."""

    @abstractmethod
    def tenant_url(self, name: str) -> str: ...

    @abstractmethod
    def template_fingerprint(self) -> str | None: ...

    @abstractmethod
    def template_url(self) -> str:
        """URL of the template database, created empty when it does not exist (for `esante migrate`)."""

    @abstractmethod
    def build_template(self, fingerprint: str, builder: TemplateBuilder) -> None:
        """Build the template with ``builder`` and drop every tenant made from an older one."""

    @abstractmethod
    def tenant_exists(self, name: str) -> bool: ...

    @abstractmethod
    def copy_template_to(self, name: str, *, replace: bool) -> bool:
        """Make tenant ``name`` a copy of the template; False when it already existed and not replace."""

    @abstractmethod
    def drop_tenant(self, name: str) -> bool: ...

    @abstractmethod
    def list_tenants(self) -> list[str]: ...

    @contextlib.contextmanager
    def template_lock(self) -> Iterator[None]:
        """Held while the template is checked or built, across processes."""
        yield

    def close(self) -> None:  # noqa: B027 (most storages hold nothing to release)
        """Release connections held for administration."""

    def ensure_template(self, fingerprint: str, builder: TemplateBuilder) -> bool:
        """Build the template unless it already has ``fingerprint``; True when it was built."""
        with self.template_lock():
            if self.template_fingerprint() == fingerprint:
                return False
            self.build_template(fingerprint, builder)
            return True


class SqliteStorage(Storage):
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.tenants_dir = data_dir / "tenants"
        self.template_path = data_dir / "template.db"
        self.tenants_dir.mkdir(parents=True, exist_ok=True)

    def _path(self, name: str) -> Path:
        return self.tenants_dir / f"{name}.db"

    def tenant_url(self, name: str) -> str:
        # Opened without create (``mode=rw``): a connection made after the tenant was deleted fails
        # instead of leaving an empty database in its place.
        return f"sqlite:///file:{self._path(name)}?mode=rw&uri=true"

    @contextlib.contextmanager
    def template_lock(self) -> Iterator[None]:
        with exclusive(self.data_dir / "template.lock"):
            yield

    def template_url(self) -> str:
        return f"sqlite:///{self.template_path}"

    def template_fingerprint(self) -> str | None:
        if not self.template_path.exists():
            return None
        conn = sqlite3.connect(f"file:{self.template_path}?mode=ro", uri=True)
        try:
            row = conn.execute(
                "SELECT value FROM tenant_meta WHERE key = ?", (TEMPLATE_FINGERPRINT_KEY,)
            ).fetchone()
        except sqlite3.DatabaseError:
            return None
        finally:
            conn.close()
        return None if row is None else str(row[0])

    def build_template(self, fingerprint: str, builder: TemplateBuilder) -> None:
        building = self.data_dir / "template.building.db"
        _remove_sqlite_files(building)
        builder(f"sqlite:///{building}")
        conn = sqlite3.connect(building)
        try:
            conn.execute(
                "INSERT INTO tenant_meta (key, value) VALUES (?, ?)", (TEMPLATE_FINGERPRINT_KEY, fingerprint)
            )
            conn.commit()
            # Fold the WAL into the file so that a plain copy is a complete database.
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            conn.close()
        _remove_sqlite_files(building, keep_main=True)
        os.replace(building, self.template_path)
        for name in self.list_tenants():
            self.drop_tenant(name)

    def tenant_exists(self, name: str) -> bool:
        return self._path(name).exists()

    def copy_template_to(self, name: str, *, replace: bool) -> bool:
        target = self._path(name)
        if target.exists() and not replace:
            return False
        staging = target.with_name(f".{name}.{os.getpid()}.{threading.get_ident()}.tmp")
        shutil.copyfile(self.template_path, staging)
        # A stale WAL of the old file would be replayed onto the new one: remove it first.
        _remove_sqlite_files(target, keep_main=True)
        os.replace(staging, target)
        return True

    def drop_tenant(self, name: str) -> bool:
        existed = self._path(name).exists()
        _remove_sqlite_files(self._path(name))
        return existed

    def list_tenants(self) -> list[str]:
        return sorted(p.stem for p in self.tenants_dir.glob("*.db"))


def _remove_sqlite_files(path: Path, *, keep_main: bool = False) -> None:
    suffixes = ("-wal", "-shm", "-journal") if keep_main else ("", "-wal", "-shm", "-journal")
    for suffix in suffixes:
        with contextlib.suppress(FileNotFoundError):
            os.remove(f"{path}{suffix}")


_PG_NAME_RE = re.compile(r"[a-z0-9_]{1,20}")


class PostgresStorage(Storage):
    def __init__(self, url: str) -> None:
        parsed = make_url(url)
        if parsed.drivername in ("postgresql", "postgres"):
            parsed = parsed.set(drivername="postgresql+psycopg")
        self.url: URL = parsed
        base = (parsed.database or "esante").lower()
        if not _PG_NAME_RE.fullmatch(base):
            raise ValueError(f"database name {base!r} must match [a-z0-9_]{{1,20}}")
        self.base = base
        self.template_db = f"{base}_template"
        # The URL's database names the sandbox's databases; creating them goes through "postgres".
        self._admin = create_engine(
            parsed.set(database="postgres"),
            isolation_level="AUTOCOMMIT",
            pool_size=2,
            max_overflow=4,
            pool_pre_ping=True,
            pool_timeout=POOL_WAIT_SECONDS,
            connect_args=_PG_CONNECT,
        )

    def _db(self, name: str) -> str:
        return f"{self.base}_t_{name.replace('-', '_')}"

    def _url_for(self, database: str) -> str:
        return self.url.set(database=database).render_as_string(hide_password=False)

    def tenant_url(self, name: str) -> str:
        return self._url_for(self._db(name))

    def _exists(self, database: str) -> bool:
        with self._admin.connect() as conn:
            return (
                conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :d"), {"d": database}).first()
                is not None
            )

    @contextlib.contextmanager
    def template_lock(self) -> Iterator[None]:
        with self._admin.connect() as conn:
            key = _advisory_key(self.template_db)
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": key})
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})

    def template_url(self) -> str:
        if not self._exists(self.template_db):
            with self._admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{self.template_db}"'))
        return self._url_for(self.template_db)

    def template_fingerprint(self) -> str | None:
        if not self._exists(self.template_db):
            return None
        engine = create_engine(self._url_for(self.template_db), poolclass=NullPool)
        try:
            return read_meta(engine, TEMPLATE_FINGERPRINT_KEY)
        finally:
            engine.dispose()

    def build_template(self, fingerprint: str, builder: TemplateBuilder) -> None:
        building = f"{self.base}_building"
        with self._admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{building}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{building}"'))
        url = self._url_for(building)
        builder(url)
        engine = create_engine(url, poolclass=NullPool)
        with engine.begin() as conn:
            conn.execute(
                text("INSERT INTO tenant_meta (key, value) VALUES (:k, :v)"),
                {"k": TEMPLATE_FINGERPRINT_KEY, "v": fingerprint},
            )
        engine.dispose()
        with self._admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{self.template_db}" WITH (FORCE)'))
            conn.execute(text(f'ALTER DATABASE "{building}" RENAME TO "{self.template_db}"'))
        for name in self.list_tenants():
            self.drop_tenant(name)

    def tenant_exists(self, name: str) -> bool:
        return self._exists(self._db(name))

    def copy_template_to(self, name: str, *, replace: bool) -> bool:
        database = self._db(name)
        with self._admin.connect() as conn:
            if replace:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
            try:
                conn.execute(text(f'CREATE DATABASE "{database}" TEMPLATE "{self.template_db}"'))
            except Exception as exc:  # another process created it first
                if "already exists" in str(exc) and not replace:
                    return False
                raise
        return True

    def drop_tenant(self, name: str) -> bool:
        database = self._db(name)
        existed = self._exists(database)
        with self._admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        return existed

    def list_tenants(self) -> list[str]:
        prefix = f"{self.base}_t_"
        with self._admin.connect() as conn:
            rows = conn.execute(
                text("SELECT datname FROM pg_database WHERE starts_with(datname, :p) ORDER BY datname"),
                {"p": prefix},
            ).all()
        return [str(r[0])[len(prefix) :].replace("_", "-") for r in rows]

    def close(self) -> None:
        self._admin.dispose()

    def drop_everything(self) -> None:
        """Remove the template and every tenant (used by test suites to clean up)."""
        for name in self.list_tenants():
            self.drop_tenant(name)
        with self._admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{self.template_db}" WITH (FORCE)'))
        self._admin.dispose()


def _advisory_key(name: str) -> int:
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "big", signed=True)


def make_storage(database_url: str | None, data_dir: Path) -> Storage:
    data_dir.mkdir(parents=True, exist_ok=True)
    if database_url:
        return PostgresStorage(database_url)
    return SqliteStorage(data_dir)
