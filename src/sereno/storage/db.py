"""Engine creation, migrations and the one transaction context manager of the store."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.orm import Session

from sereno.errors import StorageError
from sereno.settings import DEFAULT_DATABASE_URL

__all__ = [
    "database_url",
    "is_sqlite",
    "make_engine",
    "migrate",
    "open_store",
    "session_scope",
    "transaction",
]


def database_url(explicit: str | None = None) -> str:
    """The store URL: ``--db``, else ``SERENO_DATABASE_URL``, else ``sqlite:///./sereno.db``."""
    return explicit or os.environ.get("SERENO_DATABASE_URL") or DEFAULT_DATABASE_URL


def _driver_url(url: str) -> str:
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def is_sqlite(engine: Engine | Connection) -> bool:
    """True for an SQLite store."""
    return engine.dialect.name == "sqlite"


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # Python's sqlite3 opens transactions lazily; we issue BEGIN ourselves so a batch
    # is one atomic transaction.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA cache_size=-262144")
    cur.execute("PRAGMA temp_store=MEMORY")
    cur.close()


def _sqlite_begin(conn: Connection) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str | None = None) -> Engine:
    """Create an engine for an SQLite file or a PostgreSQL server (psycopg 3)."""
    raw = database_url(url)
    try:
        parsed = make_url(_driver_url(raw))
    except ArgumentError as exc:
        raise StorageError(
            f"La dirección de base de datos «{raw}» no es válida.",
            hint="Use sqlite:///ruta/archivo.db o postgresql://usuario@servidor:5432/base.",
        ) from exc
    if parsed.get_backend_name() == "sqlite":
        db = parsed.database
        if db and db != ":memory:":
            folder = Path(db).expanduser().resolve().parent
            if not folder.exists():
                raise StorageError(
                    f"La carpeta «{folder}» de la base de datos no existe.",
                    hint="Créela o indique otra ruta con --db.",
                )
        engine = create_engine(parsed)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    if parsed.get_backend_name() != "postgresql":
        raise StorageError(
            f"El motor de base de datos «{parsed.get_backend_name()}» no está soportado.",
            hint="Sereno funciona con SQLite (por defecto) y PostgreSQL.",
        )
    return create_engine(parsed, pool_pre_ping=True)


def _alembic_config(engine: Engine) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("sereno.storage") / "migrations"))
    cfg.attributes["engine"] = engine
    return cfg


def migrate(engine: Engine) -> None:
    """Bring the schema to the latest Alembic revision (creates it on an empty database)."""
    from alembic import command

    try:
        command.upgrade(_alembic_config(engine), "head")
    except OperationalError as exc:
        raise StorageError(
            f"No se pudo abrir o actualizar la base de datos: {exc.orig}",
            hint="Revise la dirección (--db o SERENO_DATABASE_URL) y que el servidor esté en marcha.",
        ) from exc


def open_store(url: str | None = None, *, create: bool = True) -> Engine:
    """Engine for the store, migrated to the latest schema.

    With ``create=False`` a database without Sereno's tables is an error instead.
    """
    raw = database_url(url)
    if not create and raw.startswith("sqlite:///") and raw != "sqlite:///:memory:":
        path = Path(raw.removeprefix("sqlite:///")).expanduser()
        if not path.exists():
            raise StorageError(
                f"La base de datos «{path}» no existe.",
                hint="Créela con «sereno init» (o «sereno demo»), o indique otra con --db.",
            )
    engine = make_engine(url)
    if not create:
        try:
            has = inspect(engine).has_table("incidents")
        except OperationalError as exc:
            raise StorageError(f"No se pudo abrir la base de datos: {exc.orig}") from exc
        if not has:
            raise StorageError(
                "La base de datos no está inicializada.",
                hint="Ejecute primero «sereno init» (o «sereno demo»).",
            )
    migrate(engine)
    return engine


_WRITE_LOCK_KEY = 7_264_911  # arbitrary, constant: serialises Sereno's batch writers


@contextmanager
def transaction(engine: Engine, *, exclusive: bool = False) -> Iterator[Connection]:
    """One atomic transaction: committed on success, rolled back on any error.

    With ``exclusive=True`` batch writers are serialised: SQLite's ``BEGIN IMMEDIATE``
    already takes the write lock; on PostgreSQL a transaction-level advisory lock does,
    so two imports never race on new sources or on incident ids.
    """
    with engine.begin() as conn:
        if exclusive and conn.dialect.name == "postgresql":
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_WRITE_LOCK_KEY})")
        yield conn


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """ORM session inside one transaction."""
    with Session(engine) as session, session.begin():
        yield session
