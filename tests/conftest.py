"""Shared fixtures: a fresh store per test on SQLite and on PostgreSQL."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, create_engine, text

PG_URL_ENV = "SERENO_TEST_POSTGRES_URL"


def _pg_url() -> str | None:
    return os.environ.get(PG_URL_ENV) or None


def _skip_or_fail(reason: str) -> None:
    # Under CI a PostgreSQL test that would be skipped fails instead.
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"PostgreSQL test cannot run in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """URL of an empty store, once for SQLite and once for PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'sereno.db'}"
        return
    base = _pg_url()
    if base is None:
        _skip_or_fail(f"{PG_URL_ENV} is not set")
        return
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with admin.begin() as conn:
            conn.execute(text(f"CREATE SCHEMA {schema}"))
    except Exception as exc:  # server down or unreachable
        admin.dispose()
        _skip_or_fail(f"PostgreSQL not reachable: {exc}")
        return
    sep = "&" if "?" in base else "?"
    try:
        yield f"{base}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture
def store(store_url: str) -> Iterator[Engine]:
    """An initialised store (schema, comunas, taxonomy, population) on each backend."""
    from sereno.services.store import init_store

    engine = init_store(store_url)
    yield engine
    engine.dispose()


@pytest.fixture
def sqlite_store(tmp_path: object) -> Iterator[Engine]:
    """An initialised SQLite store only (for SQLite-specific checks)."""
    from pathlib import Path

    from sereno.services.store import init_store

    engine = init_store(f"sqlite:///{Path(str(tmp_path)) / 'sereno.db'}")
    yield engine
    engine.dispose()
