import doctest

import numpy as np
import pytest

from sereno.analysis import concentration as concentration_module
from sereno.analysis.concentration import concentration
from sereno.errors import InputError


def test_doctests():
    assert doctest.testmod(concentration_module).failed == 0


def _brute_gini(x):
    # Mean absolute difference over all ordered pairs / (2 * mean) (Gini 1912).
    x = np.asarray(x, dtype=float)
    return np.abs(x[:, None] - x[None, :]).sum() / (2 * x.size**2 * x.mean())


@pytest.mark.parametrize("seed", range(5))
def test_matches_brute_force(seed):
    rng = np.random.default_rng(seed)
    counts = rng.negative_binomial(0.3, 0.05, size=400)
    r = concentration(counts, top=(0.01, 0.05, 0.10), shares=(0.25, 0.5))
    assert r.gini == pytest.approx(_brute_gini(counts), rel=1e-10)
    desc = np.sort(counts)[::-1]
    total = counts.sum()
    for frac, share in zip((0.01, 0.05, 0.10), r.share_top, strict=True):
        assert share == pytest.approx(desc[: int(round(frac * 400))].sum() / total)
    for target, cells in zip((0.25, 0.5), r.cells_for_share, strict=True):
        k = next(k for k in range(1, 401) if desc[:k].sum() >= target * total)
        assert cells == pytest.approx(k / 400)
    assert r.lorenz_x[0] == 0 and r.lorenz_y[-1] == pytest.approx(1.0)
    assert np.all(np.diff(r.lorenz_y) >= 0)


def test_equal_counts_gini_zero():
    r = concentration([3] * 50)
    assert r.gini == pytest.approx(0.0, abs=1e-12)
    assert r.generalized_gini == pytest.approx(0.0, abs=1e-12)
    np.testing.assert_allclose(r.lorenz_y, r.lorenz_x)
    np.testing.assert_allclose(r.cells_for_share, [0.26, 0.5])


@pytest.mark.parametrize(("n", "total"), [(10, 10), (100, 10), (100, 1), (50, 7)])
def test_all_in_one_cell(n, total):
    counts = np.zeros(n)
    counts[3] = total
    r = concentration(counts)
    assert r.gini == pytest.approx((n - 1) / n)
    if total < n:
        # Bernasco & Steenbeek's G' = 1 - 1/N here; the unbiased version is exactly 1.
        assert r.generalized_gini == pytest.approx(1 - 1 / total)
        if total >= 2:
            assert r.generalized_gini_unbiased == pytest.approx(1.0)
        else:
            assert np.isnan(r.generalized_gini_unbiased)
    else:
        assert r.generalized_gini == pytest.approx(r.gini)
        assert r.generalized_gini_unbiased == pytest.approx(1.0)


def test_maximal_equality_when_sparse_gives_zero_generalized_gini():
    counts = np.r_[np.ones(7), np.zeros(93)]
    r = concentration(counts)
    assert r.gini == pytest.approx(0.93)
    assert r.generalized_gini == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize(
    ("counts", "gini", "generalized"),
    [([10, 8, 2] + [0] * 7, 0.78, 0.78), ([5, 2, 1] + [0] * 7, 0.80, 0.75)],
    ids=["dense", "sparse"],
)
def test_published_lorenzgini_examples(counts, gini, generalized):
    # Examples from the documentation of the authors' R package lorenzgini (gini.R).
    r = concentration(counts)
    assert r.gini == pytest.approx(gini)
    assert r.generalized_gini == pytest.approx(generalized)


def test_hand_example_top_shares():
    # 100 cells, 200 incidents: one cell with 40, four with 15, five with 8, rest 1/0.
    counts = np.r_[40, [15] * 4, [8] * 5, [1] * 60, [0] * 30]
    assert counts.sum() == 200 and counts.size == 100
    r = concentration(counts)
    np.testing.assert_allclose(r.share_top, [40 / 200, 100 / 200, 140 / 200])
    # 25 % = 50 incidents: 40 + 15 -> 2 cells; 50 % = 100 incidents: 40 + 4*15 -> 5 cells.
    np.testing.assert_allclose(r.cells_for_share, [0.02, 0.05])


def test_interpolated_top_share():
    r = concentration([6, 2, 1, 1], top=(0.125,), shares=(1.0,))
    assert r.share_top[0] == pytest.approx(0.3)  # half of the busiest cell
    assert r.cells_for_share[0] == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"counts": [1, -1, 2]}, "enteros no negativos"),
        ({"counts": [1.5, 2]}, "enteros no negativos"),
        ({"counts": [0, 0, 0]}, "No hay incidentes"),
        ({"counts": [5]}, "al menos 2 celdas"),
        ({"counts": [[1, 2], [3, 4]]}, "una dimensión"),
        ({"counts": [1, 2], "top": (0.0,)}, "top"),
        ({"counts": [1, 2], "shares": (1.5,)}, "shares"),
    ],
    ids=["negative", "fraction", "empty", "one-cell", "2d", "top", "shares"],
)
def test_rejects_bad_input(kwargs, match):
    with pytest.raises(InputError, match=match):
        concentration(**kwargs)
