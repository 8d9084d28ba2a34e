"""Another city as a custom territory set: its own CRS and time zone drive the import."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import shapely
from typer.testing import CliRunner

from sereno.cli.main import app

runner = CliRunner()


def _neighbourhoods(path: Path) -> Path:
    feats = [
        {
            "type": "Feature",
            "properties": {"codigo": "DT", "barrio": "Downtown"},
            "geometry": shapely.geometry.mapping(shapely.box(-123.14, 49.27, -123.10, 49.29)),
        },
        {
            "type": "Feature",
            "properties": {"codigo": "KT", "barrio": "Kitsilano"},
            "geometry": shapely.geometry.mapping(shapely.box(-123.18, 49.25, -123.14, 49.27)),
        },
    ]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": feats}), encoding="utf-8")
    return path


def test_load_custom_set_and_import_in_its_time_zone(tmp_path):
    db = f"sqlite:///{tmp_path / 's.db'}"
    gj = _neighbourhoods(tmp_path / "barrios.geojson")
    res = runner.invoke(
        app,
        [
            "territory",
            "load",
            str(gj),
            "--code",
            "VAN",
            "--code-field",
            "codigo",
            "--name-field",
            "barrio",
            "--timezone",
            "America/Vancouver",
            "--db",
            db,
            "--json",
        ],
    )
    assert res.exit_code == 0, res.stderr
    info = json.loads(res.stdout)
    assert info == {
        "code": "VAN",
        "name": "VAN",
        "territories": 2,
        "crs": "EPSG:32610",
        "timezone": "America/Vancouver",
    }
    listed = json.loads(runner.invoke(app, ["territory", "list", "--db", db, "--json"]).stdout)
    assert {s["code"] for s in listed} == {"CL", "RM", "VAN"}

    csv = tmp_path / "vpd.csv"
    csv.write_text(
        "id,date,time,category,lat,lon\n"
        "1,2022-07-01,12:00,Theft from Vehicle,49.28,-123.12\n"  # summer: UTC-7
        "2,2022-01-15,12:00,Mischief,49.26,-123.16\n"  # winter: UTC-8
        "3,2022-01-15,12:00,Mischief,-33.44,-70.65\n",  # Santiago: outside the set
        encoding="utf-8",
    )
    res = runner.invoke(
        app,
        [
            "import",
            "incidents",
            str(csv),
            "--source",
            "VPD",
            "--territory-set",
            "VAN",
            "--db",
            db,
            "--report-dir",
            str(tmp_path),
            "--json",
        ],
    )
    assert res.exit_code == 0, res.stderr
    summary = json.loads(res.stdout)
    assert (summary["rows_read"], summary["inserted"], summary["rejected"]) == (3, 2, 1)
    con = sqlite3.connect(tmp_path / "s.db")
    rows = con.execute(
        "SELECT source_record_id, territory_set, territory_code, occurred_from, cell_id FROM incidents ORDER BY 1"
    ).fetchall()
    con.close()
    assert [r[:3] for r in rows] == [("1", "VAN", "DT"), ("2", "VAN", "KT")]
    assert rows[0][3].startswith("2022-07-01 19:00") and rows[1][3].startswith("2022-01-15 20:00")
    assert all(r[4].startswith("100:") for r in rows)
