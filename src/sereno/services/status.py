"""Store status and per-comuna volumes (what the CLI and the home page show)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, func, select

from sereno.domain.territory import builtin_territory_set
from sereno.storage import repo
from sereno.storage.db import transaction
from sereno.storage.models import Incident, Population, Statistic

__all__ = ["comuna_volumes", "store_status"]


def store_status(engine: Engine) -> dict[str, Any]:
    """Counts by source, territory, category and period.

    The integer keys ``incidents``, ``statistics`` and ``batches`` are at the top level.
    """
    with transaction(engine) as conn:
        data = repo.status_counts(conn)
        data["recent_batches"] = repo.list_batches(conn, limit=10)
    return data


def comuna_volumes(engine: Engine, region_set: str = "RM") -> dict[str, Any]:
    """One row per comuna of the region with population, incidents and statistic rows.

    Population is the latest INE projection up to 2025, with its vintage stated.
    """
    ts = builtin_territory_set(region_set)
    with transaction(engine) as conn:
        inc = dict(
            conn.execute(
                select(Incident.territory_code, func.count())
                .where(Incident.linked_to.is_(None))
                .group_by(Incident.territory_code)
            ).all()
        )
        stats = dict(
            conn.execute(
                select(Statistic.territory_code, func.count()).group_by(Statistic.territory_code)
            ).all()
        )
        year = conn.execute(
            select(func.max(Population.year)).where(
                Population.kind == "projection", Population.year <= 2025
            )
        ).scalar()
        pop = (
            dict(
                conn.execute(
                    select(Population.territory_code, Population.population).where(
                        Population.kind == "projection", Population.year == year
                    )
                ).all()
            )
            if year
            else {}
        )
        sources = repo.status_counts(conn)["by_source"]
    rows = []
    for i, cut in enumerate(ts.codes):
        a = ts.attributes.iloc[i]
        rows.append(
            {
                "cut": int(cut),
                "comuna": ts.names[i],
                "provincia": str(a.get("provincia", "")),
                "population": int(pop[cut]) if cut in pop else None,
                "incidents": int(inc.get(cut, 0)),
                "statistics": int(stats.get(cut, 0)),
            }
        )
    return {
        "territory_set": region_set,
        "population_year": year,
        "population_vintage": "INE proyecciones de población base Censo 2017",
        "comunas": rows,
        "sources": sources,
        "totals": {
            "incidents": sum(r["incidents"] for r in rows),
            "statistics": sum(r["statistics"] for r in rows),
        },
    }
