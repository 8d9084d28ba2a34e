from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest

from sereno.ingest.timeparse import localize, parse_dates, parse_times

SANTIAGO = "America/Santiago"


def ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text)


@pytest.mark.parametrize(
    ("text", "expected", "has_time", "absolute"),
    [
        ("05-03-2025", "2025-03-05", False, False),
        ("05/03/2025", "2025-03-05", False, False),
        ("05.03.2025", "2025-03-05", False, False),
        ("5-3-2025", "2025-03-05", False, False),
        ("  05-03-2025  ", "2025-03-05", False, False),
        ("05-03-2025 23:30", "2025-03-05 23:30", True, False),
        ("05/03/2025 07:05:09", "2025-03-05 07:05:09", True, False),
        ("2025-03-05", "2025-03-05", False, False),
        ("2025-03-05T23:30", "2025-03-05 23:30", True, False),
        ("2025-03-05 23:30:15", "2025-03-05 23:30:15", True, False),
        ("2025-03-05T23:30:15.250", "2025-03-05 23:30:15.250", True, False),
        ("2025-03-05T23:30:00Z", "2025-03-05 23:30", True, True),
        ("2025-03-05T23:30:00-03:00", "2025-03-06 02:30", True, True),
        ("2025-03-05 23:30+0100", "2025-03-05 22:30", True, True),
        ("45721", "2025-03-05", False, False),
        ("45721.5", "2025-03-05 12:00", True, False),
        ("45721,75", "2025-03-05 18:00", True, False),
        ("10000", "1927-05-18", False, False),
        ("80000", "2119-01-11", False, False),
        ("80000.25", "2119-01-11 06:00", True, False),
        ("29-02-2024", "2024-02-29", False, False),
        ("31-12-1899", "1899-12-31", False, False),
    ],
)  # fmt: skip
def test_parse_dates_accepted(text: str, expected: str, has_time: bool, absolute: bool) -> None:
    parsed = parse_dates(pd.Series([text, None], dtype="str"))
    assert parsed.values.iloc[0] == ts(expected)
    assert parsed.values.dtype == "datetime64[ns]"
    assert parsed.error_mask.tolist() == [False, False]
    assert parsed.has_time.iloc[0] == has_time
    assert parsed.absolute.iloc[0] == absolute
    assert pd.isna(parsed.values.iloc[1])


@pytest.mark.parametrize(
    "text",
    ["31-02-2024", "29-02-2025", "2024-13-01", "05-03-25", "05-03/2025", "05-03-2025 24:00",
     "05-03-2025 12:60", "marzo 2025", "2025-03-05T10", "60", "60.5", "0", "99999", "hoy",
     "05-03-2025 10:00 PM", "15-03-0202", "1", "5", "59", "61", "2025", "9999", "9999.5",
     "80001", "09999", "100000", "45678.", "2025,5"],
)  # fmt: skip
def test_parse_dates_rejected(text: str) -> None:
    parsed = parse_dates(pd.Series([text]))
    assert parsed.error_mask.tolist() == [True]
    assert parsed.values.isna().all()


def test_bare_numbers_are_serials_only_in_the_plausible_range() -> None:
    """Regression: "2025" was read as 1905-07-17 and "5" as 1900-01-05, silently."""
    parsed = parse_dates(pd.Series(["2025", "5", "45678", "9999", "10000", "80000", "80001"]))
    assert parsed.error_mask.tolist() == [True, True, False, True, False, False, True]
    assert parsed.values.iloc[2] == ts("2025-01-21")


def test_parse_dates_blank_is_missing_not_error() -> None:
    parsed = parse_dates(pd.Series(["", "  ", None, np.nan], dtype="object"))
    assert not parsed.error_mask.any()
    assert parsed.values.isna().all()


def test_parse_dates_month_first_order() -> None:
    parsed = parse_dates(pd.Series(["03/05/2025", "2025-03-05"]), date_order="mdy")
    assert parsed.values.tolist() == [ts("2025-03-05"), ts("2025-03-05")]


def test_parse_dates_keeps_index_and_repeats() -> None:
    values = pd.Series(["05-03-2025", "x", "05-03-2025"], index=[10, 20, 30])
    parsed = parse_dates(values)
    assert parsed.values.index.tolist() == [10, 20, 30]
    assert parsed.error_mask.tolist() == [False, True, False]


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("23:30", 84600), ("7:05", 25500), ("07:05:09", 25509), ("00:00", 0), ("0.5", 43200),
     ("0,25", 21600), (".75", 64800), ("0", 0), ("23:59:59.6", 86399)],
)  # fmt: skip
def test_parse_times_accepted(text: str, seconds: int) -> None:
    parsed = parse_times(pd.Series([text]))
    assert parsed.values.dt.total_seconds().astype(int).tolist() == [seconds]
    assert not parsed.error_mask.any()


@pytest.mark.parametrize("text", ["24:00", "12:60", "12:30:61", "1230", "1", "1.5", "mediodía"])
def test_parse_times_rejected(text: str) -> None:
    parsed = parse_times(pd.Series([text]))
    assert parsed.error_mask.tolist() == [True]


# Reference table (chile-crime-data.md §6): repeated Saturday hour and missing Sunday hour.
DST_TABLE = [
    (2024, "06-04", "07-04 03:00", "08-09"),
    (2025, "05-04", "06-04 03:00", "07-09"),
    (2026, "04-04", "05-04 03:00", "06-09"),
    (2027, "03-04", "04-04 03:00", "05-09"),
]


@pytest.mark.parametrize(("year", "repeated", "change", "missing"), DST_TABLE)
def test_localize_santiago_dst_table(year: int, repeated: str, change: str, missing: str) -> None:
    sat = dt.datetime.strptime(f"{repeated}-{year}", "%d-%m-%Y")
    sun = dt.datetime.strptime(f"{missing}-{year}", "%d-%m-%Y")
    naive = pd.Series(
        [
            sat.replace(hour=22, minute=59),  # before: UTC-3
            sat.replace(hour=23, minute=30),  # repeated: first occurrence, UTC-3
            sat + dt.timedelta(days=1),  # Sunday 00:00, once, UTC-4
            sun - dt.timedelta(minutes=1),  # Saturday 23:59, UTC-4
            sun.replace(minute=30),  # Sunday 00:30: does not exist
            sun.replace(hour=1),  # Sunday 01:00: UTC-3
        ]
    )
    result = localize(naive, SANTIAGO)
    offsets = (naive - result.utc.dt.tz_localize(None)).dt.total_seconds() / 3600
    assert offsets.iloc[[0, 1, 2, 3, 5]].tolist() == [-3, -3, -4, -4, -3]
    assert result.ambiguous_mask.tolist() == [False, True, False, False, False, False]
    assert result.nonexistent_mask.tolist() == [False, False, False, False, True, False]
    assert pd.isna(result.utc.iloc[4])
    change_utc = pd.Timestamp(dt.datetime.strptime(f"{change}-{year}", "%d-%m %H:%M-%Y"), tz="UTC")
    # The second 23:30 would be 30 minutes after the change; the first is 30 minutes before.
    assert result.utc.iloc[1] == change_utc - pd.Timedelta(minutes=30)
    assert result.utc.dtype == "datetime64[ns, UTC]"


def test_localize_shift_forward_for_day_boundaries() -> None:
    naive = pd.Series([ts("2024-09-08 00:00"), ts("2024-09-09 00:00")])
    result = localize(naive, SANTIAGO, nonexistent="shift_forward")
    assert result.utc.tolist() == [ts("2024-09-08 04:00+00:00"), ts("2024-09-09 03:00+00:00")]
    assert result.nonexistent_mask.tolist() == [True, False]


def _oracle(naive: pd.Series, tz: str) -> list[pd.Timestamp | None]:
    """zoneinfo with fold=0 (first occurrence); None for wall times that do not exist."""
    zone = ZoneInfo(tz)
    out: list[pd.Timestamp | None] = []
    for value in naive:
        local = value.to_pydatetime().replace(tzinfo=zone, fold=0)
        utc = local.astimezone(dt.UTC)
        exists = utc.astimezone(zone).replace(tzinfo=None) == local.replace(tzinfo=None)
        out.append(pd.Timestamp(utc) if exists else None)
    return out


@pytest.mark.parametrize("tz", [SANTIAGO, "America/Vancouver", "America/Punta_Arenas", "UTC"])
def test_localize_agrees_with_zoneinfo_around_transitions(tz: str) -> None:
    starts = pd.date_range("2023-01-01", "2026-12-31", freq="D")
    minutes = pd.timedelta_range("0min", "1439min", freq="15min")
    naive = pd.Series((starts.values[:, None] + minutes.values[None, :]).ravel())
    zone = ZoneInfo(tz)
    # Keep days around each transition, plus a sample of ordinary days.
    offsets = pd.Series([zone.utcoffset(d.to_pydatetime()) for d in starts])
    changing = starts[
        (offsets != offsets.shift()).to_numpy() | (offsets != offsets.shift(-1)).to_numpy()
    ]
    keep = naive.dt.normalize().isin(changing) | (naive.dt.day == 15)
    naive = naive[keep].reset_index(drop=True)
    result = localize(naive, tz)
    expected = _oracle(naive, tz)
    got = [None if pd.isna(v) else v for v in result.utc]
    assert got == expected
    assert result.nonexistent_mask.tolist() == [e is None for e in expected]


def test_localize_nat_and_index() -> None:
    naive = pd.Series([pd.NaT, ts("2025-01-01 10:00")], index=["a", "b"])
    result = localize(naive, SANTIAGO)
    assert result.utc.index.tolist() == ["a", "b"]
    assert pd.isna(result.utc["a"])
    assert result.utc["b"] == ts("2025-01-01 13:00+00:00")
    assert not result.ambiguous_mask.any() and not result.nonexistent_mask.any()


def test_localize_empty() -> None:
    result = localize(pd.Series([], dtype="datetime64[ns]"), SANTIAGO)
    assert len(result.utc) == 0 and result.utc.dtype == "datetime64[ns, UTC]"


def test_large_mostly_distinct_input_parses_every_value() -> None:
    stamps = pd.Timestamp("2024-01-01") + pd.to_timedelta(np.arange(60_000) * 61, unit="s")
    text = pd.Series(stamps.strftime("%Y-%m-%d %H:%M:%S"), dtype="str")
    text.iloc[[5, 7, 9]] = ["5/1/2024 7:05", "2024-01-01T10:00:00Z", "no es fecha"]
    parsed = parse_dates(text)
    expected = pd.Series(stamps, dtype="datetime64[ns]")
    expected.iloc[[5, 7]] = [ts("2024-01-05 07:05"), ts("2024-01-01 10:00")]
    expected.iloc[9] = pd.NaT
    pd.testing.assert_series_equal(parsed.values, expected, check_names=False)
    assert np.flatnonzero(parsed.error_mask).tolist() == [9]
    assert np.flatnonzero(parsed.absolute).tolist() == [7]
