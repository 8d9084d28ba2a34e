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
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from sereno.errors import InputError
from sereno.ingest._coords import coordinates
from sereno.ingest.profiles import FIELDS, Profile, resolve_columns
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
_FORMULA = r"^ *(?:[=+@\t\r\x00]|-[A-Za-zÀ-ÿ])"
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
    edges = {f: _edges(_arrow(s)) for f, s in source.items()}
    text = {f: _clean(s, edges[f]) for f, s in source.items()}
    for f in ("label", "date"):
        log.add(text[f].isna(), mapping[f], None, f"falta {FIELDS[f]}: la celda está vacía; "
                "complétela o elimine la fila")  # fmt: skip
    for f in _FORMULA_FIELDS:
        if f in source:
            mask = _formula_mask(source[f], edges[f])
            log.add(mask, mapping[f], source[f], _FORMULA_REASON)
    when = _occurrence(text, mapping, profile.date_order, tz, now_utc, log)
    lon, lat = coordinates(text, mapping, raw, profile, bounds, log)
    keep = ~log.rejected
    n_keep = int(keep.sum())

    kept = pa.array(keep)

    def text_out(field: str) -> pd.Series:
        if field in text:
            return _keep(text[field], keep, kept)
        return _text(pa.nulls(n_keep, pa.large_string()))

    precision = text_out("location_precision").fillna(profile.location_precision)
    records = pd.DataFrame(
        {
            "source_row": raw.row_numbers[keep].astype(np.int64),
            "source_record_id": text_out("record_id"),
            "raw_label": text_out("label"),
            **{k: _keep(v, keep, kept) for k, v in when.items()},
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


def _keep(values: pd.Series, keep: np.ndarray, kept: pa.Array) -> pd.Series:
    """Rows of ``values`` where ``keep``; text is sliced around few drops, not copied."""
    if keep.all():
        return values.reset_index(drop=True)
    if values.dtype != "str":
        return values[keep].reset_index(drop=True)
    arr = _arrow(values)
    drop = np.flatnonzero(~keep)
    if len(drop) > 1000:
        return _text(pc.filter(arr, kept))
    cuts = np.concatenate(([-1], drop, [len(keep)]))
    pieces = [arr.slice(a + 1, b - a - 1) for a, b in zip(cuts[:-1], cuts[1:], strict=True)]
    return _text(pa.chunked_array([c for p in pieces for c in p.chunks], type=arr.type))


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


def _arrow(values: pd.Series) -> pa.ChunkedArray:
    return pa.chunked_array(pa.array(values.astype("str"), type=pa.large_string()))


def _text(arr: pa.ChunkedArray | pa.Array) -> pd.Series:
    return pd.Series(pd.array(arr, dtype="str"))


def _edges(arr: pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """First byte, last byte and byte length of every value (read off the Arrow buffers).

    Lets the common case (no blank, padded or formula-like values) skip the costly
    string kernels: only the bytes at each value's ends are looked at.
    """
    firsts, lasts, lengths = [], [], []
    for chunk in arr.chunks:
        _, offsets_buf, data_buf = chunk.buffers()
        offsets = np.frombuffer(offsets_buf, dtype=np.int64)[
            chunk.offset : chunk.offset + len(chunk) + 1
        ]
        data = (
            np.frombuffer(data_buf, dtype=np.uint8)
            if data_buf is not None
            else np.zeros(1, np.uint8)
        )
        data = data if len(data) else np.zeros(1, np.uint8)
        length = np.diff(offsets)
        top = len(data) - 1
        firsts.append(data[np.minimum(offsets[:-1], top)])  # garbage where empty: masked
        lasts.append(data[np.clip(offsets[1:] - 1, 0, top)])  # by length > 0 in callers
        if chunk.null_count:
            valid = np.asarray(chunk.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
            length = np.where(valid, length, -1)
        lengths.append(length)
    if not firsts:
        return np.zeros(0, np.uint8), np.zeros(0, np.uint8), np.zeros(0, np.int64)
    return np.concatenate(firsts), np.concatenate(lasts), np.concatenate(lengths)


# Bytes that may start or end Unicode whitespace in UTF-8 (ASCII spaces, NBSP, U+2000…).
_SPACE_FIRST = np.isin(
    np.arange(256), [9, 10, 11, 12, 13, 28, 29, 30, 31, 32, 0xC2, 0xE1, 0xE2, 0xE3]
)
_SPACE_LAST = np.isin(
    np.arange(256),
    [9, 10, 11, 12, 13, 28, 29, 30, 31, 32, 0x85, 0x9F, 0xA0, 0xA8, 0xA9, 0xAF, *range(0x80, 0x8B)],
)
_FORMULA_FIRST = np.isin(np.arange(256), [ord(c) for c in " =+@\t\r\x00-"])


def _clean(values: pd.Series, edges: tuple[np.ndarray, ...]) -> pd.Series:
    arr = _arrow(values)
    first, last, length = edges
    padded = (_SPACE_FIRST[first] | _SPACE_LAST[last]) & (length > 0)
    if not (length == 0).any() and not padded.any():
        return _text(arr)  # nothing to strip, nothing blank
    stripped = pc.utf8_trim_whitespace(arr)
    return _text(pc.if_else(pc.equal(stripped, ""), pa.scalar(None, pa.large_string()), stripped))


def _join(left: pd.Series, right: pd.Series, sep: str) -> pd.Series:
    """``left + sep + right`` where both exist, else ``left``."""
    joined = pc.binary_join_element_wise(
        _arrow(left), _arrow(right), pa.scalar(sep, pa.large_string())
    )
    return _text(pc.coalesce(joined, _arrow(left)))


def _formula_mask(values: pd.Series, edges: tuple[np.ndarray, ...]) -> np.ndarray:
    """True where a value starts like a spreadsheet formula."""
    arr = _arrow(values)
    first, _, length = edges
    candidates = _FORMULA_FIRST[first] & (length > 0)
    if not candidates.any():
        return np.asarray(candidates, dtype=bool)
    hit = pc.match_substring_regex(arr, _FORMULA)
    return np.asarray(pc.fill_null(hit, False).to_numpy(zero_copy_only=False), dtype=bool)


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
    local = _join(text["date"], text["time"], " ") if "time" in text else text["date"]

    loc = localize(pd.Series(start), tz)
    first, after = _day_window(day, ~timed & ~absolute & date.values.notna().to_numpy(), tz)
    gap = loc.nonexistent_mask.to_numpy() & timed & ~absolute
    reason = _gap_reason(pd.Series(start), tz)
    log.add(gap & has_clock, mapping.get("time"), local, reason)
    log.add(gap, mapping["date"], local, reason)
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
        local = _join(local, end_local, " / ")

    today = pd.Timestamp(now_utc).strftime("%d-%m-%Y")
    log.add(begin > now_utc + _DAY, mapping["date"], local, lambda v: "la fecha " + v.astype(str)
            + f" es posterior a la fecha de importación ({today}); revise el año y el orden "
            "día-mes")  # fmt: skip
    log.add(start < _MIN_DATE, mapping["date"], local, lambda v: "la fecha " + v.astype(str)
            + " es anterior a 01-01-1900; revise el año (¿faltan dígitos?)")  # fmt: skip
    codes = np.select([ambiguous, window, ~timed & ~absolute], [1, 2, 3], 0).astype(np.int32)
    flags = pa.array(["", "ambiguous_dst", "window", "date_only"], pa.large_string())
    reported = _reported_at(text, mapping, order, tz, log)
    utc = "datetime64[ns, UTC]"
    return {
        "occurred_from": pd.Series(begin).dt.tz_localize("UTC").astype(utc),
        "occurred_to": pd.Series(end).dt.tz_localize("UTC").astype(utc),
        "occurred_local": local,
        "time_flag": _text(pc.take(flags, pa.array(codes))),
        "reported_at": reported,
    }


def _day_window(day: pd.Series, rows: np.ndarray, tz: str) -> tuple[np.ndarray, np.ndarray]:
    """UTC start and end of the local day of ``rows`` (a skipped midnight starts at 01:00)."""
    first, after = np.full(len(day), _NAT), np.full(len(day), _NAT)
    if rows.any():
        days = day[rows]
        first[rows] = _naive(localize(days, tz, nonexistent="shift_forward").utc)
        after[rows] = _naive(localize(days + _DAY, tz, nonexistent="shift_forward").utc)
    return first, after


def _naive(utc: pd.Series) -> np.ndarray:
    return np.asarray(utc.dt.tz_localize(None), dtype="datetime64[ns]")


def _unrecognised(kind: str, formats: str) -> Any:
    return lambda v: (
        f"la {kind} «" + v.astype(str) + f"» no se reconoce; formatos aceptados: {formats}"
    )


def _bad_date(values: pd.Series) -> pd.Series:
    """Reason for unrecognised dates; a year alone ("2025") is asked for the full date."""
    text = values.astype("str")
    year = text.str.fullmatch(r"(?:19|20)\d{2}").fillna(False).to_numpy(dtype=bool)
    reason = pd.Series(_unrecognised("fecha", DATE_FORMATS_ES)(text), index=text.index)
    alone = "la fecha «" + text + "» parece solo un año: escriba la fecha completa, p. ej. "
    alone += "15-03-" + text + f"; formatos aceptados: {DATE_FORMATS_ES}"
    return reason.where(~year, alone)


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
    end_text = _text(pa.nulls(n, pa.large_string()))
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
        end_text = _join(end_text, text["time_to"], " ") if "date_to" in text else text["time_to"]
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


def _age(text: dict[str, pd.Series], field: str, keep: np.ndarray) -> pd.Series:
    """Whole ages 0–120 as Int64; anything else is NA (ages never reject a row)."""
    if field not in text:
        n = int(keep.sum())
        return pd.Series(pd.arrays.IntegerArray(np.zeros(n, np.int64), np.ones(n, dtype=bool)))
    values = pd.to_numeric(text[field][keep].reset_index(drop=True), errors="coerce")
    ok = values.notna() & (values % 1 == 0) & (values >= 0) & (values <= 120)
    return values.where(ok).astype("Int64")
