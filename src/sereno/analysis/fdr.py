"""False-discovery-rate control shared by every analysis that tests many places or series."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from sereno.errors import InputError

__all__ = ["benjamini_hochberg"]

FloatArray = npt.NDArray[np.float64]


def benjamini_hochberg(p: npt.ArrayLike) -> FloatArray:
    """Benjamini–Hochberg false-discovery-rate adjusted p-values.

    Parameters
    ----------
    p : array_like
        P-values in [0, 1], any shape.

    Returns
    -------
    numpy.ndarray
        Adjusted p-values, same shape: ``min_{j>=i} p_(j) m / j`` capped at 1, as
        ``statsmodels.stats.multitest.multipletests(method="fdr_bh")``.

    References
    ----------
    Benjamini, Y., & Hochberg, Y. (1995). Controlling the false discovery rate: a
    practical and powerful approach to multiple testing. JRSS B, 57(1), 289–300.
    """
    arr = np.asarray(p, dtype=np.float64)
    flat = arr.ravel()
    m = flat.size
    if m == 0:
        return arr.copy()
    if not np.all(np.isfinite(flat)) or flat.min() < 0 or flat.max() > 1:
        raise InputError("Los valores p deben ser números finitos entre 0 y 1.")
    order = np.argsort(flat)  # ties get the same adjusted value
    ranked = flat[order] * m / np.arange(1, m + 1)
    ranked = np.minimum.accumulate(ranked[::-1])[::-1]
    out = np.empty(m)
    out[order] = np.minimum(ranked, 1.0)
    return out.reshape(arr.shape)
