"""Read incident files (CSV, XLSX, GeoJSON, GeoPackage) into an all-text table.

One reader per format, chosen by file extension as in geopandas ``io/file.py``.
Every reader returns a :class:`RawTable` whose ``frame`` holds text only: typing,
validation and normalisation happen later, in :mod:`sereno.ingest.normalize`.

Notes
-----
Rows that cannot be aligned with the header (a CSV row with the wrong number of
fields, a non-point geometry) do not fail the file: they are dropped from
``frame`` and reported in ``RawTable.rejects`` with their spreadsheet row number.
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from sereno.errors import FileFormatError

__all__ = ["ACCEPTED_EXTENSIONS", "REJECT_COLUMNS", "RawTable", "read_table"]

ACCEPTED_EXTENSIONS: dict[str, str] = {
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "csv",
    ".xlsx": "xlsx",
    ".geojson": "geojson",
    ".json": "geojson",
    ".gpkg": "gpkg",
}
REJECT_COLUMNS = ("row", "column", "value", "reason")

_CHUNK = 1 << 23
_ACCEPTED_ES = (
    "CSV (.csv, .txt, .tsv, también comprimidos .gz), Excel (.xlsx), GeoJSON (.geojson, "
    ".json) o GeoPackage (.gpkg)"
)


def empty_rejects() -> pd.DataFrame:
    """Return an empty rejects table (columns row, column, value, reason)."""
    return pd.DataFrame(
        {
            "row": pd.Series([], dtype="int64"),
            "column": pd.Series([], dtype="str"),
            "value": pd.Series([], dtype="str"),
            "reason": pd.Series([], dtype="str"),
        }
    )


@dataclass(frozen=True)
class RawTable:
    """A file read as text, before any typing or validation.

    Attributes
    ----------
    frame : pandas.DataFrame
        One row per record; every column is text (``str`` dtype), empty cells are NA,
        text is NFC-normalised. Geo formats add ``__lon``/``__lat`` with the point
        coordinates as stored, in ``crs`` (x, y order).
    row_numbers : numpy.ndarray
        int64, the spreadsheet row of each record (header = 1, first data row = 2);
        for GeoJSON/GeoPackage the feature index + 1.
    format : str
        ``"csv"``, ``"xlsx"``, ``"geojson"`` or ``"gpkg"``.
    encoding, delimiter : str or None
        Detected for CSV (``"utf-8"``, ``"utf-8-sig"``, ``"cp1252"``, ``"utf-16"``).
    decimal : str
        ``"."`` or ``","``: the decimal mark numbers in the file most likely use.
    crs : str or None
        CRS of the geometry (geo formats only).
    sha256 : str
        Hex digest of the raw file bytes.
    path : pathlib.Path
        The file read.
    rejects : pandas.DataFrame
        Records dropped while reading: ``row``, ``column``, ``value``, ``reason``.
    """

    frame: pd.DataFrame
    row_numbers: np.ndarray
    format: str
    encoding: str | None
    delimiter: str | None
    decimal: str
    crs: str | None
    sha256: str
    path: Path
    rejects: pd.DataFrame = field(default_factory=empty_rejects)


def read_table(path: str | Path, *, sheet: str | None = None, layer: str | None = None) -> RawTable:
    """Read a CSV, XLSX, GeoJSON or GeoPackage file as text.

    Parameters
    ----------
    path : str or pathlib.Path
        File to read; the extension chooses the reader (``.csv.gz`` is a CSV).
    sheet : str, optional
        XLSX sheet name (default: the first sheet).
    layer : str, optional
        GeoPackage layer (default: the first layer).

    Returns
    -------
    RawTable

    Raises
    ------
    sereno.errors.FileFormatError
        Unknown extension, missing, empty, binary, corrupt or dangerous file.
    """
    path = Path(path)
    fmt = _check_inputs(path)
    if fmt == "csv":
        from sereno.ingest._csvfile import read_csv

        return read_csv(path)
    if fmt == "xlsx":
        from sereno.ingest._xlsx import read_xlsx

        return read_xlsx(path, sheet)
    from sereno.ingest._geo import read_geo

    return read_geo(path, fmt, layer)


def _check_inputs(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix == ".gz" and Path(path.stem).suffix.lower() in {".csv", ".txt", ".tsv"}:
        suffix = Path(path.stem).suffix.lower()  # gzip-compressed CSV, as open-data portals ship
    fmt = ACCEPTED_EXTENSIONS.get(suffix)
    if fmt is None:
        raise FileFormatError(
            f"El archivo «{path.name}» tiene la extensión «{path.suffix or '(ninguna)'}», "
            f"que no se puede importar. Formatos aceptados: {_ACCEPTED_ES}.",
            hint="Exporte los datos desde su planilla como CSV o XLSX.",
        )
    if not path.is_file():
        raise FileFormatError(f"No se encuentra el archivo «{path}».")
    if path.stat().st_size == 0:
        raise FileFormatError(f"El archivo está vacío: «{path.name}» no contiene datos.")
    return fmt


def sha256_of(path: Path) -> str:
    """Hex SHA-256 of the file bytes, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def header_names(raw_names: list[Any], name: str) -> list[str]:
    """NFC, stripped header names; blank or duplicate names raise."""
    names = [unicodedata.normalize("NFC", "" if v is None else str(v)).strip() for v in raw_names]
    blank = [i + 1 for i, v in enumerate(names) if not v]
    if blank:
        raise FileFormatError(
            f"El encabezado de «{name}» tiene columnas sin nombre (posición "
            f"{', '.join(map(str, blank))}). Escriba un nombre en la primera fila de cada columna "
            "o elimine las columnas vacías."
        )
    seen: dict[str, int] = {}
    for v in names:
        seen[v.casefold()] = seen.get(v.casefold(), 0) + 1
    dups = sorted({v for v in names if seen[v.casefold()] > 1})
    if dups:
        raise FileFormatError(
            f"El encabezado de «{name}» repite nombres de columna: {', '.join(dups)}. "
            "Cada columna debe tener un nombre distinto; renombre las repetidas."
        )
    return names


def reject_frame(
    rows: list[int], columns: list[Any], values: list[Any], reasons: list[str]
) -> pd.DataFrame:
    if not rows:
        return empty_rejects()
    return pd.DataFrame(
        {
            "row": pd.Series(rows, dtype="int64"),
            "column": pd.Series(columns, dtype="str"),
            "value": pd.Series(values, dtype="str"),
            "reason": pd.Series(reasons, dtype="str"),
        }
    )


def _nfc_column(col: pa.ChunkedArray) -> pa.ChunkedArray:
    """NFC-normalise a text column, looking only at its distinct values."""
    chunks, changed = [], False
    for chunk in col.chunks:
        if pc.all(pc.string_is_ascii(chunk)).as_py() is not False:  # ASCII is always NFC
            chunks.append(chunk)
            continue
        encoded = pc.dictionary_encode(chunk)
        normalised = pc.utf8_normalize(encoded.dictionary, "NFC")
        if pc.all(pc.equal(normalised, encoded.dictionary)).as_py():
            chunks.append(chunk)  # already NFC: the usual case
            continue
        chunks.append(pc.take(normalised, encoded.indices))
        changed = True
    return pa.chunked_array(chunks, col.type) if changed else col


def text_table_to_frame(table: pa.Table, names: list[str], *, nfc: bool = True) -> pd.DataFrame:
    """All-text DataFrame (``str`` dtype, NFC) from an Arrow table, renamed to ``names``.

    ``nfc=False`` when the text is NFC by construction (decoded from Windows-1252,
    which has no combining characters).
    """
    columns = {}
    for i, name in enumerate(names):
        col = table.column(i)
        if not pa.types.is_large_string(col.type):
            col = pc.cast(col, pa.large_string())
        columns[name] = _nfc_column(col) if nfc else col
    frame = pa.table(columns).to_pandas() if names else pd.DataFrame(index=range(table.num_rows))
    return frame.astype({n: "str" for n in names}) if names else frame
