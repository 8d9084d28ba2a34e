import json
from importlib import resources

import pytest
from typer.testing import CliRunner

from sereno.cli.main import app
from sereno.errors import InputError
from sereno.services.monitoring import alerts_for_period
from sereno.services.statistics import import_statistics


@pytest.fixture
def cead_store(store, tmp_path):
    with resources.as_file(
        resources.files("sereno.data") / "rm_cead_casos_policiales_monthly.csv.gz"
    ) as cead:
        import_statistics(store, cead, source="CEAD", report_dir=tmp_path)
    return store


def test_alerts_on_the_real_cead_series(cead_store):
    report = alerts_for_period(cead_store, "2025-06").to_dict()
    assert set(report) >= {"period", "tests", "alerts"}
    assert report["period"] == "2025-06" and 1400 < report["tests"] <= 52 * 30
    assert 0 < len(report["alerts"]) < report["tests"] * 0.2
    first = report["alerts"][0]
    for key in (
        "territory",
        "category",
        "observed",
        "expected",
        "lower",
        "upper",
        "p_adjusted",
        "direction",
        "message",
    ):
        assert key in first
    assert first["direction"] in {"alza", "baja"}
    assert (
        " en " in first["message"]
        and "casos" in first["message"]
        and "p ajustado" in first["message"]
    )


def test_period_without_data_is_a_clear_error(cead_store):
    with pytest.raises(InputError, match="no tiene datos"):
        alerts_for_period(cead_store, "2031-01")


def test_no_statistics_is_a_clear_error(store):
    with pytest.raises(InputError, match="No hay estadísticas mensuales"):
        alerts_for_period(store, "2025-06")


def test_cli_alerts_json(tmp_path):
    db = f"sqlite:///{tmp_path / 'a.db'}"
    runner = CliRunner()
    with resources.as_file(
        resources.files("sereno.data") / "rm_cead_casos_policiales_monthly.csv.gz"
    ) as cead:
        assert (
            runner.invoke(
                app, ["import", "stats", str(cead), "--db", db, "--report-dir", str(tmp_path)]
            ).exit_code
            == 0
        )
    res = runner.invoke(app, ["alerts", "--period", "2025-12", "--db", db, "--json"])
    assert res.exit_code == 0, res.stderr
    data = json.loads(res.stdout)
    assert data["period"] == "2025-12" and data["tests"] > 1400
    bad = runner.invoke(app, ["alerts", "--period", "2025-13", "--db", db])
    assert bad.exit_code == 2 and "no es válido" in bad.stderr


def test_trends_reproduce_published_totals(cead_store):
    from sereno.services.monitoring import trends_report

    hom = trends_report(cead_store, territory="region", category="10101")
    y2019 = next(r for r in hom["years"] if r["year"] == 2019)
    assert y2019["count"] == 340  # RM homicides 2019 (data README)
    assert y2019["lower"] < y2019["rate"] < y2019["upper"] and y2019["population"] > 7_000_000
    armas = trends_report(cead_store, territory="region", category="armas")
    assert armas["categories_summed"] == ["5"]  # the family total, not its parts again
    assert next(r for r in armas["years"] if r["year"] == 2010)["count"] == 4_639  # 1,406 + 3,233
    assert armas["trend"]["direction"] in {"alza", "baja", "sin tendencia"}
    small = trends_report(cead_store, territory="13502", category="10101")  # Alhué
    assert any(r["small"] for r in small["years"])


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"category": None}, "Indique la categoría"),
        ({"category": "70501", "territory": "13101"}, "no tiene series"),
    ],
    ids=["no-category", "no-series"],
)
def test_trends_errors(cead_store, kwargs, match):
    from sereno.services.monitoring import trends_report

    with pytest.raises(InputError, match=match):
        trends_report(cead_store, **kwargs)
