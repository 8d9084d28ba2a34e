import numpy as np
import pytest

from sereno.domain.locate import PolygonLocator
from sereno.domain.territory import builtin_territory_set


@pytest.mark.parametrize("code", ["RM", "CL"])
def test_locator_equals_geopandas_sjoin(code):
    """The lookup-grid kernel must give exactly what an exact spatial join gives."""
    gpd = pytest.importorskip("geopandas")
    ts = builtin_territory_set(code)
    rng = np.random.default_rng(7)
    n = 200_000
    # Points dense around Santiago plus spread over the set's extent.
    x0, y0 = ts.to_metric([-70.65], [-33.45])
    xmin, ymin, xmax, ymax = gpd.GeoSeries(ts.metric_polygons).total_bounds
    x = np.r_[rng.normal(x0[0], 8000, n // 2), rng.uniform(xmin, xmax, n // 2)]
    y = np.r_[rng.normal(y0[0], 8000, n // 2), rng.uniform(ymin, ymax, n // 2)]
    ours = PolygonLocator(ts.metric_polygons).locate(x, y)
    pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy(x, y))
    polys = gpd.GeoDataFrame(geometry=list(ts.metric_polygons))
    joined = gpd.sjoin(pts, polys, how="left", predicate="intersects")
    # A point on a shared border joins twice; the locator keeps the lowest index.
    ref = (
        joined.groupby(level=0)["index_right"]
        .min()
        .reindex(range(n))
        .fillna(-1)
        .astype(int)
        .to_numpy()
    )
    assert (ref >= 0).sum() > n // 3
    np.testing.assert_array_equal(ours, ref)


def test_locator_handles_nan_and_far_points():
    ts = builtin_territory_set("RM")
    loc = PolygonLocator(ts.metric_polygons)
    out = loc.locate(np.array([np.nan, 1e9, 346000.0]), np.array([np.nan, 1e9, 6300000.0]))
    assert out[0] == -1 and out[1] == -1
    assert out[2] >= 0


def test_point_on_shared_border_goes_to_first_polygon():
    import shapely

    polys = np.array([shapely.box(0, 0, 10, 10), shapely.box(10, 0, 20, 10)], dtype=object)
    loc = PolygonLocator(polys, resolution=1.0)
    assert list(loc.locate(np.array([10.0, 5.0, 15.0]), np.array([5.0, 5.0, 5.0]))) == [0, 0, 1]
