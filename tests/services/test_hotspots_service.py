from datetime import UTC, date, datetime

import numpy as np
import pandas as pd
import pytest

from sereno.errors import ConfigError, InputError, TerritoryError
from sereno.services.hotspots import grid_hotspots
from sereno.services.imports import import_incidents

NOW = datetime(2026, 11, 28, tzinfo=UTC)


@pytest.fixture
def synth_store(store, tmp_path):
    from sereno.services.synth import synthesize_incidents, write_synthetic

    result = synthesize_incidents(5_000, seed=3, start=date(2025, 1, 1), end=date(2026, 1, 1))
    path, _ = write_synthetic(result, tmp_path / "s.csv")
    import_incidents(store, path, source="Carabineros", now=NOW, report_dir=tmp_path)
    return store, result.manifest


def test_gistar_csv_has_every_study_cell(synth_store):
    store, _ = synth_store
    res = grid_hotspots(store, territory="13101,13106", cell=100)
    cells = res.cells
    assert list(cells.columns[:8]) == ["cell_id", "x", "y", "count", "z", "p", "p_fdr", "class"]
    assert cells["cell_id"].is_unique and (cells["count"] >= 0).all()
    assert cells["count"].sum() == res.incidents
    assert len(cells) > 0.9 * (23.15 + 14.1) * 100  # every cell of Santiago + Estación Central


def test_a_planted_cluster_is_hot_at_99_percent(synth_store, tmp_path):
    store, _ = synth_store
    rng = np.random.default_rng(0)
    lat, lon = -33.4489, -70.6693  # Santiago centre
    cluster = pd.DataFrame(
        {
            "id_caso": [f"H{i}" for i in range(80)],
            "fecha": "15-06-2025",
            "hora": "21:00",
            "delito": "Robo por sorpresa",
            "latitud": (lat + rng.normal(0, 0.0002, 80)).round(6),
            "longitud": (lon + rng.normal(0, 0.0002, 80)).round(6),
        }
    )
    cluster.to_csv(tmp_path / "cluster.csv", index=False)
    import_incidents(
        store, tmp_path / "cluster.csv", source="Municipalidad", now=NOW, report_dir=tmp_path
    )
    res = grid_hotspots(store, territory="13101", cell=100)
    from pyproj import Transformer

    x, y = Transformer.from_crs("EPSG:4326", res.crs, always_xy=True).transform(lon, lat)
    cells = res.cells
    near = cells[(cells["x"] - x).abs().le(100) & (cells["y"] - y).abs().le(100)]
    assert (near["class"] == 3).any() and near["class_label"].eq("caliente 99 %").any()


def test_lisa_and_filters(synth_store):
    store, _ = synth_store
    res = grid_hotspots(
        store,
        territory="13123",
        method="lisa",
        category="dmcs",
        date_from="01-03-2025",
        date_to="31-05-2025",
    )
    assert res.cells["class_label"].isin(["HH", "LH", "LL", "HL", "no significativo"]).all()
    assert 0 < res.incidents < 5_000


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"territory": "99999"}, TerritoryError, "no existe"),
        ({"category": "nope"}, Exception, "nope"),
        ({"method": "kde2"}, ConfigError, "método"),
        ({"neighbors": "rook"}, ConfigError, "vecindad"),
        ({"cell": 1, "territory": "region"}, ConfigError, "memoria"),
        ({"date_from": "01-01-2030", "date_to": "02-01-2030"}, InputError, "No hay incidentes"),
        ({"date_from": "05-01-2025", "date_to": "01-01-2025"}, ConfigError, "anterior"),
    ],
    ids=[
        "territory",
        "category",
        "method",
        "neighbors",
        "too-many-cells",
        "empty",
        "contradictory-dates",
    ],
)
def test_bad_selections_are_clear_errors(synth_store, kwargs, error, match):
    store, _ = synth_store
    with pytest.raises(error, match=match):
        grid_hotspots(store, **kwargs)
