"""Fast point-in-polygon assignment for territory sets.

A spatial join of a million incidents to 52 or 345 comunas with a generic tree
(``geopandas.sjoin``) tests every point against polygon edges. Most incidents lie far
from any border, so :class:`PolygonLocator` first drops each point into a lookup grid:

* a grid cell crossed by no polygon boundary (checked with a one-cell margin) lies wholly
  inside one polygon or outside all, so its label is found once, from its centre, and
  reused for every point that falls in it;
* points in cells near a boundary get the exact test (prepared polygons, shapely
  ``intersects_xy``).

The result equals an exact join (``tests/domain/test_locate.py`` compares it with
``geopandas.sjoin``). A point exactly on a shared border touches two polygons; it is
given to the one listed first, so every point gets at most one territory.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import shapely

__all__ = ["PolygonLocator"]

_MAX_GRID_CELLS = 4_000_000


class PolygonLocator:
    """Locate points in a fixed array of polygons (same metric CRS as the points).

    Parameters
    ----------
    polygons
        Array of shapely polygons or multipolygons, in a metric CRS.
    resolution
        Lookup-grid cell size in CRS units; by default the smallest of 100 m and the size
        that keeps the grid under four million cells.
    """

    def __init__(self, polygons: npt.NDArray[np.object_], resolution: float | None = None) -> None:
        self._polygons = np.asarray(polygons, dtype=object)
        self._tree = shapely.STRtree(self._polygons)
        xmin, ymin, xmax, ymax = shapely.total_bounds(self._polygons)
        area = max((xmax - xmin) * (ymax - ymin), 1.0)
        self._r = float(resolution or max(100.0, float(np.sqrt(area / _MAX_GRID_CELLS))))
        self._x0, self._y0 = float(xmin), float(ymin)
        self._nx = int(np.floor((xmax - xmin) / self._r)) + 1
        self._ny = int(np.floor((ymax - ymin) / self._r)) + 1
        self._boundary = self._boundary_cells()
        # -2: not yet known; -1: outside every polygon; k >= 0: polygon index.
        self._label = np.full(self._nx * self._ny, -2, dtype=np.int32)
        self._prepared: set[int] = set()

    def _boundary_cells(self) -> npt.NDArray[np.bool_]:
        mask = np.zeros((self._ny, self._nx), dtype=bool)
        lines = shapely.boundary(self._polygons)
        dense = shapely.segmentize(lines, self._r / 4.0)
        xy = shapely.get_coordinates(dense)
        ix = np.floor((xy[:, 0] - self._x0) / self._r).astype(np.int64)
        iy = np.floor((xy[:, 1] - self._y0) / self._r).astype(np.int64)
        for dx in (-1, 0, 1):
            for dy in (-1, 0, 1):
                jx = np.clip(ix + dx, 0, self._nx - 1)
                jy = np.clip(iy + dy, 0, self._ny - 1)
                mask[jy, jx] = True
        return mask.ravel()

    def locate(
        self, x: npt.NDArray[np.float64], y: npt.NDArray[np.float64]
    ) -> npt.NDArray[np.intp]:
        """Index of the polygon containing each point, ``-1`` for none (or NaN input)."""
        x = np.asarray(x, dtype=float)
        y = np.asarray(y, dtype=float)
        out = np.full(x.shape, -1, dtype=np.intp)
        ix = np.floor((x - self._x0) / self._r)
        iy = np.floor((y - self._y0) / self._r)
        inside = (ix >= 0) & (ix < self._nx) & (iy >= 0) & (iy < self._ny)
        if not inside.any():
            return out
        pos = np.flatnonzero(inside)
        flat = iy[pos].astype(np.int64) * self._nx + ix[pos].astype(np.int64)
        near = self._boundary[flat]
        if near.any():
            sel = pos[near]
            out[sel] = self._exact(x[sel], y[sel])
        far_pos = pos[~near]
        far_flat = flat[~near]
        if far_flat.size:
            cells = np.unique(far_flat)
            unknown = cells[self._label[cells] == -2]
            if unknown.size:
                cx = self._x0 + (unknown % self._nx + 0.5) * self._r
                cy = self._y0 + (unknown // self._nx + 0.5) * self._r
                self._label[unknown] = self._exact(cx, cy)
            out[far_pos] = self._label[far_flat]
        return out

    def _exact(
        self, x: npt.NDArray[np.float64], y: npt.NDArray[np.float64]
    ) -> npt.NDArray[np.int32]:
        res = np.full(x.shape, -1, dtype=np.int32)
        if x.size == 0:
            return res
        pts = shapely.points(x, y)
        pt_idx, poly_idx = self._tree.query(pts)
        if pt_idx.size == 0:
            return res
        hit = np.zeros(pt_idx.shape, dtype=bool)
        order = np.argsort(poly_idx, kind="stable")
        pt_idx, poly_idx = pt_idx[order], poly_idx[order]
        starts = np.flatnonzero(np.r_[True, poly_idx[1:] != poly_idx[:-1]])
        ends = np.r_[starts[1:], poly_idx.size]
        for s, e in zip(starts, ends, strict=True):
            k = int(poly_idx[s])
            poly = self._polygons[k]
            if k not in self._prepared:
                shapely.prepare(poly)
                self._prepared.add(k)
            p = pt_idx[s:e]
            hit[s:e] = shapely.intersects_xy(poly, x[p], y[p])
        # Lowest polygon index wins for points on a shared border.
        pt_hit, poly_hit = pt_idx[hit], poly_idx[hit]
        best = np.full(x.shape, np.iinfo(np.int32).max, dtype=np.int64)
        np.minimum.at(best, pt_hit, poly_hit)
        found = best != np.iinfo(np.int32).max
        res[found] = best[found]
        return res
