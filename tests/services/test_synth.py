import json
import re
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest
import shapely

from sereno.domain.territory import builtin_territory_set
from sereno.errors import ConfigError
from sereno.services.synth import COLUMNS, SynthResult, synthesize_incidents, write_synthetic
from sereno.services.synth_patterns import CATEGORIES, PATTERN_CATEGORIES, PROPERTY_CATEGORIES

YEAR = (date(2025, 1, 1), date(2026, 1, 1))
CEAD_FILE = "rm_cead_casos_policiales_monthly.csv.gz"


@pytest.fixture(scope="module")
def rm():
    return builtin_territory_set("RM")


@pytest.fixture(scope="module")
def year_100k() -> SynthResult:
    return synthesize_incidents(100_000, seed=11, start=YEAR[0], end=YEAR[1])


@pytest.fixture(scope="module")
def metric_xy(rm, year_100k):
    f = year_100k.frame
    return rm.to_metric(f["longitud"].to_numpy(), f["latitud"].to_numpy())


@pytest.fixture(scope="module")
def days(year_100k):
    return pd.to_datetime(year_100k.frame["fecha"], format="%d-%m-%Y")


def _pattern(result: SynthResult, kind: str) -> dict:
    (p,) = [p for p in result.manifest["patterns"] if p["kind"] == kind]
    return p


def _metric_polygon(rm, pattern: dict) -> shapely.Polygon:
    ring = np.array(pattern["geometry"]["coordinates"][0])
    return shapely.Polygon(np.column_stack(rm.to_metric(ring[:, 0], ring[:, 1])))


def _cead_2025_by_comuna() -> pd.Series:
    from importlib import resources

    with resources.as_file(resources.files("sereno.data") / CEAD_FILE) as path:
        cead = pd.read_csv(path)
    sel = cead["period"].str.startswith("2025") & cead["category"].isin(CATEGORIES)
    by_cut = cead[sel].groupby("cut")["count"].sum()
    return by_cut / by_cut.sum()


# --- determinism and formats -----------------------------------------------------------


def test_same_seed_gives_same_frame_and_bytes_and_other_seed_differs(tmp_path):
    a = synthesize_incidents(5_000, seed=3, start=YEAR[0], end=YEAR[1])
    b = synthesize_incidents(5_000, seed=3, start=YEAR[0], end=YEAR[1])
    c = synthesize_incidents(5_000, seed=4, start=YEAR[0], end=YEAR[1])
    pd.testing.assert_frame_equal(a.frame, b.frame)
    assert a.manifest == b.manifest
    pa = write_synthetic(a, tmp_path / "a" / "incidentes.csv")
    pb = write_synthetic(b, tmp_path / "b" / "incidentes.csv")
    assert pa[0].read_bytes() == pb[0].read_bytes()
    assert pa[1].read_bytes() == pb[1].read_bytes()
    assert not a.frame[["latitud", "longitud"]].equals(c.frame[["latitud", "longitud"]])
    assert c.frame["id_caso"].iloc[0] == "SIN-4-0000001"


def test_columns_and_formats(year_100k, rm):
    f = year_100k.frame
    assert tuple(f.columns) == COLUMNS
    assert len(f) == 100_000
    assert f["id_caso"].is_unique
    assert f["id_caso"].str.fullmatch(r"SIN-11-\d{7}").all()
    assert f["fecha"].str.fullmatch(r"\d{2}-\d{2}-\d{4}").all()
    assert f["hora"].str.fullmatch(r"([01]\d|2[0-3]):[0-5]\d").all()
    assert (f["sintetico"] == "sí").all()
    assert set(f["cut"]) <= {int(c) for c in rm.codes}
    assert len(set(f["cut"])) == 52
    assert dict(zip(f["cut"], f["comuna"], strict=True))[13101] == "Santiago"
    assert f["direccion"].str.fullmatch(r"(Calle|Avenida|Pasaje) Sintétic[ao] \d{1,4}").all()
    assert set(f["tipo_lugar"]) == {
        "vía pública", "domicilio", "comercio", "transporte público",
        "establecimiento educacional", "plaza o parque", "estacionamiento", "otro",
    }  # fmt: skip
    assert np.array_equal(f["latitud"], f["latitud"].round(6))
    d = pd.to_datetime(f["fecha"], format="%d-%m-%Y")
    assert d.min() >= pd.Timestamp(YEAR[0]) and d.max() < pd.Timestamp(YEAR[1])


def test_exact_size_and_dates_inside_a_partial_month_period():
    r = synthesize_incidents(3_000, seed=2, start=date(2025, 3, 15), end=date(2025, 4, 20))
    d = pd.to_datetime(r.frame["fecha"], format="%d-%m-%Y")
    assert len(r.frame) == 3_000
    assert d.min() == pd.Timestamp("2025-03-15") and d.max() == pd.Timestamp("2025-04-19")
    assert (
        len(synthesize_incidents(1, seed=0, start=date(2025, 1, 1), end=date(2025, 1, 2)).frame)
        == 1
    )


def test_write_synthetic_paths_and_round_trip(tmp_path):
    r = synthesize_incidents(2_000, seed=8, start=YEAR[0], end=YEAR[1])
    csv_path, manifest_path = write_synthetic(r, tmp_path / "incidentes.csv")
    assert manifest_path == tmp_path / "incidentes.manifest.json"
    raw = csv_path.read_bytes()
    assert raw.startswith(b"id_caso,fecha,hora,delito,latitud,longitud,comuna,cut,direccion,")
    assert b"\r\n" not in raw
    back = pd.read_csv(csv_path, dtype=str, keep_default_na=False, encoding="utf-8")
    assert back["sintetico"].eq("sí").all()
    assert back["latitud"].str.fullmatch(r"-3[34]\.\d{6}").all()
    assert back["id_caso"].tolist() == r.frame["id_caso"].tolist()
    assert json.loads(manifest_path.read_text(encoding="utf-8")) == r.manifest


# --- space and time ---------------------------------------------------------------------


def test_every_point_lies_in_its_stated_comuna(year_100k, rm, metric_xy):
    where = rm.locate_metric(*metric_xy)
    assert (where >= 0).all()
    assert np.array_equal(rm.codes[where].astype(int), year_100k.frame["cut"].to_numpy())


def test_no_nonexistent_local_time_on_dst_days():
    tz = ZoneInfo("America/Santiago")
    r = synthesize_incidents(30_000, seed=5, start=date(2024, 9, 1), end=date(2024, 9, 15))
    f = r.frame
    for text in (f["fecha"] + " " + f["hora"]).unique():
        local = datetime.strptime(text, "%d-%m-%Y %H:%M").replace(tzinfo=tz)
        assert local.astimezone(UTC).astimezone(tz).replace(tzinfo=None) == local.replace(
            tzinfo=None
        ), text
    gap_day = f[f["fecha"] == "08-09-2024"]["hora"]
    assert not gap_day.str.startswith("00:").any()
    # the shifted hour is there: 01:xx holds the 00:xx and 01:xx events of that night
    assert (
        gap_day.str.startswith("01:").sum()
        > f[f["fecha"] == "07-09-2024"]["hora"].str.startswith("01:").sum() * 1.3
    )


def test_volumes_follow_cead_by_comuna():
    r = synthesize_incidents(50_000, seed=21, start=YEAR[0], end=YEAR[1])
    share = r.frame["cut"].value_counts(normalize=True)
    cead = _cead_2025_by_comuna()
    both = pd.DataFrame({"synth": share, "cead": cead}).fillna(0.0)
    assert both["synth"].rank().corr(both["cead"].rank()) > 0.9
    top = cead.sort_values(ascending=False).index[:5]
    assert top[0] == 13101  # Santiago
    for cut in top:
        assert share[cut] == pytest.approx(cead[cut], rel=0.15), cut


def test_categories_and_raw_labels(year_100k):
    labels = year_100k.frame["delito"]
    manifest = year_100k.manifest
    variants, unmapped = manifest["label_variants"], manifest["unmapped_labels"]
    assert "Delitos asociados a armas" not in set(labels)
    assert set(labels) <= set(CATEGORIES) | set(variants) | set(unmapped)
    assert 0.04 < labels.isin(list(variants)).mean() < 0.06
    assert 0.002 < labels.isin(unmapped).mean() < 0.0045
    assert {"ROBO CON VIOLENCIA", "Hurto simple", "Lesiones leves.", "Hecho no tipificado"} <= set(
        labels
    )
    assert variants["ROBO CON VIOLENCIA"] == "Robos con violencia o intimidación"
    canonical = labels.map(lambda v: variants.get(v, v))
    top = canonical.value_counts().index[:4]
    assert set(top) <= {
        "Hurtos",
        "Amenazas",
        "Violencia intrafamiliar",
        "Robos con violencia o intimidación",
        "Daños",
    }


def test_daily_and_weekly_cycles(year_100k, days):
    f = year_100k.frame
    hour = f["hora"].str.slice(0, 2).astype(int)
    robbery = f["delito"] == "Robos con violencia o intimidación"
    burglary = f["delito"] == "Robo en lugar habitado"
    vif = f["delito"] == "Violencia intrafamiliar"
    assert hour[robbery].between(18, 23).mean() > 2 * hour[robbery].between(3, 8).mean()
    assert hour[burglary].between(9, 17).mean() > 0.5
    assert days[vif].dt.day_of_week.isin([5, 6]).mean() > 0.33  # 2/7 = 0.286 if flat


def test_near_repeat_pairs_exceed_a_time_shuffle(year_100k, rm, metric_xy, days):
    f = year_100k.frame
    sel = f["delito"].isin(PROPERTY_CATEGORIES).to_numpy()
    x, y = metric_xy[0][sel], metric_xy[1][sel]
    d = (days[sel] - pd.Timestamp(YEAR[0])).dt.days.to_numpy()
    cat = f["delito"].to_numpy()[sel]

    def close_pairs(day):
        df = pd.DataFrame(
            {"cat": cat, "cx": np.floor(x / 200), "cy": np.floor(y / 200), "x": x, "y": y, "d": day}
        )
        total = 0
        for dx in (-1, 0, 1):
            for dy in (-1, 0, 1):
                m = df.merge(df.assign(cx=df["cx"] + dx, cy=df["cy"] + dy), on=["cat", "cx", "cy"])
                lag = m["d_y"] - m["d_x"]
                near = np.hypot(m["x_x"] - m["x_y"], m["y_x"] - m["y_y"]) <= 200
                total += int((near & lag.between(1, 14)).sum())
        return total

    shuffled = close_pairs(np.random.default_rng(0).permutation(d))
    assert close_pairs(d) > 1.25 * shuffled


# --- planted patterns ---------------------------------------------------------------------


def test_manifest_schema(year_100k):
    m = year_100k.manifest
    assert {"generator", "seed", "n", "start", "end", "synthetic", "note", "patterns"} <= set(m)
    assert (m["generator"], m["seed"], m["n"], m["synthetic"]) == (
        "sereno synth",
        11,
        100_000,
        True,
    )
    assert (m["start"], m["end"]) == ("2025-01-01", "2026-01-01")
    assert m["note"].startswith("Datos sintéticos")
    assert [p["kind"] for p in m["patterns"]] == [
        "emerging_hotspot",
        "border_hotspot",
        "intervention",
    ]
    for p in m["patterns"]:
        assert {
            "kind",
            "comunas",
            "geometry",
            "start",
            "end",
            "effect",
            "categories",
            "description",
        } <= set(p)
        assert all(isinstance(c, int) for c in p["comunas"])
        ring = p["geometry"]["coordinates"][0]
        assert p["geometry"]["type"] == "Polygon" and len(ring) == 33 and ring[0] == ring[-1]
        assert 250 <= p["radius_m"] <= 400
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", p["start"])
        assert p["categories"] == list(PATTERN_CATEGORIES)
        assert p["events_planted"] > 0
        assert "sintétic" in p["description"]
    kinds = {p["kind"]: p for p in m["patterns"]}
    assert kinds["emerging_hotspot"]["comunas"] == [13201]
    assert kinds["border_hotspot"]["comunas"] == [13101, 13106]
    assert kinds["intervention"]["comunas"] == [13110]
    assert kinds["intervention"]["end"] is None and kinds["intervention"]["effect"] == -0.25
    assert kinds["emerging_hotspot"]["start"] > "2025-07-01"
    assert json.dumps(m, ensure_ascii=False)  # serialisable as is


def test_pattern_events_lie_in_their_polygon_and_comunas(year_100k, rm, metric_xy):
    f = year_100k.frame
    in_cats = f["delito"].isin(PATTERN_CATEGORIES).to_numpy()
    for p in year_100k.manifest["patterns"]:
        inside = shapely.contains_xy(_metric_polygon(rm, p), *metric_xy)
        assert set(f["cut"][inside]) <= set(p["comunas"])
        # planted events (written with canonical labels ~95 % of the time) are in the polygon
        assert (inside & in_cats).sum() >= 0.9 * p["events_planted"]


def test_intervention_area_drops_25_percent(year_100k, rm, metric_xy, days):
    p = _pattern(year_100k, "intervention")
    f = year_100k.frame
    inside = shapely.contains_xy(_metric_polygon(rm, p), *metric_xy)
    cats = f["delito"].isin(PATTERN_CATEGORIES).to_numpy()
    t = pd.Timestamp(p["start"])
    after = (days >= t).to_numpy()
    n_before, n_after = (t - pd.Timestamp(YEAR[0])).days, (pd.Timestamp(YEAR[1]) - t).days
    assert (inside & cats).sum() > 300  # busy enough to see the drop

    def ratio(mask):
        return ((mask & after).sum() / n_after) / ((mask & ~after).sum() / n_before)

    ratio_in, ratio_out = ratio(inside & cats), ratio(~inside & cats)
    assert 0.85 < ratio_out < 1.2
    assert 0.6 < ratio_in / ratio_out < 0.9


def test_border_hotspot_straddles_the_border_and_stands_out(year_100k, rm, metric_xy):
    p = _pattern(year_100k, "border_hotspot")
    poly = _metric_polygon(rm, p)
    centre = shapely.Point(rm.to_metric([p["center"][0]], [p["center"][1]]))
    for cut in (13101, 13106):
        boundary = rm.metric_polygons[list(rm.codes).index(str(cut))].boundary
        assert boundary.distance(centre) < 1.0
    f = year_100k.frame
    cats = f["delito"].isin(PATTERN_CATEGORIES).to_numpy()
    inside = shapely.contains_xy(poly, *metric_xy)
    counts = f["cut"][inside & cats].value_counts()
    assert counts.get(13101, 0) > 20 and counts.get(13106, 0) > 20
    dist = np.hypot(metric_xy[0] - centre.x, metric_xy[1] - centre.y)
    ring = (dist > p["radius_m"]) & (dist < 3 * p["radius_m"])
    density_in = (inside & cats).sum() / poly.area
    density_ring = (ring & cats).sum() / (np.pi * 8 * p["radius_m"] ** 2)
    assert density_in > 3 * density_ring


def test_emerging_hotspot_grows_month_after_month(year_100k, rm, metric_xy, days):
    p = _pattern(year_100k, "emerging_hotspot")
    f = year_100k.frame
    inside = shapely.contains_xy(_metric_polygon(rm, p), *metric_xy)
    cats = f["delito"].isin(PATTERN_CATEGORIES).to_numpy()
    monthly = np.bincount(days.dt.month.to_numpy()[inside & cats], minlength=13)[1:]
    first = pd.Timestamp(p["start"]).month - 1
    before, grow = monthly[:first], monthly[first:]
    assert len(grow) >= 3
    assert pd.Series(grow).rank().corr(pd.Series(np.arange(len(grow)))) > 0.75
    assert grow[-1] > 2.5 * before.mean()
    assert before.max() < 2 * before.mean() + 6  # no growth before the start


# --- input validation -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n": 0}, "número de incidentes «0» no es válido"),
        ({"n": 5_000_001}, "número de incidentes"),
        ({"seed": -1}, "semilla «-1» no es válida"),
        ({"start": date(2025, 1, 1), "end": date(2025, 1, 1)}, "debe ser anterior"),
        ({"start": date(2009, 12, 31)}, "anterior al 01-01-2010"),
        ({"end": date(2060, 1, 1)}, "posterior al"),
    ],
    ids=["n-zero", "n-too-large", "seed-negative", "start-equals-end", "before-2010", "too-far"],
)
def test_bad_inputs_raise_config_error_in_spanish(kwargs, message):
    args = {"n": 10, "seed": 1, "start": YEAR[0], "end": YEAR[1]} | kwargs
    with pytest.raises(ConfigError, match=message):
        synthesize_incidents(args.pop("n"), **args)
