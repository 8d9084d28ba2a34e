import doctest

import numpy as np
import pytest
from scipy import stats

from sereno.analysis import rates
from sereno.analysis.rates import compare_counts, poisson_rate
from sereno.errors import InputError


def test_doctests():
    assert doctest.testmod(rates).failed == 0


@pytest.mark.parametrize(
    ("n", "lower", "upper"),
    [(0, 0.0, 3.689), (1, 0.0253, 5.572), (10, 4.795, 18.39), (20, 12.22, 30.89)],
    ids=["n0", "n1", "n10", "n20"],
)
def test_published_garwood_limits(n, lower, upper):
    r = poisson_rate(n, 1, per=1)
    assert r.lower == pytest.approx(lower, abs=5e-3)
    assert r.upper == pytest.approx(upper, abs=1e-2)


def test_limits_match_chi2_and_statsmodels():
    n = np.arange(0, 200)
    r = poisson_rate(n, 1.0, per=1, confidence=0.9)
    expected_upper = stats.chi2.ppf(0.95, 2 * n + 2) / 2
    expected_lower = np.where(n > 0, stats.chi2.ppf(0.05, np.maximum(2 * n, 1)) / 2, 0)
    np.testing.assert_allclose(r.upper, expected_upper, rtol=1e-12)
    np.testing.assert_allclose(r.lower, expected_lower, rtol=1e-12)
    sm_rates = pytest.importorskip("statsmodels.stats.rates")
    for k in (1, 3, 19, 150):
        lo, hi = sm_rates.confint_poisson(k, 1, method="exact-c", alpha=0.1)
        assert r.lower[k] == pytest.approx(lo, rel=1e-8)
        assert r.upper[k] == pytest.approx(hi, rel=1e-8)


def test_alhue_rate():
    r = poisson_rate(3, 7_856)
    assert r.rate == pytest.approx(3 / 7_856 * 1e5)
    assert r.rate == pytest.approx(38.19, abs=0.01)
    assert r.lower == pytest.approx(stats.chi2.ppf(0.025, 6) / 2 / 7_856 * 1e5, rel=1e-12)
    assert r.upper == pytest.approx(stats.chi2.ppf(0.975, 8) / 2 / 7_856 * 1e5, rel=1e-12)
    assert r.small is True
    assert r.lower < r.rate < r.upper


def test_vectorised_broadcast_and_small_flag():
    r = poisson_rate([0, 19, 20, 500], [7_856, 12_544, 15_669, 19_519])
    assert r.rate.shape == (4,)
    assert r.small.tolist() == [True, True, False, False]
    assert np.all(r.lower <= r.rate) and np.all(r.rate <= r.upper)
    one = poisson_rate(19, 12_544)
    assert r.upper[1] == pytest.approx(one.upper)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"counts": -1, "population": 10}, "enteros no negativos"),
        ({"counts": 1.5, "population": 10}, "enteros no negativos"),
        ({"counts": np.nan, "population": 10}, "enteros no negativos"),
        ({"counts": 1, "population": 0}, "population"),
        ({"counts": [1, 2], "population": [1, 2, 3]}, "no son compatibles"),
        ({"counts": 1, "population": 10, "confidence": 1.0}, "confidence"),
        ({"counts": 1, "population": 10, "per": 0}, "per"),
    ],
    ids=["negative", "fraction", "nan", "zero-pop", "shape", "level", "per"],
)
def test_rate_rejects_bad_input(kwargs, match):
    with pytest.raises(InputError, match=match):
        poisson_rate(**kwargs)


@pytest.mark.parametrize(
    ("cur", "prev", "ratio"), [(30, 15, 1.0), (3, 9, 1.0), (12, 5, 2.0), (0, 7, 0.5)]
)
def test_compare_counts_matches_binomtest(cur, prev, ratio):
    r = compare_counts(cur, prev, exposure_ratio=ratio)
    expected = stats.binomtest(cur, cur + prev, ratio / (1 + ratio)).pvalue
    assert r.p_value == pytest.approx(expected, rel=1e-12)
    assert r.change_pct == pytest.approx(100 * (cur / ratio - prev) / prev)
    assert r.test == "exact_binomial"


def test_compare_counts_edge_cases_vectorised():
    r = compare_counts([0, 4, 10], [0, 0, 10])
    assert r.p_value[0] == 1.0
    assert np.isnan(r.change_pct[0]) and np.isnan(r.change_pct[1])
    assert r.change_pct[2] == 0.0
    assert r.p_value[2] == pytest.approx(1.0)


def test_compare_counts_rejects_bad_input():
    with pytest.raises(InputError, match="exposure_ratio"):
        compare_counts(1, 2, exposure_ratio=0)
    with pytest.raises(InputError, match="current"):
        compare_counts(-1, 2)


def test_compare_counts_size_under_null():
    rng = np.random.default_rng(20240601)
    cur = rng.poisson(25, size=2_000)
    prev = rng.poisson(25, size=2_000)
    rejected = np.mean(compare_counts(cur, prev).p_value < 0.05)
    # Exact conditional test is conservative; allow Monte Carlo error (sd ~ 0.5 %).
    assert rejected <= 0.05 + 0.015
    assert rejected > 0.01
