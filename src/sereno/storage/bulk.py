"""Fast bulk writes: driver ``executemany`` on SQLite, ``COPY`` on PostgreSQL.

Columns arrive as plain Python lists (or numpy arrays); datetimes must already be text
``YYYY-MM-DD HH:MM:SS.ffffff`` in UTC, the format SQLAlchemy's ``DateTime`` uses on SQLite
and PostgreSQL accepts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from sqlalchemy import Connection

__all__ = ["bulk_insert", "set_sequence"]

_CHUNK = 100_000


def _as_list(values: Any) -> list[Any]:
    if isinstance(values, np.ndarray):
        return values.tolist()  # numpy scalars -> Python ints/floats
    return list(values)


def bulk_insert(conn: Connection, table: str, columns: Mapping[str, Sequence[Any]]) -> int:
    """Insert rows given column-wise; returns the number of rows written.

    Runs inside the caller's transaction, so a failure anywhere leaves nothing behind.
    """
    names = list(columns)
    if not names:
        return 0
    cols = [_as_list(columns[n]) for n in names]
    n = len(cols[0])
    if n == 0:
        return 0
    if conn.dialect.name == "postgresql":
        raw = conn.connection.driver_connection
        assert raw is not None
        with raw.cursor() as cur:
            with cur.copy(f"COPY {table} ({', '.join(names)}) FROM STDIN") as copy:
                for row in zip(*cols, strict=True):
                    copy.write_row(row)
        return n
    raw = conn.connection.driver_connection
    assert raw is not None
    sql = f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
    for start in range(0, n, _CHUNK):
        stop = min(start + _CHUNK, n)
        raw.executemany(sql, zip(*(c[start:stop] for c in cols), strict=True))
    return n


def set_sequence(conn: Connection, table: str, column: str = "id") -> None:
    """After explicit ids were written, move PostgreSQL's sequence past the maximum."""
    if conn.dialect.name != "postgresql":
        return
    conn.exec_driver_sql(
        f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), "
        f"COALESCE((SELECT MAX({column}) FROM {table}), 0) + 1, false)"
    )
