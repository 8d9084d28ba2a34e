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

import codecs
import csv
import hashlib
import io
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

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

_MAX_FIRST_LINE = 1 << 20  # 1 MiB
_CHUNK = 1 << 23
_SNIFF_LINES = 200
_CP1252_UNDEFINED = (b"\x81", b"\x8d", b"\x8f", b"\x90", b"\x9d")
_ACCEPTED_ES = (
    "CSV (.csv, .txt, .tsv), Excel (.xlsx), GeoJSON (.geojson, .json) o GeoPackage (.gpkg)"
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
        File to read; the extension chooses the reader.
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
        return _read_csv(path)
    if fmt == "xlsx":
        from sereno.ingest._xlsx import read_xlsx

        return read_xlsx(path, sheet)
    from sereno.ingest._geo import read_geo

    return read_geo(path, fmt, layer)


def _check_inputs(path: Path) -> str:
    fmt = ACCEPTED_EXTENSIONS.get(path.suffix.lower())
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
    """NFC-normalise a text column, touching only its distinct non-ASCII values."""
    non_ascii = pc.invert(pc.string_is_ascii(col))
    if not pc.any(non_ascii).as_py():
        return col
    encoded = pc.dictionary_encode(pc.filter(col, non_ascii).combine_chunks())
    normalised = pc.utf8_normalize(encoded.dictionary, "NFC")
    if pc.all(pc.equal(normalised, encoded.dictionary)).as_py():
        return col  # already NFC: the usual case
    fixed = pc.take(normalised, encoded.indices)
    mask = non_ascii.combine_chunks() if isinstance(non_ascii, pa.ChunkedArray) else non_ascii
    return pa.chunked_array([pc.replace_with_mask(col.combine_chunks(), mask, fixed)])


def text_table_to_frame(table: pa.Table, names: list[str]) -> pd.DataFrame:
    """All-text DataFrame (``str`` dtype, NFC) from an Arrow table, renamed to ``names``."""
    columns = {}
    for i, name in enumerate(names):
        col = table.column(i)
        if not pa.types.is_large_string(col.type):
            col = pc.cast(col, pa.large_string())
        columns[name] = _nfc_column(col)
    frame = pa.table(columns).to_pandas() if names else pd.DataFrame(index=range(table.num_rows))
    return frame.astype({n: "str" for n in names}) if names else frame


# --------------------------------------------------------------------------- CSV


@dataclass
class _Scan:
    encoding: str
    sha256: str
    odd_quotes: bool


def _detect_head_encoding(head: bytes) -> str | None:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    return None


def _binary_error(name: str) -> FileFormatError:
    return FileFormatError(
        f"«{name}» no parece un archivo de texto CSV: contiene bytes que no son texto "
        "UTF-8 ni Windows-1252 (¿es un archivo binario, comprimido o dañado?).",
        hint="Abra el archivo en su planilla y guárdelo como «CSV UTF-8 (delimitado por comas)».",
    )


def _scan_csv(path: Path) -> _Scan:
    """One streaming pass: SHA-256, encoding validity, NUL bytes, quote parity."""
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    utf8_ok, cp1252_ok, has_nul, saw_utf8_text, quotes = True, True, False, False, 0
    with path.open("rb") as fh:
        head = fh.read(4)
        bom = _detect_head_encoding(head)
        fh.seek(0)
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
            if bom == "utf-16":
                continue
            has_nul = has_nul or b"\x00" in chunk
            quotes += chunk.count(b'"')
            if utf8_ok:
                try:
                    decoder.decode(chunk)
                    saw_utf8_text = saw_utf8_text or not chunk.isascii()
                except UnicodeDecodeError:
                    utf8_ok = False
            if cp1252_ok:
                cp1252_ok = not any(b in chunk for b in _CP1252_UNDEFINED)
    if bom != "utf-16" and utf8_ok:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            utf8_ok = False
    if has_nul:
        raise _binary_error(path.name)
    if bom is not None:
        if bom == "utf-8-sig" and not utf8_ok:
            raise FileFormatError(
                f"«{path.name}» declara UTF-8 (marca BOM) pero contiene bytes que no son UTF-8 "
                "válido: mezcla codificaciones.",
                hint="Guárdelo de nuevo como «CSV UTF-8» desde su planilla.",
            )
        encoding = bom
    elif utf8_ok:
        encoding = "utf-8"
    elif saw_utf8_text:
        raise FileFormatError(
            f"«{path.name}» mezcla codificaciones: una parte es UTF-8 y otra no. No se puede "
            "saber cómo leer las letras con tilde o la ñ.",
            hint="Guarde todo el archivo de nuevo como «CSV UTF-8» desde su planilla.",
        )
    elif cp1252_ok:
        encoding = "cp1252"
    else:
        raise _binary_error(path.name)
    return _Scan(encoding, digest.hexdigest(), quotes % 2 == 1)


def _read_head(path: Path) -> bytes:
    """First ≤ 1 MiB of the file; raises at once if the first line is longer."""
    with path.open("rb") as fh:
        head = fh.read(_MAX_FIRST_LINE + 4)
    if b"\n" not in head and b"\r" not in head and len(head) > _MAX_FIRST_LINE:
        raise FileFormatError(
            f"En «{path.name}» la primera línea supera 1 MB: ¿es realmente un CSV? "
            "Un CSV tiene una fila de encabezado corta y una línea por registro.",
            hint="Revise que el archivo sea el correcto, no un archivo binario o comprimido.",
        )
    return head


def _decode_head(path: Path, head: bytes, encoding: str) -> str:
    text = codecs.getincrementaldecoder(encoding)(errors="replace").decode(head).lstrip("\ufeff")
    if not text.strip():
        raise FileFormatError(f"El archivo está vacío: «{path.name}» solo contiene espacios.")
    return text


def _sniff_delimiter(text: str) -> str:
    lines = text.splitlines(keepends=True)
    if len(lines) > 1:
        lines = lines[: min(len(lines) - 1, _SNIFF_LINES)]  # the last may be cut
    sample = "".join(lines)
    best, best_score = ",", (-1.0, 0)
    for delimiter in (",", ";", "\t"):
        records = [r for r in csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter) if r]
        width = len(records[0]) if records else 0
        if width < 2:
            continue
        share = sum(len(r) == width for r in records) / len(records)
        if (share, width) > best_score:
            best, best_score = delimiter, (share, width)
    return best


def _guess_decimal(table: pa.Table, delimiter: str) -> str:
    sample = table.slice(0, 2000)
    comma = dot = 0
    for col in sample.columns:
        comma += pc.sum(pc.match_substring_regex(col, r"^\s*-?\d+,\d+\s*$")).as_py() or 0
        dot += pc.sum(pc.match_substring_regex(col, r"^\s*-?\d+\.\d+\s*$")).as_py() or 0
    if comma > dot or (comma == dot and delimiter == ";"):
        return ","
    return "."


def _read_csv(path: Path) -> RawTable:
    head = _read_head(path)
    scan = _scan_csv(path)
    text = _decode_head(path, head, scan.encoding)
    delimiter = _sniff_delimiter(text)
    arrow_names = next(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), [])
    names = header_names(arrow_names, path.name)
    bad: list[tuple[int, int, str]] = []

    def on_bad_row(row: Any) -> str:
        bad.append((row.number, row.actual_columns, row.text))
        return "skip"

    try:
        table = pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(
                use_threads=False, block_size=1 << 24, encoding=scan.encoding
            ),
            parse_options=pacsv.ParseOptions(
                delimiter=delimiter,
                newlines_in_values=True,
                ignore_empty_lines=False,
                invalid_row_handler=on_bad_row,
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={n: pa.large_string() for n in arrow_names},
                strings_can_be_null=True,
                null_values=[""],
                check_utf8=True,
            ),
        )
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        raise FileFormatError(
            f"No se pudo leer «{path.name}» como CSV ({scan.encoding}, separador "
            f"«{_show_delimiter(delimiter)}»): {exc}",
            hint="Ábralo en su planilla y guárdelo de nuevo como «CSV UTF-8».",
        ) from exc
    if table.num_rows == 0 and not bad:
        raise FileFormatError(
            f"«{path.name}» solo tiene el encabezado y no tiene filas de datos.",
            hint="Revise que exportó la hoja con los registros.",
        )
    total = table.num_rows + len(bad)
    row_numbers = np.arange(2, total + 2, dtype=np.int64)
    if bad:
        good = np.ones(total, dtype=bool)
        good[np.array([b[0] for b in bad], dtype=np.int64) - 2] = False
        row_numbers = row_numbers[good]
    frame = text_table_to_frame(table, names)
    rejects = [
        (
            n,
            None,
            t[:200],
            f"la fila tiene {k} campos y el encabezado {len(names)}; revise "
            f"separadores «{_show_delimiter(delimiter)}» y comillas en esa fila",
        )
        for n, k, t in bad
        if t.strip()
    ]
    if scan.odd_quotes and len(frame) and _has_newline(frame.iloc[-1]):
        rejects.append(
            (
                int(row_numbers[-1]),
                None,
                None,
                "la fila abre comillas que nunca se cierran (¿archivo truncado?): desde ahí "
                "hasta el final del archivo quedó dentro de un solo valor; corrija las comillas",
            )
        )
        frame, row_numbers = frame.iloc[:-1], row_numbers[:-1]
    blank = frame.isna().all(axis=1).to_numpy()
    if blank.any():
        frame, row_numbers = frame.loc[~blank], row_numbers[~blank]
    return RawTable(
        frame=frame.reset_index(drop=True),
        row_numbers=row_numbers,
        format="csv",
        encoding=scan.encoding,
        delimiter=delimiter,
        decimal=_guess_decimal(table, delimiter),
        crs=None,
        sha256=scan.sha256,
        path=path,
        rejects=reject_frame(*map(list, zip(*rejects, strict=True)))
        if rejects
        else empty_rejects(),
    )


def _has_newline(record: pd.Series) -> bool:
    return bool(record.astype("str").str.contains("[\r\n]", regex=True).fillna(False).any())


def _show_delimiter(delimiter: str) -> str:
    return "tabulador" if delimiter == "\t" else delimiter
