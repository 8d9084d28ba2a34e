"""Coordinates of incident rows: parsing, CRS transformation and plausibility checks.

Private to :mod:`sereno.ingest.normalize`. ``lat``/``lon`` columns are WGS84 and
understand a decimal comma; ``x``/``y`` columns are in the profile CRS (or hold
lon/lat, as many ArcGIS exports do); geo files bring their own CRS.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Protocol

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from sereno.errors import InputError
from sereno.ingest.profiles import GEOMETRY_COLUMNS, Profile
from sereno.ingest.readers import RawTable

_NUMBER = r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$"
#: Thousands grouped as the file's decimal mark implies: es-CL ``6.298.500,25``, or
#: ``6,298,500.25`` in a decimal-point file.
_GROUPED = {
    ",": r"^[+-]?\d{1,3}(?:\.\d{3})+(?:,\d+)?$",
    ".": r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$",
}


class RejectLog(Protocol):
    """What :mod:`.normalize` passes in to collect rejected rows."""

    def add(self, mask: Any, column: str | None, values: Any, reason: Any) -> None:
        """Reject the rows in ``mask`` not rejected yet."""


def coordinates(
    text: dict[str, pd.Series],
    mapping: dict[str, str],
    raw: RawTable,
    profile: Profile,
    bounds: tuple[float, float, float, float] | None,
    log: RejectLog,
) -> tuple[np.ndarray, np.ndarray]:
    """WGS84 lon/lat per row; rows with unusable coordinates are rejected in ``log``."""
    n = len(text["date"])
    lon, lat = np.full(n, np.nan), np.full(n, np.nan)
    geometry = mapping.get("lon") == GEOMETRY_COLUMNS[0]
    if "lat" in mapping and "lon" in mapping:
        lat = _number(text["lat"], mapping["lat"], "latitud", True, raw.decimal, log)
        lon = _number(text["lon"], mapping["lon"], "longitud", True, raw.decimal, log)
        if geometry and raw.crs:
            lon, lat = _to_wgs84(lon, lat, raw.crs, "la geometría")
    if not geometry and "x" in mapping and "y" in mapping:
        need = np.isnan(lon) | np.isnan(lat)
        x = _number(text["x"].where(need), mapping["x"], "coordenada X", False, raw.decimal, log)
        y = _number(text["y"].where(need), mapping["y"], "coordenada Y", False, raw.decimal, log)
        crs = _xy_crs(x, y, profile.crs, profile.name)
        tx, ty = _to_wgs84(x, y, crs, f"el perfil «{profile.name}»")
        lon, lat = np.where(need, tx, lon), np.where(need, ty, lat)
    pair = [mapping.get(k) for k in ("lat", "lon", "y", "x") if k in mapping]
    column = "/".join(dict.fromkeys(str(c) for c in pair[:2]))
    log.add(np.isnan(lon) | np.isnan(lat), column, None, "faltan las coordenadas: complete latitud "
            "y longitud (o X e Y) o elimine la fila")  # fmt: skip

    def shown(rows: np.ndarray) -> pd.Series:
        pair = [pc.cast(pa.array(v[rows]), pa.string()) for v in (lat, lon)]
        return pd.Series(pc.binary_join_element_wise(*pair, ", "), index=rows, dtype="str")

    out_of_range = (np.abs(lat) > 90) | (np.abs(lon) > 180)
    swapped_ok = (np.abs(lon) <= 90) & (np.abs(lat) <= 180)
    log.add(out_of_range & swapped_ok, column, shown, "latitud y longitud parecen intercambiadas "
            "(la latitud está fuera de [-90, 90]); intercambie las columnas")  # fmt: skip
    log.add(out_of_range, column, shown, "coordenadas fuera de rango: la latitud debe estar en "
            "[-90, 90] y la longitud en [-180, 180]")  # fmt: skip
    log.add((lat == 0) & (lon == 0), column, shown, "las coordenadas son 0, 0 (un valor de "
            "relleno, no una ubicación); corrija o elimine la fila")  # fmt: skip
    if bounds is not None:
        w, s, e, nb = bounds
        inside = (lon >= w) & (lon <= e) & (lat >= s) & (lat <= nb)
        swapped = (lat >= w) & (lat <= e) & (lon >= s) & (lon <= nb)
        log.add(~inside & swapped, column, shown, "latitud y longitud parecen intercambiadas: "
                "invertidas, caen dentro del territorio; intercambie las columnas")  # fmt: skip
        box = f"longitud {w:.4f} a {e:.4f}, latitud {s:.4f} a {nb:.4f}"
        log.add(~inside, column, shown, f"el punto (latitud, longitud) está fuera del territorio "
                f"({box}); revise las coordenadas o su sistema de referencia")  # fmt: skip
    return lon, lat


def _number(
    values: pd.Series, column: str, label: str, geographic: bool, decimal: str, log: RejectLog
) -> np.ndarray:
    """Parse numbers vectorised; ``,`` decimal for ``lat``/``lon`` is always understood.

    ``x``/``y`` metres may group thousands the way the file writes numbers: es-CL
    ``6.298.500,25`` in a decimal-comma file, ``6,298,500.25`` in a decimal-point one.
    Dots are never read as grouping in a decimal-point file (``346.500`` is 346.5), nor
    in ``lat``/``lon`` (``-33.456`` is a latitude, not -33456).
    """
    arr = pa.array(values.astype("str"), type=pa.large_string())
    if not geographic:
        arr = _metres(arr, decimal)
    elif decimal == ",":
        arr = _decimal_comma(arr)
    try:
        out = pc.cast(arr, pa.float64())  # the usual case: one fast pass
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        if geographic:
            arr = _decimal_comma(arr)  # lat/lon never group thousands: a comma is decimal
        valid = pc.match_substring_regex(arr, _NUMBER)
        out = pc.cast(pc.if_else(valid, arr, pa.scalar(None, arr.type)), pa.float64())
    numbers = np.asarray(out.to_numpy(zero_copy_only=False), dtype=np.float64)
    numbers = np.where(np.isfinite(numbers), numbers, np.nan)
    bad = np.isnan(numbers) & values.notna().to_numpy()
    if geographic:
        example = "grados con coma o punto decimal, p. ej. -33,4569 o -33.4569"
    elif decimal == ",":
        example = "metros con coma decimal, p. ej. 346500,25 o 346.500,25"
    else:
        example = "metros con punto decimal, p. ej. 346500.25"
    log.add(bad, column, values, lambda v: f"la {label} «" + v.astype(str) + "» no es un número; "
            f"escriba {example}")  # fmt: skip
    return numbers


def _metres(arr: pa.Array, decimal: str) -> pa.Array:
    """Projected metres as ``float``-castable text, ungrouping thousands as the file does."""
    group = "." if decimal == "," else ","
    grouped = pc.fill_null(pc.match_substring_regex(arr, _GROUPED[decimal]), False)
    if pc.any(grouped).as_py():
        arr = pc.if_else(grouped, pc.replace_substring(arr, group, ""), arr)
    return pc.replace_substring(arr, ",", ".")  # a comma left is a decimal comma


def _decimal_comma(arr: pa.ChunkedArray) -> pa.ChunkedArray:
    """``-33,45`` → ``-33.45`` and ``6.299.000,25`` → ``6299000.25``; others unchanged."""
    has_comma = pc.match_substring(arr, ",")
    if not pc.any(has_comma).as_py():
        return arr
    fixed = pc.replace_substring(pc.replace_substring(arr, ".", ""), ",", ".")
    return pc.if_else(has_comma, fixed, arr)


def _xy_crs(x: np.ndarray, y: np.ndarray, crs: str | None, profile: str) -> str:
    finite = np.isfinite(x) & np.isfinite(y)
    if finite.any() and (np.abs(x[finite]) <= 180).all() and (np.abs(y[finite]) <= 90).all():
        return "EPSG:4326"  # X/Y columns that hold longitude/latitude (ArcGIS exports)
    if crs is None:
        raise InputError(
            f"El archivo tiene coordenadas X/Y proyectadas pero el perfil «{profile}» no indica "
            "su sistema de referencia (crs).",
            hint="Agregue, p. ej., «crs: EPSG:32719» (UTM 19S) al perfil.",
        )
    return crs


@lru_cache(maxsize=16)
def _transformer(crs: str) -> Any:
    import pyproj

    source = pyproj.CRS.from_user_input(crs)
    if source.equals(pyproj.CRS.from_epsg(4326), ignore_axis_order=True):
        return None
    return pyproj.Transformer.from_crs(source, "EPSG:4326", always_xy=True)


def _to_wgs84(x: np.ndarray, y: np.ndarray, crs: str, where: str) -> tuple[np.ndarray, np.ndarray]:
    import pyproj

    try:
        transformer = _transformer(crs)
    except pyproj.exceptions.CRSError as exc:
        raise InputError(
            f"El sistema de referencia «{crs}» de {where} no es válido; use un código como "
            "EPSG:32719."
        ) from exc
    if transformer is None:
        return x, y
    lon, lat = transformer.transform(x, y, errcheck=False)
    lon, lat = np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)
    return np.where(np.isfinite(lon), lon, np.nan), np.where(np.isfinite(lat), lat, np.nan)
