"""CSV reader: encoding and delimiter detection, then Arrow's parser.

Private to :mod:`sereno.ingest.readers`, which dispatches here by extension.

Notes
-----
Detection reads only the first MiB (BOM, UTF-8 validity, delimiter counts in a
sample); a streaming pass over the whole file, run while Arrow parses, confirms
the encoding (UTF-8, else Windows-1252 without undefined bytes, never NUL bytes)
and hashes the bytes. Rows with the wrong number of fields become rejects.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import hashlib
import io
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from sereno.errors import FileFormatError
from sereno.ingest.readers import (
    RawTable,
    empty_rejects,
    header_names,
    reject_frame,
    sha256_of,
    text_table_to_frame,
)

_MAX_FIRST_LINE = 1 << 20  # 1 MiB
_CHUNK = 1 << 23
_SNIFF_LINES = 200
# Á É Í Ó Ú Ñ Ü á é í ó ú ñ ü in UTF-8: seen in a file that is not UTF-8, it mixes encodings.
_UTF8_SPANISH = re.compile(rb"\xc3[\x81\x89\x8d\x93\x9a\x91\x9c\xa1\xa9\xad\xb3\xba\xb1\xbc]")
_CP1252_UTF8 = [bytes([b]).decode("cp1252", errors="replace").encode() for b in range(256)]
_CP1252_SIZE = np.array([len(u) for u in _CP1252_UTF8], dtype=np.int64)
_CP1252_BYTES = np.array([list(u.ljust(3, b"\0")) for u in _CP1252_UTF8], dtype=np.uint8)
_CP1252_UNDEFINED = (b"\x81", b"\x8d", b"\x8f", b"\x90", b"\x9d")


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
    gz = path.suffix.lower() == ".gz"
    with _open(path) as fh:
        head = fh.read(4)
        bom = _detect_head_encoding(head)
    with _open(path) as fh:
        while chunk := fh.read(_CHUNK):
            if not gz:
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
                    saw_utf8_text = saw_utf8_text or bool(_UTF8_SPANISH.search(chunk))
            if cp1252_ok and not utf8_ok:  # a UTF-8 prefix is ASCII or "mixed" anyway
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
    return _Scan(encoding, sha256_of(path) if gz else digest.hexdigest(), quotes % 2 == 1)


def _open(path: Path) -> BinaryIO:
    if path.suffix.lower() == ".gz":
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return path.open("rb")


def _read_head(path: Path) -> bytes:
    """First ≤ 1 MiB of the file; raises at once if the first line is longer."""
    with _open(path) as fh:
        head = fh.read(_MAX_FIRST_LINE + 4)
    if b"\n" not in head and b"\r" not in head and len(head) > _MAX_FIRST_LINE:
        raise FileFormatError(
            f"En «{path.name}» la primera línea supera 1 MB: ¿es realmente un CSV? "
            "Un CSV tiene una fila de encabezado corta y una línea por registro.",
            hint="Revise que el archivo sea el correcto, no un archivo binario o comprimido.",
        )
    return head


def _head_encoding(head: bytes, name: str) -> str:
    """Encoding guessed from the first bytes only (the full scan confirms it)."""
    bom = _detect_head_encoding(head)
    if bom is not None:
        return bom
    if b"\x00" in head:
        raise _binary_error(name)
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head)
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8"


def _decode_head(path: Path, head: bytes, encoding: str) -> str:
    text = codecs.getincrementaldecoder(encoding)(errors="replace").decode(head).lstrip("\ufeff")
    if not text.strip():
        raise FileFormatError(f"El archivo está vacío: «{path.name}» solo contiene espacios.")
    return text


def _sniff_delimiter(text: str) -> str:
    lines = io.StringIO(text, newline="").readlines()  # only \r and \n end CSV lines
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


# Numbers that show their decimal mark: "-33,45", "6.298.500", "346.500,25" for a comma;
# "-33.45", "6,298,500", "346,500.25" for a point. "346.500" or "346,500" (1–3 digits, one
# mark, three digits) may be a decimal or grouped thousands: they decide nothing.
_COMMA_DECIMAL = r"\s*[+-]?(?:\d+,\d+|\d{1,3}(?:\.\d{3})+,\d+|\d{1,3}(?:\.\d{3}){2,})\s*"
_DOT_DECIMAL = r"\s*[+-]?(?:\d+\.\d+|\d{1,3}(?:,\d{3})+\.\d+|\d{1,3}(?:,\d{3}){2,})\s*"
_AMBIGUOUS_MARK = r"\s*[+-]?\d{1,3}[.,]\d{3}\s*"


def _guess_decimal(frame: pd.DataFrame, delimiter: str) -> str:
    """``","`` or ``"."``: the mark most sample numbers use; ties go to ``","`` in ``;`` files."""
    sample = frame.head(2000)
    comma = dot = 0
    for name in sample.columns:
        col = sample[name]
        clear = ~col.str.fullmatch(_AMBIGUOUS_MARK).fillna(False).astype(bool)
        comma += int((col.str.fullmatch(_COMMA_DECIMAL).fillna(False).astype(bool) & clear).sum())
        dot += int((col.str.fullmatch(_DOT_DECIMAL).fillna(False).astype(bool) & clear).sum())
    if comma > dot or (comma == dot and delimiter == ";"):
        return ","
    return "."


@dataclass
class _Layout:
    delimiter: str
    width: int
    header_lines: int


def _parse(
    path: Path, layout: _Layout, *, encoding: str, kind: pa.DataType, report_bad: bool
) -> tuple[pa.Table, list[tuple[int, int, str]]]:
    """Parse with Arrow; rows with the wrong field count are collected, not fatal.

    Arrow decodes a bad row's text as UTF-8 before calling the handler, so a handler
    is only installed when bad rows are known to be UTF-8 (else a bad row raises).
    """
    bad: list[tuple[int, int, str]] = []

    def on_bad_row(row: Any) -> str:
        bad.append((row.number - layout.header_lines + 1, row.actual_columns, row.text))
        return "skip"

    positional = [f"c{i}" for i in range(layout.width)]
    table = pacsv.read_csv(
        path,
        read_options=pacsv.ReadOptions(
            use_threads=False,
            block_size=1 << 24,
            encoding=encoding,
            column_names=positional,
            skip_rows=layout.header_lines,
        ),
        parse_options=pacsv.ParseOptions(
            delimiter=layout.delimiter,
            newlines_in_values=True,
            ignore_empty_lines=False,
            invalid_row_handler=on_bad_row if report_bad else None,
        ),
        convert_options=pacsv.ConvertOptions(
            column_types=dict.fromkeys(positional, kind),
            strings_can_be_null=True,
            null_values=[""],
        ),
    )
    return table, bad


def read_csv(path: Path) -> RawTable:
    """Read a CSV file (plain or ``.gz``) as text; see :func:`sereno.ingest.readers.read_table`."""
    head = _read_head(path)
    guess = _head_encoding(head, path.name)
    text = _decode_head(path, head, guess)
    delimiter = _sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    names = header_names(next(reader, []), path.name)
    layout = _Layout(delimiter, len(names), reader.line_num)  # > 1 line: a name holds a break
    if len(head) <= _MAX_FIRST_LINE and not any(reader):  # the whole file is in `head`
        raise _header_only(path)
    failure: Exception | None = None
    table: pa.Table | None = None
    if guess == "utf-16":
        scan = _scan_csv(path)
        table, bad = _parse(path, layout, encoding="utf16", kind=pa.large_string(), report_bad=True)
    else:
        # Fast path: raw bytes, decoded per column below. The scan (hash, encoding, NUL
        # bytes) runs meanwhile in a thread: Arrow and hashlib release the GIL.
        with ThreadPoolExecutor(max_workers=1) as pool:
            scanning = pool.submit(_scan_csv, path)
            try:
                table, bad = _parse(
                    path,
                    layout,
                    encoding="utf8",
                    kind=pa.large_binary(),
                    report_bad=guess != "cp1252",
                )
            except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
                failure = exc
            scan = scanning.result()  # a binary or mixed file is reported first
        if table is None and scan.encoding == "cp1252":  # bad rows: slower, transcoding path
            try:
                table, bad = _parse(
                    path, layout, encoding="cp1252", kind=pa.large_string(), report_bad=True
                )
            except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
                failure = exc
    if table is None:
        raise FileFormatError(
            f"No se pudo leer «{path.name}» como CSV ({scan.encoding}, separador "
            f"«{_show_delimiter(delimiter)}»): {failure}",
            hint="Ábralo en su planilla y guárdelo de nuevo como «CSV UTF-8».",
        ) from failure
    decode = _cp1252_column if scan.encoding == "cp1252" else _utf8_column
    table = pa.table([decode(c) for c in table.columns], names=table.column_names)
    if table.num_rows == 0 and not bad:
        raise _header_only(path)
    total = table.num_rows + len(bad)
    row_numbers = np.arange(2, total + 2, dtype=np.int64)
    if bad:
        good = np.ones(total, dtype=bool)
        good[np.array([b[0] for b in bad], dtype=np.int64) - 2] = False
        row_numbers = row_numbers[good]
    frame = text_table_to_frame(table, names, nfc=scan.encoding != "cp1252")
    rejects: list[tuple[int, str | None, str | None, str]] = [
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
        decimal=_guess_decimal(frame, delimiter),
        crs=None,
        sha256=scan.sha256,
        path=path,
        rejects=reject_frame(*map(list, zip(*rejects, strict=True)))
        if rejects
        else empty_rejects(),
    )


def _header_only(path: Path) -> FileFormatError:
    return FileFormatError(
        f"«{path.name}» solo tiene el encabezado y no tiene filas de datos.",
        hint="Revise que exportó la hoja con los registros.",
    )


def _utf8_column(col: pa.ChunkedArray) -> pa.ChunkedArray:
    """Bytes already validated as UTF-8 by :func:`_scan_csv`: reinterpret, no copy."""
    if not pa.types.is_large_binary(col.type):
        return col
    return pa.chunked_array([c.view(pa.large_string()) for c in col.chunks], pa.large_string())


def _cp1252_column(col: pa.ChunkedArray) -> pa.ChunkedArray:
    """Transcode a Windows-1252 byte column to UTF-8 with numpy lookups (no Python loop)."""
    if not pa.types.is_large_binary(col.type):
        return col  # already decoded by Arrow's transcoding path
    return pa.chunked_array([_cp1252_chunk(c) for c in col.chunks], pa.large_string())


def _cp1252_chunk(chunk: pa.Array) -> pa.Array:
    chunk = pa.concat_arrays([chunk])  # offset 0
    validity, offsets_buf, data_buf = chunk.buffers()
    offsets = np.frombuffer(offsets_buf, np.int64, count=len(chunk) + 1)
    data = np.frombuffer(data_buf, np.uint8) if data_buf is not None else np.zeros(0, np.uint8)
    high = np.flatnonzero(data >= 0x80)
    if not len(high):  # ASCII is the same in both encodings
        return chunk.view(pa.large_string())
    codes = data[high]
    size = _CP1252_SIZE[codes]
    out = data.copy()
    out[high] = _CP1252_BYTES[codes, 0]
    three = size == 3
    at = np.concatenate([high + 1, high[three] + 1])  # after the first byte: 2nd, then 3rd
    extra = np.concatenate([_CP1252_BYTES[codes, 1], _CP1252_BYTES[codes[three], 2]])
    order = np.argsort(at, kind="stable")
    out = np.insert(out, at[order], extra[order])
    grown = np.concatenate([[0], np.cumsum(size - 1)])
    new_offsets = offsets + grown[np.searchsorted(high, offsets)]
    buffers = [validity, pa.py_buffer(new_offsets), pa.py_buffer(out)]
    return pa.Array.from_buffers(pa.large_string(), len(chunk), buffers, chunk.null_count)


def _has_newline(record: pd.Series) -> bool:
    return bool(record.astype("str").str.contains("[\r\n]", regex=True).fillna(False).any())


def _show_delimiter(delimiter: str) -> str:
    return "tabulador" if delimiter == "\t" else delimiter
