"""Hotspots on the grid for a territory selection: store → counts per cell → Gi* / LISA."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Engine

from sereno.analysis.hotspots import (
    HotspotResult,
    LocalMoranResult,
    Neighbors,
    getis_ord_gi_star,
    local_moran,
)
from sereno.domain.locate import PolygonLocator
from sereno.errors import ConfigError, InputError
from sereno.services.selection import parse_categories, parse_period, select_territories
from sereno.storage import repo
from sereno.storage.db import transaction

__all__ = ["GridHotspots", "grid_hotspots"]

_MAX_CELLS = 20_000_000


@dataclass(frozen=True)
class GridHotspots:
    """One row per cell of the study area (zeros included), plus what was analysed."""

    cells: pd.DataFrame
    method: str
    cell_size: int
    crs: str
    territory: str
    categories: str
    period: str
    incidents: int
    meta: dict[str, Any] = field(default_factory=dict)

    def to_geojson(self) -> dict[str, Any]:
        """Cells as WGS84 squares (properties: the CSV columns)."""
        from pyproj import Transformer

        tr = Transformer.from_crs(self.crs, "EPSG:4326", always_xy=True)
        h = self.cell_size / 2
        feats = []
        for row in self.cells.itertuples(index=False):
            xs = [row.x - h, row.x + h, row.x + h, row.x - h, row.x - h]
            ys = [row.y - h, row.y - h, row.y + h, row.y + h, row.y - h]
            lon, lat = tr.transform(xs, ys)
            props = {
                k: (None if isinstance(v, float) and np.isnan(v) else v)
                for k, v in row._asdict().items()
            }
            feats.append(
                {
                    "type": "Feature",
                    "properties": props,
                    "geometry": {
                        "type": "Polygon",
                        "coordinates": [[list(p) for p in zip(lon, lat, strict=True)]],
                    },
                }
            )
        return {"type": "FeatureCollection", "features": feats, "metadata": self.describe()}

    def describe(self) -> dict[str, Any]:
        """Source, period, method and selection, shown beside every output."""
        return {
            "method": self.method,
            "cell_size_m": self.cell_size,
            "crs": self.crs,
            "territory": self.territory,
            "categories": self.categories,
            "period": self.period,
            "incidents": self.incidents,
            "cells": len(self.cells),
            **self.meta,
        }


def _neighbors(spec: str) -> Neighbors:
    if spec == "queen":
        return "queen"
    if spec.startswith("distance:"):
        try:
            metres = float(spec.split(":", 1)[1])
        except ValueError:
            metres = -1.0
        if metres > 0:
            return ("distance", metres)
    raise ConfigError(
        f"La vecindad «{spec}» no es válida.",
        hint="Use queen o distance:METROS, p. ej. distance:250.",
    )


def grid_hotspots(
    engine: Engine,
    *,
    territory: str = "region",
    category: str | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
    cell: int = 100,
    method: str = "gistar",
    neighbors: str = "queen",
    permutations: int = 0,
    seed: int | None = None,
) -> GridHotspots:
    """Hotspot classes for every cell whose centre lies inside the selected territory."""
    if method not in ("gistar", "lisa"):
        raise ConfigError(f"El método «{method}» no existe.", hint="Use gistar o lisa.")
    if cell <= 0:
        raise ConfigError(
            "El tamaño de celda debe ser mayor que cero.", hint="Por ejemplo --cell 100."
        )
    ts, stored_set, codes, territory_name = select_territories(engine, territory)
    categories, category_text = parse_categories(category)
    t_from, t_to, period_text = parse_period(date_from, date_to, ts.timezone)
    polys = ts.metric_polygons
    import shapely

    xmin, ymin, xmax, ymax = shapely.total_bounds(polys)
    i0, j0 = int(np.floor(xmin / cell)), int(np.floor(ymin / cell))
    nx, ny = int(np.floor(xmax / cell)) - i0 + 1, int(np.floor(ymax / cell)) - j0 + 1
    if nx * ny > _MAX_CELLS:
        raise ConfigError(
            f"Con celdas de {cell} m la grilla tendría {nx * ny:,} celdas, más de las que caben en memoria.".replace(
                ",", "."
            ),
            hint="Use celdas más grandes (--cell) o un territorio más pequeño.",
        )
    ii, jj = np.meshgrid(np.arange(nx), np.arange(ny))
    cx = ((i0 + ii + 0.5) * cell).astype(np.float64)
    cy = ((j0 + jj + 0.5) * cell).astype(np.float64)
    mask = (PolygonLocator(polys).locate(cx.ravel(), cy.ravel()) >= 0).reshape(ny, nx)
    if mask.sum() < 3:
        raise InputError(
            "La zona de estudio tiene menos de 3 celdas.",
            hint="Use celdas más pequeñas o un territorio mayor.",
        )
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
    pi = np.floor(pts["x"].to_numpy(float) / cell).astype(np.int64) - i0
    pj = np.floor(pts["y"].to_numpy(float) / cell).astype(np.int64) - j0
    ok = (pi >= 0) & (pi < nx) & (pj >= 0) & (pj < ny)
    counts = np.bincount(pj[ok] * nx + pi[ok], minlength=nx * ny).reshape(ny, nx).astype(float)
    counts[~mask] = 0.0
    nb = _neighbors(neighbors)
    res: HotspotResult | LocalMoranResult
    if method == "gistar":
        res = getis_ord_gi_star(
            counts, mask, neighbors=nb, cell_size=float(cell), permutations=permutations, rng=seed
        )
        label = "Getis-Ord Gi* (Ord y Getis 1995), pesos binarios"
    else:
        res = local_moran(
            counts, mask, neighbors=nb, cell_size=float(cell), permutations=permutations, rng=seed
        )
        label = "Moran local (Anselin 1995), pesos estandarizados por fila"
    sel = np.flatnonzero(mask.ravel())
    ix = (i0 + ii.ravel()[sel]).astype(np.int64)
    iy = (j0 + jj.ravel()[sel]).astype(np.int64)
    if isinstance(res, LocalMoranResult):
        # LISA class: the quadrant (1 HH … 4 HL) of cells significant after FDR, else 0.
        quadrant = np.asarray(res.quadrant).ravel()[sel]
        classes = np.where(np.asarray(res.significant).ravel()[sel], quadrant, 0)
        labels = {**dict(res.quadrant_labels), 0: "no significativo"}
    else:
        classes = np.asarray(res.classes).ravel()[sel]
        labels = dict(res.class_labels)
    frame = pd.DataFrame(
        {
            "cell_id": [f"{cell}:{a}:{b}" for a, b in zip(ix.tolist(), iy.tolist(), strict=True)],
            "x": (ix + 0.5) * cell,
            "y": (iy + 0.5) * cell,
            "count": counts.ravel()[sel].astype(int),
            "z": np.asarray(res.z).ravel()[sel],
            "p": np.asarray(res.p).ravel()[sel],
            "p_fdr": np.asarray(res.p_fdr).ravel()[sel],
            "class": classes.astype(int),
        }
    )
    frame["class_label"] = frame["class"].map(labels)
    inference = f"{permutations} permutaciones" if permutations else "inferencia analítica (normal)"
    return GridHotspots(
        cells=frame,
        method=f"{label}; vecindad {neighbors}; {inference}; FDR Benjamini-Hochberg",
        cell_size=cell,
        crs=ts.crs,
        territory=territory_name,
        categories=category_text,
        period=period_text,
        incidents=int(counts[mask].sum()),
        meta={
            "significant_cells": int((frame["class"] != 0).sum()),
            # Points in border cells whose centre lies outside the territory are not in
            # the study area (the definition); say how many.
            "incidents_outside_study_cells": int(ok.sum() - counts[mask].sum()),
        },
    )
