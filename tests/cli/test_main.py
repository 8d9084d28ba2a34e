"""The sereno command as a user runs it: exit codes, Spanish messages, JSON shapes."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from sereno.cli.main import app

runner = CliRunner()


def _run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'cli.db'}"


def _incidents_csv(tmp_path: Path) -> Path:
    path = tmp_path / "inc.csv"
    pd.DataFrame(
        {
            "id_caso": ["A1", "A2", "A3"],
            "fecha": ["10-03-2025", "11-03-2025", "12-03-2025"],
            "hora": ["10:00", "11:30", "23:10"],
            "delito": ["Hurtos", "Robo por sorpresa", "Daños"],
            "latitud": ["-33.4378", "-33.4173", "-33.4500"],
            "longitud": ["-70.6506", "-70.6063", "-70.6000"],
        }
    ).to_csv(path, index=False)
    return path


def test_init_status_and_territory_list(db):
    code, out, _ = _run("init", "--db", db)
    assert code == 0 and "Base de datos lista" in out
    code, out, _ = _run("status", "--db", db, "--json")
    data = json.loads(out)
    assert code == 0 and data["incidents"] == 0 and data["statistics"] == 0 and data["batches"] == 0
    code, out, _ = _run("territory", "list", "--db", db, "--json")
    sets = {s["code"]: s for s in json.loads(out)}
    assert sets["CL"]["territories"] == 345 and sets["RM"]["territories"] == 52
    assert sets["RM"]["timezone"] == "America/Santiago" and sets["RM"]["crs"] == "EPSG:32719"


def test_import_incidents_json_shape_and_reimport(db, tmp_path):
    f = _incidents_csv(tmp_path)
    args = (
        "import",
        "incidents",
        str(f),
        "--source",
        "Carabineros",
        "--db",
        db,
        "--report-dir",
        str(tmp_path),
        "--json",
    )
    code, out, _ = _run(*args)
    first = json.loads(out)
    assert code == 0
    for key in (
        "batch_id",
        "rows_read",
        "inserted",
        "duplicates",
        "rejected",
        "unclassified",
        "seconds",
    ):
        assert key in first
    assert (first["rows_read"], first["inserted"]) == (3, 3)
    code, out, _ = _run(*args)
    assert json.loads(out)["inserted"] == 0
    code, out, _ = _run("status", "--db", db, "--json")
    assert json.loads(out)["incidents"] == 3 and json.loads(out)["batches"] == 2


def test_human_summary_is_spanish(db, tmp_path):
    code, out, _ = _run(
        "import",
        "incidents",
        str(_incidents_csv(tmp_path)),
        "--source",
        "Carabineros",
        "--db",
        db,
        "--report-dir",
        str(tmp_path),
    )
    assert code == 0 and "filas leídas: 3" in out and "insertadas:" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("import", "incidents", "no-existe.csv", "--source", "X"), "No se encuentra|no existe"),
        (("import", "incidents", "{bad}", "--source", "X"), "vacío"),
        (
            ("import", "incidents", "{inc}", "--source", "X", "--territory-set", "ZZ"),
            "No existe el conjunto",
        ),
        (("import", "incidents", "{inc}", "--source", "X", "--profile", "inventado"), "perfil"),
        (
            ("import", "incidents", "{inc}", "--source", "X", "--source-kind", "bomberos"),
            "tipo de fuente",
        ),
        (("synth", "incidents", "--n", "0", "--out", "{tmp}/x.csv"), ""),
        (("territory", "load", "{inc}", "--code-field", "a", "--name-field", "b"), "formato"),
    ],
    ids=[
        "missing-file",
        "empty-file",
        "unknown-set",
        "unknown-profile",
        "bad-kind",
        "bad-n",
        "bad-boundary-format",
    ],
)
def test_expected_errors_exit_nonzero_in_spanish_without_traceback(db, tmp_path, args, message):
    bad = tmp_path / "vacio.csv"
    bad.write_bytes(b"")
    inc = _incidents_csv(tmp_path)
    argv = [a.format(bad=bad, inc=inc, tmp=tmp_path) for a in args] + ["--db", db] * (
        args[0] != "synth"
    )
    code, out, err = _run(*argv)
    assert code == 2
    assert "Error:" in err and "Traceback" not in err + out
    assert pytest.importorskip("re").search(message, err, flags=2)


def test_help_lists_every_command():
    code, out, _ = _run("--help")
    assert code == 0
    for name in ("init", "territory", "import", "synth", "demo", "serve", "status"):
        assert name in out
