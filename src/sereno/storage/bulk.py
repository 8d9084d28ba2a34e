"""Fast bulk writes: driver ``executemany`` on SQLite, ``COPY`` on PostgreSQL.

Rows arrive as a pandas DataFrame whose columns are named as the table's; datetimes are
written as UTC text ``YYYY-MM-DD HH:MM:SS.ffffff``, the format SQLAlchemy's ``DateTime``
uses on SQLite and that PostgreSQL accepts.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection

__all__ = ["bulk_insert", "set_sequence"]

_CHUNK = 100_000


def _datetime_text(values: pd.Series) -> list[Any]:
    """UTC text ``YYYY-MM-DD HH:MM:SS.ffffff`` (SQLAlchemy's SQLite format), NaT → None.

    Formatted once per distinct instant: incidents share minutes.
    """
    ts = pd.to_datetime(values, utc=True)
    naive = ts.dt.tz_localize(None).dt.as_unit("us").to_numpy()
    missing = np.isnat(naive)
    if missing.all():
        return [None] * len(naive)
    codes, uniques = pd.factorize(naive)
    txt = np.char.replace(np.datetime_as_string(np.asarray(uniques), unit="us"), "T", " ").astype(
        object
    )
    out = txt[np.where(codes < 0, 0, codes)]
    out[missing] = None
    return list(out.tolist())


def _column_chunk(values: pd.Series) -> list[Any]:
    if isinstance(values.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_any_dtype(
        values.dtype
    ):
        return _datetime_text(values)
    if pd.api.types.is_float_dtype(values.dtype) or pd.api.types.is_integer_dtype(values.dtype):
        if values.hasnans:
            return list(values.astype(object).where(values.notna(), None).tolist())
        return list(values.to_numpy().tolist())
    obj = values.astype(object)
    return list(obj.where(obj.notna(), None).tolist())


def bulk_insert(conn: Connection, table: str, frame: pd.DataFrame) -> int:
    """Insert the rows of a DataFrame (columns named as the table's); returns the row count.

    Columns become Python values one chunk at a time (datetimes as UTC text, missing
    values as NULL), so memory stays bounded whatever the batch size. Runs inside the
    caller's transaction, so a failure anywhere leaves nothing behind.
    """
    n = len(frame)
    if n == 0 or frame.shape[1] == 0:
        return 0
    names = [str(c) for c in frame.columns]
    raw = conn.connection.driver_connection
    assert raw is not None
    postgres = conn.dialect.name == "postgresql"
    sql = f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
    for start in range(0, n, _CHUNK):
        part = frame.iloc[start : start + _CHUNK]
        rows = zip(*(_column_chunk(part[c]) for c in part.columns), strict=True)
        if postgres:
            with (
                raw.cursor() as cur,
                cur.copy(f"COPY {table} ({', '.join(names)}) FROM STDIN") as copy,
            ):
                for row in rows:
                    copy.write_row(row)
        else:
            raw.executemany(sql, rows)
    return n


def set_sequence(conn: Connection, table: str, column: str = "id") -> None:
    """After explicit ids were written, move PostgreSQL's sequence past the maximum."""
    if conn.dialect.name != "postgresql":
        return
    conn.exec_driver_sql(
        f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), "
        f"COALESCE((SELECT MAX({column}) FROM {table}), 0) + 1, false)"
    )
