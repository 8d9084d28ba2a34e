"""Territory registry: built-in sets (CL, RM) and custom sets stored in the database."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from sqlalchemy import Engine

from sereno.domain.territory import (
    BUILTIN_SETS,
    TerritorySet,
    builtin_territory_set,
    read_territory_file,
)
from sereno.errors import TerritoryError
from sereno.storage import repo
from sereno.storage.db import transaction

__all__ = [
    "get_territory_set",
    "list_territory_sets",
    "load_territory_file",
    "register_builtin_sets",
]

_CACHE: dict[tuple[str, str], TerritorySet] = {}


def register_builtin_sets(engine: Engine) -> None:
    """Record the shipped sets (CL, RM) and their comunas in the registry tables."""
    with transaction(engine) as conn:
        for code in BUILTIN_SETS:
            ts = builtin_territory_set(code)
            attrs = ts.attributes
            terr = []
            for i, cut in enumerate(ts.codes):
                a = attrs.iloc[i]
                terr.append(
                    {
                        "code": cut,
                        "name": ts.names[i],
                        "parent_code": str(int(a["cut_provincia"]))
                        if "cut_provincia" in a and a["cut_provincia"] == a["cut_provincia"]
                        else None,
                        "parent_name": str(a["provincia"]) if "provincia" in a else None,
                        "area_km2": float(a["area_km2"]) if "area_km2" in a else None,
                        "geometry": None,
                    }
                )
            repo.upsert_territory_set(
                conn,
                {
                    "code": code,
                    "name": ts.name,
                    "crs": ts.crs,
                    "timezone": ts.timezone,
                    "builtin": True,
                    "attribution": ts.attribution,
                },
                terr,
            )


def load_territory_file(
    engine: Engine,
    path: str | Path,
    *,
    code: str,
    name: str | None,
    code_field: str,
    name_field: str,
    crs: str | None = None,
    timezone: str = "America/Santiago",
    layer: str | None = None,
) -> TerritorySet:
    """Read a custom territory set from a file and store it in the registry."""
    code = code.strip().upper()
    if code in BUILTIN_SETS:
        raise TerritoryError(
            f"El código «{code}» está reservado para un conjunto incorporado.",
            hint="Elija otro código con --code.",
        )
    ts = read_territory_file(
        path,
        code=code,
        name=name,
        code_field=code_field,
        name_field=name_field,
        crs=crs,
        timezone=timezone,
        layer=layer,
    )
    areas = shapely.area(ts.metric_polygons) / 1e6
    terr = [
        {
            "code": ts.codes[i],
            "name": ts.names[i],
            "parent_code": None,
            "parent_name": None,
            "area_km2": float(areas[i]),
            "geometry": json.dumps(shapely.geometry.mapping(ts.polygons[i])),
        }
        for i in range(len(ts.codes))
    ]
    with transaction(engine) as conn:
        repo.upsert_territory_set(
            conn,
            {
                "code": ts.code,
                "name": ts.name,
                "crs": ts.crs,
                "timezone": ts.timezone,
                "builtin": False,
                "attribution": ts.attribution,
            },
            terr,
        )
    _CACHE.pop((str(engine.url), ts.code), None)
    return ts


def get_territory_set(engine: Engine, code: str) -> TerritorySet:
    """A territory set by code: built-in from the package, custom from the database."""
    code = code.strip().upper()
    if code in BUILTIN_SETS:
        return builtin_territory_set(code)
    key = (str(engine.url), code)
    if key in _CACHE:
        return _CACHE[key]
    with transaction(engine) as conn:
        rows = repo.territory_rows(conn, code)
    if not rows:
        with transaction(engine) as conn:
            known = [s["code"] for s in repo.list_territory_sets(conn)]
        raise TerritoryError(
            f"No existe el conjunto territorial «{code}».",
            hint=f"Conjuntos disponibles: {', '.join(known) or 'ninguno'}; cargue uno con «sereno territory load».",
        )
    meta = rows[0]["set"]
    polys = np.array(
        [shapely.geometry.shape(json.loads(r["geometry"])) for r in rows], dtype=object
    )
    ts = TerritorySet(
        code=meta["code"],
        name=meta["name"],
        crs=meta["crs"],
        timezone=meta["timezone"],
        codes=np.array([r["code"] for r in rows], dtype=object),
        names=np.array([r["name"] for r in rows], dtype=object),
        polygons=polys,
    )
    _CACHE[key] = ts
    return ts


def list_territory_sets(engine: Engine) -> list[dict[str, Any]]:
    """Registered sets (code, name, CRS, time zone, number of territories)."""
    with transaction(engine) as conn:
        return repo.list_territory_sets(conn)
