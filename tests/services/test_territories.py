import json

import pytest
import shapely

from sereno.errors import TerritoryError
from sereno.services.territories import get_territory_set, list_territory_sets, load_territory_file


def _file(tmp_path):
    feats = [
        {
            "type": "Feature",
            "properties": {"cod": f"B{i}", "nom": f"Barrio {i}"},
            "geometry": shapely.geometry.mapping(
                shapely.box(-58.45 + i * 0.01, -34.62, -58.44 + i * 0.01, -34.61)
            ),
        }
        for i in range(3)
    ]
    path = tmp_path / "baires.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": feats}), encoding="utf-8")
    return path


def test_custom_set_round_trips_through_the_store(store, tmp_path):
    load_territory_file(
        store,
        _file(tmp_path),
        code="BA",
        name="Buenos Aires (prueba)",
        code_field="cod",
        name_field="nom",
        timezone="America/Argentina/Buenos_Aires",
    )
    ts = get_territory_set(store, "BA")
    assert list(ts.codes) == ["B0", "B1", "B2"] and ts.crs == "EPSG:32721"
    assert ts.timezone == "America/Argentina/Buenos_Aires"
    assert list(ts.locate([-58.445, -58.425, 0.0], [-34.615, -34.615, 0.0])) == [0, 2, -1]
    sets = {s["code"]: s for s in list_territory_sets(store)}
    assert sets["BA"]["territories"] == 3 and not sets["BA"]["builtin"] and sets["RM"]["builtin"]


def test_builtin_codes_are_reserved(store, tmp_path):
    with pytest.raises(TerritoryError, match="reservado"):
        load_territory_file(
            store, _file(tmp_path), code="RM", name=None, code_field="cod", name_field="nom"
        )


def test_unknown_set_lists_the_available_ones(store):
    with pytest.raises(TerritoryError, match="No existe el conjunto territorial «XYZ»"):
        get_territory_set(store, "XYZ")
