import pytest
from sqlalchemy import text

from sereno.errors import StorageError
from sereno.storage.db import database_url, make_engine, open_store, transaction


def test_database_url_precedence(monkeypatch):
    monkeypatch.delenv("SERENO_DATABASE_URL", raising=False)
    assert database_url() == "sqlite:///./sereno.db"
    monkeypatch.setenv("SERENO_DATABASE_URL", "sqlite:///otra.db")
    assert database_url() == "sqlite:///otra.db"
    assert database_url("sqlite:///explicita.db") == "sqlite:///explicita.db"


def test_sqlite_uses_wal(tmp_path):
    engine = open_store(f"sqlite:///{tmp_path / 'a.db'}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar_one() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 1
    engine.dispose()


def test_transaction_rolls_back_on_error(store):
    with pytest.raises(RuntimeError), transaction(store) as conn:
        conn.execute(
            text(
                "INSERT INTO sources (name, kind, institution, synthetic, created_at) "
                "VALUES ('X', 'other', 'X', false, '2025-01-01 00:00:00')"
            )
        )
        raise RuntimeError("boom")
    with transaction(store) as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM sources WHERE name = 'X'")).scalar_one() == 0


@pytest.mark.parametrize(
    ("url", "match"),
    [
        ("mysql://root@localhost/x", "no está soportado"),
        ("sqlite:////no/existe/aqui/x.db", "no existe"),
        ("esto no es una url", "no es válida"),
    ],
    ids=["unsupported", "missing-folder", "garbage"],
)
def test_bad_urls_give_spanish_errors(url, match):
    with pytest.raises(StorageError, match=match):
        make_engine(url)


def test_missing_or_uninitialised_store_is_reported_without_creating_it(tmp_path):
    missing = tmp_path / "no-existe.db"
    with pytest.raises(StorageError, match="no existe"):
        open_store(f"sqlite:///{missing}", create=False)
    assert not missing.exists()
    empty = tmp_path / "vacia.db"
    import sqlite3

    sqlite3.connect(empty).close()
    with pytest.raises(StorageError, match="no está inicializada"):
        open_store(f"sqlite:///{empty}", create=False)
