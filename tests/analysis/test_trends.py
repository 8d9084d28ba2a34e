import doctest

import numpy as np
import pytest
from scipy import stats

from sereno.analysis import trends
from sereno.analysis.trends import mann_kendall, seasonal_mann_kendall, seasonal_profile
from sereno.errors import InputError


def test_doctests():
    assert doctest.testmod(trends).failed == 0


@pytest.mark.parametrize("sign", [1.0, -1.0], ids=["up", "down"])
def test_planted_trend_detected(sign):
    rng = np.random.default_rng(7)
    t = np.arange(60)
    y = 100 + sign * 0.8 * t + rng.normal(0, 5, size=60)
    r = mann_kendall(y)
    assert r.p_value < 1e-6
    assert r.direction == ("increasing" if sign > 0 else "decreasing")
    assert np.sign(r.statistic) == sign
    assert r.slope_lower <= sign * 0.8 <= r.slope_upper
    assert r.slope == pytest.approx(sign * 0.8, abs=0.15)


def test_white_noise_size():
    rng = np.random.default_rng(12345)
    y = rng.normal(size=(500, 48))
    r = mann_kendall(y)
    rejected = np.mean(r.p_value < 0.05)
    assert 0.02 <= rejected <= 0.08
    assert r.p_value.shape == (500,)


@pytest.mark.parametrize("seed", range(5))
def test_matches_scipy_kendalltau_without_ties(seed):
    y = np.random.default_rng(seed).normal(size=35)
    r = mann_kendall(y, continuity=False)
    k = stats.kendalltau(np.arange(35), y, method="asymptotic")
    np.testing.assert_allclose(r.tau, k.statistic, rtol=1e-8)
    np.testing.assert_allclose(r.p_value, k.pvalue, rtol=1e-8)


def test_ties_match_tie_corrected_formula_and_scipy():
    y = np.array([3, 5, 5, 2, 7, 7, 7, 8, 4, 9, 9, 10, 6, 11, 11, 12], dtype=float)
    n = y.size
    s = sum(np.sign(y[j] - y[i]) for i in range(n) for j in range(i + 1, n))
    _, t = np.unique(y, return_counts=True)
    var = (n * (n - 1) * (2 * n + 5) - np.sum(t * (t - 1) * (2 * t + 5))) / 18
    r = mann_kendall(y)
    assert r.statistic == s
    assert r.z == pytest.approx((s - np.sign(s)) / np.sqrt(var), rel=1e-12)
    assert r.p_value == pytest.approx(2 * stats.norm.sf(abs(r.z)), rel=1e-12)
    r0 = mann_kendall(y, continuity=False)
    k = stats.kendalltau(np.arange(n), y)
    np.testing.assert_allclose([r0.tau, r0.p_value], [k.statistic, k.pvalue], rtol=1e-8)


def test_slope_matches_theilslopes_and_rows():
    rng = np.random.default_rng(3)
    y = rng.poisson(20, size=(3, 24)).astype(float)
    r = mann_kendall(y, confidence=0.9)
    for row in range(3):
        ts = stats.theilslopes(y[row], np.arange(24), alpha=0.9)
        one = mann_kendall(y[row], confidence=0.9)
        assert r.slope[row] == pytest.approx(ts.slope)
        assert r.slope_lower[row] == pytest.approx(ts.low_slope)
        assert r.intercept[row] == pytest.approx(one.intercept)
        assert r.p_value[row] == pytest.approx(one.p_value)


def test_constant_series_has_no_trend():
    r = mann_kendall([4.0] * 10)
    assert r.statistic == 0 and r.p_value == 1.0 and r.direction == "none"


def test_seasonal_mann_kendall_detects_trend_under_seasonality():
    rng = np.random.default_rng(11)
    months = np.arange(72)
    season = 30 * np.sin(2 * np.pi * months / 12)
    y = 200 + season + 0.5 * months + rng.normal(0, 3, 72)
    r = seasonal_mann_kendall(y)
    assert r.direction == "increasing"
    assert r.slope == pytest.approx(0.5, abs=0.1)
    # Hand computation: sum of per-month Mann-Kendall S.
    s = sum(mann_kendall(y[g::12]).statistic for g in range(12))
    assert r.statistic == s
    assert np.isnan(r.slope_lower)


def test_seasonal_mann_kendall_size():
    y = np.random.default_rng(99).normal(size=(400, 60))
    rejected = np.mean(seasonal_mann_kendall(y).p_value < 0.05)
    assert 0.02 <= rejected <= 0.08


def test_seasonal_profile():
    base = np.array([8, 10, 12, 10, 10, 10, 10, 10, 10, 10, 10, 10], dtype=float)
    y = np.tile(base, 3)
    r = seasonal_profile(y)
    np.testing.assert_allclose(r.index, base / base.mean())
    assert r.share_of_variance == pytest.approx(1.0)
    noisy = seasonal_profile(np.vstack([y, y + np.random.default_rng(0).normal(0, 1, 36)]))
    assert noisy.index.shape == (2, 12)
    assert 0 < noisy.share_of_variance[1] < 1
    assert np.isnan(seasonal_profile(np.ones(24)).share_of_variance)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: mann_kendall([1.0, np.nan, 3.0]), "faltantes"),
        (lambda: mann_kendall([1.0, 2.0]), "al menos 3"),
        (lambda: mann_kendall(np.zeros((2, 2, 5))), "dimensiones"),
        (lambda: mann_kendall(["a", "b", "c"]), "numérica"),
        (lambda: mann_kendall([1, 2, 3], confidence=2), "confidence"),
        (lambda: seasonal_profile(np.arange(20.0)), "dos ciclos"),
        (lambda: seasonal_mann_kendall(np.arange(30.0), period=1), "period"),
    ],
    ids=["nan", "short", "3d", "text", "level", "profile-short", "period"],
)
def test_rejects_bad_input(call, match):
    with pytest.raises(InputError, match=match):
        call()
