"""Every file of tests/data/bad (and the generated ones) fails the way its README says."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from sereno.errors import FileFormatError, InputError, MissingColumnsError
from sereno.ingest.normalize import normalize
from sereno.ingest.profiles import load_profile
from sereno.ingest.readers import read_table

# file → error type and message regex (whole file refused)
FILE_ERRORS = [
    ("empty.csv", FileFormatError, r"^El archivo está vacío"),
    ("header_only.csv", FileFormatError, r"no tiene filas de datos"),
    ("wrong_encoding.csv", FileFormatError, r"no parece un archivo de texto CSV.*ni Windows-1252"),
    ("missing_columns.csv", MissingColumnsError,
     r"faltan columnas obligatorias.*falta fecha.*falta delito.*falta coordenadas"
     r".*Columnas encontradas: folio, descripcion, monto"),
    ("corrupt.xlsx", FileFormatError, r"^El archivo XLSX está dañado"),
]  # fmt: skip

# file → {row: reason regex} of the rejects, and the rows kept as records
ROW_REJECTS = [
    ("truncated_row.csv", {4: r"^la fila tiene 3 campos y el encabezado 7"}, [2, 3]),
    ("swapped_latlon.csv", {2: r"^latitud y longitud parecen intercambiadas"}, [3]),
    ("outside_chile.csv", {2: r"fuera del territorio"}, [3]),
    ("future_and_1899_dates.csv",
     {2: r"^la fecha 05-03-2099 14:30 es posterior a la fecha de importación",
      3: r"^la fecha 31-12-1899 15:10 es anterior a 01-01-1900"}, [4]),
    ("dst_nonexistent.csv",
     {2: r"^la hora 00:30 del 08-09-2024 no existe en America/Santiago: ese día los relojes "
         r"saltaron de 00:00 a 01:00"}, [3]),
    ("formula.csv", {2: "fórmula de planilla", 3: "fórmula de planilla", 4: "fórmula de planilla",
                     5: "fórmula de planilla"}, [6]),
    ("sql_strings.csv", {}, [2, 3]),
]  # fmt: skip

RM_BOUNDS = (-71.72, -34.30, -69.76, -32.91)


def _normalize(path: Path, now: dt.datetime) -> tuple[pd.DataFrame, pd.DataFrame]:
    result = normalize(
        read_table(path), load_profile("generic"), timezone="America/Santiago", now=now,
        bounds=RM_BOUNDS,
    )  # fmt: skip
    return result.records, result.rejects


@pytest.mark.parametrize(("name", "error", "match"), FILE_ERRORS, ids=[c[0] for c in FILE_ERRORS])
def test_file_is_refused(
    bad_dir: Path, now: dt.datetime, name: str, error: type[InputError], match: str
) -> None:
    with pytest.raises(error, match=match):
        _normalize(bad_dir / name, now)


@pytest.mark.parametrize(("name", "expected", "kept"), ROW_REJECTS, ids=[c[0] for c in ROW_REJECTS])
def test_rows_are_rejected(
    bad_dir: Path, now: dt.datetime, name: str, expected: dict[int, str], kept: list[int]
) -> None:
    records, rejects = _normalize(bad_dir / name, now)
    assert rejects["row"].tolist() == sorted(expected)
    for row, reason in expected.items():
        text = rejects.loc[rejects["row"] == row, "reason"].iloc[0]
        assert pd.Series([text]).str.contains(reason, regex=True).all(), text
    assert records["source_row"].tolist() == kept


def test_dst_repeated_hour_is_kept_and_flagged(bad_dir: Path, now: dt.datetime) -> None:
    records, _ = _normalize(bad_dir / "dst_nonexistent.csv", now)
    assert records["time_flag"].tolist() == ["ambiguous_dst"]
    assert records["occurred_from"].iloc[0] == pd.Timestamp("2024-04-07 02:30", tz="UTC")


def test_sql_strings_are_kept_verbatim(bad_dir: Path, now: dt.datetime) -> None:
    records, _ = _normalize(bad_dir / "sql_strings.csv", now)
    assert records["raw_label"].iloc[0] == "'; DROP TABLE incidents; --"
    assert records["address"].tolist() == ["Robert'); DROP TABLE students;--", "1' OR '1'='1"]


@pytest.mark.parametrize(
    ("fixture", "match"),
    [
        ("huge_line_csv", r"la primera línea supera 1 MB: ¿es realmente un CSV\?"),
        ("zip_bomb_xlsx", r"bomba ZIP"),
        ("ratio_bomb_xlsx", r"bomba ZIP"),
        ("nul_bytes_csv", r"no parece un archivo de texto CSV"),
    ],
)
def test_generated_files_are_refused(
    request: pytest.FixtureRequest, fixture: str, match: str
) -> None:
    path = request.getfixturevalue(fixture)
    with pytest.raises(FileFormatError, match=match):
        read_table(path)


def test_readme_lists_every_committed_file(bad_dir: Path) -> None:
    readme = (bad_dir / "README.md").read_text(encoding="utf-8")
    committed = sorted(p.name for p in bad_dir.iterdir() if p.name != "README.md")
    tested = sorted([c[0] for c in FILE_ERRORS] + [c[0] for c in ROW_REJECTS])
    assert committed == tested
    assert all(f"`{name}`" in readme for name in committed)
