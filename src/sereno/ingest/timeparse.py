"""Vectorised parsing of dates and times, and localisation to a time zone.

Incident files repeat the same few thousand dates and 1,440 minutes over millions
of rows, so each function parses the *distinct* values once (``pandas.factorize``)
and maps the results back with integer indexing.

Notes
-----
DST rule for local wall times that occur twice (America/Santiago: the Saturday
23:00–23:59 before the first Sunday of April): the **first occurrence** is taken,
i.e. daylight-saving time (UTC−3), and the row is flagged ``ambiguous_mask``.
Wall times that never occur (the Sunday 00:00–00:59 of September) are reported in
``nonexistent_mask`` and become NaT unless ``nonexistent="shift_forward"``.
"""

from __future__ import annotations

from typing import Literal, NamedTuple

import numpy as np
import pandas as pd

__all__ = [
    "DATE_FORMATS_ES",
    "TIME_FORMATS_ES",
    "LocalizeResult",
    "ParsedDates",
    "ParsedTimes",
    "localize",
    "parse_dates",
    "parse_times",
]

#: Accepted date formats, as shown to users.
DATE_FORMATS_ES = (
    "dd-mm-aaaa, dd/mm/aaaa o dd.mm.aaaa (con hora opcional HH:MM o HH:MM:SS), "
    "aaaa-mm-dd ISO 8601 (con hora opcional THH:MM[:SS] y zona Z o ±HH:MM) "
    "o número de serie de Excel (p. ej. 45678)"
)
#: Accepted time formats, as shown to users.
TIME_FORMATS_ES = "HH:MM, HH:MM:SS, H:MM o fracción de día de Excel (p. ej. 0,5 = 12:00)"

_TIME_RE = r"(?:[ T](?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:[.,](?P<f>\d{1,9}))?)?)?"
_OFFSET_RE = r"(?P<tz>Z|[+-]\d{2}(?::?\d{2})?)?"
_DMY_RE = r"^(?P<a>\d{1,2})(?P<s1>[-/.])(?P<b>\d{1,2})(?P<s2>[-/.])(?P<Y>\d{4})" + _TIME_RE + "$"
_ISO_RE = (
    r"^(?P<Y>\d{4})(?P<s1>[-/])(?P<m>\d{1,2})(?P<s2>[-/])(?P<d>\d{1,2})"
    + _TIME_RE
    + _OFFSET_RE
    + "$"
)
_SERIAL_RE = r"^\d{1,5}(?:[.,]\d+)?$"
_CLOCK_RE = r"^(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:[.,](?P<f>\d{1,9}))?)?$"
_FRACTION_RE = r"^(?:0?[.,]\d+|0)$"
_EXCEL_MAX_SERIAL = 73415  # 2100-12-31
_NS_PER_DAY = 86_400 * 10**9


class ParsedDates(NamedTuple):
    """Result of :func:`parse_dates`; every Series is aligned with the input."""

    values: pd.Series
    """Naive ``datetime64[ns]`` wall time (UTC where ``absolute``); NaT if missing/invalid."""
    error_mask: pd.Series
    """True where a non-empty value matched no accepted format."""
    has_time: pd.Series
    """True where the value included a time of day."""
    absolute: pd.Series
    """True where the value carried a UTC offset: ``values`` is then already UTC."""


class ParsedTimes(NamedTuple):
    """Result of :func:`parse_times`; every Series is aligned with the input."""

    values: pd.Series
    """``timedelta64[ns]`` since midnight; NaT if missing/invalid."""
    error_mask: pd.Series
    """True where a non-empty value matched no accepted format."""


class LocalizeResult(NamedTuple):
    """Result of :func:`localize`; every Series is aligned with the input."""

    utc: pd.Series
    """``datetime64[ns, UTC]``; NaT where the input is NaT or (by default) nonexistent."""
    ambiguous_mask: pd.Series
    """Wall time occurred twice; the first occurrence (DST) was taken."""
    nonexistent_mask: pd.Series
    """Wall time never occurred (skipped by a DST jump)."""


def _uniques(values: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """Codes (−1 for missing) and the stripped distinct values as an object Series."""
    codes, uniques = pd.factorize(values)
    return codes, pd.Series(np.asarray(uniques, dtype=object), dtype=object).str.strip()


def _expand(codes: np.ndarray, per_unique: np.ndarray, fill: object, index: pd.Index) -> pd.Series:
    out = np.append(per_unique, np.array([fill], dtype=per_unique.dtype))
    return pd.Series(out[codes], index=index)  # code −1 picks the appended fill


def _int(frame: pd.DataFrame, name: str, default: int = 0) -> np.ndarray:
    return pd.to_numeric(frame[name], errors="coerce").fillna(default).to_numpy("int64")


def _clock_ns(parts: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Nanoseconds since midnight from H/M/S/f groups, and a validity mask."""
    h, m, s = _int(parts, "H"), _int(parts, "M"), _int(parts, "S")
    frac = parts["f"].fillna("").astype(str).str.ljust(9, "0").str[:9]
    ns = pd.to_numeric(frac.where(frac != "", "0"), errors="coerce").fillna(0).to_numpy("int64")
    ok = (h <= 23) & (m <= 59) & (s <= 59)
    return ((h * 60 + m) * 60 + s) * 10**9 + ns, ok


def _assemble(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    """datetime64[ns] midnights; NaT for impossible dates (31-02) or years out of range."""
    ok = (year >= 1678) & (year <= 2261)
    dates = pd.to_datetime(
        pd.DataFrame({"year": np.where(ok, year, 2000), "month": month, "day": day}),
        errors="coerce",
    )
    return np.where(ok, dates.to_numpy("datetime64[ns]"), np.datetime64("NaT", "ns"))


def parse_dates(values: pd.Series, *, date_order: str = "dmy") -> ParsedDates:
    """Parse dates, or date-times, written in any of the accepted formats.

    Accepted: ``dd-mm-yyyy``, ``dd/mm/yyyy``, ``dd.mm.yyyy`` (``mm-dd-yyyy`` when
    ``date_order="mdy"``), each optionally followed by `` HH:MM[:SS]``; ISO 8601
    ``yyyy-mm-dd`` with optional ``THH:MM[:SS][.fff]`` (or a space) and offset
    (``Z``, ``-03:00``); Excel serial numbers (1900 date system, 1900–2100).

    Parameters
    ----------
    values : pandas.Series
        Text values; NA and blank values are missing, not errors.
    date_order : {"dmy", "mdy"}
        Order of day and month in non-ISO numeric dates.

    Returns
    -------
    ParsedDates
        ``(values, error_mask, has_time, absolute)``.

    Examples
    --------
    >>> parsed = parse_dates(pd.Series(["05-04-2025 23:30", "2025-04-05", "x", None]))
    >>> parsed.values.dt.strftime("%Y-%m-%d %H:%M").tolist()
    ['2025-04-05 23:30', '2025-04-05 00:00', nan, nan]
    >>> parsed.error_mask.tolist(), parsed.has_time.tolist()
    ([False, False, True, False], [True, False, False, False])
    """
    codes, uniq = _uniques(values)
    n = len(uniq)
    ts = np.full(n, np.datetime64("NaT", "ns"))
    has_time = np.zeros(n, dtype=bool)
    absolute = np.zeros(n, dtype=bool)

    for pattern in (_DMY_RE, _ISO_RE):
        parts = uniq.str.extract(pattern)
        hit = parts["Y"].notna().to_numpy() & (parts["s1"] == parts["s2"]).to_numpy()
        if not hit.any():
            continue
        parts = parts[hit]
        if pattern is _ISO_RE:
            month, day = _int(parts, "m"), _int(parts, "d")
        elif date_order == "mdy":
            month, day = _int(parts, "a"), _int(parts, "b")
        else:
            month, day = _int(parts, "b"), _int(parts, "a")
        midnight = _assemble(_int(parts, "Y"), month, day)
        clock, clock_ok = _clock_ns(parts)
        stamp = midnight + clock.astype("timedelta64[ns]")
        if "tz" in parts:
            offset = _offset_ns(parts["tz"])
            stamp = stamp - offset.astype("timedelta64[ns]")
            absolute[hit] = parts["tz"].notna().to_numpy() & clock_ok
        ts[hit] = np.where(clock_ok, stamp, np.datetime64("NaT", "ns"))
        has_time[hit] = parts["H"].notna().to_numpy()

    serial = uniq.str.fullmatch(_SERIAL_RE).fillna(False).to_numpy(dtype=bool) & np.isnat(ts)
    if serial.any():
        number = pd.to_numeric(uniq[serial].str.replace(",", "."), errors="coerce").to_numpy()
        ts[serial], has_time[serial] = _excel_serial(number)

    missing = uniq.isna().to_numpy() | (uniq == "").fillna(True).to_numpy()
    error = np.isnat(ts) & ~missing
    index = values.index
    return ParsedDates(
        values=_expand(codes, ts, np.datetime64("NaT", "ns"), index),
        error_mask=_expand(codes, error, False, index),
        has_time=_expand(codes, has_time & ~error, False, index),
        absolute=_expand(codes, absolute & ~error, False, index),
    )


def _offset_ns(tz: pd.Series) -> np.ndarray:
    text = tz.fillna("Z").str.replace(":", "", regex=False)
    sign = np.where(text.str[0] == "-", -1, 1)
    hours = pd.to_numeric(text.str[1:3], errors="coerce").fillna(0).to_numpy("int64")
    minutes = pd.to_numeric(text.str[3:5], errors="coerce").fillna(0).to_numpy("int64")
    return sign * (hours * 60 + minutes) * 60 * 10**9


def _excel_serial(number: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Excel 1900 date system; serial 60 is the fictitious 29-02-1900."""
    ok = (number >= 1) & (number < _EXCEL_MAX_SERIAL + 1) & ~((number >= 60) & (number < 61))
    days = np.where(number < 60, number + 1, number)  # serials < 60 precede the fake leap day
    ns = np.round(np.where(ok, days, 0) * _NS_PER_DAY / 1e9).astype("int64") * 10**9
    stamp = np.datetime64("1899-12-30", "ns") + ns.astype("timedelta64[ns]")
    return np.where(ok, stamp, np.datetime64("NaT", "ns")), ok & (number % 1 != 0)


def parse_times(values: pd.Series) -> ParsedTimes:
    """Parse times of day: ``HH:MM``, ``HH:MM:SS``, ``H:MM`` or an Excel day fraction.

    Parameters
    ----------
    values : pandas.Series
        Text values; NA and blank values are missing, not errors.

    Returns
    -------
    ParsedTimes
        ``(values, error_mask)``; values are ``timedelta64[ns]`` since midnight.

    Examples
    --------
    >>> parsed = parse_times(pd.Series(["23:30", "7:05:09", "0.5", "25:00"]))
    >>> parsed.values.dt.total_seconds().tolist()
    [84600.0, 25509.0, 43200.0, nan]
    >>> parsed.error_mask.tolist()
    [False, False, False, True]
    """
    codes, uniq = _uniques(values)
    out = np.full(len(uniq), np.timedelta64("NaT", "ns"))
    parts = uniq.str.extract(_CLOCK_RE)
    hit = parts["H"].notna().to_numpy()
    if hit.any():
        clock, ok = _clock_ns(parts[hit])
        out[hit] = np.where(ok, clock.astype("timedelta64[ns]"), np.timedelta64("NaT", "ns"))
    fraction = uniq.str.fullmatch(_FRACTION_RE).fillna(False).to_numpy(dtype=bool)
    if fraction.any():
        day = pd.to_numeric(uniq[fraction].str.replace(",", "."), errors="coerce").to_numpy()
        seconds = np.round(day * 86_400).astype("int64")
        ok = seconds < 86_400
        out[fraction] = np.where(
            ok, (seconds * 10**9).astype("timedelta64[ns]"), np.timedelta64("NaT", "ns")
        )
    missing = uniq.isna().to_numpy() | (uniq == "").fillna(True).to_numpy()
    error = np.isnat(out) & ~missing
    return ParsedTimes(
        values=_expand(codes, out, np.timedelta64("NaT", "ns"), values.index),
        error_mask=_expand(codes, error, False, values.index),
    )


def localize(
    naive: pd.Series,
    tz: str,
    *,
    nonexistent: Literal["NaT", "shift_forward"] = "NaT",
) -> LocalizeResult:
    """Interpret naive wall times in ``tz`` and convert them to UTC.

    Parameters
    ----------
    naive : pandas.Series
        ``datetime64`` without time zone (local wall time).
    tz : str
        IANA zone, e.g. ``"America/Santiago"``.
    nonexistent : {"NaT", "shift_forward"}
        What ``utc`` holds for wall times skipped by a DST jump: NaT (to reject
        them) or the first instant after the jump (for day boundaries).

    Returns
    -------
    LocalizeResult
        ``(utc, ambiguous_mask, nonexistent_mask)``.

    Notes
    -----
    Repeated wall times take the first occurrence (DST, ``ambiguous=True`` in
    pandas), as documented in the module docstring. Each distinct value is
    localised once.

    Examples
    --------
    >>> r = localize(pd.Series(pd.to_datetime(["2024-04-06 23:30", "2024-09-08 00:30"])),
    ...              "America/Santiago")
    >>> r.utc.dt.strftime("%Y-%m-%d %H:%M").tolist(), r.ambiguous_mask.tolist()
    (['2024-04-07 02:30', nan], [True, False])
    >>> r.nonexistent_mask.tolist()
    [False, True]
    """
    stamps = naive.to_numpy(dtype="datetime64[ns]")
    nat = np.isnat(stamps)
    ints = stamps.view("int64")
    days = np.where(nat, 0, ints - ints % _NS_PER_DAY)
    codes, unique_days = pd.factorize(days)
    offsets, safe = _day_offsets(unique_days, tz)
    utc = ints - offsets[codes]
    ambiguous = np.zeros(len(stamps), dtype=bool)
    gap = np.zeros(len(stamps), dtype=bool)
    exact = ~safe[codes] & ~nat
    if exact.any():
        utc[exact], ambiguous[exact], gap[exact] = _localize_exact(stamps[exact], tz, nonexistent)
    result = np.where(
        nat | (gap & (nonexistent == "NaT")), np.datetime64("NaT", "ns"), utc.view("datetime64[ns]")
    )
    index = naive.index
    return LocalizeResult(
        utc=pd.Series(result, index=index).dt.tz_localize("UTC"),
        ambiguous_mask=pd.Series(ambiguous, index=index),
        nonexistent_mask=pd.Series(gap, index=index),
    )


def _day_offsets(days: np.ndarray, tz: str) -> tuple[np.ndarray, np.ndarray]:
    """UTC offset (ns) of each local day, and whether it holds all day long.

    A day is *safe* when both its midnight and the next one exist, are not
    repeated and have the same offset: every wall time that day then maps to UTC
    by subtracting that offset. Other days go through :func:`_localize_exact`.
    """
    start = pd.DatetimeIndex(days.view("datetime64[ns]"))
    ends = start + pd.Timedelta(days=1)
    both = np.ones(len(start), bool), np.zeros(len(start), bool)
    a, b = (start.tz_localize(tz, ambiguous=x, nonexistent="NaT") for x in both)
    c, d = (ends.tz_localize(tz, ambiguous=x, nonexistent="NaT") for x in both)
    offset_start = start.asi8 - a.tz_convert(None).asi8
    offset_end = ends.asi8 - c.tz_convert(None).asi8
    safe = np.asarray(a.notna() & (a == b) & c.notna() & (c == d)) & (offset_start == offset_end)
    return np.where(safe, offset_start, 0), safe


def _localize_exact(
    stamps: np.ndarray, tz: str, nonexistent: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """UTC ns, repeated and skipped flags, localising each distinct wall time."""
    codes, uniq = pd.factorize(stamps)
    index = pd.DatetimeIndex(uniq).as_unit("ns")
    first = index.tz_localize(tz, ambiguous=np.ones(len(index), bool), nonexistent="NaT")
    second = index.tz_localize(tz, ambiguous=np.zeros(len(index), bool), nonexistent="NaT")
    gap = np.asarray(first.isna())
    repeated = np.asarray(first != second) & ~gap
    if nonexistent == "shift_forward" and gap.any():
        first = index.tz_localize(
            tz, ambiguous=np.ones(len(index), bool), nonexistent="shift_forward"
        )
    utc = first.tz_convert(None).as_unit("ns").asi8
    return utc[codes], repeated[codes], gap[codes]
