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
from sereno.errors import ConfigError
from sereno.services.study_area import load_points, study_grid

__all__ = ["GridHotspots", "grid_hotspots"]


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
    ts, pts, meta = load_points(engine, territory, category, date_from, date_to)
    grid = study_grid(ts, cell)
    mask = grid.mask
    counts, outside = grid.counts(pts["x"].to_numpy(float), pts["y"].to_numpy(float))
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
            **grid.study_cells(),
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
        territory=meta["territory"],
        categories=meta["categories"],
        period=meta["period"],
        incidents=int(counts[mask].sum()),
        meta={
            "significant_cells": int((frame["class"] != 0).sum()),
            # Points in border cells whose centre lies outside the territory are not in
            # the study area (the definition); say how many.
            "incidents_outside_study_cells": outside,
        },
    )
