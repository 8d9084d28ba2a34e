"""The study area shared by grid analyses: selected incidents and the cells they fall in."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from sqlalchemy import Engine

from sereno.domain.grid import cell_ids
from sereno.domain.locate import PolygonLocator
from sereno.domain.territory import TerritorySet
from sereno.errors import ConfigError, InputError
from sereno.services.selection import parse_categories, parse_period, select_territories
from sereno.storage import repo
from sereno.storage.db import transaction

__all__ = ["StudyGrid", "load_points", "study_grid"]

_MAX_CELLS = 20_000_000


def load_points(
    engine: Engine, territory: str, category: str | None, date_from: str | None, date_to: str | None
) -> tuple[TerritorySet, pd.DataFrame, dict[str, str]]:
    """Selected territories, their events (x, y, time, category) and a Spanish description."""
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


@dataclass(frozen=True)
class StudyGrid:
    """Cells aligned to multiples of ``cell`` covering a territory.

    ``mask`` marks the study area: the cells whose centre lies inside the territory.
    """

    cell: int
    i0: int
    j0: int
    mask: npt.NDArray[np.bool_]

    def counts(self, x: npt.ArrayLike, y: npt.ArrayLike) -> tuple[npt.NDArray[np.float64], int]:
        """Counts per cell (zero outside the study area) and points left outside it."""
        ny, nx = self.mask.shape
        pi = np.floor(np.asarray(x, float) / self.cell).astype(np.int64) - self.i0
        pj = np.floor(np.asarray(y, float) / self.cell).astype(np.int64) - self.j0
        ok = (pi >= 0) & (pi < nx) & (pj >= 0) & (pj < ny)
        grid = np.bincount(pj[ok] * nx + pi[ok], minlength=nx * ny).reshape(ny, nx).astype(float)
        grid[~self.mask] = 0.0
        return grid, int(len(pi) - grid.sum())

    def study_cells(self) -> dict[str, Any]:
        """Ids and centres of the study-area cells, in row-major order of the mask."""
        jj, ii = np.nonzero(self.mask)
        ix, iy = self.i0 + ii, self.j0 + jj
        x, y = (ix + 0.5) * self.cell, (iy + 0.5) * self.cell
        return {"cell_id": cell_ids(x, y, self.cell), "x": x, "y": y}


def study_grid(ts: TerritorySet, cell: int) -> StudyGrid:
    """The grid over ``ts`` in its metric CRS, refusing sizes that would not fit in memory."""
    if cell <= 0:
        raise ConfigError(
            "El tamaño de celda debe ser mayor que cero.", hint="Por ejemplo --cell 100."
        )
    polys = ts.metric_polygons
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
    cx = ((i0 + ii + 0.5) * cell).astype(np.float64).ravel()
    cy = ((j0 + jj + 0.5) * cell).astype(np.float64).ravel()
    mask = (PolygonLocator(polys).locate(cx, cy) >= 0).reshape(ny, nx)
    if mask.sum() < 3:
        raise InputError(
            "La zona de estudio tiene menos de 3 celdas.",
            hint="Use celdas más pequeñas o un territorio mayor.",
        )
    return StudyGrid(cell=cell, i0=i0, j0=j0, mask=mask)
