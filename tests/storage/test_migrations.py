from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from sereno.storage.db import open_store
from sereno.storage.models import Base


def test_migrations_create_every_model_table(store_url):
    engine = open_store(store_url)
    names = set(inspect(engine).get_table_names())
    assert set(Base.metadata.tables) <= names
    assert "alembic_version" in names
    engine.dispose()


def test_models_and_migrations_agree(store_url):
    engine = open_store(store_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    assert diff == []


def test_migrate_twice_is_harmless(store_url):
    first = open_store(store_url)
    first.dispose()
    again = open_store(store_url)
    with again.connect() as conn:
        version = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar_one()
    again.dispose()
    assert version == "0001"
