"""Synthetic incidents for the demo and for tests (``sereno synth incidents``).

No public point-level incident data exists for Santiago, so the demo uses synthetic
incidents calibrated on real data and labelled as synthetic on every row:

* volumes per comuna × category × month follow the real CEAD *casos policiales* series
  (a multinomial over the counts of the matching months; after 2025 the 2025 profile);
* points fall in populated places: an urban census zone (Censo 2017) drawn by population,
  then a point inside it; about 30 % of events go to a few small Gaussian hotspots per comuna;
* days follow weekday weights and times hour-of-day profiles by category family;
* about 8 % of burglaries and vehicle thefts have a near-repeat follow-up (same category,
  within 200 m and 1 to 14 days), like the offspring of a Hawkes process;
* three patterns are planted and documented in the manifest
  (:mod:`sereno.services.synth_patterns`).

Everything is drawn with one seeded generator in vectorised numpy, so a seed gives the
same frame and the same file bytes.
"""

from __future__ import annotations

import gzip
import itertools
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from sereno.domain.territory import TerritorySet, builtin_territory_set
from sereno.errors import ConfigError
from sereno.services import synth_patterns as sp
from sereno.services.synth_patterns import (
    CATEGORIES,
    FAMILY_OF,
    HOTSPOT_SHARE,
    LABEL_VARIANTS,
    PLACE_PROFILES,
    PLACE_TYPES,
    PROPERTY_CATEGORIES,
    REPEAT_PROBABILITY,
    REPEAT_RADIUS,
    UNMAPPED_LABELS,
)

__all__ = ["COLUMNS", "SynthResult", "synthesize_incidents", "write_synthetic"]

COLUMNS = (
    "id_caso",
    "fecha",
    "hora",
    "delito",
    "latitud",
    "longitud",
    "comuna",
    "cut",
    "direccion",
    "tipo_lugar",
    "sintetico",
)
MAX_N = 5_000_000
FIRST_DAY = date(2010, 1, 1)
LAST_END = date(2051, 1, 1)
HOTSPOT_CLEARANCE = 1500.0  # metres between a random hotspot and a planted site
_CEAD_MONTHS = 192  # 2010-01 … 2025-12

Events = sp.Events
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class SynthResult:
    """Synthetic incidents (columns :data:`COLUMNS`) and the manifest describing them."""

    frame: pd.DataFrame
    manifest: dict[str, Any]


@dataclass(frozen=True, eq=False)
class _Context:
    territory: TerritorySet
    cuts: IntArray
    polys: npt.NDArray[np.object_]
    poly_bbox: FloatArray
    zones: npt.NDArray[np.object_]
    zone_bbox: FloatArray
    zone_comuna: IntArray
    zones_of: tuple[IntArray, ...]
    zone_cum: tuple[FloatArray, ...]
    cead: FloatArray  # (month since 2010-01, comuna, category)
    sites: tuple[sp.PatternSite, sp.PatternSite, sp.PatternSite]


def synthesize_incidents(n: int, *, seed: int, start: date, end: date) -> SynthResult:
    """Synthetic incidents of the Región Metropolitana with planted, documented patterns.

    Parameters
    ----------
    n
        Number of incidents (1 to 5,000,000).
    seed
        Non-negative seed: the same seed gives an identical frame.
    start, end
        Period ``[start, end)``; ``start`` from 2010-01-01 (first CEAD month).

    Returns
    -------
    SynthResult
        ``frame`` with columns :data:`COLUMNS` (``sintetico`` is ``"sí"`` on every row) and
        ``manifest`` with the seed, period and the planted ``patterns``.

    Examples
    --------
    >>> r = synthesize_incidents(200, seed=1, start=date(2025, 1, 1), end=date(2025, 2, 1))
    >>> len(r.frame), r.frame["sintetico"].unique().tolist()
    (200, ['sí'])
    """
    _check_inputs(n, seed, start, end)
    ctx = _context()
    cats = np.array([CATEGORIES.index(c) for c in sp.PATTERN_CATEGORIES], dtype=np.int64)
    extra = 0
    for attempt in itertools.count():
        rng = np.random.default_rng([seed, attempt])
        ev = _generate(ctx, n + extra, n, cats, start, end, rng)
        size = ev["day"].size
        if size >= n:
            break
        extra += 2 * (n - size) + 10  # thinning removed more than the patterns added
    if size > n:
        keep = np.sort(rng.choice(size, size=n, replace=False))
        ev = {k: v[keep] for k, v in ev.items()}
    _fix_nonexistent_times(ev, start, end, ZoneInfo(ctx.territory.timezone))
    lon, lat = _rounded_lonlat(ctx, ev, rng)
    frame = _frame(ctx, ev, lon, lat, seed, rng)
    added = {k: int(np.count_nonzero(ev["origin"] == v)) for k, v in sp.ORIGIN_OF_KIND.items()}
    manifest = _manifest(ctx, n, seed, start, end, added)
    return SynthResult(frame=frame, manifest=manifest)


def write_synthetic(result: SynthResult, out: Path) -> tuple[Path, Path]:
    """Write the CSV (UTF-8, ``,`` separator, ``.`` decimal) and the manifest JSON beside it.

    ``incidentes.csv`` gives ``incidentes.manifest.json``. Returns both paths.
    """
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    manifest_path = out.with_suffix(".manifest.json")
    result.frame.to_csv(
        out, index=False, encoding="utf-8", float_format="%.6f", lineterminator="\n"
    )
    text = json.dumps(result.manifest, ensure_ascii=False, indent=2) + "\n"
    manifest_path.write_text(text, encoding="utf-8")
    return out, manifest_path


def _check_inputs(n: int, seed: int, start: date, end: date) -> None:
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or not 1 <= n <= MAX_N:
        raise ConfigError(
            f"El número de incidentes «{n}» no es válido.",
            hint=f"Use un entero entre 1 y {MAX_N:,}.".replace(",", "."),
        )
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ConfigError(
            f"La semilla «{seed}» no es válida.", hint="Use un entero mayor o igual a 0."
        )
    for name, value in (("inicio", start), ("fin", end)):
        if not isinstance(value, date) or isinstance(value, datetime):
            raise ConfigError(
                f"La fecha de {name} «{value}» no es una fecha.",
                hint="Indique un día, por ejemplo 01-01-2025.",
            )
    if start >= end:
        raise ConfigError(
            f"La fecha de inicio ({start:%d-%m-%Y}) debe ser anterior a la de fin "
            f"({end:%d-%m-%Y}).",
            hint="El fin es el día siguiente al último día del periodo.",
        )
    if start < FIRST_DAY:
        raise ConfigError(
            f"La fecha de inicio ({start:%d-%m-%Y}) es anterior al 01-01-2010.",
            hint="Las series CEAD que calibran los datos sintéticos parten en enero de 2010.",
        )
    if end > LAST_END:
        raise ConfigError(
            f"La fecha de fin ({end:%d-%m-%Y}) es posterior al {LAST_END:%d-%m-%Y}.",
            hint="Después de 2025 se repite el perfil de 2025; use un periodo más corto.",
        )


# --- data -------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _context() -> _Context:
    """Boundaries, census zones, the CEAD cube and the pattern sites, loaded once."""
    territory = builtin_territory_set("RM")
    polys = territory.metric_polygons.copy()
    shapely.prepare(polys)
    cuts = np.array([int(c) for c in territory.codes], dtype=np.int64)
    index = {int(c): i for i, c in enumerate(cuts)}

    raw = resources.files("sereno.data").joinpath("rm_zonas_censales_2017.geojson.gz").read_bytes()
    feats = json.loads(gzip.decompress(raw))["features"]
    geoms = np.array([shapely.geometry.shape(f["geometry"]) for f in feats], dtype=object)
    # Three zones became GeometryCollections when repaired: keep their polygonal parts.
    geoms = np.array([_polygonal(g) for g in geoms], dtype=object)
    zones = shapely.transform(
        geoms, lambda xy: np.column_stack(territory.to_metric(xy[:, 0], xy[:, 1]))
    )
    shapely.prepare(zones)
    zone_comuna = np.array([index[int(f["properties"]["cut"])] for f in feats], dtype=np.int64)
    zone_pop = np.array(
        [float(f["properties"]["population_2017"] or 0) for f in feats], dtype=np.float64
    )
    zones_of, zone_cum = [], []
    for c in range(len(cuts)):
        idx = np.flatnonzero((zone_comuna == c) & (zone_pop > 0) & ~shapely.is_empty(zones))
        zones_of.append(idx)
        w = zone_pop[idx]
        zone_cum.append(np.cumsum(w) / w.sum() if idx.size else np.zeros(0))

    cead = _cead_cube(index)
    sites = sp.find_sites(territory, zones, zone_comuna, zone_pop)
    return _Context(
        territory=territory,
        cuts=cuts,
        polys=polys,
        poly_bbox=shapely.bounds(polys),
        zones=zones,
        zone_bbox=shapely.bounds(zones),
        zone_comuna=zone_comuna,
        zones_of=tuple(zones_of),
        zone_cum=tuple(zone_cum),
        cead=cead,
        sites=sites,
    )


def _polygonal(g: Any) -> Any:
    if g.geom_type in ("Polygon", "MultiPolygon"):
        return g
    parts = [p for p in shapely.get_parts(g) if p.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else shapely.Polygon()


def _cead_cube(index: dict[int, int]) -> FloatArray:
    path = resources.files("sereno.data").joinpath("rm_cead_casos_policiales_monthly.csv.gz")
    with resources.as_file(path) as p:
        df = pd.read_csv(p, usecols=["cut", "period", "category", "count"])
    df = df[df["category"].isin(CATEGORIES)]
    year = df["period"].str.slice(0, 4).astype(int).to_numpy()
    month = df["period"].str.slice(5, 7).astype(int).to_numpy()
    m = (year - 2010) * 12 + month - 1
    c = df["cut"].map(index).to_numpy(dtype=np.int64)
    k = df["category"].map({name: i for i, name in enumerate(CATEGORIES)}).to_numpy(np.int64)
    cube = np.zeros((_CEAD_MONTHS, len(index), len(CATEGORIES)))
    np.add.at(cube, (m, c, k), df["count"].to_numpy(dtype=np.float64))
    return cube


def _day_number(d: date) -> int:
    return int(np.datetime64(d, "D").astype(np.int64))


# --- generation -------------------------------------------------------------------------


def _generate(
    ctx: _Context,
    n_background: int,
    n: int,
    cats: IntArray,
    start: date,
    end: date,
    rng: np.random.Generator,
) -> Events:
    ev = _background(ctx, n_background, start, end, rng)
    ev = sp.concat([ev, sp.near_repeats(ctx.territory, ev, _day_number(end), rng)])
    extras = sp.plant_patterns(
        ev,
        sites=ctx.sites,
        territory=ctx.territory,
        cats=cats,
        start=start,
        end=end,
        n=n,
        rng=rng,
    )
    ev = sp.concat([ev, *extras])
    _, t_int = sp.pattern_dates(start, end)
    keep = sp.thin_intervention(ev, ctx.sites[2], cats, _day_number(t_int), rng)
    return {k: v[keep] for k, v in ev.items()}


def _background(
    ctx: _Context, size: int, start: date, end: date, rng: np.random.Generator
) -> Events:
    """CEAD-calibrated events: comuna, category, day, minute and a populated place."""
    first = (start.year - 2010) * 12 + start.month - 1
    last_day = end - timedelta(days=1)
    last = (last_day.year - 2010) * 12 + last_day.month - 1
    months = np.arange(first, last + 1)
    month_start = np.array(
        [_day_number(date(2010 + m // 12, m % 12 + 1, 1)) for m in range(first, last + 2)]
    )
    lo = np.maximum(month_start[:-1], _day_number(start))
    hi = np.minimum(month_start[1:], _day_number(end))
    fraction = (hi - lo) / (month_start[1:] - month_start[:-1])
    base = np.where(months < _CEAD_MONTHS, months, _CEAD_MONTHS - 12 + months % 12)
    weights = ctx.cead[base] * fraction[:, None, None]
    # Near repeats add about 8.7 % to these categories: take it out of the background.
    prop = np.isin(np.array(CATEGORIES), PROPERTY_CATEGORIES)
    weights[:, :, prop] /= 1.0 + REPEAT_PROBABILITY / (1.0 - REPEAT_PROBABILITY)
    p = weights.ravel() / weights.sum()
    cell = np.repeat(np.arange(p.size), rng.multinomial(size, p))
    shape = weights.shape
    m_i, comuna, cat = np.unravel_index(cell, shape)
    comuna = comuna.astype(np.int64)
    cat = cat.astype(np.int64)
    family = FAMILY_OF[cat]
    day = sp.weekday_days(lo[m_i], hi[m_i], family, rng)
    minute = sp.minutes_of_day(family, rng)
    x, y = _places(ctx, comuna, rng)
    return {
        "comuna": comuna,
        "cat": cat,
        "day": day,
        "minute": minute,
        "x": x,
        "y": y,
        "origin": np.zeros(comuna.size, dtype=np.int8),
    }


def _places(
    ctx: _Context, comuna: IntArray, rng: np.random.Generator
) -> tuple[FloatArray, FloatArray]:
    """Hotspot points for ~30 % of events, population-weighted zone points for the rest."""
    hot = rng.random(comuna.size) < HOTSPOT_SHARE
    x = np.empty(comuna.size)
    y = np.empty(comuna.size)
    hx, hy, hs, hc, hw = _hotspots(ctx, rng)
    idx = np.flatnonzero(hot)
    pick = np.empty(idx.size, dtype=np.int64)
    for c in np.unique(comuna[idx]):
        sel = comuna[idx] == c
        own = np.flatnonzero(hc == c)
        cum = np.cumsum(hw[own]) / hw[own].sum()
        pick[sel] = own[np.minimum(np.searchsorted(cum, rng.random(int(sel.sum()))), own.size - 1)]
    x[idx], y[idx] = _gaussian_points(ctx, hx[pick], hy[pick], hs[pick], comuna[idx], rng)
    idx = np.flatnonzero(~hot)
    x[idx], y[idx] = _populated_points(ctx, comuna[idx], rng)
    return x, y


def _hotspots(
    ctx: _Context, rng: np.random.Generator
) -> tuple[FloatArray, FloatArray, FloatArray, IntArray, FloatArray]:
    """Seeded hotspots: 2 to 8 per comuna (more where CEAD volume is larger), sigma 80-150 m."""
    volume = ctx.cead.sum(axis=(0, 2))
    count = np.clip(np.round(2 + 6 * np.sqrt(volume / volume.max())), 2, 8).astype(np.int64)
    comuna = np.repeat(np.arange(count.size), count)
    x, y = _populated_points(ctx, comuna, rng)
    # Keep random hotspots away from the planted sites, so that what is planted stays clear.
    sx = np.array([s.x for s in ctx.sites])
    sy = np.array([s.y for s in ctx.sites])
    for _ in range(30):
        near = np.flatnonzero(
            np.hypot(x[:, None] - sx, y[:, None] - sy).min(axis=1) < HOTSPOT_CLEARANCE
        )
        if near.size == 0:
            break
        x[near], y[near] = _populated_points(ctx, comuna[near], rng)
    sigma = rng.uniform(80.0, 150.0, comuna.size)
    weight = rng.gamma(2.0, 1.0, comuna.size)
    # The emerging hotspot grows out of a busy place: anchor a hotspot at its centre.
    site = ctx.sites[0]
    c = site.comunas[0]
    anchor_weight = weight[comuna == c].max()
    return (
        np.append(x, site.x),
        np.append(y, site.y),
        np.append(sigma, 120.0),
        np.append(comuna, c),
        np.append(weight, anchor_weight),
    )


def _gaussian_points(
    ctx: _Context,
    cx: FloatArray,
    cy: FloatArray,
    sigma: FloatArray,
    comuna: IntArray,
    rng: np.random.Generator,
) -> tuple[FloatArray, FloatArray]:
    x, y = cx.copy(), cy.copy()  # fallback: the hotspot centre, inside the comuna
    todo = np.arange(cx.size)
    for _ in range(30):
        if todo.size == 0:
            break
        px = cx[todo] + rng.normal(0.0, 1.0, todo.size) * sigma[todo]
        py = cy[todo] + rng.normal(0.0, 1.0, todo.size) * sigma[todo]
        ok = ctx.territory.locate_metric(px, py) == comuna[todo]
        x[todo[ok]], y[todo[ok]] = px[ok], py[ok]
        todo = todo[~ok]
    return x, y


def _populated_points(
    ctx: _Context, comuna: IntArray, rng: np.random.Generator
) -> tuple[FloatArray, FloatArray]:
    """A point in a census zone drawn by population (uniform in the comuna if it has none)."""
    zone = np.full(comuna.size, -1, dtype=np.int64)
    for c in np.unique(comuna):
        sel = np.flatnonzero(comuna == c)
        cum = ctx.zone_cum[c]
        if cum.size:
            j = np.minimum(np.searchsorted(cum, rng.random(sel.size)), cum.size - 1)
            zone[sel] = ctx.zones_of[c][j]
    x = np.full(comuna.size, np.nan)
    y = np.full(comuna.size, np.nan)
    idx = np.flatnonzero(zone >= 0)
    x[idx], y[idx], left = _in_polygons(ctx, ctx.zones, ctx.zone_bbox, zone[idx], comuna[idx], rng)
    rest = np.concatenate([np.flatnonzero(zone < 0), idx[left]])
    if rest.size:
        x[rest], y[rest], still = _in_polygons(
            ctx, ctx.polys, ctx.poly_bbox, comuna[rest], comuna[rest], rng, rounds=200
        )
        if still.size:  # pragma: no cover - 200 rounds always suffice for RM comunas
            pt = shapely.point_on_surface(ctx.polys[comuna[rest[still]]])
            x[rest[still]], y[rest[still]] = shapely.get_x(pt), shapely.get_y(pt)
    return x, y


def _in_polygons(
    ctx: _Context,
    geoms: npt.NDArray[np.object_],
    bbox: FloatArray,
    which: IntArray,
    comuna: IntArray,
    rng: np.random.Generator,
    rounds: int = 60,
) -> tuple[FloatArray, FloatArray, IntArray]:
    """Uniform points in ``geoms[which]`` that also lie in ``comuna`` (rejection, in rounds)."""
    x = np.full(which.size, np.nan)
    y = np.full(which.size, np.nan)
    todo = np.arange(which.size)
    for _ in range(rounds):
        if todo.size == 0:
            break
        b = bbox[which[todo]]
        px = b[:, 0] + rng.random(todo.size) * (b[:, 2] - b[:, 0])
        py = b[:, 1] + rng.random(todo.size) * (b[:, 3] - b[:, 1])
        ok = np.asarray(shapely.contains_xy(geoms[which[todo]], px, py), dtype=bool)
        inside = np.flatnonzero(ok)
        ok[inside] = ctx.territory.locate_metric(px[inside], py[inside]) == comuna[todo[inside]]
        x[todo[ok]], y[todo[ok]] = px[ok], py[ok]
        todo = todo[~ok]
    return x, y, todo


# --- output -----------------------------------------------------------------------------


def _nonexistent_minutes(start: date, end: date, tz: ZoneInfo) -> IntArray:
    """Keys ``day * 1440 + minute`` of local times skipped by a DST change in the period."""
    keys: list[int] = []
    d = start
    while d < end:
        if tz.utcoffset(datetime(d.year, d.month, d.day)) != tz.utcoffset(
            datetime(d.year, d.month, d.day, 23, 59)
        ):
            base = _day_number(d) * 1440
            for minute in range(1440):
                local = datetime(d.year, d.month, d.day, minute // 60, minute % 60, tzinfo=tz)
                back = local.astimezone(UTC).astimezone(tz)
                if back.replace(tzinfo=None) != local.replace(tzinfo=None):
                    keys.append(base + minute)
        d += timedelta(days=1)
    return np.array(keys, dtype=np.int64)


def _fix_nonexistent_times(ev: Events, start: date, end: date, tz: ZoneInfo) -> None:
    """Move local times that do not exist (September DST gap) one hour later."""
    bad = _nonexistent_minutes(start, end, tz)
    for _ in range(3):
        hit = np.isin(ev["day"] * 1440 + ev["minute"], bad)
        if not hit.any():
            break
        total = ev["day"][hit] * 1440 + ev["minute"][hit] + 60
        ev["day"][hit], ev["minute"][hit] = np.divmod(total, 1440)


def _rounded_lonlat(
    ctx: _Context, ev: Events, rng: np.random.Generator
) -> tuple[FloatArray, FloatArray]:
    """WGS84 to 6 decimals, re-drawing the rare point that rounding moves out of its comuna."""
    lon, lat = ctx.territory.to_lonlat(ev["x"], ev["y"])
    lon, lat = np.round(lon, 6), np.round(lat, 6)
    for _ in range(10):
        bad = np.flatnonzero(ctx.territory.locate(lon, lat) != ev["comuna"])
        if bad.size == 0:
            break
        x, y = _populated_points(ctx, ev["comuna"][bad], rng)
        ev["x"][bad], ev["y"][bad] = x, y
        lo, la = ctx.territory.to_lonlat(x, y)
        lon[bad], lat[bad] = np.round(lo, 6), np.round(la, 6)
    return lon, lat


def _frame(
    ctx: _Context,
    ev: Events,
    lon: FloatArray,
    lat: FloatArray,
    seed: int,
    rng: np.random.Generator,
) -> pd.DataFrame:
    order = np.lexsort((lat, lon, ev["cat"], ev["minute"], ev["day"]))
    ev = {k: v[order] for k, v in ev.items()}
    lon, lat = lon[order], lat[order]
    size = order.size
    width = max(7, len(str(size)))
    ids = pd.Series(np.arange(1, size + 1)).astype(str).str.zfill(width)
    days, inverse = np.unique(ev["day"], return_inverse=True)
    day_text = np.array(
        [(date(1970, 1, 1) + timedelta(days=int(d))).strftime("%d-%m-%Y") for d in days],
        dtype=object,
    )
    hour_text = np.array([f"{m // 60:02d}:{m % 60:02d}" for m in range(1440)], dtype=object)
    family = FAMILY_OF[ev["cat"]]
    place = sp.draw_rows(PLACE_PROFILES, family, rng)
    streets = np.array(["Calle Sintética", "Avenida Sintética", "Pasaje Sintético"], dtype=object)
    street = pd.Series(streets[rng.integers(0, streets.size, size)])
    number = pd.Series(rng.integers(1, 10_000, size)).astype(str)
    return pd.DataFrame(
        {
            "id_caso": f"SIN-{seed}-" + ids,
            "fecha": day_text[inverse],
            "hora": hour_text[ev["minute"]],
            "delito": sp.raw_labels(ev["cat"], rng),
            "latitud": lat,
            "longitud": lon,
            "comuna": ctx.territory.names[ev["comuna"]],
            "cut": ctx.cuts[ev["comuna"]],
            "direccion": street + " " + number,
            "tipo_lugar": np.array(PLACE_TYPES, dtype=object)[place],
            "sintetico": np.full(size, "sí", dtype=object),
        },
        columns=list(COLUMNS),
    )


def _manifest(
    ctx: _Context, n: int, seed: int, start: date, end: date, added: dict[str, int]
) -> dict[str, Any]:
    variants = {v: c for c in CATEGORIES for v in LABEL_VARIANTS[c]}
    return {
        "generator": "sereno synth",
        "seed": int(seed),
        "n": int(n),
        "start": start.isoformat(),
        "end": end.isoformat(),
        "synthetic": True,
        "note": (
            "Datos sintéticos: ningún registro corresponde a un hecho real. Volúmenes calibrados "
            "con casos policiales CEAD por comuna, delito y mes (2010-2025; después de 2025 se "
            "repite el perfil mensual de 2025) y ubicaciones en zonas censales urbanas pobladas "
            "(Censo 2017). Las fechas de fin son exclusivas (día siguiente al último). En cada "
            "patrón, events_planted cuenta los hechos plantados presentes en el archivo "
            "(agregados; en la intervención, trasladados dentro de la comuna)."
        ),
        "calibration": {
            "volumes": "CEAD casos policiales RM por comuna, delito y mes",
            "places": "Zonas censales urbanas con población, INE Censo 2017",
            "excluded_categories": ["Delitos asociados a armas"],
            "hotspot_share": HOTSPOT_SHARE,
            "near_repeat": {
                "categories": list(PROPERTY_CATEGORIES),
                "probability": REPEAT_PROBABILITY,
                "radius_m": REPEAT_RADIUS,
                "days": [1, 14],
            },
        },
        "label_variants": variants,
        "unmapped_labels": list(UNMAPPED_LABELS),
        "patterns": sp.manifest_patterns(
            ctx.sites, ctx.territory, start=start, end=end, cuts=ctx.cuts, added=added
        ),
    }
