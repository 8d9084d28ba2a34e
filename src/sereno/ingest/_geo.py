"""GeoJSON and GeoPackage reader (pyogrio + shapely): point features only.

Private to :mod:`sereno.ingest.readers`, which dispatches here by extension.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sereno.errors import FileFormatError
from sereno.ingest.readers import (
    RawTable,
    header_names,
    reject_frame,
    sha256_of,
    text_table_to_frame,
)

_GEOM_NAMES = {
    1: "LineString", 2: "LinearRing", 3: "Polygon", 4: "MultiPoint",
    5: "MultiLineString", 6: "MultiPolygon", 7: "GeometryCollection",
}  # fmt: skip


def read_geo(path: Path, fmt: str, layer: str | None) -> RawTable:
    """Read one layer of a GeoJSON or GeoPackage file; non-points become rejects."""
    import pyogrio  # lazily: only geo formats need it
    import shapely

    errors: tuple[type[BaseException], ...] = (
        pyogrio.errors.DataSourceError,
        pyogrio.errors.DataLayerError,
    )
    try:
        layers = [str(n) for n in pyogrio.list_layers(path)[:, 0]]
    except errors as exc:
        kind = "GeoJSON" if fmt == "geojson" else "GeoPackage"
        raise FileFormatError(
            f"«{path.name}» no se puede leer como {kind}: el archivo está dañado o no tiene "
            "ese formato.",
            hint="Expórtelo de nuevo desde su SIG (QGIS, ArcGIS) como GeoJSON o GeoPackage.",
        ) from exc
    if layer is not None and layer not in layers:
        raise FileFormatError(
            f"«{path.name}» no tiene la capa «{layer}». Capas disponibles: {', '.join(layers)}."
        )
    if not layers:
        raise FileFormatError(f"El archivo está vacío: «{path.name}» no tiene capas.")
    meta, table = pyogrio.read_arrow(path, layer=layer or layers[0])
    geom_name = next(
        n for n in table.column_names if n in {meta["geometry_name"], "wkb_geometry", "geometry"}
    )
    names = header_names([n for n in table.column_names if n != geom_name], path.name)
    if table.num_rows == 0:
        raise FileFormatError(f"«{path.name}» no tiene entidades (filas de datos).")
    geoms = shapely.from_wkb(table.column(geom_name).to_numpy(zero_copy_only=False))
    type_ids = shapely.get_type_id(geoms)
    single = (type_ids == 4) & (shapely.get_num_geometries(geoms) == 1)
    geoms = np.where(single, shapely.get_geometry(geoms, 0), geoms)
    type_ids = np.where(single, 0, type_ids)
    ok = (type_ids == 0) | (type_ids == -1)  # -1: missing geometry, rejected later
    text_cols = [
        c if pa.types.is_string(c.type) else pc.cast(c, pa.string())
        for n, c in zip(table.column_names, table.columns, strict=True)
        if n != geom_name
    ]
    xs = np.where(type_ids == 0, shapely.get_x(geoms), np.nan)
    ys = np.where(type_ids == 0, shapely.get_y(geoms), np.nan)
    coords = [pc.cast(pa.array(a, from_pandas=True), pa.string()) for a in (xs, ys)]
    frame = text_table_to_frame(
        pa.table(text_cols + coords, names=[*names, "__lon", "__lat"]), [*names, "__lon", "__lat"]
    )
    numbers = np.arange(1, table.num_rows + 1, dtype=np.int64)
    bad = np.flatnonzero(~ok)
    rejects = reject_frame(
        [int(numbers[i]) for i in bad],
        ["geometry"] * len(bad),
        [_GEOM_NAMES.get(int(type_ids[i]), "?") for i in bad],
        [
            f"la geometría es de tipo {_GEOM_NAMES.get(int(type_ids[i]), '?')}; solo se aceptan "
            "puntos: conviértala a punto (p. ej., su centroide) en su SIG"
            for i in bad
        ],
    )
    return RawTable(
        frame=frame.loc[ok].reset_index(drop=True),
        row_numbers=numbers[ok],
        format=fmt,
        encoding="utf-8",
        delimiter=None,
        decimal=".",
        crs=meta.get("crs"),
        sha256=sha256_of(path),
        path=path,
        rejects=rejects,
    )
