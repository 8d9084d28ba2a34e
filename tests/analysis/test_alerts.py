from importlib import resources

import numpy as np
import pandas as pd
import pytest

from sereno.analysis.alerts import monthly_alerts
from sereno.errors import InputError


def _seasonal(rng, series: int, months: int, level: float = 30.0) -> np.ndarray:
    season = 1 + 0.3 * np.sin(2 * np.pi * np.arange(months) / 12)
    means = level * rng.uniform(0.3, 3.0, (series, 1)) * season
    return rng.poisson(means).astype(float)


def test_planted_spike_and_drop_are_found_and_baseline_excludes_tested_month():
    rng = np.random.default_rng(7)
    h = _seasonal(rng, 200, 60)
    h[3, 59] = h[3, 47] * 2.5 + 40  # spike in the tested month
    h[4, 59] = 0  # collapse
    r = monthly_alerts(h, 59)
    assert r.alert[3] and r.direction[3] == 1
    assert r.alert[4] and r.direction[4] == -1
    # Changing the tested month never changes its own expected value.
    h2 = h.copy()
    h2[3, 59] = 0
    assert monthly_alerts(h2, 59).expected[3] == r.expected[3]
    assert r.lower[3] <= r.expected[3] <= r.upper[3]


def test_pattern_free_series_stay_quiet():
    seeds_with_alerts = 0
    for seed in range(40):
        rng = np.random.default_rng(100 + seed)
        h = _seasonal(rng, 1560, 48)
        seeds_with_alerts += int(monthly_alerts(h, 47).alert.any())
    # Under the global null BH controls the chance of any false alert at alpha = 5 %.
    assert seeds_with_alerts / 40 <= 0.10


def test_runs_on_the_real_cead_series():
    raw = resources.files("sereno.data").joinpath("rm_cead_casos_policiales_monthly.csv.gz")
    with resources.as_file(raw) as path:
        df = pd.read_csv(path)
    table = df.pivot_table(
        index=["cut", "category"], columns="period", values="count", aggfunc="sum"
    )
    months = list(table.columns)
    for period in ("2025-01", "2025-06", "2025-12"):
        r = monthly_alerts(table.to_numpy(float), months.index(period))
        assert r.tests > 1400
        assert r.alert.sum() < 0.2 * r.tests  # alerts are the exception, not the rule
        assert np.all((r.p_adjusted >= r.p_value - 1e-12) | ~r.tested)


@pytest.mark.parametrize(
    ("history", "month", "match"),
    [
        (np.ones(24), 20, "tabla serie"),
        (np.ones((2, 24)), 20, "Faltan meses"),
        (-np.ones((2, 48)), 40, "negativos"),
    ],
    ids=["1d", "short", "negative"],
)
def test_bad_input(history, month, match):
    with pytest.raises(InputError, match=match):
        monthly_alerts(history, month)
