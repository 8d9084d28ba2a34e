import json
from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from sereno.cli.main import app
from sereno.errors import InputError
from sereno.services.imports import import_incidents
from sereno.services.patterns import cell_concentration, near_repeat

NOW = datetime(2026, 11, 28, tzinfo=UTC)


@pytest.fixture
def clustered(store, tmp_path):
    rng = np.random.default_rng(4)
    n = 400
    base = pd.Timestamp("2025-03-01")
    # Pairs: each event followed by a near repeat 20-60 m and 1-5 days later.
    lat = -33.45 + rng.uniform(-0.02, 0.02, n // 2)
    lon = -70.66 + rng.uniform(-0.02, 0.02, n // 2)
    days = rng.integers(0, 200, n // 2)
    lat2 = lat + rng.uniform(0.0002, 0.0005, n // 2)
    lon2 = lon + rng.uniform(0.0002, 0.0005, n // 2)
    days2 = days + rng.integers(1, 5, n // 2)
    when = [base + pd.Timedelta(days=int(d), hours=12) for d in np.r_[days, days2]]
    df = pd.DataFrame(
        {
            "id_caso": [f"N{i}" for i in range(n)],
            "fecha": [w.strftime("%d-%m-%Y") for w in when],
            "hora": "12:00",
            "delito": "Robo en lugar habitado",
            "latitud": np.r_[lat, lat2].round(6),
            "longitud": np.r_[lon, lon2].round(6),
        }
    )
    df.to_csv(tmp_path / "nr.csv", index=False)
    import_incidents(store, tmp_path / "nr.csv", source="Carabineros", now=NOW, report_dir=tmp_path)
    return store


def test_near_repeat_finds_planted_repeats(clustered):
    data = near_repeat(clustered, territory="region", permutations=99, seed=1)
    first = next(b for b in data["bands"] if b["space_to"] == 100 and b["time_from"] == 0)
    assert data["n"] == 400 and data["permutations"] == 99
    assert first["ratio"] > 2 and first["p"] <= 0.05
    assert {
        "space_from",
        "space_to",
        "time_from",
        "time_to",
        "observed",
        "expected",
        "ratio",
        "p",
    } <= set(first)


def test_concentration_matches_direct_count(clustered):
    data = cell_concentration(clustered, territory="region", cell=100)
    assert data["incidents"] <= 400 and data["cells"] > 1000
    assert 0 < data["share_top"]["0.01"] <= 1 and 0 < data["gini"] <= 1


def test_empty_selection_is_an_error(clustered):
    with pytest.raises(InputError, match="No hay incidentes"):
        near_repeat(clustered, territory="13201", permutations=9)


def test_cli_nearrepeat_json(tmp_path):
    db = f"sqlite:///{tmp_path / 'n.db'}"
    csv = tmp_path / "i.csv"
    csv.write_text(
        "id_caso,fecha,hora,delito,latitud,longitud\n"
        "A,10-03-2025,10:00,Hurtos,-33.4378,-70.6506\nB,12-03-2025,10:00,Hurtos,-33.4379,-70.6507\n"
        "C,20-05-2025,10:00,Hurtos,-33.4450,-70.6600\n",
        encoding="utf-8",
    )
    runner = CliRunner()
    assert (
        runner.invoke(
            app,
            [
                "import",
                "incidents",
                str(csv),
                "--source",
                "X",
                "--db",
                db,
                "--report-dir",
                str(tmp_path),
            ],
        ).exit_code
        == 0
    )
    res = runner.invoke(
        app,
        [
            "nearrepeat",
            "--territory",
            "13101",
            "--permutations",
            "9",
            "--seed",
            "1",
            "--db",
            db,
            "--json",
        ],
    )
    assert res.exit_code == 0, res.stderr
    data = json.loads(res.stdout)
    assert data["n"] == 3 and len(data["bands"]) == 30
    res = runner.invoke(app, ["concentration", "--territory", "13101", "--db", db])
    assert res.exit_code == 0 and "Gini" in res.stdout
