"""XLSX reader: zip-bomb checks, then openpyxl in read-only, values-only mode.

Private to :mod:`sereno.ingest.readers`, which dispatches here by extension.
"""

from __future__ import annotations

import datetime as dt
import warnings
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from sereno.errors import FileFormatError
from sereno.ingest.readers import RawTable, header_names, sha256_of, text_table_to_frame

_XLSX_MAX_UNCOMPRESSED = 512 * 1024 * 1024
_XLSX_MAX_RATIO = 100
_XLSX_LARGE_MEMBER = 16 * 1024 * 1024


def _xlsx_damaged(path: Path, detail: str) -> FileFormatError:
    return FileFormatError(
        f"El archivo XLSX está dañado o no es un libro de Excel: «{path.name}» ({detail}).",
        hint="Ábralo en Excel o LibreOffice y guárdelo de nuevo como «Libro de Excel (.xlsx)».",
    )


def _check_xlsx_zip(path: Path) -> None:
    """Refuse corrupt archives and zip bombs before openpyxl decompresses anything."""
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise _xlsx_damaged(path, "no es un archivo ZIP válido") from exc
    total = sum(i.file_size for i in infos)
    mb = 1024 * 1024
    if total > _XLSX_MAX_UNCOMPRESSED:
        raise FileFormatError(
            f"«{path.name}» ocupa {path.stat().st_size / mb:.1f} MB pero al descomprimirlo "
            f"ocuparía {total / mb:,.0f} MB (límite {_XLSX_MAX_UNCOMPRESSED // mb} MB). Podría ser "
            "una «bomba ZIP», un archivo hecho para agotar la memoria; no se abrió.",
            hint="Si los datos son legítimos, divídalos en varios archivos o expórtelos como CSV.",
        )
    for info in infos:
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > _XLSX_LARGE_MEMBER and ratio > _XLSX_MAX_RATIO:
            raise FileFormatError(
                f"«{path.name}» contiene «{info.filename}», que se comprime {ratio:,.0f} veces "
                f"(límite {_XLSX_MAX_RATIO}). Una compresión tan extrema es típica de una «bomba "
                "ZIP», un archivo hecho para agotar la memoria; no se abrió.",
                hint="Si los datos son legítimos, expórtelos como CSV.",
            )
    if "xl/workbook.xml" not in {i.filename for i in infos}:
        raise _xlsx_damaged(path, "falta xl/workbook.xml; ¿es un .xls o .ods renombrado?")


def _cell_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value if value.strip() else None
    if isinstance(value, bool):
        return "VERDADERO" if value else "FALSO"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, dt.datetime):
        value = (value + dt.timedelta(microseconds=500_000)).replace(microsecond=0)
        if value.time() == dt.time(0):
            return str(value.date().isoformat())
        return str(value.isoformat(timespec="seconds"))
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.replace(microsecond=0).isoformat(timespec="seconds")
    if isinstance(value, dt.timedelta):
        seconds = round(value.total_seconds())
        return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"
    return str(value)


def read_xlsx(path: Path, sheet: str | None) -> RawTable:
    """Read the first (or the named) sheet of an XLSX file as text."""
    _check_xlsx_zip(path)
    import openpyxl  # lazily: only XLSX needs it

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about styles it cannot read
            book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types on corrupt files
        raise _xlsx_damaged(path, type(exc).__name__) from exc
    try:
        if sheet is not None and sheet not in book.sheetnames:
            raise FileFormatError(
                f"«{path.name}» no tiene una hoja llamada «{sheet}». Hojas disponibles: "
                f"{', '.join(book.sheetnames)}."
            )
        worksheet = book[sheet] if sheet is not None else book.worksheets[0]
        # Read-only mode trusts the sheet's stored <dimension ref>, which some exporters
        # write wrong (e.g. "A1:F3" for 10 rows): rows past it would be lost silently.
        if hasattr(worksheet, "reset_dimensions"):
            worksheet.reset_dimensions()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            rows = list(worksheet.iter_rows(values_only=True))
    except FileFormatError:
        raise
    except Exception as exc:
        raise _xlsx_damaged(path, type(exc).__name__) from exc
    finally:
        book.close()
    texts = [[_cell_text(v) for v in row] for row in rows]
    start = next((i for i, r in enumerate(texts) if any(v is not None for v in r)), None)
    if start is None:
        raise FileFormatError(f"El archivo está vacío: la hoja de «{path.name}» no tiene datos.")
    header = texts[start]
    width = max(i + 1 for i, v in enumerate(header) if v is not None)
    names = header_names(header[:width], path.name)
    body = [(r + [None] * width)[:width] for r in texts[start + 1 :]]
    numbers = np.arange(start + 2, start + 2 + len(body), dtype=np.int64)
    keep = np.array([any(v is not None for v in r) for r in body], dtype=bool)
    if not keep.any():
        raise FileFormatError(f"«{path.name}» solo tiene el encabezado y no tiene filas de datos.")
    data = [r for r, k in zip(body, keep, strict=True) if k]
    table = pa.table([pa.array(list(c), pa.string()) for c in zip(*data, strict=True)], names=names)
    return RawTable(
        frame=text_table_to_frame(table, names),
        row_numbers=numbers[keep],
        format="xlsx",
        encoding=None,
        delimiter=None,
        decimal=".",
        crs=None,
        sha256=sha256_of(path),
        path=path,
    )
