"""Near repeat analysis: Knox test over space and time bands, and repeat locations.

The Knox test counts pairs of incidents that are close both in space and in time and
compares the counts with those obtained after shuffling the times among the incidents,
as Ratcliffe's Near Repeat Calculator does. Space is split into a "same location" band
(distance at most a tolerance), half-open distance bands ``(tol, e1), [e1, e2), ...`` and
an overflow band ``[e_last, inf)``; time into half-open bands ``[0, f1), [f1, f2), ...``
and an overflow band ``[f_last, inf)``.

Only pairs within the largest distance are ever enumerated (with a k-d tree); every count
involving pairs farther apart is derived from totals that do not change when times are
permuted, so memory grows with the number of close pairs, not with ``n**2``.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.sparse import coo_array
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from sereno.errors import InputError

__all__ = [
    "KnoxBand",
    "KnoxResult",
    "RepeatLocationsResult",
    "knox_test",
    "repeat_locations",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

DEFAULT_SPACE_BANDS: tuple[float, ...] = (0, 100, 200, 300, 400)
DEFAULT_TIME_BANDS: tuple[float, ...] = (0, 7, 14, 21, 28)

# Permutations handed to one worker at a time; each worker reuses pair-sized buffers,
# so memory is O(close pairs x workers) whatever the number of permutations.
_BATCH = 16


@dataclass(frozen=True)
class KnoxBand:
    """One cell of the Knox table.

    Distances in metres, times in days. The same-location band has
    ``space_from == space_to == 0``; overflow bands ("400 m and more", "28 days and more")
    have ``space_to`` or ``time_to`` equal to ``None``. ``expected``, ``ratio`` and ``p``
    are ``None`` when no permutations were run; ``ratio`` is also ``None`` when
    ``expected`` is 0.
    """

    space_from: float
    space_to: float | None
    time_from: float
    time_to: float | None
    observed: int
    expected: float | None
    ratio: float | None
    p: float | None

    def to_dict(self) -> dict[str, Any]:
        """Return the band as a JSON-ready dictionary."""
        return {
            "space_from": self.space_from,
            "space_to": self.space_to,
            "time_from": self.time_from,
            "time_to": self.time_to,
            "observed": self.observed,
            "expected": self.expected,
            "ratio": self.ratio,
            "p": self.p,
        }


@dataclass(frozen=True)
class KnoxResult:
    """Result of :func:`knox_test`: bands in row-major order (space, then time)."""

    bands: tuple[KnoxBand, ...]
    n: int
    permutations: int

    def to_dict(self) -> dict[str, Any]:
        """Return ``{"bands": [...], "n": ..., "permutations": ...}``, JSON-ready."""
        return {
            "bands": [band.to_dict() for band in self.bands],
            "n": self.n,
            "permutations": self.permutations,
        }


@dataclass(frozen=True)
class RepeatLocationsResult:
    """Result of :func:`repeat_locations`.

    ``counts`` pairs each number of incidents per location with how many locations have
    it, sorted by the number of incidents, e.g. ``((1, 950), (2, 20), (3, 3))``.
    """

    n: int
    locations: int
    repeat_locations: int
    repeat_share: float
    counts: tuple[tuple[int, int], ...]

    def to_dict(self) -> dict[str, Any]:
        """Return the result as a JSON-ready dictionary."""
        return {
            "n": self.n,
            "locations": self.locations,
            "repeat_locations": self.repeat_locations,
            "repeat_share": self.repeat_share,
            "counts": [list(pair) for pair in self.counts],
        }


def knox_test(
    x: npt.ArrayLike,
    y: npt.ArrayLike,
    t_days: npt.ArrayLike,
    *,
    space_bands: Sequence[float] = DEFAULT_SPACE_BANDS,
    time_bands: Sequence[float] = DEFAULT_TIME_BANDS,
    same_location_tolerance: float = 0.5,
    permutations: int = 99,
    rng: np.random.Generator | int | None = None,
    workers: int | None = None,
) -> KnoxResult:
    """Knox test for near repeats over space bands x time bands.

    Parameters
    ----------
    x, y : array_like
        Coordinates in metres (a projected CRS), one per incident.
    t_days : array_like
        Time of each incident in days (any origin; fractions allowed).
    space_bands : sequence of float, default (0, 100, 200, 300, 400)
        Increasing distance band edges in metres, starting at 0.
    time_bands : sequence of float, default (0, 7, 14, 21, 28)
        Increasing time band edges in days, starting at 0.
    same_location_tolerance : float, default 0.5
        Pairs at most this many metres apart form the "same location" band; the first
        distance band is then ``(tolerance, space_bands[1])``.
    permutations : int, default 99
        Monte Carlo permutations of the times among the incidents; 0 gives observed
        counts only.
    rng : numpy.random.Generator, int or None
        Seed or generator for the permutations.
    workers : int or None
        Threads used for the permutations (default: up to 2, bounded by the CPUs).
        The result does not depend on it.

    Returns
    -------
    KnoxResult
        One :class:`KnoxBand` per (space band, time band), space-major, including the
        same-location row and the overflow row and column.

    Notes
    -----
    For every pair of incidents ``i < j`` the distance ``d`` and the time difference
    ``|t_i - t_j|`` are binned into half-open bands. The expected count of a band is the
    mean count over permutations of the times among the incidents, which keeps the
    spatial and temporal distributions but breaks their interaction (Knox 1964). The
    Knox ratio is observed / expected and the pseudo p-value is
    ``(#{permuted >= observed} + 1) / (permutations + 1)``, as in the Near Repeat
    Calculator (Ratcliffe & Rengert 2008; Johnson et al. 2007).

    Only pairs closer than ``space_bands[-1]`` are enumerated, with
    ``scipy.spatial.cKDTree.query_pairs``. The overflow row and column are derived from
    totals that permutations leave unchanged (pairs per distance band, and pairs per
    time band over all pairs, counted on the sorted times), so the test runs in
    O(close pairs x permutations) time and O(close pairs) memory.

    References
    ----------
    Knox, G. (1964). The detection of space-time interactions. *Journal of the Royal
    Statistical Society C*, 13(1), 25-30.

    Ratcliffe, J. H., & Rengert, G. F. (2008). Near-repeat patterns in Philadelphia
    shootings. *Security Journal*, 21(1-2), 58-76.

    Johnson, S. D., et al. (2007). Space-time patterns of risk: a cross national
    assessment of residential burglary victimization. *Journal of Quantitative
    Criminology*, 23(3), 201-219.

    Examples
    --------
    >>> res = knox_test([0, 50, 5000], [0, 0, 0], [0, 3, 100], permutations=0)
    >>> [(b.space_from, b.time_from, b.observed) for b in res.bands if b.observed]
    [(0.0, 0.0, 1), (400.0, 28.0, 2)]
    """
    xa, ya, ta, sedges, tedges, tol, n_perm = _check_inputs(
        x, y, t_days, space_bands, time_bands, same_location_tolerance, permutations
    )
    n = xa.size
    k_close = sedges.size  # same-location band + regular distance bands
    n_time = tedges.size - 1  # regular time bands

    ii, jj, sidx = _close_pairs(xa, ya, sedges, tol)
    space_totals = np.bincount(sidx, minlength=k_close).astype(np.int64)
    time_totals = _time_band_totals(ta, tedges)
    all_pairs = n * (n - 1) // 2

    def full_table(close: IntArray) -> IntArray:
        return _full_table(close, space_totals, time_totals, all_pairs)

    soff = sidx * n_time
    size = k_close * n_time
    tw = _work_times(ta, tedges)
    observed = full_table(
        _close_counts(tw, ii, jj, soff, tedges, size, _Buffers(ii.size, tw.dtype.type))
    )

    sims: IntArray | None = None
    if n_perm > 0:
        gen = np.random.default_rng(rng)
        seeds = gen.integers(0, 2**63 - 1, size=n_perm, dtype=np.int64)
        sims = np.empty((n_perm,) + observed.shape, dtype=np.int64)
        sims_out = sims

        def run(start: int) -> None:
            buf = _Buffers(ii.size, tw.dtype.type)
            for k in range(start, min(start + _BATCH, n_perm)):
                tp = np.random.default_rng(int(seeds[k])).permutation(tw)
                close = _close_counts(tp, ii, jj, soff, tedges, size, buf)
                sims_out[k] = full_table(close)

        n_workers = workers if workers is not None else min(2, os.cpu_count() or 1)
        starts = range(0, n_perm, _BATCH)
        if n_workers <= 1 or n_perm <= _BATCH:
            for start in starts:
                run(start)
        else:
            with ThreadPoolExecutor(max_workers=n_workers) as pool:
                list(pool.map(run, starts))

    bands = _bands(observed, sims, sedges, tedges)
    return KnoxResult(bands=bands, n=int(n), permutations=n_perm)


def repeat_locations(
    x: npt.ArrayLike, y: npt.ArrayLike, *, tolerance: float = 0.5
) -> RepeatLocationsResult:
    """Count locations with repeated incidents.

    Parameters
    ----------
    x, y : array_like
        Coordinates in metres (a projected CRS), one per incident.
    tolerance : float, default 0.5
        Incidents at most this many metres apart share a location (chains are joined).

    Returns
    -------
    RepeatLocationsResult
        Number of locations, number with at least 2 incidents, share of incidents at
        such repeat locations and the distribution of incidents per location.

    Notes
    -----
    Locations are the connected components of the graph linking incidents at most
    ``tolerance`` apart, the "same location" band of the Knox test (Knox 1964;
    Ratcliffe & Rengert 2008; Johnson et al. 2007).

    Examples
    --------
    >>> res = repeat_locations([0, 0.2, 10, 500], [0, 0, 0, 0])
    >>> res.locations, res.repeat_locations, res.repeat_share, res.counts
    (3, 1, 0.5, ((1, 2), (2, 1)))
    """
    xa, ya = _check_coordinates(x, y, minimum=1)
    tol = _check_tolerance(tolerance, math.inf)
    n = xa.size
    pairs = cKDTree(np.column_stack([xa, ya])).query_pairs(r=tol, output_type="ndarray")
    graph = coo_array(
        (np.ones(len(pairs), dtype=np.int8), (pairs[:, 0], pairs[:, 1])), shape=(n, n)
    )
    n_loc, labels = connected_components(graph, directed=False)
    per_loc = np.bincount(labels, minlength=n_loc)
    sizes, how_many = np.unique(per_loc, return_counts=True)
    repeat = per_loc >= 2
    return RepeatLocationsResult(
        n=int(n),
        locations=int(n_loc),
        repeat_locations=int(repeat.sum()),
        repeat_share=float(per_loc[repeat].sum() / n),
        counts=tuple((int(s), int(c)) for s, c in zip(sizes, how_many, strict=True)),
    )


# --- checks -------------------------------------------------------------------------


def _check_coordinates(
    x: npt.ArrayLike, y: npt.ArrayLike, *, minimum: int
) -> tuple[FloatArray, FloatArray]:
    xa = np.asarray(x, dtype=np.float64)
    ya = np.asarray(y, dtype=np.float64)
    if xa.ndim != 1 or ya.ndim != 1 or xa.size != ya.size:
        raise InputError(
            f"x e y deben ser vectores de igual longitud (recibidos {xa.shape} y {ya.shape}).",
            hint="Pase una coordenada x y una y por incidente.",
        )
    if not (np.isfinite(xa).all() and np.isfinite(ya).all()):
        raise InputError(
            "Hay coordenadas no finitas (NaN o infinito).",
            hint="Quite los incidentes sin geocodificar antes del análisis.",
        )
    if xa.size < minimum:
        raise InputError(
            f"Se necesitan al menos {minimum} incidentes (recibidos {xa.size}).",
        )
    return xa, ya


def _check_tolerance(tolerance: float, upper: float) -> float:
    tol = float(tolerance)
    if not (math.isfinite(tol) and 0 <= tol < upper):
        raise InputError(
            f"La tolerancia de misma ubicación «{tolerance}» no es válida.",
            hint=f"Use un número de metros ≥ 0 y menor que {upper}, por ejemplo 0.5.",
        )
    return tol


def _check_edges(edges: Sequence[float], what: str, unit: str) -> FloatArray:
    arr = np.asarray(edges, dtype=np.float64)
    if (
        arr.ndim != 1
        or arr.size < 2
        or not np.isfinite(arr).all()
        or arr[0] != 0
        or not (np.diff(arr) > 0).all()
    ):
        raise InputError(
            f"Los límites de las bandas de {what} {list(edges)} no son válidos.",
            hint=f"Use al menos dos límites crecientes en {unit} que empiecen en 0, "
            "por ejemplo (0, 100, 200).",
        )
    return arr


def _check_inputs(
    x: npt.ArrayLike,
    y: npt.ArrayLike,
    t_days: npt.ArrayLike,
    space_bands: Sequence[float],
    time_bands: Sequence[float],
    same_location_tolerance: float,
    permutations: int,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray, float, int]:
    xa, ya = _check_coordinates(x, y, minimum=0)
    ta = np.asarray(t_days, dtype=np.float64)
    if ta.ndim != 1 or ta.size != xa.size:
        raise InputError(
            f"t_days debe tener un valor por incidente ({xa.size}); recibido {ta.shape}.",
            hint="Pase x, y y t_days de la misma longitud.",
        )
    if not np.isfinite(ta).all():
        raise InputError(
            "Hay fechas no finitas (NaN o infinito) en t_days.",
            hint="Quite los incidentes sin fecha antes del análisis.",
        )
    if xa.size < 2:
        raise InputError(
            "Se necesitan al menos 2 incidentes para el test de Knox.",
            hint=f"Recibidos {xa.size}; amplíe el período o el área.",
        )
    sedges = _check_edges(space_bands, "distancia", "metros")
    tedges = _check_edges(time_bands, "tiempo", "días")
    tol = _check_tolerance(same_location_tolerance, float(sedges[1]))
    if isinstance(permutations, bool) or int(permutations) != permutations or permutations < 0:
        raise InputError(
            f"El número de permutaciones «{permutations}» no es válido.",
            hint="Use un entero ≥ 1 (por ejemplo 99 o 999), o 0 para sólo los conteos.",
        )
    return xa, ya, ta, sedges, tedges, tol, int(permutations)


# --- computation --------------------------------------------------------------------


def _close_pairs(
    xa: FloatArray, ya: FloatArray, sedges: FloatArray, tol: float
) -> tuple[IntArray, IntArray, IntArray]:
    """Pairs closer than the last edge and their space band (0 = same location)."""
    max_d = float(sedges[-1])
    # A little slack so that the tree's own rounding never drops a pair we would keep;
    # the band is decided below from our own distance.
    tree = cKDTree(np.column_stack([xa, ya]))
    pairs = tree.query_pairs(r=max_d * (1 + 1e-9) + 1e-9, output_type="ndarray")
    ii = np.ascontiguousarray(pairs[:, 0], dtype=np.intp)
    jj = np.ascontiguousarray(pairs[:, 1], dtype=np.intp)
    del pairs
    d = np.hypot(xa[ii] - xa[jj], ya[ii] - ya[jj])
    keep = d < max_d
    ii, jj, d = ii[keep], jj[keep], d[keep]
    sidx = np.searchsorted(sedges, d, side="right").astype(np.int64)  # 1..K
    sidx[d <= tol] = 0
    # Sorting by i makes the gathers of the permutation loop sequential in memory.
    order = np.argsort(ii, kind="stable")
    return ii[order], jj[order], sidx[order]


def _time_band_totals(ta: FloatArray, tedges: FloatArray) -> IntArray:
    """Pairs per regular time band over all n(n-1)/2 pairs, from the sorted times."""
    ts = np.sort(ta)
    n = ts.size
    pos = np.arange(n)
    less = np.zeros(tedges.size, dtype=np.int64)  # pairs with dt < edge
    for e, edge in enumerate(tedges[1:], start=1):
        k = np.searchsorted(ts, ts + edge, side="left")
        # Move k so that it counts exactly the j with fl(ts[j] - ts[i]) < edge, the
        # comparison used for close pairs (subtraction is monotone, so it is a prefix).
        while True:
            back = (k - 1 > pos) & (ts[np.maximum(k - 1, 0)] - ts >= edge)
            fwd = (k < n) & (ts[np.minimum(k, n - 1)] - ts < edge)
            if not (back.any() or fwd.any()):
                break
            k = k - back + fwd
        less[e] = int((k - pos - 1).sum())
    return np.diff(less)


class _Buffers:
    """Pair-sized scratch arrays reused across the permutations of one worker."""

    def __init__(self, m: int, dtype: type[np.floating[Any]]) -> None:
        self.a = np.empty(m, dtype=dtype)
        self.b = np.empty(m, dtype=dtype)
        self.mask = np.empty(m, dtype=np.bool_)


def _work_times(ta: FloatArray, tedges: FloatArray) -> npt.NDArray[np.floating[Any]]:
    """Times as float32 when that is exact, halving the memory traffic per permutation.

    Whole days below 2**24 after shifting, with edges exact in float32, give exactly the
    same differences and comparisons as float64; anything else stays float64.
    """
    shifted = ta - ta.min()
    exact = (
        shifted.max() < 2**24
        and bool((shifted == np.round(shifted)).all())
        and bool((tedges.astype(np.float32) == tedges).all())
    )
    return shifted.astype(np.float32) if exact else ta


def _close_counts(
    tp: npt.NDArray[np.floating[Any]],
    ii: IntArray,
    jj: IntArray,
    soff: IntArray,
    tedges: FloatArray,
    size: int,
    buf: _Buffers,
) -> IntArray:
    """Counts of close pairs per (space band, regular time band), flattened."""
    # mode="clip" skips take's bounds check, the slowest part; indices are valid anyway.
    np.take(tp, ii, out=buf.a, mode="clip")
    np.take(tp, jj, out=buf.b, mode="clip")
    np.subtract(buf.a, buf.b, out=buf.a)
    np.abs(buf.a, out=buf.a)
    np.less(buf.a, buf.a.dtype.type(tedges[-1]), out=buf.mask)
    hit = np.flatnonzero(buf.mask)  # few pairs: only those close in time too
    tidx = np.searchsorted(tedges, buf.a[hit], side="right") - 1
    return np.bincount(soff[hit] + tidx, minlength=size).astype(np.int64)


def _full_table(
    close: IntArray, space_totals: IntArray, time_totals: IntArray, all_pairs: int
) -> IntArray:
    """Extend close counts with the overflow row and column from invariant totals."""
    k_close = space_totals.size
    n_time = time_totals.size
    table = np.empty((k_close + 1, n_time + 1), dtype=np.int64)
    c = close.reshape(k_close, n_time)
    table[:k_close, :n_time] = c
    table[:k_close, n_time] = space_totals - c.sum(axis=1)
    table[k_close, :n_time] = time_totals - c.sum(axis=0)
    table[k_close, n_time] = all_pairs - table[:k_close].sum() - table[k_close, :n_time].sum()
    return table


def _bands(
    observed: IntArray,
    sims: IntArray | None,
    sedges: FloatArray,
    tedges: FloatArray,
) -> tuple[KnoxBand, ...]:
    space: list[tuple[float, float | None]] = [(0.0, 0.0)]
    space += [(float(a), float(b)) for a, b in zip(sedges[:-1], sedges[1:], strict=True)]
    space.append((float(sedges[-1]), None))
    time: list[tuple[float, float | None]] = [
        (float(a), float(b)) for a, b in zip(tedges[:-1], tedges[1:], strict=True)
    ]
    time.append((float(tedges[-1]), None))
    if sims is not None:
        expected = sims.mean(axis=0)
        p = ((sims >= observed).sum(axis=0) + 1) / (sims.shape[0] + 1)
    bands = []
    for s, (s_from, s_to) in enumerate(space):
        for t, (t_from, t_to) in enumerate(time):
            obs = int(observed[s, t])
            exp = ratio = pval = None
            if sims is not None:
                exp = float(expected[s, t])
                ratio = obs / exp if exp > 0 else None
                pval = float(p[s, t])
            bands.append(KnoxBand(s_from, s_to, t_from, t_to, obs, exp, ratio, pval))
    return tuple(bands)
