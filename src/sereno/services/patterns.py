"""Near repeat and concentration for a territory selection (store → pure analysis)."""

from __future__ import annotations

from typing import Any

import numpy as np
from sqlalchemy import Engine

from sereno.analysis.concentration import concentration
from sereno.analysis.nearrepeat import knox_test, repeat_locations
from sereno.errors import InputError
from sereno.services.selection import parse_categories, parse_period, select_territories
from sereno.storage import repo
from sereno.storage.db import transaction

__all__ = ["cell_concentration", "near_repeat"]


def _points(
    engine: Engine, territory: str, category: str | None, date_from: str | None, date_to: str | None
) -> tuple[Any, Any, dict[str, str]]:
    ts, stored_set, codes, territory_name = select_territories(engine, territory)
    categories, category_text = parse_categories(category)
    t_from, t_to, period_text = parse_period(date_from, date_to, ts.timezone)
    with transaction(engine) as conn:
        pts = repo.incident_points(
            conn,
            territory_set=stored_set,
            territories=codes,
            categories=categories,
            t_from=t_from,
            t_to=t_to,
        )
    if pts.empty:
        raise InputError(
            f"No hay incidentes para {territory_name}, {category_text}, {period_text}.",
            hint="Revise el territorio, la categoría y las fechas (--from/--to).",
        )
    meta = {
        "territory": territory_name,
        "categories": category_text,
        "period": period_text,
        "crs": ts.crs,
    }
    return ts, pts, meta


def near_repeat(
    engine: Engine,
    *,
    territory: str = "region",
    category: str | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
    permutations: int = 99,
    seed: int | None = None,
) -> dict[str, Any]:
    """Knox table (space × time bands) and repeat locations for the selected incidents."""
    _ts, pts, meta = _points(engine, territory, category, date_from, date_to)
    if len(pts) < 2:
        raise InputError("Se necesitan al menos 2 incidentes para el test de Knox.")
    t = pts["occurred_from"].astype("datetime64[ns]").astype("int64").to_numpy() / 86_400e9
    x, y = pts["x"].to_numpy(float), pts["y"].to_numpy(float)
    result = knox_test(x, y, t, permutations=permutations, rng=seed)
    repeats = repeat_locations(x, y)
    return {
        **result.to_dict(),
        "repeat_locations": repeats.repeat_locations,
        "repeat_share": repeats.repeat_share,
        "method": "Test de Knox con permutación de tiempos (Knox 1964; Ratcliffe y Rengert 2008)",
        **meta,
    }


def cell_concentration(
    engine: Engine,
    *,
    territory: str = "region",
    category: str | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
    cell: int = 100,
) -> dict[str, Any]:
    """Concentration of incidents over the cells of the study area (zeros included)."""
    from sereno.domain.locate import PolygonLocator

    ts, pts, meta = _points(engine, territory, category, date_from, date_to)
    import shapely

    xmin, ymin, xmax, ymax = shapely.total_bounds(ts.metric_polygons)
    i0, j0 = int(np.floor(xmin / cell)), int(np.floor(ymin / cell))
    nx, ny = int(np.floor(xmax / cell)) - i0 + 1, int(np.floor(ymax / cell)) - j0 + 1
    ii, jj = np.meshgrid(np.arange(nx), np.arange(ny))
    cx = ((i0 + ii + 0.5) * cell).astype(np.float64).ravel()
    cy = ((j0 + jj + 0.5) * cell).astype(np.float64).ravel()
    mask = PolygonLocator(ts.metric_polygons).locate(cx, cy) >= 0
    pi = np.floor(pts["x"].to_numpy(float) / cell).astype(np.int64) - i0
    pj = np.floor(pts["y"].to_numpy(float) / cell).astype(np.int64) - j0
    ok = (pi >= 0) & (pi < nx) & (pj >= 0) & (pj < ny)
    counts = np.bincount(pj[ok] * nx + pi[ok], minlength=nx * ny)[mask]
    res = concentration(counts)
    return {
        "cells": int(res.n_cells),
        "incidents": int(res.n_incidents),
        "cell_size_m": cell,
        "share_top": {
            f"{f:.2f}": float(v) for f, v in zip(res.top_fractions, res.share_top, strict=True)
        },
        "cells_for_share": {
            f"{f:.2f}": float(v)
            for f, v in zip(res.share_targets, res.cells_for_share, strict=True)
        },
        "gini": float(res.gini),
        "generalized_gini": float(res.generalized_gini),
        "method": "Participación de las celdas con más incidentes, bandas de Weisburd (2015), Lorenz y Gini "
        "generalizado para conteos escasos (Bernasco y Steenbeek 2017)",
        **meta,
    }
