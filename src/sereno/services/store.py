"""Store initialisation: schema, territory registry, classification tables, population."""

from __future__ import annotations

from sqlalchemy import Engine, delete, func, insert, select

from sereno.domain.taxonomy import load_taxonomy
from sereno.domain.territory import BUILTIN_SETS
from sereno.services.statistics import load_population
from sereno.services.territories import register_builtin_sets
from sereno.storage.db import open_store, transaction
from sereno.storage.models import Category, ClassificationVersion, TerritorySetRow

__all__ = ["init_store"]


def _register_taxonomy(engine: Engine) -> None:
    tax = load_taxonomy()
    with transaction(engine) as conn:
        conn.execute(delete(Category))
        conn.execute(delete(ClassificationVersion))
        for version in tax.versions:
            cl = tax.classification(version)
            conn.execute(
                insert(ClassificationVersion).values(
                    version=cl.version, name=cl.name, valid_from=cl.valid_from, valid_to=cl.valid_to
                )
            )
            rows = [
                {
                    "version": cl.version,
                    "code": c.code,
                    "name": c.name,
                    "level": c.level,
                    "parent": c.parent,
                    "iccs_l1": c.iccs_l1,
                }
                for c in cl.categories.values()
            ]
            if rows:
                conn.execute(insert(Category), rows)


def _reference_tables_loaded(engine: Engine) -> bool:
    with transaction(engine) as conn:
        sets = conn.execute(
            select(func.count()).select_from(TerritorySetRow).where(TerritorySetRow.builtin)
        ).scalar_one()
        versions = conn.execute(
            select(func.count()).select_from(ClassificationVersion)
        ).scalar_one()
    return int(sets) == len(BUILTIN_SETS) and int(versions) == len(load_taxonomy().versions)


def init_store(url: str | None = None, *, refresh: bool = False) -> Engine:
    """Create or migrate the store and load its reference tables (idempotent).

    Reference tables (built-in territory sets, classification, population) are written
    when missing, or always with ``refresh=True``.
    """
    engine = open_store(url)
    if refresh or not _reference_tables_loaded(engine):
        register_builtin_sets(engine)
        _register_taxonomy(engine)
    load_population(engine)
    return engine
