"""Every bad input, through the real command: a Spanish message, no traceback, nothing lost."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from sereno.cli.main import app

BAD = Path(__file__).resolve().parents[1] / "data" / "bad"
runner = CliRunner()

# file -> (exit code, regex that must appear in the output or in the reject report)
CORPUS = {
    "empty.csv": (2, "vacío"),
    "header_only.csv": (2, "no tiene filas de datos"),
    "truncated_row.csv": (0, "campos"),
    "wrong_encoding.csv": (2, "no parece un archivo de texto"),
    "swapped_latlon.csv": (0, "intercambiadas"),
    "outside_chile.csv": (0, "fuera"),
    "future_and_1899_dates.csv": (0, "posterior|anterior"),
    "dst_nonexistent.csv": (0, "no existe en America/Santiago"),
    "missing_columns.csv": (2, "Faltan|falta"),
    "formula.csv": (0, "fórmula de planilla"),
    "sql_strings.csv": (0, ""),
    "corrupt.xlsx": (2, "dañado"),
}


def _state(db: Path) -> tuple[int, int, int, str]:
    con = sqlite3.connect(db)
    try:
        inc, batches, sources = (
            con.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
            for t in ("incidents", "import_batches", "sources")
        )
        ok = con.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        con.close()
    return inc, batches, sources, ok


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "store.db"
    good = tmp_path / "bueno.csv"
    good.write_text(
        "id_caso,fecha,hora,delito,latitud,longitud\nG1,10-03-2025,10:00,Hurtos,-33.4378,-70.6506\n",
        encoding="utf-8",
    )
    res = runner.invoke(
        app,
        [
            "import",
            "incidents",
            str(good),
            "--source",
            "Carabineros",
            "--db",
            f"sqlite:///{path}",
            "--report-dir",
            str(tmp_path / "rep"),
        ],
    )
    assert res.exit_code == 0, res.stderr
    return path


def _import(path: Path, db: Path, tmp_path: Path) -> tuple[int, str]:
    res = runner.invoke(
        app,
        [
            "import",
            "incidents",
            str(path),
            "--source",
            "Fuente de prueba",
            "--db",
            f"sqlite:///{db}",
            "--report-dir",
            str(tmp_path / "rep"),
            "--json",
        ],
    )
    return res.exit_code, res.stdout + res.stderr


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_bad_file_gives_spanish_message_and_keeps_store(name, db, tmp_path):
    expected_code, pattern = CORPUS[name]
    before = _state(db)
    code, output = _import(BAD / name, db, tmp_path)
    assert "Traceback" not in output
    assert code == expected_code, output
    after = _state(db)
    assert after[3] == "ok"
    if code != 0:
        assert "Error:" in output and pd.Series([output]).str.contains(pattern).all(), output
        assert after == before  # nothing written, not even a batch or a source
        return
    import json

    summary = json.loads(output.strip().splitlines()[-1])
    assert summary["inserted"] + summary["duplicates"] + summary["rejected"] == summary["rows_read"]
    assert after[0] == before[0] + summary["inserted"]
    report = pd.read_csv(summary["rejects_report"], sep=";", encoding="utf-8-sig", dtype=str)
    if pattern:
        assert report["motivo"].str.contains(pattern).any(), report.to_string()
    else:
        assert report.empty


@pytest.mark.parametrize(
    ("fixture", "pattern"),
    [
        ("huge_line_csv", "supera 1 MB"),
        ("zip_bomb_xlsx", "bomba ZIP"),
        ("nul_bytes_csv", "no parece"),
    ],
)
def test_generated_bad_files_are_refused_cleanly(fixture, pattern, request, db, tmp_path):
    path = request.getfixturevalue(fixture)
    before = _state(db)
    code, output = _import(path, db, tmp_path)
    assert code == 2 and "Traceback" not in output and pattern in output
    assert _state(db) == before


def test_sql_looking_strings_are_stored_verbatim(db, tmp_path):
    code, _ = _import(BAD / "sql_strings.csv", db, tmp_path)
    con = sqlite3.connect(db)
    try:
        labels = {r[0] for r in con.execute("SELECT raw_label FROM incidents")}
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    finally:
        con.close()
    assert code == 0 and "incidents" in tables
    assert any("DROP TABLE" in lab for lab in labels)
