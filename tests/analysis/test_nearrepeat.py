import json

import numpy as np
import pytest

from sereno.analysis.nearrepeat import KnoxResult, knox_test, repeat_locations
from sereno.errors import InputError

SPACE = (0, 100, 200, 300, 400)
TIME = (0, 7, 14, 21, 28)


def brute_force(x, y, t, tol=0.5):
    se, te = np.array(SPACE, float), np.array(TIME, float)
    table = np.zeros((len(se) + 1, len(te)), dtype=int)
    n = len(x)
    for i in range(n):
        for j in range(i + 1, n):
            d = float(np.hypot(x[i] - x[j], y[i] - y[j]))
            dt = abs(t[i] - t[j])
            s = 0 if d <= tol else int(np.searchsorted(se, d, side="right"))
            table[s, int(np.searchsorted(te, dt, side="right")) - 1] += 1
    return table


def as_table(res):
    return np.array([b.observed for b in res.bands]).reshape(6, 5)


def test_observed_matches_brute_force_with_ties():
    rng = np.random.default_rng(3)
    n = 300
    # Integer coordinates on a 50 m lattice and integer days: many pairs fall exactly on
    # band edges (d = 100, 200, ..., dt = 7, 14, ...) and at the same location.
    x = rng.integers(0, 20, n) * 50.0
    y = rng.integers(0, 20, n) * 50.0
    t = rng.integers(0, 60, n).astype(float)
    res = knox_test(x, y, t, permutations=0)
    expected = brute_force(x, y, t)
    np.testing.assert_array_equal(as_table(res), expected)
    assert as_table(res).sum() == n * (n - 1) // 2
    assert expected[0].sum() > 0  # same-location pairs were exercised


def test_observed_matches_brute_force_continuous():
    rng = np.random.default_rng(4)
    n = 300
    x, y = rng.uniform(0, 1500, n), rng.uniform(0, 1500, n)
    t = rng.uniform(0, 90, n)
    res = knox_test(x, y, t, permutations=5, rng=1)
    np.testing.assert_array_equal(as_table(res), brute_force(x, y, t))


def test_band_labels():
    res = knox_test([0, 1], [0, 1], [0, 1], permutations=0)
    first, last = res.bands[0], res.bands[-1]
    assert (first.space_from, first.space_to, first.time_from, first.time_to) == (0, 0, 0, 7)
    assert (last.space_from, last.space_to, last.time_from, last.time_to) == (400, None, 28, None)
    assert (res.bands[5].space_from, res.bands[5].space_to) == (0, 100)


def planted(seed, n_background=2000, share=0.3):
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 5000, n_background)
    y = rng.uniform(0, 5000, n_background)
    t = rng.uniform(0, 365, n_background)
    parents = rng.random(n_background) < share
    k = int(parents.sum())
    r = rng.uniform(0, 150, k)
    a = rng.uniform(0, 2 * np.pi, k)
    x = np.concatenate([x, x[parents] + r * np.cos(a)])
    y = np.concatenate([y, y[parents] + r * np.sin(a)])
    t = np.concatenate([t, t[parents] + rng.uniform(1, 10, k)])
    return x, y, t


def test_planted_near_repeats_detected():
    x, y, t = planted(0)
    res = knox_test(x, y, t, permutations=99, rng=0)
    band = res.bands[5]  # (0.5, 100) m x [0, 7) days
    assert (band.space_to, band.time_to) == (100, 7)
    assert band.ratio is not None and band.ratio > 1.5
    assert band.p is not None and band.p <= 0.05


def test_pattern_free_data_has_about_five_percent_false_positives():
    p_values = []
    for seed in range(20):
        x, y, t = planted(100 + seed, share=0.0)
        res = knox_test(x, y, t, permutations=99, rng=seed)
        p_values += [b.p for b in res.bands if b.observed > 0 or (b.expected or 0) > 0]
    share = np.mean(np.array(p_values) <= 0.05)
    print(f"share of bands with p <= 0.05 under no pattern: {share:.3f} of {len(p_values)}")
    assert share <= 0.10


def test_deterministic_for_a_seed():
    x, y, t = planted(1, n_background=500)
    a = knox_test(x, y, t, permutations=30, rng=7)
    b = knox_test(x, y, t, permutations=30, rng=7, workers=1)
    assert a == b
    c = knox_test(x, y, t, permutations=30, rng=8)
    assert [band.expected for band in a.bands] != [band.expected for band in c.bands]


def test_zero_permutations_gives_observed_only():
    x, y, t = planted(2, n_background=300)
    res = knox_test(x, y, t, permutations=0)
    assert res.permutations == 0
    assert all(b.expected is None and b.ratio is None and b.p is None for b in res.bands)
    assert sum(b.observed for b in res.bands) == res.n * (res.n - 1) // 2


def test_to_dict_is_json_ready():
    x, y, t = planted(3, n_background=200)
    res = knox_test(x, y, t, permutations=9, rng=1)
    d = json.loads(json.dumps(res.to_dict()))
    assert set(d) == {"bands", "n", "permutations"}
    assert len(d["bands"]) == 30 and d["n"] == res.n and d["permutations"] == 9
    assert d["bands"][0]["observed"] == res.bands[0].observed


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"x": [0], "y": [0], "t_days": [0]}, "al menos 2 incidentes para el test de Knox"),
        ({"x": [0, 1], "y": [0], "t_days": [0, 1]}, "igual longitud"),
        ({"x": [0, 1], "y": [0, 1], "t_days": [0]}, "un valor por incidente"),
        ({"x": [0, np.nan], "y": [0, 1], "t_days": [0, 1]}, "no finitas"),
        ({"x": [0, 1], "y": [0, 1], "t_days": [0, np.inf]}, "fechas no finitas"),
        ({"space_bands": (10, 100)}, "bandas de distancia"),
        ({"space_bands": (0, 200, 100)}, "bandas de distancia"),
        ({"time_bands": (0,)}, "bandas de tiempo"),
        ({"permutations": -1}, "permutaciones"),
        ({"permutations": 2.5}, "permutaciones"),
        ({"same_location_tolerance": 150}, "tolerancia"),
        ({"same_location_tolerance": -1}, "tolerancia"),
    ],
    ids=[
        "one-incident",
        "xy-length",
        "t-length",
        "nan-x",
        "inf-t",
        "space-not-0",
        "space-decreasing",
        "time-one-edge",
        "negative-perms",
        "fractional-perms",
        "tolerance-too-big",
        "tolerance-negative",
    ],
)
def test_input_errors(kwargs, match):
    args = {"x": [0, 1, 2], "y": [0, 1, 2], "t_days": [0, 1, 2]}
    args.update(kwargs)
    with pytest.raises(InputError, match=match):
        knox_test(**args)


def test_scale_smoke():
    rng = np.random.default_rng(5)
    n = 20_000
    x, y = rng.uniform(0, 10_000, n), rng.uniform(0, 10_000, n)
    t = rng.integers(0, 730, n).astype(float)
    res = knox_test(x, y, t, permutations=99, rng=1)
    assert isinstance(res, KnoxResult)
    assert len(res.bands) == 30 and res.n == n and res.permutations == 99
    assert sum(b.observed for b in res.bands) == n * (n - 1) // 2
    assert all(b.p is not None and 0 < b.p <= 1 for b in res.bands)


def test_repeat_locations():
    x = [0, 0.2, 0.4, 10, 10.3, 500, 900]
    y = [0, 0, 0, 0, 0, 0, 0]
    res = repeat_locations(x, y)
    assert (res.n, res.locations, res.repeat_locations) == (7, 4, 2)
    assert res.repeat_share == pytest.approx(5 / 7)
    assert res.counts == ((1, 2), (2, 1), (3, 1))
    assert json.loads(json.dumps(res.to_dict()))["counts"] == [[1, 2], [2, 1], [3, 1]]


def test_repeat_locations_errors():
    with pytest.raises(InputError, match="tolerancia"):
        repeat_locations([0, 1], [0, 1], tolerance=-1)
    with pytest.raises(InputError, match="al menos 1 incidentes"):
        repeat_locations([], [])
