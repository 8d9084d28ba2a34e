"""Square grid cells aligned to multiples of the cell size in a metric CRS.

A cell of size ``s`` metres holding point ``(x, y)`` has integer indices
``i = floor(x / s)`` and ``j = floor(y / s)``; its id is ``"{s}:{i}:{j}"`` (for
example ``"100:3456:62890"``), so ids from different sizes never collide and any
cell can be rebuilt from its id alone.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd  # factorize keeps first-seen order and is fast

from sereno.errors import ConfigError

__all__ = ["DEFAULT_CELL_SIZE", "cell_center", "cell_ids", "cell_indices", "parse_cell_id"]

DEFAULT_CELL_SIZE = 100


def _check_size(size: int) -> int:
    if int(size) != size or size <= 0:
        raise ConfigError(
            f"El tamaño de celda «{size}» no es válido.",
            hint="Use un número entero de metros mayor que cero, por ejemplo 100.",
        )
    return int(size)


def cell_indices(
    x: npt.ArrayLike, y: npt.ArrayLike, size: int = DEFAULT_CELL_SIZE
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Integer cell indices ``(floor(x / size), floor(y / size))``.

    Examples
    --------
    >>> cell_indices([345_678.9], [6_289_012.3], 100)
    (array([3456]), array([62890]))
    """
    s = _check_size(size)
    i = np.floor(np.asarray(x, dtype=float) / s).astype(np.int64)
    j = np.floor(np.asarray(y, dtype=float) / s).astype(np.int64)
    return i, j


def cell_ids(
    x: npt.ArrayLike, y: npt.ArrayLike, size: int = DEFAULT_CELL_SIZE
) -> npt.NDArray[np.object_]:
    """Cell id strings ``"size:i:j"`` for metric coordinates (vectorised).

    Examples
    --------
    >>> list(cell_ids([345_678.9, 10.0], [6_289_012.3, -5.0], 100))
    ['100:3456:62890', '100:0:-1']
    """
    s = _check_size(size)
    i, j = cell_indices(x, y, s)
    if i.size == 0:
        return np.array([], dtype=object)
    # Build strings on the few distinct cells only, then broadcast back. Indices fit in
    # 32 bits for any Earth coordinate in metres, so one int64 key identifies a cell.
    key = (i << 32) + (j & 0xFFFFFFFF)
    codes, uniques = pd.factorize(key)
    ui = (uniques >> 32).tolist()
    uj = ((uniques & 0xFFFFFFFF).astype(np.int64) - ((uniques & 0x80000000) << 1)).tolist()
    labels = np.array([f"{s}:{a}:{b}" for a, b in zip(ui, uj, strict=True)], dtype=object)
    out: npt.NDArray[np.object_] = labels[codes]
    return out


def parse_cell_id(cell_id: str) -> tuple[int, int, int]:
    """Split a cell id into ``(size, i, j)``; raise ``ConfigError`` if malformed."""
    parts = str(cell_id).split(":")
    try:
        size, i, j = (int(p) for p in parts)
    except ValueError:
        raise ConfigError(
            f"El identificador de celda «{cell_id}» no es válido.",
            hint="El formato es tamaño:i:j, por ejemplo 100:3456:62890.",
        ) from None
    return _check_size(size), i, j


def cell_center(cell_id: str) -> tuple[float, float]:
    """Metric coordinates of a cell's centre."""
    size, i, j = parse_cell_id(cell_id)
    return (i + 0.5) * size, (j + 0.5) * size
