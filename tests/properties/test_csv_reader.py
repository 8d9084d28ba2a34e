"""Round trip: any table of text written as CSV reads back equal (NFC, blanks as NA)."""

from __future__ import annotations

import csv
import io
import tempfile
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from sereno.ingest.readers import read_table

HEADER = ["id caso", "dirección", "Ñandú", "nota"]
# Windows-1252 text as Spanish files hold it; "Ã" is left out on purpose: "Ã±" is what
# UTF-8 "ñ" looks like in Windows-1252, and such files are refused as mixed encodings.
CP1252_ALPHABET = "".join(chr(c) for c in range(32, 127)) + "\t\r\náéíóúñÁÉÍÓÚÑüÜ¿¡€°ºª·«»–—“”‘’…"
ANY_TEXT = st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")


def _frames(alphabet: st.SearchStrategy[str]) -> st.SearchStrategy[list[list[str]]]:
    cell = st.text(alphabet=alphabet, max_size=12)
    return st.lists(
        st.lists(cell, min_size=len(HEADER), max_size=len(HEADER)), min_size=1, max_size=8
    )


def _write(rows: list[list[str]], delimiter: str) -> str:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerows([HEADER, *rows])
    return buffer.getvalue()


def _check(rows: list[list[str]], delimiter: str, encoding: str) -> None:
    data = _write(rows, delimiter).encode(encoding)
    if encoding == "cp1252" and not data.isascii():
        try:
            data.decode("utf-8")
            assume(False)  # also valid UTF-8: read as UTF-8, by design
        except UnicodeDecodeError:
            pass
    expected = pd.DataFrame(
        [[unicodedata.normalize("NFC", v) or None for v in row] for row in rows],
        columns=HEADER,
        dtype="str",
    )
    keep = expected.notna().any(axis=1).to_numpy()  # wholly blank rows are skipped
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "datos.csv"
        path.write_bytes(data)
        raw = read_table(path)
    assert raw.delimiter == delimiter
    assert raw.encoding == ("utf-8" if encoding == "cp1252" and data.isascii() else encoding)
    pd.testing.assert_frame_equal(raw.frame, expected[keep].reset_index(drop=True))
    assert raw.row_numbers.tolist() == (np.flatnonzero(keep) + 2).tolist()
    assert raw.rejects.empty


DELIMITERS = st.sampled_from([",", ";", "\t"])


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=_frames(ANY_TEXT), delimiter=DELIMITERS, encoding=st.sampled_from(["utf-8", "utf-8-sig"])
)
def test_utf8_csv_round_trip(rows: list[list[str]], delimiter: str, encoding: str) -> None:
    _check(rows, delimiter, encoding)


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=_frames(st.sampled_from(CP1252_ALPHABET)), delimiter=DELIMITERS)
def test_cp1252_csv_round_trip(rows: list[list[str]], delimiter: str) -> None:
    _check(rows, delimiter, "cp1252")
