"""Concentration of incidents across places (grid cells, street segments...).

Pure functions: an array of counts per cell in, a frozen dataclass out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from sereno.errors import InputError

__all__ = ["ConcentrationResult", "concentration"]


@dataclass(frozen=True)
class ConcentrationResult:
    """How concentrated incidents are across cells.

    Attributes
    ----------
    n_cells, n_incidents : int
        Number of cells (zeros included) and total incidents.
    top_fractions : tuple of float
        Fractions of cells for ``share_top`` (default 1 %, 5 %, 10 %).
    share_top : ndarray
        Share of incidents in the busiest ``top_fractions`` of cells.
    share_targets : tuple of float
        Shares of incidents for ``cells_for_share`` (default 25 %, 50 %).
    cells_for_share : ndarray
        Smallest fraction of cells that holds each target share of incidents.
    lorenz_x, lorenz_y : ndarray
        Lorenz curve: cumulative share of cells (sorted from least to most
        incidents) and of incidents, both starting at 0 and ending at 1.
    gini : float
        Standard Gini coefficient.
    generalized_gini : float
        Bernasco & Steenbeek (2017) Gini for sparse data.
    generalized_gini_unbiased : float
        ``generalized_gini`` with the small-sample correction ``m / (m - 1)``,
        ``m = min(cells, incidents)`` (NaN when ``m < 2``).
    """

    n_cells: int
    n_incidents: int
    top_fractions: tuple[float, ...]
    share_top: NDArray[np.float64]
    share_targets: tuple[float, ...]
    cells_for_share: NDArray[np.float64]
    lorenz_x: NDArray[np.float64]
    lorenz_y: NDArray[np.float64]
    gini: float
    generalized_gini: float
    generalized_gini_unbiased: float


def _check_fractions(values: Sequence[float], name: str) -> tuple[float, ...]:
    out = tuple(float(v) for v in values)
    if not out or any(not 0.0 < v <= 1.0 for v in out):
        raise InputError(
            f"'{name}' debe contener fracciones en (0, 1]; se recibió {values!r}.",
            hint="Use por ejemplo (0.01, 0.05, 0.10) para 1 %, 5 % y 10 %.",
        )
    return out


def _check_inputs(counts: ArrayLike) -> NDArray[np.float64]:
    try:
        arr = np.asarray(counts, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InputError(
            "'counts' debe ser numérico (incidentes por celda).",
            hint="Entregue un arreglo de enteros no negativos, incluidas las celdas con 0.",
        ) from exc
    if arr.ndim != 1 or arr.size < 2:
        raise InputError(
            f"'counts' debe ser un arreglo de una dimensión con al menos 2 celdas; "
            f"se recibió forma {arr.shape}.",
            hint="Entregue un conteo por celda, incluidas las celdas sin incidentes.",
        )
    if not np.all(np.isfinite(arr)) or np.any(arr < 0) or np.any(arr != np.floor(arr)):
        raise InputError(
            "'counts' debe contener enteros no negativos y finitos.",
            hint="Reemplace celdas sin dato por 0 sólo si realmente no hubo incidentes.",
        )
    if arr.sum() == 0:
        raise InputError(
            "No hay incidentes: la concentración no está definida.",
            hint="Amplíe el periodo o el territorio.",
        )
    return arr


def concentration(
    counts: ArrayLike,
    *,
    top: Sequence[float] = (0.01, 0.05, 0.10),
    shares: Sequence[float] = (0.25, 0.50),
) -> ConcentrationResult:
    r"""Concentration of incidents across cells: top shares, bandwidths, Lorenz and Gini.

    Parameters
    ----------
    counts : array_like of int
        Incidents per cell, one entry per cell of the study area **including cells
        with zero incidents** (leaving them out understates concentration).
    top : sequence of float, default (0.01, 0.05, 0.10)
        Fractions of cells whose share of incidents is reported.
    shares : sequence of float, default (0.25, 0.50)
        Shares of incidents whose minimal fraction of cells is reported.

    Returns
    -------
    ConcentrationResult

    Raises
    ------
    sereno.errors.InputError
        Non-integer, negative or missing counts, fewer than 2 cells, no incidents,
        fractions outside (0, 1].

    Notes
    -----
    With :math:`n` cells and :math:`N` incidents, cells sorted by count:

    - ``share_top[p]``: share of incidents in the busiest fraction :math:`p` of
      cells, read from the concentration curve (cells sorted in decreasing order)
      with linear interpolation when :math:`pn` is not an integer (a fraction of
      the next cell's count).
    - ``cells_for_share[s]``: the "bandwidth" of Weisburd (2015, *Criminology*
      53:133-157), :math:`k/n` with :math:`k` the smallest number of busiest cells
      whose incidents reach :math:`sN`.
    - Lorenz curve :math:`(i/n, L_i)`, :math:`L_i` the share of incidents in the
      :math:`i` least busy cells; Gini :math:`G = 1 - \sum_i (L_i + L_{i-1})/n`,
      twice the area between the diagonal and the curve. All incidents in one cell
      gives :math:`G = (n-1)/n`.
    - Generalized Gini (Bernasco & Steenbeek 2017, *J. Quant. Criminol.*
      33:451-467). When :math:`N < n` perfect equality is impossible; the most equal
      distribution puts one incident in each of :math:`N` cells. Comparing with that
      line of maximal equality gives

      .. math:: G' = \max(1, n/N)\,(G - 1) + 1,

      equal to :math:`G` when :math:`N \ge n`. ``generalized_gini_unbiased``
      multiplies by :math:`m/(m-1)`, :math:`m = \min(n, N)`, as the authors' R
      package ``lorenzgini`` does, so that all incidents in one cell gives 1.

    Examples
    --------
    >>> r = concentration([5, 2, 1, 0, 0, 0, 0, 0, 0, 0])
    >>> round(r.gini, 2), round(r.generalized_gini, 2)
    (0.8, 0.75)
    >>> r.cells_for_share.tolist()
    [0.1, 0.1]
    """
    arr = _check_inputs(counts)
    top_f = _check_fractions(top, "top")
    share_f = _check_fractions(shares, "shares")
    n = arr.size
    total = arr.sum()

    ascending = np.sort(arr)
    lorenz_y = np.concatenate([[0.0], np.cumsum(ascending) / total])
    lorenz_x = np.arange(n + 1, dtype=np.float64) / n
    gini = float(1.0 - np.sum(lorenz_y[1:] + lorenz_y[:-1]) / n)

    # Concentration curve: share of incidents in the k busiest cells, k = 0..n.
    conc = np.concatenate([[0.0], np.cumsum(ascending[::-1]) / total])
    share_top = np.interp(np.asarray(top_f), lorenz_x, conc)
    # A small tolerance keeps exact targets (e.g. 50 % of 10) from rounding up a cell.
    k = np.searchsorted(conc, np.asarray(share_f) - 1e-12, side="left")
    cells_for_share = k / n

    gen = max(1.0, n / total) * (gini - 1.0) + 1.0
    m = min(n, total)
    gen_unbiased = gen * m / (m - 1.0) if m >= 2 else float("nan")
    return ConcentrationResult(
        n_cells=int(n),
        n_incidents=int(total),
        top_fractions=top_f,
        share_top=share_top,
        share_targets=share_f,
        cells_for_share=cells_for_share.astype(np.float64),
        lorenz_x=lorenz_x,
        lorenz_y=lorenz_y,
        gini=gini,
        generalized_gini=float(gen),
        generalized_gini_unbiased=float(gen_unbiased),
    )
