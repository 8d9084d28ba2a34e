"""Queries of the store used by the services (the only place SQL lives besides models)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, String, delete, func, insert, select, update

from sereno.storage.models import (
    ImportBatch,
    Incident,
    Population,
    Source,
    Statistic,
    Territory,
    TerritorySetRow,
)

__all__ = [
    "candidate_links",
    "count_rows",
    "create_batch",
    "existing_incident_keys",
    "existing_statistics",
    "finish_batch",
    "get_or_create_source",
    "incident_points",
    "list_batches",
    "list_territory_sets",
    "max_id",
    "monthly_statistics",
    "population_by_year",
    "population_years",
    "status_counts",
    "territory_rows",
    "upsert_territory_set",
]


def utcnow() -> datetime:
    """Current UTC time as a naive datetime (how the store keeps times)."""
    return datetime.now(UTC).replace(tzinfo=None)


def get_or_create_source(conn: Connection, name: str, kind: str, *, synthetic: bool = False) -> int:
    """Id of the source called ``name``, creating it with ``kind`` if new."""
    row = conn.execute(select(Source.id).where(Source.name == name)).first()
    if row is not None:
        return int(row[0])
    res = conn.execute(
        insert(Source).values(
            name=name, kind=kind, institution=name, synthetic=synthetic, created_at=utcnow()
        )
    )
    return int(res.inserted_primary_key[0])  # type: ignore[index]


def create_batch(conn: Connection, **values: Any) -> int:
    """Insert an import batch row and return its id."""
    res = conn.execute(insert(ImportBatch).values(started_at=utcnow(), **values))
    return int(res.inserted_primary_key[0])  # type: ignore[index]


def finish_batch(
    conn: Connection, batch_id: int, details: Mapping[str, Any], **counts: int
) -> None:
    """Record the counts and summary of a batch and mark it committed."""
    conn.execute(
        update(ImportBatch)
        .where(ImportBatch.id == batch_id)
        .values(
            finished_at=utcnow(),
            status="committed",
            details=json.dumps(details, ensure_ascii=False),
            **counts,
        )
    )


def max_id(conn: Connection, table: Any) -> int:
    """Largest id in a table (0 when empty)."""
    return int(conn.execute(select(func.coalesce(func.max(table.id), 0))).scalar_one())


def existing_incident_keys(conn: Connection, source_id: int) -> pd.DataFrame:
    """Record keys (and their batch) already stored for a source."""
    rows = conn.exec_driver_sql(
        "SELECT record_key, batch_id FROM incidents WHERE source_id = " + str(int(source_id))
    ).fetchall()
    return pd.DataFrame(
        {
            "record_key": np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows)),
            "batch_id": np.fromiter((r[1] for r in rows), dtype=np.int64, count=len(rows)),
        }
    )


def candidate_links(
    conn: Connection, source_id: int, t_from: datetime, t_to: datetime
) -> pd.DataFrame:
    """Canonical records of other sources in a time range (for cross-source linking)."""
    stmt = select(
        Incident.id,
        Incident.iccs_l1,
        Incident.category,
        Incident.occurred_from,
        Incident.x,
        Incident.y,
    ).where(
        Incident.source_id != source_id,
        Incident.linked_to.is_(None),
        Incident.occurred_from >= t_from,
        Incident.occurred_from <= t_to,
    )
    rows = conn.execute(stmt).all()
    df = pd.DataFrame(rows, columns=["id", "iccs_l1", "category", "occurred_from", "x", "y"])
    return df


def existing_statistics(conn: Connection, source_id: int) -> pd.DataFrame:
    """Stored statistic keys and values of a source."""
    stmt = select(
        Statistic.id,
        Statistic.territory_code,
        Statistic.period,
        Statistic.category,
        Statistic.measure,
        Statistic.value,
    ).where(Statistic.source_id == source_id)
    return pd.DataFrame(
        conn.execute(stmt).all(),
        columns=["id", "territory_code", "period", "category", "measure", "value"],
    )


def count_rows(conn: Connection, model: Any) -> int:
    """Number of rows of a table."""
    return int(conn.execute(select(func.count()).select_from(model)).scalar_one())


def _local_months(conn: Connection, timezones: Mapping[str, str]) -> list[dict[str, Any]]:
    """Events per local calendar month (each territory set's zone), from UTC hour buckets."""
    hour = func.substr(func.cast(Incident.occurred_from, String(40)), 1, 13)
    rows = conn.execute(
        select(Incident.territory_set, hour, func.count())
        .where(Incident.linked_to.is_(None))
        .group_by(Incident.territory_set, hour)
    ).all()
    if not rows:
        return []
    df = pd.DataFrame(rows, columns=["set", "hour", "n"])
    df["utc"] = pd.to_datetime(df["hour"].str.replace("T", " "), format="%Y-%m-%d %H", utc=True)
    parts = []
    for set_code, grp in df.groupby("set"):
        local = grp["utc"].dt.tz_convert(timezones.get(str(set_code), "UTC"))
        parts.append(pd.DataFrame({"period": local.dt.strftime("%Y-%m"), "n": grp["n"]}))
    months = pd.concat(parts).groupby("period")["n"].sum().sort_index()
    return [{"period": str(p), "incidents": int(n)} for p, n in months.items()]


def status_counts(conn: Connection) -> dict[str, Any]:
    """Counts for ``sereno status``.

    ``incidents`` counts events: a record linked to the same event from another source
    (``linked_to`` set) is stored for provenance but not counted again; ``records`` counts
    every stored row. Breakdowns by territory, category and (local) month count events.
    """
    event = Incident.linked_to.is_(None)
    records = count_rows(conn, Incident)
    events = int(conn.execute(select(func.count()).select_from(Incident).where(event)).scalar_one())
    out: dict[str, Any] = {
        "incidents": events,
        "records": records,
        "linked": records - events,
        "statistics": count_rows(conn, Statistic),
        "batches": count_rows(conn, ImportBatch),
        "population": count_rows(conn, Population),
    }
    per_source = dict(
        conn.execute(select(Incident.source_id, func.count()).group_by(Incident.source_id)).all()
    )
    stat_src = dict(
        conn.execute(select(Statistic.source_id, func.count()).group_by(Statistic.source_id)).all()
    )
    synthetic_batches = {
        sid
        for (sid,) in conn.execute(
            select(ImportBatch.source_id).where(ImportBatch.synthetic).distinct()
        ).all()
    }
    sources = conn.execute(
        select(Source.id, Source.name, Source.kind, Source.synthetic).order_by(Source.name)
    ).all()
    out["by_source"] = [
        {
            "source": name,
            "kind": kind,
            "synthetic": bool(synth) or sid in synthetic_batches,
            "incidents": int(per_source.get(sid, 0)),
            "statistics": int(stat_src.get(sid, 0)),
        }
        for sid, name, kind, synth in sources
    ]
    out["by_territory"] = [
        {"territory": t, "incidents": int(c)}
        for t, c in conn.execute(
            select(Incident.territory_code, func.count())
            .where(event)
            .group_by(Incident.territory_code)
            .order_by(Incident.territory_code)
        ).all()
    ]
    out["by_category"] = [
        {"category": t, "incidents": int(c)}
        for t, c in conn.execute(
            select(Incident.category, func.count())
            .where(event)
            .group_by(Incident.category)
            .order_by(func.count().desc())
        ).all()
    ]
    zones = dict(conn.execute(select(TerritorySetRow.code, TerritorySetRow.timezone)).all())
    out["by_period"] = _local_months(conn, zones)
    stat_period = conn.execute(
        select(func.min(Statistic.period), func.max(Statistic.period))
    ).first()
    out["statistics_periods"] = (
        {"from": stat_period[0], "to": stat_period[1]} if stat_period and stat_period[0] else None
    )
    return out


def list_batches(conn: Connection, limit: int = 50) -> list[dict[str, Any]]:
    """Most recent import batches with their source."""
    b = ImportBatch
    cols = [
        b.id,
        Source.name,
        b.kind,
        b.file_name,
        b.sha256,
        b.rows_read,
        b.inserted,
        b.duplicates,
        b.rejected,
        b.status,
        b.imported_by,
        b.started_at,
    ]
    keys = [
        "batch_id",
        "source",
        "kind",
        "file_name",
        "sha256",
        "rows_read",
        "inserted",
        "duplicates",
        "rejected",
        "status",
        "imported_by",
        "started_at",
    ]
    rows = conn.execute(
        select(*cols).join(Source, Source.id == b.source_id).order_by(b.id.desc()).limit(limit)
    ).all()
    out = [dict(zip(keys, r, strict=True)) for r in rows]
    for d in out:
        d["started_at"] = d["started_at"].isoformat() if d["started_at"] else None
    return out


def upsert_territory_set(
    conn: Connection, meta: Mapping[str, Any], territories: Iterable[Mapping[str, Any]]
) -> None:
    """Replace a territory set's registration and its territories."""
    code = meta["code"]
    conn.execute(delete(Territory).where(Territory.set_code == code))
    conn.execute(delete(TerritorySetRow).where(TerritorySetRow.code == code))
    conn.execute(insert(TerritorySetRow).values(loaded_at=utcnow(), **meta))
    rows = [dict(t, set_code=code) for t in territories]
    if rows:
        conn.execute(insert(Territory), rows)


def list_territory_sets(conn: Connection) -> list[dict[str, Any]]:
    """Registered territory sets with their number of territories."""
    t = TerritorySetRow
    rows = conn.execute(
        select(t.code, t.name, t.crs, t.timezone, t.builtin, func.count(Territory.code))
        .join(Territory, Territory.set_code == t.code, isouter=True)
        .group_by(t.code, t.name, t.crs, t.timezone, t.builtin)
        .order_by(t.builtin.desc(), t.code)
    ).all()
    return [
        {
            "code": c,
            "name": nm,
            "crs": crs,
            "timezone": tz,
            "builtin": bool(b),
            "territories": int(n),
        }
        for c, nm, crs, tz, b, n in rows
    ]


def territory_rows(conn: Connection, set_code: str) -> list[dict[str, Any]]:
    """Territories of a set with their stored GeoJSON geometry (custom sets)."""
    ts = TerritorySetRow
    meta = conn.execute(
        select(ts.code, ts.name, ts.crs, ts.timezone).where(ts.code == set_code)
    ).one_or_none()
    if meta is None:
        return []
    t = Territory
    rows = conn.execute(
        select(t.code, t.name, t.parent_code, t.parent_name, t.area_km2, t.geometry)
        .where(t.set_code == set_code)
        .order_by(t.code)
    ).all()
    head = {"code": meta[0], "name": meta[1], "crs": meta[2], "timezone": meta[3]}
    keys = ("code", "name", "parent_code", "parent_name", "area_km2", "geometry")
    return [{"set": head, **dict(zip(keys, r, strict=True))} for r in rows]


def population_years(conn: Connection) -> int:
    """Number of population rows stored."""
    return count_rows(conn, Population)


def monthly_statistics(conn: Connection, source: str, measure: str) -> pd.DataFrame:
    """Monthly figures of one source and measure: territory, period, category, name, value."""
    rows = conn.execute(
        select(
            Statistic.territory_code,
            Statistic.period,
            Statistic.category,
            Statistic.raw_category,
            Statistic.value,
        )
        .join(Source, Source.id == Statistic.source_id)
        .where(
            Source.name == source, Statistic.measure == measure, func.length(Statistic.period) == 7
        )
    ).all()
    return pd.DataFrame(
        rows, columns=["territory_code", "period", "category", "raw_category", "value"]
    )


def incident_points(
    conn: Connection,
    *,
    territory_set: str,
    territories: list[str] | None,
    categories: list[str] | None,
    t_from: datetime | None,
    t_to: datetime | None,
) -> pd.DataFrame:
    """Metric coordinates, time and category of events (linked duplicates excluded)."""
    stmt = select(Incident.x, Incident.y, Incident.occurred_from, Incident.category).where(
        Incident.linked_to.is_(None), Incident.territory_set == territory_set
    )
    if territories:
        stmt = stmt.where(Incident.territory_code.in_(territories))
    if categories:
        stmt = stmt.where(Incident.category.in_(categories))
    if t_from is not None:
        stmt = stmt.where(Incident.occurred_from >= t_from)
    if t_to is not None:
        stmt = stmt.where(Incident.occurred_from < t_to)
    rows = conn.execute(stmt).all()
    return pd.DataFrame(rows, columns=["x", "y", "occurred_from", "category"])


def population_by_year(conn: Connection, territories: list[str]) -> dict[int, int]:
    """Summed INE projection population of the given territories, per year."""
    rows = conn.execute(
        select(Population.year, func.sum(Population.population))
        .where(Population.kind == "projection", Population.territory_code.in_(territories))
        .group_by(Population.year)
    ).all()
    return {int(y): int(p) for y, p in rows}
