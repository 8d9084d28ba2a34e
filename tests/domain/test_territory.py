import json

import numpy as np
import pytest
import shapely

from sereno.domain.territory import builtin_territory_set, read_territory_file, utm_crs_for
from sereno.errors import TerritoryError


def test_rm_has_52_comunas_with_official_cuts():
    rm = builtin_territory_set("RM")
    assert len(rm.codes) == 52
    assert rm.codes[0] == "13101" and "13605" in set(rm.codes)
    assert rm.crs == "EPSG:32719" and rm.timezone == "America/Santiago"
    assert dict(zip(rm.codes, rm.names, strict=True))["13123"] == "Providencia"


def test_chile_has_345_comunas():
    cl = builtin_territory_set("CL")
    assert len(cl.codes) == 345
    assert "1101" in set(cl.codes)  # Iquique: 4-digit CUT, no leading zero or float
    assert "12202" not in set(cl.codes)  # Antártica is not in the source


def test_rm_areas_match_source_figures():
    rm = builtin_territory_set("RM")
    areas = dict(zip(rm.codes, shapely.area(rm.metric_polygons) / 1e6, strict=True))
    assert areas["13101"] == pytest.approx(23.15, abs=0.05)
    assert areas["13115"] == pytest.approx(1023.1, abs=1)
    assert sum(areas.values()) == pytest.approx(15396.2, rel=1e-3)


def test_locate_known_places():
    rm = builtin_territory_set("RM")
    # Plaza de Armas (Santiago), Costanera Center (Providencia), open sea (none)
    idx = rm.locate([-70.6506, -70.6063, -72.5], [-33.4378, -33.4173, -33.0])
    assert rm.codes[idx[0]] == "13101"
    assert rm.codes[idx[1]] == "13123"
    assert idx[2] == -1


@pytest.mark.parametrize(
    ("lon", "lat", "expected"),
    [(-70.65, -33.45, "EPSG:32719"), (-123.1, 49.25, "EPSG:32610"), (2.35, 48.85, "EPSG:32631")],
    ids=["santiago", "vancouver", "paris"],
)
def test_utm_zone_of_centroid(lon, lat, expected):
    assert utm_crs_for(lon, lat) == expected


def test_unknown_builtin_set_is_a_spanish_error():
    with pytest.raises(TerritoryError, match="No existe el conjunto territorial"):
        builtin_territory_set("XX")


def _square(tmp_path, props, name="barrios.geojson"):
    feats = [
        {
            "type": "Feature",
            "properties": p,
            "geometry": shapely.geometry.mapping(
                shapely.box(-123.2 + i * 0.01, 49.2, -123.19 + i * 0.01, 49.21)
            ),
        }
        for i, p in enumerate(props)
    ]
    path = tmp_path / name
    path.write_text(json.dumps({"type": "FeatureCollection", "features": feats}))
    return path


def test_custom_set_gets_utm_zone_and_timezone(tmp_path):
    path = _square(tmp_path, [{"id": 1, "nombre": "A"}, {"id": 2, "nombre": "B"}])
    ts = read_territory_file(
        path, code="VAN", code_field="id", name_field="nombre", timezone="America/Vancouver"
    )
    assert ts.crs == "EPSG:32610"
    assert list(ts.codes) == ["1", "2"]
    idx = ts.locate([-123.195, -123.185, 0.0], [49.205, 49.205, 0.0])
    assert list(idx) == [0, 1, -1]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"code_field": "nope", "name_field": "nombre"}, "El campo «nope» no existe"),
        ({"code_field": "id", "name_field": "nombre", "crs": "EPSG:4326"}, "no es métrico"),
        ({"code_field": "id", "name_field": "nombre", "crs": "EPSG:999999"}, "no es válido"),
        ({"code_field": "id", "name_field": "nombre", "timezone": "Marte/Olimpo"}, "zona horaria"),
    ],
    ids=["missing-field", "geographic-crs", "bad-crs", "bad-timezone"],
)
def test_custom_set_errors(tmp_path, kwargs, match):
    path = _square(tmp_path, [{"id": 1, "nombre": "A"}])
    with pytest.raises(TerritoryError, match=match):
        read_territory_file(path, code="X", **kwargs)


def test_duplicate_codes_are_refused(tmp_path):
    path = _square(tmp_path, [{"codigo": 1, "nombre": "A"}, {"codigo": 1, "nombre": "B"}])
    with pytest.raises(TerritoryError, match="más de una vez"):
        read_territory_file(path, code="X", code_field="codigo", name_field="nombre")


def test_geopackage_in_other_crs_is_read(tmp_path):
    gpd = pytest.importorskip("geopandas")
    gdf = gpd.GeoDataFrame(
        {"cod": ["a", "b"], "nom": ["Uno", "Dos"]},
        geometry=[
            shapely.box(340000, 6290000, 341000, 6291000),
            shapely.box(341000, 6290000, 342000, 6291000),
        ],
        crs="EPSG:32719",
    )
    path = tmp_path / "zonas.gpkg"
    gdf.to_file(path, driver="GPKG")
    ts = read_territory_file(path, code="Z", code_field="cod", name_field="nom", crs="EPSG:32719")
    x, y = ts.to_metric(*ts.to_lonlat([340500.0, 341500.0], [6290500.0, 6290500.0]))
    assert np.allclose(x, [340500.0, 341500.0]) and np.allclose(y, [6290500.0, 6290500.0])
    assert list(ts.codes[ts.locate_metric(x, y)]) == ["a", "b"]


def test_aysen_and_magallanes_have_their_own_time_zones():
    cl = builtin_territory_set("CL")
    zones = dict(zip(cl.codes, cl.zone_of(range(len(cl.codes))), strict=True))
    assert zones["12101"] == "America/Punta_Arenas"  # Punta Arenas
    assert zones["11101"] == "America/Coyhaique"  # Coyhaique
    assert zones["13101"] == "America/Santiago"
    assert set(builtin_territory_set("RM").zone_of(range(52))) == {"America/Santiago"}
