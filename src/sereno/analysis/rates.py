"""Crime rates per population with exact Poisson limits, and tests of change in counts.

Pure functions: arrays in, frozen dataclasses out. Every function accepts scalars or
arrays (broadcast against each other) so that many comunas or categories are handled
in one call; fields are ``float`` for scalar input and ``numpy.ndarray`` otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats

from sereno.errors import InputError

__all__ = ["ChangeResult", "RateResult", "compare_counts", "poisson_rate"]

SMALL_COUNT = 20
"""Counts below this are flagged: relative standard error 1/sqrt(n) exceeds 22 %."""

FloatOrArray = float | NDArray[np.float64]


@dataclass(frozen=True)
class RateResult:
    """Rate per ``per`` inhabitants with an exact Poisson confidence interval.

    Attributes
    ----------
    count, population : float or ndarray
        Inputs after broadcasting.
    rate : float or ndarray
        ``count / population * per``.
    lower, upper : float or ndarray
        Exact (Garwood) confidence limits of the rate.
    small : bool or ndarray of bool
        ``True`` where ``count < 20``: the rate is unstable and should be read with
        its interval and the raw count.
    per : float
        Population base (100 000 by default).
    confidence : float
        Confidence level of ``lower`` and ``upper``.
    """

    count: FloatOrArray
    population: FloatOrArray
    rate: FloatOrArray
    lower: FloatOrArray
    upper: FloatOrArray
    small: bool | NDArray[np.bool_]
    per: float
    confidence: float


@dataclass(frozen=True)
class ChangeResult:
    """Change between two counts and the p-value of "same underlying rate".

    Attributes
    ----------
    current, previous : float or ndarray
        Counts compared.
    change_pct : float or ndarray
        ``100 * (current / exposure_ratio - previous) / previous``; NaN where
        ``previous == 0``.
    p_value : float or ndarray
        Two-sided p-value of equal rates.
    test : str
        Name of the test used (``"exact_binomial"``).
    """

    current: FloatOrArray
    previous: FloatOrArray
    change_pct: FloatOrArray
    p_value: FloatOrArray
    test: str


def _out(x: NDArray[Any]) -> Any:
    """Return a Python scalar for 0-d arrays, the array otherwise."""
    return x.item() if x.ndim == 0 else x


def _as_counts(values: ArrayLike, name: str) -> NDArray[np.float64]:
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InputError(
            f"'{name}' debe contener números; se recibió {values!r}.",
            hint="Entregue enteros no negativos (número de casos).",
        ) from exc
    if not np.all(np.isfinite(arr)) or np.any(arr < 0) or np.any(arr != np.floor(arr)):
        raise InputError(
            f"'{name}' debe contener enteros no negativos y finitos; se recibió {values!r}.",
            hint="Los conteos de casos no pueden ser negativos, decimales ni faltantes.",
        )
    return arr


def _check_level(confidence: float) -> None:
    if not 0.0 < confidence < 1.0:
        raise InputError(
            f"'confidence' debe estar entre 0 y 1 (exclusivo); se recibió {confidence!r}.",
            hint="Use por ejemplo 0.95 para un intervalo del 95 %.",
        )


def _check_inputs_rate(
    counts: ArrayLike, population: ArrayLike, per: float, confidence: float
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    n = _as_counts(counts, "counts")
    try:
        pop = np.asarray(population, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InputError(f"'population' debe contener números; se recibió {population!r}.") from exc
    if not np.all(np.isfinite(pop)) or np.any(pop <= 0):
        raise InputError(
            f"'population' debe ser positiva y finita; se recibió {population!r}.",
            hint="Revise que la comuna y el año tengan proyección de población INE.",
        )
    if not (np.isfinite(per) and per > 0):
        raise InputError(f"'per' debe ser un número positivo; se recibió {per!r}.")
    _check_level(confidence)
    try:
        n, pop = np.broadcast_arrays(n, pop)
    except ValueError as exc:
        raise InputError(
            f"'counts' (forma {n.shape}) y 'population' (forma {pop.shape}) no son compatibles.",
            hint="Entregue arreglos del mismo largo o una población escalar.",
        ) from exc
    return n, pop


def poisson_rate(
    counts: ArrayLike,
    population: ArrayLike,
    *,
    per: float = 100_000,
    confidence: float = 0.95,
) -> RateResult:
    r"""Rate per ``per`` inhabitants with exact Poisson confidence limits.

    Parameters
    ----------
    counts : array_like of int
        Number of cases (non-negative integers), one per area or period.
    population : array_like of float
        Population at risk, broadcast against ``counts``.
    per : float, default 100_000
        Population base of the rate.
    confidence : float, default 0.95
        Confidence level of the interval.

    Returns
    -------
    RateResult
        Rate, exact limits and a ``small`` flag for counts below 20.

    Raises
    ------
    sereno.errors.InputError
        Negative, fractional or missing counts; non-positive population; bad level.

    Notes
    -----
    The count :math:`n` is treated as Poisson. Exact ("Garwood") limits for its mean
    are obtained from the chi-square distribution,

    .. math::

        L = \tfrac12 \chi^2_{\alpha/2}(2n), \qquad
        U = \tfrac12 \chi^2_{1-\alpha/2}(2n + 2),

    with :math:`L = 0` when :math:`n = 0`, and scaled by ``per / population``
    (Garwood 1936, *Biometrika* 28:437-442; Ulm 1990, *Am. J. Epidemiol.*
    131:373-375). The intervals are conservative: coverage is at least the nominal
    level. Counts under 20 have a relative standard error :math:`1/\sqrt{n}` above
    22 % and are flagged ``small``.

    Examples
    --------
    >>> r = poisson_rate(3, 7_856)
    >>> round(r.rate, 1), round(r.lower, 1), round(r.upper, 1), r.small
    (38.2, 7.9, 111.6, True)
    """
    n, pop = _check_inputs_rate(counts, population, per, confidence)
    alpha = 1.0 - confidence
    # chi2.ppf(q, 0) is nan, so the n == 0 lower limit is set explicitly.
    lower_mean = np.where(n > 0, stats.chi2.ppf(alpha / 2, np.maximum(2 * n, 1)) / 2, 0.0)
    upper_mean = stats.chi2.ppf(1 - alpha / 2, 2 * n + 2) / 2
    scale = per / pop
    return RateResult(
        count=_out(n),
        population=_out(pop),
        rate=_out(n * scale),
        lower=_out(np.asarray(lower_mean * scale)),
        upper=_out(np.asarray(upper_mean * scale)),
        small=_out(n < SMALL_COUNT),
        per=float(per),
        confidence=float(confidence),
    )


def _check_inputs_change(
    current: ArrayLike, previous: ArrayLike, exposure_ratio: ArrayLike
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    cur = _as_counts(current, "current")
    prev = _as_counts(previous, "previous")
    try:
        ratio = np.asarray(exposure_ratio, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InputError(
            f"'exposure_ratio' debe ser numérico; se recibió {exposure_ratio!r}."
        ) from exc
    if not np.all(np.isfinite(ratio)) or np.any(ratio <= 0):
        raise InputError(
            f"'exposure_ratio' debe ser positivo y finito; se recibió {exposure_ratio!r}.",
            hint="Es la exposición del periodo actual dividida por la del anterior "
            "(por ejemplo días o población); use 1.0 si son iguales.",
        )
    try:
        cur, prev, ratio = np.broadcast_arrays(cur, prev, ratio)
    except ValueError as exc:
        raise InputError(
            f"'current' (forma {cur.shape}) y 'previous' (forma {prev.shape}) no son compatibles.",
            hint="Entregue arreglos del mismo largo.",
        ) from exc
    return cur, prev, ratio


def compare_counts(
    current: ArrayLike,
    previous: ArrayLike,
    *,
    exposure_ratio: ArrayLike = 1.0,
) -> ChangeResult:
    r"""Test whether two Poisson counts come from the same rate.

    Parameters
    ----------
    current, previous : array_like of int
        Counts in the current and the reference period (broadcast together).
    exposure_ratio : array_like of float, default 1.0
        Exposure of the current period divided by that of the previous one (ratio of
        days, populations...). Under "no change" the expected counts are in this ratio.

    Returns
    -------
    ChangeResult
        Percent change of the exposure-adjusted count and two-sided p-value.

    Raises
    ------
    sereno.errors.InputError
        Negative, fractional or missing counts; non-positive exposure ratio.

    Notes
    -----
    Conditional exact test (Przyborowski & Wilenski 1940, *Biometrika* 31:313-323;
    Krishnamoorthy & Thomson 2004, *J. Stat. Plan. Inference* 119:23-35, "C-test").
    Given :math:`n = x_1 + x_0`, under equal rates
    :math:`x_1 \mid n \sim \mathrm{Binomial}(n, r / (1 + r))` with :math:`r` the
    exposure ratio; the two-sided p-value is that of :func:`scipy.stats.binomtest`
    (sum of probabilities no larger than the observed one). When both counts are
    zero the p-value is 1. The test assumes Poisson counts: with overdispersed crime
    series it rejects too often, so read small p-values with caution.

    Examples
    --------
    >>> r = compare_counts(30, 15)
    >>> round(r.change_pct, 1), round(r.p_value, 4)
    (100.0, 0.0357)
    """
    cur, prev, ratio = _check_inputs_change(current, previous, exposure_ratio)
    total = cur + prev
    p_success = ratio / (1.0 + ratio)
    p_value = np.ones(cur.shape, dtype=np.float64)
    for idx in np.ndindex(cur.shape):
        if total[idx] > 0:
            p_value[idx] = stats.binomtest(
                int(cur[idx]), int(total[idx]), float(p_success[idx])
            ).pvalue
    safe_prev = np.where(prev > 0, prev, 1.0)
    change = np.where(prev > 0, 100.0 * (cur / ratio - prev) / safe_prev, np.nan)
    return ChangeResult(
        current=_out(cur),
        previous=_out(prev),
        change_pct=_out(np.asarray(change)),
        p_value=_out(p_value),
        test="exact_binomial",
    )
