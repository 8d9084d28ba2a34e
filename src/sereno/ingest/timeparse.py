"""Vectorised parsing of dates and times, and localisation to a time zone.

The usual fixed-width layouts (``dd-mm-yyyy``, ``yyyy-mm-dd``, ``HH:MM[:SS]``) are
read straight from the Arrow byte buffers with numpy, no regex. Anything else goes
through RE2 regexes, once per *distinct* value, and is mapped back by index.
``localize`` works per local day: days without a DST change (all but two a year)
need one subtraction; only the others are localised value by value.

Notes
-----
DST rule for local wall times that occur twice (America/Santiago: the Saturday
23:00–23:59 before the first Sunday of April): the **first occurrence** is taken,
i.e. daylight-saving time (UTC−3), and the row is flagged ``ambiguous_mask``.
Wall times that never occur (the Sunday 00:00–00:59 of September) are reported in
``nonexistent_mask`` and become NaT unless ``nonexistent="shift_forward"``.
"""

from __future__ import annotations

from typing import Any, Literal, NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

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
    "o número de serie de Excel entre 10000 y 80000 (p. ej. 45678 = 21-01-2025)"
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
_SERIAL_RE = r"^\d{5}(?:[.,]\d+)?$"
_CLOCK_RE = r"^(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:[.,](?P<f>\d{1,9}))?)?$"
_FRACTION_RE = r"^(?:0?[.,]\d+|0)$"
# A bare number is an Excel serial only when plausible: "2025" or "5" in a CSV is a
# year or a typo, not 1905-07-17 or 1900-01-05.
_EXCEL_SERIAL_RANGE = (10_000, 80_000)  # 1927-05-18 … 2119-01-11
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


def _arrow_text(values: pd.Series) -> pa.Array:
    """Stripped text as one Arrow array (offset 0), nulls for missing values."""
    arr = pa.array(values, type=pa.large_string(), from_pandas=True)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks() if arr.num_chunks else pa.array([], pa.large_string())
    return pa.concat_arrays([pc.utf8_trim_whitespace(arr)])  # concat: offset 0


def _distinct(arr: pa.Array, *, always: bool = False) -> tuple[Any, pa.Array]:
    """Codes into the distinct values (last one null), or ``None`` when nearly all differ.

    Incident files repeat a few thousand dates and 1,440 minutes over millions of rows:
    parsing the distinct values once is the big saving. A sample tells when it is not.
    """
    sample = arr.slice(0, 10_000)
    if not always and len(arr) > 50_000 and pc.count_distinct(sample).as_py() > len(sample) // 2:
        return None, arr
    encoded = pc.dictionary_encode(arr)
    uniq = pa.concat_arrays([encoded.dictionary, pa.nulls(1, pa.large_string())])
    codes = pc.fill_null(encoded.indices, len(uniq) - 1).to_numpy(zero_copy_only=False)
    return np.asarray(codes, dtype=np.int64), uniq


def _blank(arr: pa.Array) -> np.ndarray:
    return ~np.asarray(pc.fill_null(pc.not_equal(arr, ""), False), dtype=bool)


class _Bytes:
    """Byte ``k`` of every value (fixed-width formats are read without any regex)."""

    def __init__(self, arr: pa.Array) -> None:
        _, offsets, data = arr.buffers()
        self.starts = np.frombuffer(offsets, np.int64, count=len(arr) + 1)
        self.lengths = np.diff(self.starts)
        raw = np.frombuffer(data, np.uint8) if data is not None and data.size else np.zeros(0)
        self.data = np.concatenate([raw.astype(np.uint8), np.zeros(20, np.uint8)])  # pad reads

    def at(self, k: int) -> np.ndarray:
        return self.data[self.starts[:-1] + k].astype(np.int64)

    def number(self, first: int, last: int) -> tuple[np.ndarray, np.ndarray]:
        value, ok = np.zeros(len(self.lengths), np.int64), np.ones(len(self.lengths), bool)
        for k in range(first, last + 1):
            digit = self.at(k) - 48
            ok &= (digit >= 0) & (digit <= 9)
            value = value * 10 + digit
        return value, ok

    def clock_ns(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``[ T]HH:MM[:SS]`` from byte 10: (ns, well formed, has seconds)."""
        (h, oh), (m, om), (sec, os_) = self.number(11, 12), self.number(14, 15), self.number(17, 18)
        seconds = self.lengths == 19
        ok = np.isin(self.at(10), (32, 84)) & (self.at(13) == 58) & oh & om
        ok &= ~seconds | ((self.at(16) == 58) & os_)
        sec = np.where(seconds, sec, 0)
        ok &= (h <= 23) & (m <= 59) & (sec <= 59)
        return ((h * 60 + m) * 60 + sec) * 10**9, ok, seconds


def _fixed_dates(arr: pa.Array, order: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``yyyy-mm-dd`` / ``dd-mm-yyyy`` (+ `` HH:MM[:SS]``) at fixed widths: the usual case."""
    b = _Bytes(arr)
    sized = np.isin(b.lengths, (10, 16, 19))
    iso = np.isin(b.at(4), (45, 47)) & (b.at(7) == b.at(4))
    (year_iso, o1), (month_iso, o2), (day_iso, o3) = b.number(0, 3), b.number(5, 6), b.number(8, 9)
    iso &= o1 & o2 & o3
    dmy = np.isin(b.at(2), (45, 46, 47)) & (b.at(5) == b.at(2))
    (first, o1), (second, o2), (year, o3) = b.number(0, 1), b.number(3, 4), b.number(6, 9)
    dmy &= o1 & o2 & o3 & ~iso
    day, month = (second, first) if order == "mdy" else (first, second)
    clock, clock_ok, _ = b.clock_ns()
    timed = b.lengths > 10
    done = sized & (iso | dmy) & (~timed | clock_ok)
    midnight = _assemble(
        np.where(iso, year_iso, year), np.where(iso, month_iso, month), np.where(iso, day_iso, day)
    )
    stamp = midnight + np.where(timed & done, clock, 0).astype("timedelta64[ns]")
    return np.where(done, stamp, np.datetime64("NaT", "ns")), timed & done, done


def _group(parts: pa.StructArray, name: str) -> pa.Array:
    return parts.field(name)  # "" where the group did not take part or the row missed


def _int(parts: pa.StructArray, name: str) -> np.ndarray:
    field = _group(parts, name)
    digits = pc.if_else(pc.equal(field, ""), "0", field)
    return np.asarray(pc.cast(digits, pa.int64()).to_numpy(zero_copy_only=False), dtype=np.int64)


def _present(parts: pa.StructArray, name: str) -> np.ndarray:
    return np.asarray(pc.not_equal(_group(parts, name), "").to_numpy(zero_copy_only=False), bool)


def _clock_ns(parts: pa.StructArray) -> tuple[np.ndarray, np.ndarray]:
    """Nanoseconds since midnight from H/M/S/f groups, and a validity mask."""
    h, m, s = _int(parts, "H"), _int(parts, "M"), _int(parts, "S")
    fraction = pc.utf8_rpad(_group(parts, "f"), 9, "0")
    ns = np.asarray(pc.cast(fraction, pa.int64()).to_numpy(zero_copy_only=False), np.int64)
    ok = (h <= 23) & (m <= 59) & (s <= 59)
    return ((h * 60 + m) * 60 + s) * 10**9 + ns, ok


def _assemble(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    """datetime64[ns] midnights; NaT for impossible dates (31-02) or years out of range."""
    ok = (year >= 1678) & (year <= 2261) & (month >= 1) & (month <= 12) & (day >= 1)
    months = ((np.where(ok, year, 2000) - 1970) * 12 + np.where(ok, month, 1) - 1).astype(
        "datetime64[M]"
    )
    first = months.astype("datetime64[D]")
    ok &= day <= ((months + 1).astype("datetime64[D]") - first).astype(np.int64)
    stamp = (first + (np.where(ok, day, 1) - 1).astype("timedelta64[D]")).astype("datetime64[ns]")
    return np.where(ok, stamp, np.datetime64("NaT", "ns"))


def parse_dates(values: pd.Series, *, date_order: str = "dmy") -> ParsedDates:
    """Parse dates, or date-times, written in any of the accepted formats.

    Accepted: ``dd-mm-yyyy``, ``dd/mm/yyyy``, ``dd.mm.yyyy`` (``mm-dd-yyyy`` when
    ``date_order="mdy"``), each optionally followed by `` HH:MM[:SS]``; ISO 8601
    ``yyyy-mm-dd`` with optional ``THH:MM[:SS][.fff]`` (or a space) and offset
    (``Z``, ``-03:00``); Excel serial numbers (1900 date system) from 10000 to 80000
    (1927-05-18 to 2119-01-11, optionally with a day fraction); other bare numbers,
    such as a year alone (``2025``), are errors.

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
    codes, uniq = _distinct(_arrow_text(values))
    blank = _blank(uniq)
    ts, has_time, done = _fixed_dates(uniq, date_order)
    absolute = np.zeros(len(uniq), dtype=bool)
    rest = ~done & ~blank
    if rest.any():  # other layouts: one regex pass per distinct value
        rest_codes, rest_uniq = _distinct(uniq.filter(pa.array(rest)), always=True)
        parsed = _flexible_dates(rest_uniq, date_order)
        ts[rest], has_time[rest], absolute[rest] = (p[rest_codes] for p in parsed)
    error = np.isnat(ts) & ~blank
    index = values.index
    flags = (ts, error, has_time & ~error, absolute & ~error)
    ts, error, has_time, absolute = (f if codes is None else f[codes] for f in flags)
    return ParsedDates(
        values=pd.Series(ts, index=index),
        error_mask=pd.Series(error, index=index),
        has_time=pd.Series(has_time, index=index),
        absolute=pd.Series(absolute, index=index),
    )


def _flexible_dates(uniq: pa.Array, date_order: str) -> tuple[np.ndarray, ...]:
    """Regex parsing of distinct values: one or two digit fields, fractions, offsets, serials."""
    n = len(uniq)
    ts = np.full(n, np.datetime64("NaT", "ns"))
    has_time = np.zeros(n, dtype=bool)
    absolute = np.zeros(n, dtype=bool)
    for pattern in (_DMY_RE, _ISO_RE):
        parts = pc.extract_regex(uniq, pattern)
        same = pc.equal(_group(parts, "s1"), _group(parts, "s2"))
        hit = np.asarray(pc.and_(parts.is_valid(), same).to_numpy(zero_copy_only=False), bool)
        if not hit.any():
            continue
        parts = parts.filter(pa.array(hit))
        if pattern is _ISO_RE:
            month, day = _int(parts, "m"), _int(parts, "d")
        elif date_order == "mdy":
            month, day = _int(parts, "a"), _int(parts, "b")
        else:
            month, day = _int(parts, "b"), _int(parts, "a")
        midnight = _assemble(_int(parts, "Y"), month, day)
        clock, clock_ok = _clock_ns(parts)
        stamp = midnight + clock.astype("timedelta64[ns]")
        if pattern is _ISO_RE:
            stamp = stamp - _offset_ns(_group(parts, "tz")).astype("timedelta64[ns]")
            absolute[hit] = _present(parts, "tz") & clock_ok
        ts[hit] = np.where(clock_ok, stamp, np.datetime64("NaT", "ns"))
        has_time[hit] = _present(parts, "H")
    serial = _matches(uniq, _SERIAL_RE) & np.isnat(ts)
    if serial.any():
        ts[serial], has_time[serial] = _excel_serial(_decimal(uniq.filter(pa.array(serial))))
    return ts, has_time, absolute


def _matches(arr: pa.Array, pattern: str) -> np.ndarray:
    hit = pc.fill_null(pc.match_substring_regex(arr, pattern), False)
    return np.asarray(hit.to_numpy(zero_copy_only=False), dtype=bool)


def _decimal(arr: pa.Array) -> np.ndarray:
    """Numbers with a decimal point or comma (already validated by a regex)."""
    number = pc.cast(pc.replace_substring(arr, ",", "."), pa.float64())
    return np.asarray(number.to_numpy(zero_copy_only=False), dtype=np.float64)


def _offset_ns(tz: pa.Array) -> np.ndarray:
    """``Z``, ``±HH``, ``±HHMM`` or ``±HH:MM`` (``""``: no offset) in nanoseconds."""
    text = pc.replace_substring(tz, ":", "")
    sign = np.where(np.asarray(pc.starts_with(text, "-").to_numpy(zero_copy_only=False)), -1, 1)
    hours, minutes = (
        np.asarray(pc.cast(pc.if_else(pc.equal(part, ""), "0", part), pa.int64()), np.int64)
        for part in (pc.utf8_slice_codeunits(text, a, a + 2) for a in (1, 3))
    )
    return np.asarray(sign * (hours * 60 + minutes) * 60 * 10**9, dtype=np.int64)


def _excel_serial(number: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Excel 1900 date system, plausible serials only (all after the fake 29-02-1900)."""
    low, high = _EXCEL_SERIAL_RANGE
    ok = (number >= low) & (number < high + 1)
    ns = np.round(np.where(ok, number, 0) * _NS_PER_DAY / 1e9).astype("int64") * 10**9
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
    codes, uniq = _distinct(_arrow_text(values))
    blank = _blank(uniq)
    b = _Bytes(uniq)
    (h, oh), (m, om), (sec, os_) = b.number(0, 1), b.number(3, 4), b.number(6, 7)
    fixed = ((b.lengths == 5) | (b.lengths == 8)) & (b.at(2) == 58) & oh & om
    fixed &= (b.lengths == 5) | ((b.at(5) == 58) & os_)
    sec = np.where(b.lengths == 8, sec, 0)
    good = fixed & (h <= 23) & (m <= 59) & (sec <= 59)
    out = np.where(good, ((h * 60 + m) * 60 + sec) * 10**9, 0).astype("timedelta64[ns]")
    out[~good] = np.timedelta64("NaT", "ns")
    rest = ~fixed & ~blank
    if rest.any():  # H:MM, fractions of a second, Excel day fractions
        rest_codes, rest_uniq = _distinct(uniq.filter(pa.array(rest)), always=True)
        out[rest] = _flexible_times(rest_uniq)[rest_codes]
    error = np.isnat(out) & ~blank
    if codes is not None:
        out, error = out[codes], error[codes]
    return ParsedTimes(
        values=pd.Series(out, index=values.index),
        error_mask=pd.Series(error, index=values.index),
    )


def _flexible_times(uniq: pa.Array) -> np.ndarray:
    out = np.full(len(uniq), np.timedelta64("NaT", "ns"))
    parts = pc.extract_regex(uniq, _CLOCK_RE)
    hit = np.asarray(parts.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
    if hit.any():
        clock, ok = _clock_ns(parts.filter(pa.array(hit)))
        out[hit] = np.where(ok, clock.astype("timedelta64[ns]"), np.timedelta64("NaT", "ns"))
    fraction = _matches(uniq, _FRACTION_RE)
    if fraction.any():
        day = _decimal(uniq.filter(pa.array(fraction)))
        seconds = np.round(day * 86_400).astype("int64")
        ok = seconds < 86_400
        out[fraction] = np.where(
            ok, (seconds * 10**9).astype("timedelta64[ns]"), np.timedelta64("NaT", "ns")
        )
    return out


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
