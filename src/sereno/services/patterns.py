"""Near repeat and concentration for a territory selection (store → pure analysis)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from sereno.analysis.concentration import concentration
from sereno.analysis.nearrepeat import knox_test, repeat_locations
from sereno.errors import InputError
from sereno.services.study_area import load_points, study_grid

__all__ = ["cell_concentration", "near_repeat"]


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
    _ts, pts, meta = load_points(engine, territory, category, date_from, date_to)
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
    ts, pts, meta = load_points(engine, territory, category, date_from, date_to)
    grid = study_grid(ts, cell)
    counts = grid.counts(pts["x"].to_numpy(float), pts["y"].to_numpy(float))[0][grid.mask]
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
