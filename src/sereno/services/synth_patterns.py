"""What synthetic incidents look like: profiles, near repeats and planted patterns.

Used by :mod:`sereno.services.synth`. This module holds

* the sampled CEAD categories, their families and the family profiles: hour of day,
  weekday, type of place, and the raw labels a police export would use;
* near-repeat contagion: burglaries and vehicle thefts that are followed, within 200 m
  and 1 to 14 days, by another of the same category (the offspring of a Hawkes process);
* three planted patterns, so that later analyses have a known answer to find:
  ``emerging_hotspot`` (a circle in Puente Alto where robberies and thefts grow month
  after month from a date in the second half of the period), ``border_hotspot`` (a circle
  centred on the Santiago / Estación Central border with extra robberies and thefts on
  both sides over the whole period) and ``intervention`` (a busy circle in La Florida
  whose robberies and thefts drop 25 % from the middle of the period).

Sites are chosen from the data (boundaries and census population), not from the seed, so
the same places are documented for every seed. Every circle is a 32-vertex polygon; the
events of a pattern are drawn inside its inscribed disk, so they lie inside the polygon
written to the manifest.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely

from sereno.domain.territory import TerritorySet

__all__ = [
    "CATEGORIES",
    "EMERGING_EFFECT",
    "BORDER_EFFECT",
    "FAMILIES",
    "FAMILY_OF",
    "HOTSPOT_SHARE",
    "HOUR_PROFILES",
    "INTERVENTION_EFFECT",
    "LABEL_VARIANTS",
    "ORIGIN_OF_KIND",
    "PATTERN_CATEGORIES",
    "PLACE_PROFILES",
    "PLACE_TYPES",
    "PROPERTY_CATEGORIES",
    "REPEAT_PROBABILITY",
    "REPEAT_RADIUS",
    "UNMAPPED_LABELS",
    "WEEKDAY_WEIGHTS",
    "PatternSite",
    "concat",
    "draw_rows",
    "find_sites",
    "manifest_patterns",
    "minutes_of_day",
    "near_repeats",
    "pattern_dates",
    "plant_patterns",
    "raw_labels",
    "thin_intervention",
    "weekday_days",
]

Events = dict[str, npt.NDArray[Any]]
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

# CEAD categories sampled: all 30 but "Delitos asociados a armas", the total of "Crímenes y
# simples delitos ley de armas" and "Porte de arma cortante o punzante". "Delitos asociados a
# drogas" and "Violencia intrafamiliar" are families too, but none of their parts is in the
# series, so sampling them counts nothing twice.
CATEGORIES: tuple[str, ...] = (
    "Abusos sexuales", "Acosos sexuales", "Amenaza falta o riña", "Amenazas",
    "Consumo de alcohol y drogas en la vía pública", "Crímenes y simples delitos ley de armas",
    "Daños", "Delitos asociados a drogas", "Desórdenes públicos", "Femicidios", "Homicidios",
    "Hurtos", "Lesiones graves o gravísimas", "Lesiones leves", "Lesiones menos graves",
    "Otros delitos sexuales", "Otros robos con fuerza en las cosas",
    "Porte de arma cortante o punzante", "Receptación", "Robo de objetos de o desde vehículo",
    "Robo de vehículo motorizado", "Robo en lugar habitado", "Robo en lugar no habitado",
    "Robo frustrado", "Robo por sorpresa", "Robo violento de vehículo motorizado",
    "Robos con violencia o intimidación", "Violaciones", "Violencia intrafamiliar",
)  # fmt: skip
PROPERTY_CATEGORIES = (
    "Robo en lugar habitado",
    "Robo de objetos de o desde vehículo",
    "Robo de vehículo motorizado",
)
FAMILIES = (
    "robo_violento", "hurto", "robo_habitado", "robo_no_habitado", "vehiculo", "vif",
    "lesiones", "sexual", "incivilidad", "armas_drogas",
)  # fmt: skip
_FAMILY_MEMBERS = {
    "robo_violento": ("Robos con violencia o intimidación", "Robo violento de vehículo motorizado",
                      "Robo por sorpresa", "Robo frustrado"),
    "hurto": ("Hurtos", "Receptación"),
    "robo_habitado": ("Robo en lugar habitado",),
    "robo_no_habitado": ("Robo en lugar no habitado", "Otros robos con fuerza en las cosas"),
    "vehiculo": ("Robo de vehículo motorizado", "Robo de objetos de o desde vehículo"),
    "vif": ("Violencia intrafamiliar", "Femicidios"),
    "lesiones": ("Lesiones graves o gravísimas", "Lesiones leves", "Lesiones menos graves",
                 "Amenazas", "Amenaza falta o riña", "Homicidios"),
    "sexual": ("Abusos sexuales", "Acosos sexuales", "Otros delitos sexuales", "Violaciones"),
    "incivilidad": ("Consumo de alcohol y drogas en la vía pública", "Desórdenes públicos",
                    "Daños"),
    "armas_drogas": ("Crímenes y simples delitos ley de armas",
                     "Porte de arma cortante o punzante", "Delitos asociados a drogas"),
}  # fmt: skip
FAMILY_OF = np.array(
    [next(FAMILIES.index(f) for f, m in _FAMILY_MEMBERS.items() if c in m) for c in CATEGORIES]
)


def _hour_profile(floor: float, *peaks: tuple[float, float, float]) -> list[float]:
    """Hourly weights: a floor plus circular Gaussian bumps ``(hour, width, height)``."""
    h = np.arange(24) + 0.5
    w = np.full(24, floor)
    for mu, sd, height in peaks:
        d = np.abs(h - mu)
        w += height * np.exp(-0.5 * (np.minimum(d, 24 - d) / sd) ** 2)
    return [float(v) for v in w]


# Robbery peaks in the evening, burglary of homes by day (people at work), of shops and
# vehicles at night, VIF and injuries at night; rows follow FAMILIES.
HOUR_PROFILES = np.array([
    _hour_profile(0.15, (8, 1.5, 0.5), (13.5, 2, 0.4), (20, 2.5, 1.0)),
    _hour_profile(0.05, (12.5, 3.5, 1.0), (18, 2, 0.5)),
    _hour_profile(0.2, (11, 3, 1.0), (21, 2.5, 0.35)),
    _hour_profile(0.2, (3, 2.5, 1.0), (9, 1.5, 0.3)),
    _hour_profile(0.2, (22, 3, 1.0), (3, 2, 0.5)),
    _hour_profile(0.15, (21.5, 2.5, 1.0), (1, 2, 0.6), (15, 3, 0.3)),
    _hour_profile(0.15, (20, 3, 1.0), (1.5, 2, 0.6), (12, 3, 0.3)),
    _hour_profile(0.2, (17, 4, 1.0), (1, 2, 0.4)),
    _hour_profile(0.1, (22, 2.5, 1.0), (2, 2, 0.7), (16, 3, 0.3)),
    _hour_profile(0.1, (18, 3, 1.0), (23, 2, 0.6)),
])  # fmt: skip
# Monday … Sunday; VIF, injuries and incivilities gather on weekends.
WEEKDAY_WEIGHTS = np.array([
    [1.0, 1.02, 1.02, 1.03, 1.1, 0.95, 0.75],
    [1.0, 1.0, 1.0, 1.0, 1.08, 1.05, 0.8],
    [1.05, 1.05, 1.05, 1.05, 1.0, 0.95, 0.85],
    [1.25, 1.0, 1.0, 1.0, 0.95, 1.05, 1.0],
    [1.0, 1.0, 1.0, 1.0, 1.05, 1.1, 1.0],
    [0.85, 0.85, 0.85, 0.9, 1.0, 1.35, 1.45],
    [0.9, 0.88, 0.88, 0.92, 1.05, 1.3, 1.3],
    [1.0, 1.0, 1.0, 1.0, 1.0, 1.05, 1.05],
    [0.85, 0.85, 0.9, 0.95, 1.15, 1.35, 1.1],
    [1.0, 1.0, 1.0, 1.0, 1.05, 1.1, 0.95],
])  # fmt: skip
PLACE_TYPES = (
    "vía pública", "domicilio", "comercio", "transporte público",
    "establecimiento educacional", "plaza o parque", "estacionamiento", "otro",
)  # fmt: skip
PLACE_PROFILES = np.array([
    [0.62, 0.0, 0.10, 0.15, 0.02, 0.08, 0.03, 0.0],
    [0.25, 0.05, 0.45, 0.10, 0.05, 0.05, 0.05, 0.0],
    [0.0, 0.97, 0.0, 0.0, 0.0, 0.0, 0.0, 0.03],
    [0.0, 0.0, 0.60, 0.0, 0.10, 0.0, 0.0, 0.30],
    [0.70, 0.05, 0.0, 0.0, 0.0, 0.0, 0.25, 0.0],
    [0.05, 0.92, 0.0, 0.0, 0.0, 0.0, 0.0, 0.03],
    [0.40, 0.35, 0.10, 0.03, 0.05, 0.07, 0.0, 0.0],
    [0.20, 0.55, 0.0, 0.08, 0.07, 0.05, 0.0, 0.05],
    [0.60, 0.05, 0.10, 0.05, 0.0, 0.20, 0.0, 0.0],
    [0.70, 0.15, 0.05, 0.0, 0.0, 0.10, 0.0, 0.0],
])  # fmt: skip
_SYNONYMS = {
    "Robos con violencia o intimidación": (
        "ROBO CON VIOLENCIA", "Robo con intimidación", "ROBO CON VIOLENCIA O INTIMIDACION"),
    "Hurtos": ("Hurto simple", "HURTO SIMPLE", "Hurto"),
    "Lesiones leves": ("Lesiones leves.", "LESIONES LEVES"),
    "Robo en lugar habitado": ("Robo en lugar habitado o destinado a la habitación",),
    "Robo de objetos de o desde vehículo": ("Robo de accesorios de vehículo",
                                            "ROBO DESDE VEHICULO"),
    "Robo de vehículo motorizado": ("Robo de vehículo",),
    "Violencia intrafamiliar": ("VIF", "Violencia intrafamiliar (VIF)"),
    "Amenazas": ("Amenazas simples",),
    "Daños": ("Daños simples",),
}  # fmt: skip


def _variants(name: str) -> tuple[str, ...]:
    """Police-export spellings of a CEAD name: upper case, no accents, final period, synonyms."""
    plain = name.upper().translate(str.maketrans("ÁÉÍÓÚÑ", "AEIOUN"))
    found = [name.upper(), plain, name + ".", *_SYNONYMS.get(name, ())]
    return tuple(dict.fromkeys(v for v in found if v != name))


LABEL_VARIANTS = {c: _variants(c) for c in CATEGORIES}
# Labels a police export carries that are not crimes and map to no category.
UNMAPPED_LABELS = ("Hecho no tipificado", "Presunta desgracia", "Hallazgo de especies")
VARIANT_SHARE = 0.05
UNMAPPED_SHARE = 0.003
REPEAT_PROBABILITY = 0.08
HOTSPOT_SHARE = 0.30
REPEAT_RADIUS = 200.0

PATTERN_CATEGORIES = ("Robos con violencia o intimidación", "Robo por sorpresa", "Hurtos")
_VERTICES = 32
_INNER = np.cos(np.pi / _VERTICES) * 0.999  # inscribed disk of the 32-gon, with a margin

EMERGING_EFFECT = 3.0
BORDER_EFFECT = 4.0
INTERVENTION_EFFECT = -0.25
# Robberies/thefts gathered in the intervention area, as a share of n: 500 for n = 100,000
# over one year, enough for a 25 % drop to be visible.
INTERVENTION_SHARE = 0.005

NEIGHBOURHOOD = 1000.0  # metres around the border site that set its baseline density
ORIGIN_BACKGROUND, ORIGIN_REPEAT = 0, 1
ORIGIN_OF_KIND = {"emerging_hotspot": 2, "border_hotspot": 3, "intervention": 4}


@dataclass(frozen=True, eq=False)
class PatternSite:
    """Where a pattern is planted: a circle (metric CRS) and the comunas it may touch."""

    kind: str
    comunas: tuple[int, ...]
    x: float
    y: float
    radius: float
    polygon: shapely.Polygon

    def contains(self, x: FloatArray, y: FloatArray) -> npt.NDArray[np.bool_]:
        """Whether metric points lie inside the site polygon."""
        return np.asarray(shapely.contains_xy(self.polygon, x, y), dtype=bool)

    def lonlat_ring(self, territory: TerritorySet) -> list[list[float]]:
        """Closed ring of the polygon in WGS84, rounded to 6 decimals."""
        xy = shapely.get_coordinates(self.polygon.exterior)
        lon, lat = territory.to_lonlat(xy[:, 0], xy[:, 1])
        return [[round(float(a), 6), round(float(b), 6)] for a, b in zip(lon, lat, strict=True)]


def _circle(x: float, y: float, radius: float) -> shapely.Polygon:
    ang = 2.0 * np.pi * np.arange(_VERTICES) / _VERTICES
    ring = np.column_stack([x + radius * np.cos(ang), y + radius * np.sin(ang)])
    return shapely.Polygon(np.vstack([ring, ring[:1]]))


def _population_in(
    circle: shapely.Polygon, zones: npt.NDArray[np.object_], pop: FloatArray
) -> float:
    share = shapely.area(shapely.intersection(zones, circle)) / np.maximum(shapely.area(zones), 1.0)
    return float(np.sum(pop * share))


def _inner_site(
    kind: str,
    territory: TerritorySet,
    zones: npt.NDArray[np.object_],
    zone_comuna: IntArray,
    zone_pop: FloatArray,
    code: str,
    radius: float,
) -> PatternSite:
    """The most populated circle centred on a zone of the comuna and wholly inside it."""
    c = int(np.flatnonzero(territory.codes == code)[0])
    poly = territory.metric_polygons[c]
    best: tuple[float, float, float] | None = None
    for z in np.flatnonzero(zone_comuna == c):
        pt = shapely.point_on_surface(zones[z])
        circle = _circle(pt.x, pt.y, radius)
        if not poly.contains(circle.buffer(50.0)):
            continue
        score = _population_in(circle, zones, zone_pop)
        if best is None or score > best[0]:
            best = (score, pt.x, pt.y)
    if best is None:  # pragma: no cover - the shipped data always has such a zone
        pt = shapely.point_on_surface(poly)
        best = (0.0, pt.x, pt.y)
    return PatternSite(kind, (c,), best[1], best[2], radius, _circle(best[1], best[2], radius))


def _border_site(
    territory: TerritorySet,
    zones: npt.NDArray[np.object_],
    zone_pop: FloatArray,
    code_a: str,
    code_b: str,
    radius: float,
) -> PatternSite:
    """The most populated circle centred on the shared border, split fairly between both."""
    a = int(np.flatnonzero(territory.codes == code_a)[0])
    b = int(np.flatnonzero(territory.codes == code_b)[0])
    pa, pb = territory.metric_polygons[a], territory.metric_polygons[b]
    shared = shapely.line_merge(shapely.intersection(pa.boundary, pb.boundary))
    lines = [g for g in shapely.get_parts(shared) if g.geom_type == "LineString"]
    both = shapely.union(pa, pb)
    best: tuple[float, float, float] | None = None
    for line in lines:
        for f in np.linspace(0.05, 0.95, 19):
            pt = line.interpolate(f, normalized=True)
            circle = _circle(pt.x, pt.y, radius)
            area = circle.area
            if shapely.difference(circle, both).area > 0.005 * area:
                continue
            if min(shapely.intersection(circle, pa).area, shapely.intersection(circle, pb).area) < (
                0.35 * area
            ):
                continue
            score = _population_in(circle, zones, zone_pop)
            if best is None or score > best[0]:
                best = (score, pt.x, pt.y)
    if best is None:  # pragma: no cover - Santiago and Estación Central share a long border
        longest = max(lines, key=lambda g: g.length)
        pt = longest.interpolate(0.5, normalized=True)
        best = (0.0, pt.x, pt.y)
    x, y = best[1], best[2]
    return PatternSite("border_hotspot", (a, b), x, y, radius, _circle(x, y, radius))


def find_sites(
    territory: TerritorySet,
    zones: npt.NDArray[np.object_],
    zone_comuna: IntArray,
    zone_pop: FloatArray,
) -> tuple[PatternSite, PatternSite, PatternSite]:
    """The emerging (Puente Alto), border (Santiago/Estación Central) and intervention sites."""
    emerging = _inner_site(
        "emerging_hotspot", territory, zones, zone_comuna, zone_pop, "13201", 350.0
    )
    border = _border_site(territory, zones, zone_pop, "13101", "13106", 350.0)
    intervention = _inner_site(
        "intervention", territory, zones, zone_comuna, zone_pop, "13110", 300.0
    )
    return emerging, border, intervention


def _snap(start: date, end: date, fraction: float) -> date:
    """The day at ``fraction`` of the period, moved to the nearest first of month if inside."""
    days = (end - start).days
    target = start + timedelta(days=min(max(1, round(fraction * days)), max(days - 1, 0)))
    if days >= 60:
        first = target.replace(day=1)
        following = (first + timedelta(days=32)).replace(day=1)
        snapped = first if (target - first) <= (following - target) else following
        if start < snapped < end:
            return snapped
    return target


def pattern_dates(start: date, end: date) -> tuple[date, date]:
    """Start of the emerging hotspot (2/3 of the period) and of the intervention (middle)."""
    return _snap(start, end, 2.0 / 3.0), _snap(start, end, 0.5)


def weekday_days(
    lo: IntArray, hi: IntArray, family: IntArray, rng: np.random.Generator
) -> IntArray:
    """A day in ``[lo, hi)`` per event, accepted with its family's weekday weight."""
    accept = WEEKDAY_WEIGHTS / WEEKDAY_WEIGHTS.max(axis=1, keepdims=True)
    day = lo.copy()
    todo = np.arange(lo.size)
    for _ in range(100):
        if todo.size == 0:
            break
        d = lo[todo] + np.floor(rng.random(todo.size) * (hi[todo] - lo[todo])).astype(np.int64)
        ok = rng.random(todo.size) < accept[family[todo], (d + 3) % 7]  # 1970-01-01: Thursday
        day[todo[ok]] = d[ok]
        todo = todo[~ok]
    return day


def draw_rows(weights: FloatArray, row: IntArray, rng: np.random.Generator) -> IntArray:
    """One column index per event, drawn with the weights of the event's row of ``weights``."""
    cum = np.cumsum(weights, axis=1)
    cum /= cum[:, -1:]
    u = rng.random(row.size)
    out = np.zeros(row.size, dtype=np.int64)
    for r in np.unique(row):  # a loop over families keeps memory at O(n)
        sel = np.flatnonzero(row == r)
        out[sel] = np.searchsorted(cum[r], u[sel], side="right")
    np.minimum(out, weights.shape[1] - 1, out=out)
    return out


def minutes_of_day(family: IntArray, rng: np.random.Generator) -> IntArray:
    """Minute of the day (0-1439) per event, from its family's hour-of-day profile."""
    hour = draw_rows(HOUR_PROFILES, family, rng)
    return hour * 60 + rng.integers(0, 60, family.size, dtype=np.int64)


def near_repeats(
    territory: TerritorySet, ev: Events, end_day: int, rng: np.random.Generator
) -> Events:
    """Follow-ups of burglaries and vehicle thefts: p = 0.08 each, 200 m, 1-14 days later."""
    prop = np.array([CATEGORIES.index(c) for c in PROPERTY_CATEGORIES])
    parents = {k: v[np.isin(ev["cat"], prop)] for k, v in ev.items()}
    out = []
    for _ in range(4):  # offspring may have offspring; 0.08^4 is negligible
        sel = rng.random(parents["day"].size) < REPEAT_PROBABILITY
        kid = {k: v[sel].copy() for k, v in parents.items()}
        kid["day"] += rng.integers(1, 15, kid["day"].size)
        keep = np.ones(kid["day"].size, dtype=bool)
        todo = np.arange(kid["day"].size)
        for _ in range(20):
            if todo.size == 0:
                break
            r = REPEAT_RADIUS * np.sqrt(rng.random(todo.size))
            a = rng.random(todo.size) * 2.0 * np.pi
            px = parents["x"][sel][todo] + r * np.cos(a)
            py = parents["y"][sel][todo] + r * np.sin(a)
            ok = territory.locate_metric(px, py) == kid["comuna"][todo]
            kid["x"][todo[ok]], kid["y"][todo[ok]] = px[ok], py[ok]
            todo = todo[~ok]
        keep[todo] = False
        keep &= kid["day"] < end_day
        kid = {k: v[keep] for k, v in kid.items()}
        kid["minute"] = minutes_of_day(FAMILY_OF[kid["cat"]], rng)
        kid["origin"] = np.full(kid["day"].size, ORIGIN_REPEAT, dtype=np.int8)
        out.append(kid)
        parents = kid
        if kid["day"].size == 0:
            break
    return concat(out)


def raw_labels(cat: IntArray, rng: np.random.Generator) -> npt.NDArray[np.object_]:
    """CEAD names; ~5 % police-export variants and ~0.3 % labels that map to nothing."""
    names = np.array(CATEGORIES, dtype=object)
    label = names[cat]
    u = rng.random(cat.size)
    pick = rng.random(cat.size)
    variants = [LABEL_VARIANTS[c] for c in CATEGORIES]
    offsets = np.cumsum([0] + [len(v) for v in variants])
    flat = np.array([v for vs in variants for v in vs], dtype=object)
    counts = np.diff(offsets)
    var = np.flatnonzero((u >= UNMAPPED_SHARE) & (u < UNMAPPED_SHARE + VARIANT_SHARE))
    j = offsets[cat[var]] + np.minimum(
        (pick[var] * counts[cat[var]]).astype(np.int64), counts[cat[var]] - 1
    )
    label[var] = flat[j]
    odd = np.flatnonzero(u < UNMAPPED_SHARE)
    unmapped = np.array(UNMAPPED_LABELS, dtype=object)
    label[odd] = unmapped[
        np.minimum((pick[odd] * unmapped.size).astype(np.int64), unmapped.size - 1)
    ]
    return label


def _disk_points(
    site: PatternSite,
    territory: TerritorySet,
    size: int,
    rng: np.random.Generator,
) -> tuple[FloatArray, FloatArray, IntArray]:
    """Gaussian points (sigma = radius / 2) inside the inscribed disk and the site's comunas."""
    x = np.full(size, np.nan)
    y = np.full(size, np.nan)
    com = np.full(size, -1, dtype=np.int64)
    todo = np.arange(size)
    limit = site.radius * _INNER
    allowed = np.asarray(site.comunas)
    for _ in range(50):
        if todo.size == 0:
            break
        dx = rng.normal(0.0, site.radius / 2.0, todo.size)
        dy = rng.normal(0.0, site.radius / 2.0, todo.size)
        px, py = site.x + dx, site.y + dy
        where = territory.locate_metric(px, py)
        ok = (np.hypot(dx, dy) <= limit) & np.isin(where, allowed)
        x[todo[ok]], y[todo[ok]], com[todo[ok]] = px[ok], py[ok], where[ok]
        todo = todo[~ok]
    if todo.size:  # pragma: no cover - the centre always lies in one of the comunas
        x[todo], y[todo] = site.x, site.y
        com[todo] = territory.locate_metric(x[todo], y[todo])
    return x, y, com


def _baseline(ev: Events, site: PatternSite, cats: IntArray) -> int:
    """Background events of the pattern categories inside the site (the local baseline)."""
    mask = (ev["origin"] == ORIGIN_BACKGROUND) & np.isin(ev["cat"], cats)
    idx = np.flatnonzero(mask)
    return int(np.count_nonzero(site.contains(ev["x"][idx], ev["y"][idx])))


def _neighbourhood_baseline(
    ev: Events, site: PatternSite, territory: TerritorySet, cats: IntArray
) -> float:
    """Expected background events in the site from the density within ``NEIGHBOURHOOD`` m.

    A circle of a few hundred metres holds a few dozen background events, too few to scale
    a planted effect on; the density of the surrounding kilometre (in the site's comunas)
    is a steadier local baseline.
    """
    mask = (ev["origin"] == ORIGIN_BACKGROUND) & np.isin(ev["cat"], cats)
    mask &= np.isin(ev["comuna"], site.comunas)
    idx = np.flatnonzero(mask)
    near = np.hypot(ev["x"][idx] - site.x, ev["y"][idx] - site.y) <= NEIGHBOURHOOD
    disk = shapely.Point(site.x, site.y).buffer(NEIGHBOURHOOD, quad_segs=32)
    land = shapely.union_all(territory.metric_polygons[list(site.comunas)])
    area = float(shapely.intersection(disk, land).area)
    return float(np.count_nonzero(near)) * float(site.polygon.area) / area


def _systematic_donors(
    ev: Events, comunas: tuple[int, ...], cats: IntArray, count: int, rng: np.random.Generator
) -> IntArray:
    """``count`` background events of ``cats`` in ``comunas``, by systematic sampling in time.

    Taking every k-th event in time order makes planted events follow the comunas'
    seasonality exactly, so the planted effect is not blurred by the noise of a random draw.
    """
    mask = np.isin(ev["comuna"], comunas) & np.isin(ev["cat"], cats)
    donors = np.flatnonzero(mask & (ev["origin"] == ORIGIN_BACKGROUND))
    if count <= 0 or donors.size == 0:
        return donors[:0]
    donors = donors[np.argsort(ev["day"][donors], kind="stable")]
    step = (np.arange(count) + rng.random()) * donors.size / count
    return donors[np.minimum(step.astype(np.int64), donors.size - 1)]


def _extras(
    ev: Events,
    site: PatternSite,
    territory: TerritorySet,
    cats: IntArray,
    count: int,
    rng: np.random.Generator,
) -> Events:
    """``count`` new events in the site, their category, day and time copied from donors."""
    pick = _systematic_donors(ev, site.comunas, cats, count, rng)
    if pick.size == 0:
        return {k: v[:0].copy() for k, v in ev.items()}
    x, y, com = _disk_points(site, territory, pick.size, rng)
    return {
        "comuna": com,
        "cat": ev["cat"][pick].copy(),
        "day": ev["day"][pick].copy(),
        "minute": ev["minute"][pick].copy(),
        "x": x,
        "y": y,
        "origin": np.full(pick.size, ORIGIN_OF_KIND[site.kind], dtype=np.int8),
    }


def _relocate(
    ev: Events,
    site: PatternSite,
    territory: TerritorySet,
    cats: IntArray,
    count: int,
    rng: np.random.Generator,
) -> None:
    """Move ``count`` background events of the site's comuna into the site (in place).

    The comuna's volumes stay those of CEAD; only where its robberies and thefts happen
    changes, as around a busy commercial hub.
    """
    pick = _systematic_donors(ev, site.comunas, cats, count, rng)
    x, y, com = _disk_points(site, territory, pick.size, rng)
    ev["x"][pick], ev["y"][pick], ev["comuna"][pick] = x, y, com
    ev["origin"][pick] = ORIGIN_OF_KIND[site.kind]


def concat(parts: list[Events]) -> Events:
    """Events of several parts, one after the other."""
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def plant_patterns(
    ev: Events,
    *,
    sites: tuple[PatternSite, PatternSite, PatternSite],
    territory: TerritorySet,
    cats: IntArray,
    start: date,
    end: date,
    n: int,
    rng: np.random.Generator,
) -> list[Events]:
    """Extra events of the border and emerging hotspots; the intervention area is filled in place.

    The emerging hotspot grows linearly from zero at its start to ``EMERGING_EFFECT`` times
    the local baseline rate (its background events per day) at the end; the border hotspot
    adds ``BORDER_EFFECT`` times its baseline (the density of the surrounding kilometre) over
    the whole period. The intervention area gets its elevated baseline by gathering
    ``INTERVENTION_SHARE * n`` of its comuna's robberies and thefts (moved, not added, so
    the comuna keeps its CEAD volume).
    """
    emerging, border, intervention = sites
    t0, _ = pattern_dates(start, end)
    days = (end - start).days
    out: list[Events] = []

    ramp_days = (end - t0).days
    rate = _baseline(ev, emerging, cats) / days
    grow = _extras(
        ev, emerging, territory, cats, round(EMERGING_EFFECT * rate * ramp_days / 2), rng
    )
    if grow["day"].size:
        # Density proportional to the time since t0 (a linear growth of the daily rate),
        # spread over stratified quantiles.
        u = (np.arange(grow["day"].size) + rng.random()) / grow["day"].size
        offset = rng.permutation(np.floor(ramp_days * np.sqrt(u)).astype(np.int64))
        grow["day"] = _day_number(t0) + np.minimum(offset, ramp_days - 1)
    out.append(grow)

    out.append(
        _extras(
            ev,
            border,
            territory,
            cats,
            round(BORDER_EFFECT * _neighbourhood_baseline(ev, border, territory, cats)),
            rng,
        )
    )
    # At most half of the comuna's robberies and thefts are gathered in the area.
    available = int(
        np.count_nonzero(
            np.isin(ev["comuna"], intervention.comunas)
            & np.isin(ev["cat"], cats)
            & (ev["origin"] == ORIGIN_BACKGROUND)
        )
    )
    count = min(round(INTERVENTION_SHARE * n), available // 2)
    _relocate(ev, intervention, territory, cats, count, rng)
    return out


def thin_intervention(
    ev: Events,
    site: PatternSite,
    cats: IntArray,
    start_day: int,
    rng: np.random.Generator,
) -> npt.NDArray[np.bool_]:
    """Keep-mask that drops each pattern-category event in the site from ``start_day``, p=0.25."""
    u = rng.random(ev["day"].size)
    hit = (ev["day"] >= start_day) & np.isin(ev["cat"], cats) & site.contains(ev["x"], ev["y"])
    return ~(hit & (u < -INTERVENTION_EFFECT))


def _day_number(d: date) -> int:
    return int(np.datetime64(d, "D").astype(np.int64))


def manifest_patterns(
    sites: tuple[PatternSite, PatternSite, PatternSite],
    territory: TerritorySet,
    *,
    start: date,
    end: date,
    cuts: IntArray,
    added: dict[str, int],
) -> list[dict[str, Any]]:
    """The manifest's ``patterns`` list (dates ISO, CUTs as integers, geometry in WGS84).

    Like the period, a pattern's ``end`` is exclusive (the day after its last day).
    """
    t0, t_int = pattern_dates(start, end)
    names = territory.names
    emerging, border, intervention = sites
    cat_list = list(PATTERN_CATEGORIES)
    e_name = names[emerging.comunas[0]]
    a_name, b_name = names[border.comunas[0]], names[border.comunas[1]]
    i_name = names[intervention.comunas[0]]
    texts = {
        "emerging_hotspot": (
            f"Foco emergente sintético en {e_name}: desde el {t0:%d-%m-%Y} se agregan robos y "
            f"hurtos en un círculo de {emerging.radius:.0f} m que crecen mes a mes hasta "
            f"cuadruplicar la actividad local al final del periodo (+300 % sobre la base)."
        ),
        "border_hotspot": (
            f"Foco sintético en el límite entre {a_name} y {b_name}: en un círculo de "
            f"{border.radius:.0f} m centrado en el límite comunal hay un 400 % más de robos y "
            f"hurtos que la base local (la densidad del entorno de {NEIGHBOURHOOD / 1000:.0f} km) "
            f"durante todo el periodo, a ambos lados del límite."
        ),
        "intervention": (
            f"Intervención sintética en {i_name}: zona de {intervention.radius:.0f} m que "
            f"concentra robos y hurtos de la comuna (trasladados, sin cambiar el total "
            f"comunal); desde el {t_int:%d-%m-%Y} esos delitos bajan un "
            f"25 % (se elimina al azar uno de cada cuatro hechos de la zona)."
        ),
    }
    starts = {"emerging_hotspot": t0, "border_hotspot": start, "intervention": t_int}
    ends: dict[str, date | None] = {
        "emerging_hotspot": end,
        "border_hotspot": end,
        "intervention": None,
    }
    effects = {
        "emerging_hotspot": EMERGING_EFFECT,
        "border_hotspot": BORDER_EFFECT,
        "intervention": INTERVENTION_EFFECT,
    }
    out = []
    for site in sites:
        lon, lat = territory.to_lonlat([site.x], [site.y])
        stop = ends[site.kind]
        out.append(
            {
                "kind": site.kind,
                "comunas": [int(cuts[c]) for c in site.comunas],
                "geometry": {"type": "Polygon", "coordinates": [site.lonlat_ring(territory)]},
                "center": [round(float(lon[0]), 6), round(float(lat[0]), 6)],
                "radius_m": site.radius,
                "start": starts[site.kind].isoformat(),
                "end": None if stop is None else stop.isoformat(),
                "effect": effects[site.kind],
                "categories": cat_list,
                "events_planted": int(added.get(site.kind, 0)),
                "description": texts[site.kind],
            }
        )
    return out
