"""Turn a :class:`~sereno.ingest.readers.RawTable` into typed incident records.

Every row either becomes one record or one reject (``row``, ``column``, ``value``,
``reason`` in Spanish); a bad row never fails the file. All checks are vectorised:
masks over columns, parsing over distinct values (see :mod:`.timeparse`).

Notes
-----
Time rules (documented for users):

* a date without time is the local window 00:00–24:00 (``time_flag="date_only"``);
* date + time gives ``occurred_from == occurred_to``;
* end fields give a window (``"window"``); an end time without end date that is
  earlier than the start time is on the next day (overnight incidents);
* a repeated DST wall time takes the first occurrence (``"ambiguous_dst"``, which
  wins over ``"window"``); a skipped wall time rejects the row.

Text from :func:`~sereno.ingest.readers.read_table` is already NFC; here it is
stripped, and blank values become NA.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from sereno.errors import InputError
from sereno.ingest.profiles import FIELDS, GEOMETRY_COLUMNS, Profile, resolve_columns
from sereno.ingest.readers import REJECT_COLUMNS, RawTable
from sereno.ingest.timeparse import (
    DATE_FORMATS_ES,
    TIME_FORMATS_ES,
    localize,
    parse_dates,
    parse_times,
)

__all__ = ["RECORD_COLUMNS", "NormalizedRows", "normalize"]

RECORD_COLUMNS = (
    "source_row", "source_record_id", "raw_label", "occurred_from", "occurred_to",
    "occurred_local", "time_flag", "reported_at", "lon", "lat", "location_precision",
    "address", "place_type", "comuna_hint", "victim_sex", "victim_age",
    "victim_relationship", "offender_sex", "offender_age",
)  # fmt: skip
_TEXT_OUT = {
    "address": "address", "place_type": "place_type", "comuna_hint": "comuna",
    "victim_sex": "victim_sex", "victim_relationship": "victim_relationship",
    "offender_sex": "offender_sex",
}  # fmt: skip
_FORMULA_FIELDS = ("record_id", "label", "address", "place_type", "comuna")
_FORMULA = re.compile(r"(?:[=+@\t\r\x00]|-[A-Za-zÀ-ÿ])")
_NUMBER = r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$"
_DAY = np.timedelta64(1, "D").astype("timedelta64[ns]")
_NAT = np.datetime64("NaT", "ns")
_NOT = np.timedelta64("NaT", "ns")
_MIN_DATE = np.datetime64("1900-01-01", "ns")
_REJECT_TYPES = {"row": "int64", "column": "str", "value": "str", "reason": "str"}


@dataclass(frozen=True)
class NormalizedRows:
    """Records ready for assignment and storage, and the rows rejected.

    Attributes
    ----------
    records : pandas.DataFrame
        One row per valid input row, columns :data:`RECORD_COLUMNS`.
    rejects : pandas.DataFrame
        ``row``, ``column``, ``value``, ``reason``, sorted by row; includes the
        reader's rejects.
    """

    records: pd.DataFrame
    rejects: pd.DataFrame


class _RejectLog:
    """Collects one reject per row: the first failing check wins."""

    def __init__(self, row_numbers: np.ndarray) -> None:
        self.rows = np.asarray(row_numbers, dtype=np.int64)
        self.rejected = np.zeros(len(self.rows), dtype=bool)
        self.parts: list[pd.DataFrame] = []

    def add(self, mask: Any, column: str | None, values: Any, reason: Any) -> None:
        """Reject rows in ``mask`` not rejected yet; values/reason may be callables."""
        new = np.asarray(mask, dtype=bool) & ~self.rejected
        if not new.any():
            return
        self.rejected |= new
        if callable(values):
            picked = values(np.flatnonzero(new))
        elif values is not None:
            picked = values[new]
        else:
            picked = pd.Series(pd.NA, index=np.flatnonzero(new), dtype="str")
        count = int(new.sum())
        text = reason(picked) if callable(reason) else [reason] * count
        part = {"row": self.rows[new], "column": [column] * count, "value": picked.to_numpy(),
                "reason": np.asarray(text, dtype=object)}  # fmt: skip
        self.parts.append(pd.DataFrame(part).astype(_REJECT_TYPES))

    def frame(self, previous: pd.DataFrame) -> pd.DataFrame:
        parts = [p for p in (previous, *self.parts) if len(p)]
        if not parts:
            return previous.loc[:, list(REJECT_COLUMNS)].reset_index(drop=True)
        out = pd.concat(parts, ignore_index=True).loc[:, list(REJECT_COLUMNS)]
        return out.sort_values("row", kind="stable").reset_index(drop=True)


def normalize(
    raw: RawTable,
    profile: Profile,
    *,
    timezone: str,
    now: dt.datetime,
    bounds: tuple[float, float, float, float] | None = None,
) -> NormalizedRows:
    """Validate and type every row of a raw table.

    Parameters
    ----------
    raw : RawTable
        Output of :func:`~sereno.ingest.readers.read_table`.
    profile : Profile
        Column mapping; ``profile.timezone`` overrides ``timezone`` when set.
    timezone : str
        IANA zone of the territory (local times are interpreted in it).
    now : datetime.datetime
        Import time (aware; naive means UTC). Dates after ``now`` + 1 day are rejected.
    bounds : tuple of float, optional
        ``(min_lon, min_lat, max_lon, max_lat)`` of the territory set, WGS84.

    Returns
    -------
    NormalizedRows

    Raises
    ------
    sereno.errors.MissingColumnsError
        Required columns are missing (the whole file is unusable).
    sereno.errors.InputError
        Unknown time zone or CRS in the profile.
    """
    tz, now_utc = _check_inputs(profile, timezone, now, bounds)
    mapping = resolve_columns(raw.frame.columns, profile)
    log = _RejectLog(raw.row_numbers)
    source = {f: raw.frame[c] for f, c in mapping.items()}
    text = {f: _clean(s) for f, s in source.items()}
    for f in ("label", "date"):
        log.add(text[f].isna(), mapping[f], None, f"falta {FIELDS[f]}: la celda está vacía; "
                "complétela o elimine la fila")  # fmt: skip
    for f in _FORMULA_FIELDS:
        if f in source:
            log.add(_formula_mask(source[f]), mapping[f], source[f], _FORMULA_REASON)
    when = _occurrence(text, mapping, profile.date_order, tz, now_utc, log)
    lon, lat = _coordinates(text, mapping, raw, profile, bounds, log)
    keep = ~log.rejected
    n_keep = int(keep.sum())

    def text_out(field: str) -> pd.Series:
        if field in text:
            return text[field][keep].reset_index(drop=True)
        return pd.Series([pd.NA] * n_keep, dtype="str")

    precision = text_out("location_precision").fillna(profile.location_precision)
    records = pd.DataFrame(
        {
            "source_row": raw.row_numbers[keep].astype(np.int64),
            "source_record_id": text_out("record_id"),
            "raw_label": text_out("label"),
            **{k: v[keep].reset_index(drop=True) for k, v in when.items()},
            "lon": lon[keep],
            "lat": lat[keep],
            "location_precision": precision,
            **{out: text_out(f) for out, f in _TEXT_OUT.items()},
            "victim_age": _age(text, "victim_age", keep),
            "offender_age": _age(text, "offender_age", keep),
        }
    )
    return NormalizedRows(records.loc[:, list(RECORD_COLUMNS)], log.frame(raw.rejects))


_FORMULA_REASON = (
    "el valor parece una fórmula de planilla (empieza con =, +, @, tabulación, retorno de carro "
    "o un guion seguido de letra) y se rechaza para proteger a quien abra los datos en Excel; "
    "quite ese carácter inicial y vuelva a importar"
)


def _check_inputs(
    profile: Profile, timezone: str, now: dt.datetime, bounds: Any
) -> tuple[str, np.datetime64]:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    tz = profile.timezone or timezone
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InputError(
            f"La zona horaria «{tz}» no existe; use un nombre IANA como America/Santiago."
        ) from exc
    if bounds is not None and not (bounds[0] < bounds[2] and bounds[1] < bounds[3]):
        raise ValueError(f"bounds must be (min_lon, min_lat, max_lon, max_lat), got {bounds}")
    stamp = pd.Timestamp(now)
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    return tz, np.datetime64(stamp.tz_localize(None).as_unit("ns").to_datetime64())


def _clean(values: pd.Series) -> pd.Series:
    stripped = values.astype("str").str.strip()
    return stripped.mask(stripped == "").reset_index(drop=True)


def _formula_mask(values: pd.Series) -> np.ndarray:
    """True where a value starts like a spreadsheet formula (parsed per distinct prefix)."""
    prefix = values.astype("str").str.lstrip(" ").str.slice(0, 2)
    codes, uniques = pd.factorize(prefix)
    flags = np.array([bool(_FORMULA.match(str(u))) for u in uniques] + [False], dtype=bool)
    return flags[codes]


# ---------------------------------------------------------------------- time


def _occurrence(
    text: dict[str, pd.Series],
    mapping: dict[str, str],
    order: str,
    tz: str,
    now_utc: np.datetime64,
    log: _RejectLog,
) -> dict[str, pd.Series]:
    n = len(text["date"])
    date = parse_dates(text["date"], date_order=order)
    log.add(date.error_mask, mapping["date"], text["date"], _bad_date)
    clock = _times(text, "time", mapping, log) if "time" in text else pd.Series(np.full(n, _NOT))
    has_clock = clock.notna().to_numpy()
    day = date.values.dt.normalize()
    start = np.where(has_clock, (day + clock).to_numpy(), date.values.to_numpy())
    timed = date.has_time.to_numpy() | has_clock
    absolute = date.absolute.to_numpy() & ~has_clock
    local = text["date"].where(~has_clock, text["date"] + " " + text.get("time", ""))

    loc = localize(pd.Series(start), tz)
    first = _naive(localize(day, tz, nonexistent="shift_forward").utc)
    after = _naive(localize(day + _DAY, tz, nonexistent="shift_forward").utc)
    gap = loc.nonexistent_mask.to_numpy() & timed & ~absolute
    log.add(gap, mapping.get("time", mapping["date"]), local, _gap_reason(pd.Series(start), tz))
    begin = np.where(absolute, start, np.where(timed, _naive(loc.utc), first))
    end = np.where(timed, begin, after)
    ambiguous = loc.ambiguous_mask.to_numpy() & timed & ~absolute

    window = np.zeros(n, dtype=bool)
    if "date_to" in text or "time_to" in text:
        end_naive, end_abs, end_local = _window_end(text, mapping, order, day, start, log)
        end_loc = localize(pd.Series(end_naive), tz)
        window = ~np.isnat(end_naive)
        end_gap = end_loc.nonexistent_mask.to_numpy() & window & ~end_abs
        column = mapping.get("time_to", mapping.get("date_to"))
        log.add(end_gap, column, end_local, _gap_reason(pd.Series(end_naive), tz))
        end = np.where(window, np.where(end_abs, end_naive, _naive(end_loc.utc)), end)
        ambiguous |= end_loc.ambiguous_mask.to_numpy() & window & ~end_abs
        log.add(window & (end < begin), column, end_local, "el fin del intervalo es anterior "
                "al inicio; revise la fecha y hora de término")  # fmt: skip
        local = local.where(~window, local + " / " + end_local)

    today = pd.Timestamp(now_utc).strftime("%d-%m-%Y")
    log.add(begin > now_utc + _DAY, mapping["date"], local, lambda v: "la fecha " + v.astype(str)
            + f" es posterior a la fecha de importación ({today}); revise el año y el orden "
            "día-mes")  # fmt: skip
    log.add(start < _MIN_DATE, mapping["date"], local, lambda v: "la fecha " + v.astype(str)
            + " es anterior a 01-01-1900; revise el año (¿faltan dígitos?)")  # fmt: skip
    flag = np.select(
        [ambiguous, window, ~timed & ~absolute], ["ambiguous_dst", "window", "date_only"], ""
    )
    reported = _reported_at(text, mapping, order, tz, log)
    utc = "datetime64[ns, UTC]"
    return {
        "occurred_from": pd.Series(begin).dt.tz_localize("UTC").astype(utc),
        "occurred_to": pd.Series(end).dt.tz_localize("UTC").astype(utc),
        "occurred_local": local.astype("str"),
        "time_flag": pd.Series(flag, dtype="str"),
        "reported_at": reported,
    }


def _naive(utc: pd.Series) -> np.ndarray:
    return utc.dt.tz_localize(None).to_numpy("datetime64[ns]")


def _unrecognised(kind: str, formats: str) -> Any:
    return lambda v: (
        f"la {kind} «" + v.astype(str) + f"» no se reconoce; formatos aceptados: {formats}"
    )


_bad_date = _unrecognised("fecha", DATE_FORMATS_ES)
_bad_time = _unrecognised("hora", TIME_FORMATS_ES)


def _times(
    text: dict[str, pd.Series], field: str, mapping: dict[str, str], log: _RejectLog
) -> pd.Series:
    parsed = parse_times(text[field])
    log.add(parsed.error_mask, mapping[field], text[field], _bad_time)
    return parsed.values


def _gap_reason(naive: pd.Series, tz: str) -> Any:
    """Reason for wall times skipped by a DST jump, naming the jump."""

    def reason(values: pd.Series) -> pd.Series:
        stamps = naive.iloc[values.index]
        jump_to = localize(stamps, tz, nonexistent="shift_forward").utc.dt.tz_convert(tz)
        before = (jump_to - pd.Timedelta(seconds=1)).dt.tz_localize(None) + pd.Timedelta(seconds=1)
        return (
            "la hora " + stamps.dt.strftime("%H:%M") + " del " + stamps.dt.strftime("%d-%m-%Y")
            + f" no existe en {tz}: ese día los relojes saltaron de "
            + before.dt.strftime("%H:%M") + " a " + jump_to.dt.strftime("%H:%M")
            + "; revise la hora registrada"
        )  # fmt: skip

    return reason


def _window_end(
    text: dict[str, pd.Series],
    mapping: dict[str, str],
    order: str,
    day: pd.Series,
    start: np.ndarray,
    log: _RejectLog,
) -> tuple[np.ndarray, np.ndarray, pd.Series]:
    n = len(day)
    clock = _times(text, "time_to", mapping, log) if "time_to" in text else None
    has_clock = clock.notna().to_numpy() if clock is not None else np.zeros(n, dtype=bool)
    end = np.full(n, _NAT)
    absolute = np.zeros(n, dtype=bool)
    end_text = pd.Series([pd.NA] * n, dtype="str")
    if "date_to" in text:
        parsed = parse_dates(text["date_to"], date_order=order)
        log.add(parsed.error_mask, mapping["date_to"], text["date_to"], _bad_date)
        end_day = parsed.values.dt.normalize()
        with_clock = (end_day + clock).to_numpy() if clock is not None else end
        own = np.where(parsed.has_time, parsed.values.to_numpy(), (end_day + _DAY).to_numpy())
        end = np.where(has_clock, with_clock, own)
        absolute = parsed.absolute.to_numpy() & ~has_clock
        end_text = text["date_to"]
    if clock is not None:
        same_day = (day + clock).to_numpy()
        same_day = np.where(same_day < start, same_day + _DAY, same_day)
        end = np.where(np.isnat(end) & has_clock, same_day, end)
        end_text = end_text.where(
            ~has_clock, end_text.fillna("") + " " + text["time_to"]
        ).str.strip()
    return end, absolute, end_text


def _reported_at(
    text: dict[str, pd.Series], mapping: dict[str, str], order: str, tz: str, log: _RejectLog
) -> pd.Series:
    n = len(text["date"])
    if "reported_at" not in text:
        return pd.Series(np.full(n, _NAT)).dt.tz_localize("UTC")
    parsed = parse_dates(text["reported_at"], date_order=order)
    log.add(parsed.error_mask, mapping["reported_at"], text["reported_at"], _bad_date)
    utc = _naive(localize(parsed.values, tz, nonexistent="shift_forward").utc)
    values = np.where(parsed.absolute, parsed.values.to_numpy(), utc)
    return pd.Series(values).dt.tz_localize("UTC").astype("datetime64[ns, UTC]")


# --------------------------------------------------------------- coordinates


def _coordinates(
    text: dict[str, pd.Series],
    mapping: dict[str, str],
    raw: RawTable,
    profile: Profile,
    bounds: tuple[float, float, float, float] | None,
    log: _RejectLog,
) -> tuple[np.ndarray, np.ndarray]:
    n = len(text["date"])
    lon, lat = np.full(n, np.nan), np.full(n, np.nan)
    geometry = mapping.get("lon") == GEOMETRY_COLUMNS[0]
    if "lat" in mapping and "lon" in mapping:
        lat = _number(text["lat"], mapping["lat"], "latitud", True, raw.decimal, log)
        lon = _number(text["lon"], mapping["lon"], "longitud", True, raw.decimal, log)
        if geometry and raw.crs:
            lon, lat = _to_wgs84(lon, lat, raw.crs, "la geometría")
    if not geometry and "x" in mapping and "y" in mapping:
        need = np.isnan(lon) | np.isnan(lat)
        x = _number(text["x"].where(need), mapping["x"], "coordenada X", False, raw.decimal, log)
        y = _number(text["y"].where(need), mapping["y"], "coordenada Y", False, raw.decimal, log)
        crs = _xy_crs(x, y, profile.crs, profile.name)
        tx, ty = _to_wgs84(x, y, crs, f"el perfil «{profile.name}»")
        lon, lat = np.where(need, tx, lon), np.where(need, ty, lat)
    pair = [mapping.get(k) for k in ("lat", "lon", "y", "x") if k in mapping]
    column = "/".join(dict.fromkeys(str(c) for c in pair[:2]))
    log.add(np.isnan(lon) | np.isnan(lat), column, None, "faltan las coordenadas: complete latitud "
            "y longitud (o X e Y) o elimine la fila")  # fmt: skip

    def shown(rows: np.ndarray) -> pd.Series:
        pair = [pc.cast(pa.array(v[rows]), pa.string()) for v in (lat, lon)]
        return pd.Series(pc.binary_join_element_wise(*pair, ", "), index=rows, dtype="str")

    out_of_range = (np.abs(lat) > 90) | (np.abs(lon) > 180)
    swapped_ok = (np.abs(lon) <= 90) & (np.abs(lat) <= 180)
    log.add(out_of_range & swapped_ok, column, shown, "latitud y longitud parecen intercambiadas "
            "(la latitud está fuera de [-90, 90]); intercambie las columnas")  # fmt: skip
    log.add(out_of_range, column, shown, "coordenadas fuera de rango: la latitud debe estar en "
            "[-90, 90] y la longitud en [-180, 180]")  # fmt: skip
    log.add((lat == 0) & (lon == 0), column, shown, "las coordenadas son 0, 0 (un valor de "
            "relleno, no una ubicación); corrija o elimine la fila")  # fmt: skip
    if bounds is not None:
        w, s, e, nb = bounds
        inside = (lon >= w) & (lon <= e) & (lat >= s) & (lat <= nb)
        swapped = (lat >= w) & (lat <= e) & (lon >= s) & (lon <= nb)
        log.add(~inside & swapped, column, shown, "latitud y longitud parecen intercambiadas: "
                "invertidas, caen dentro del territorio; intercambie las columnas")  # fmt: skip
        box = f"longitud {w:.4f} a {e:.4f}, latitud {s:.4f} a {nb:.4f}"
        log.add(~inside, column, shown, f"el punto (latitud, longitud) está fuera del territorio "
                f"({box}); revise las coordenadas o su sistema de referencia")  # fmt: skip
    return lon, lat


def _number(
    values: pd.Series, column: str, label: str, geographic: bool, decimal: str, log: _RejectLog
) -> np.ndarray:
    """Parse numbers vectorised; ``,`` decimal for ``lat``/``lon`` is always understood."""
    arr = pa.array(values.astype("str"), type=pa.large_string())
    if geographic or decimal == ",":
        has_comma = pc.match_substring(arr, ",")
        if pc.any(has_comma).as_py():
            fixed = pc.replace_substring(pc.replace_substring(arr, ".", ""), ",", ".")
            arr = pc.if_else(has_comma, fixed, arr)
    else:
        arr = pc.replace_substring(arr, ",", "")
    try:
        out = pc.cast(arr, pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        valid = pc.match_substring_regex(arr, _NUMBER)
        out = pc.cast(pc.if_else(valid, arr, pa.scalar(None, arr.type)), pa.float64())
    numbers = np.asarray(out.to_numpy(zero_copy_only=False), dtype=np.float64)
    numbers = np.where(np.isfinite(numbers), numbers, np.nan)
    bad = np.isnan(numbers) & values.notna().to_numpy()
    log.add(bad, column, values, lambda v: f"la {label} «" + v.astype(str) + "» no es un número; "
            "use dígitos con punto o coma decimal, p. ej. -33.4569")  # fmt: skip
    return numbers


def _xy_crs(x: np.ndarray, y: np.ndarray, crs: str | None, profile: str) -> str:
    finite = np.isfinite(x) & np.isfinite(y)
    if finite.any() and (np.abs(x[finite]) <= 180).all() and (np.abs(y[finite]) <= 90).all():
        return "EPSG:4326"  # X/Y columns that hold longitude/latitude (ArcGIS exports)
    if crs is None:
        raise InputError(
            f"El archivo tiene coordenadas X/Y proyectadas pero el perfil «{profile}» no indica "
            "su sistema de referencia (crs).",
            hint="Agregue, p. ej., «crs: EPSG:32719» (UTM 19S) al perfil.",
        )
    return crs


@lru_cache(maxsize=16)
def _transformer(crs: str) -> Any:
    import pyproj

    source = pyproj.CRS.from_user_input(crs)
    if source.equals(pyproj.CRS.from_epsg(4326), ignore_axis_order=True):
        return None
    return pyproj.Transformer.from_crs(source, "EPSG:4326", always_xy=True)


def _to_wgs84(x: np.ndarray, y: np.ndarray, crs: str, where: str) -> tuple[np.ndarray, np.ndarray]:
    import pyproj

    try:
        transformer = _transformer(crs)
    except pyproj.exceptions.CRSError as exc:
        raise InputError(
            f"El sistema de referencia «{crs}» de {where} no es válido; use un código como "
            "EPSG:32719."
        ) from exc
    if transformer is None:
        return x, y
    lon, lat = transformer.transform(x, y, errcheck=False)
    lon, lat = np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)
    return np.where(np.isfinite(lon), lon, np.nan), np.where(np.isfinite(lat), lat, np.nan)


def _age(text: dict[str, pd.Series], field: str, keep: np.ndarray) -> pd.Series:
    """Whole ages 0–120 as Int64; anything else is NA (ages never reject a row)."""
    if field not in text:
        return pd.Series([pd.NA] * int(keep.sum()), dtype="Int64")
    values = pd.to_numeric(text[field][keep].reset_index(drop=True), errors="coerce")
    ok = values.notna() & (values % 1 == 0) & (values >= 0) & (values <= 120)
    return values.where(ok).astype("Int64")
