"""Dates round-trip through every accepted format; localize agrees with zoneinfo."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sereno.ingest.timeparse import localize, parse_dates, parse_times

DATETIMES = st.datetimes(
    min_value=dt.datetime(1900, 3, 1), max_value=dt.datetime(2100, 12, 31, 23, 59, 59)
)
# (format, keeps the time of day, keeps seconds)
FORMATS = [
    ("%d-%m-%Y", False, False), ("%d/%m/%Y", False, False), ("%d.%m.%Y", False, False),
    ("%d-%m-%Y %H:%M", True, False), ("%d/%m/%Y %H:%M:%S", True, True),
    ("%d.%m.%Y %H:%M:%S", True, True), ("%Y-%m-%d", False, False),
    ("%Y-%m-%dT%H:%M", True, False), ("%Y-%m-%dT%H:%M:%S", True, True),
    ("%Y-%m-%d %H:%M:%S", True, True), ("%Y/%m/%d %H:%M", True, False),
]  # fmt: skip


def _truncate(value: dt.datetime, keeps_time: bool, keeps_seconds: bool) -> pd.Timestamp:
    if not keeps_time:
        value = value.replace(hour=0, minute=0)
    value = value.replace(second=value.second if keeps_seconds else 0, microsecond=0)
    return pd.Timestamp(value)


@pytest.mark.slow
@settings(max_examples=150, deadline=None)
@given(values=st.lists(DATETIMES, min_size=1, max_size=20))
def test_every_format_round_trips(values: list[dt.datetime]) -> None:
    texts, expected, timed = [], [], []
    for fmt, keeps_time, keeps_seconds in FORMATS:
        texts += [v.strftime(fmt) for v in values]
        expected += [_truncate(v, keeps_time, keeps_seconds) for v in values]
        timed += [keeps_time] * len(values)
    parsed = parse_dates(pd.Series(texts))
    assert parsed.values.tolist() == expected
    assert not parsed.error_mask.any()
    assert parsed.has_time.tolist() == timed
    assert not parsed.absolute.any()


# Bare numbers are Excel serials only from 10000 (1927-05-18) to 80000 (2119-01-11).
SERIAL_DATETIMES = st.datetimes(
    min_value=dt.datetime(1927, 5, 18), max_value=dt.datetime(2119, 1, 11, 23, 59, 59)
)


@pytest.mark.slow
@settings(max_examples=150, deadline=None)
@given(values=st.lists(SERIAL_DATETIMES, min_size=1, max_size=20))
def test_excel_serials_round_trip(values: list[dt.datetime]) -> None:
    origin = dt.datetime(1899, 12, 30)
    serials = [(v.replace(microsecond=0) - origin).total_seconds() / 86_400 for v in values]
    parsed = parse_dates(pd.Series([repr(s) for s in serials]))
    assert parsed.values.tolist() == [pd.Timestamp(v.replace(microsecond=0)) for v in values]
    assert parsed.has_time.tolist() == [s % 1 != 0 for s in serials]


@pytest.mark.slow
@settings(max_examples=150, deadline=None)
@given(
    number=st.integers(0, 9_999) | st.integers(80_001, 10**7),
    fraction=st.sampled_from(["", ".5", ",25"]),
)
def test_implausible_bare_numbers_are_not_dates(number: int, fraction: str) -> None:
    parsed = parse_dates(pd.Series([f"{number}{fraction}"]))
    assert parsed.error_mask.tolist() == [True]
    assert parsed.values.isna().all()


@pytest.mark.slow
@settings(max_examples=150, deadline=None)
@given(value=DATETIMES, minutes=st.integers(-12 * 60, 14 * 60))
def test_offsets_give_absolute_utc(value: dt.datetime, minutes: int) -> None:
    zone = dt.timezone(dt.timedelta(minutes=minutes))
    aware = value.replace(microsecond=0, tzinfo=zone)
    text = aware.isoformat()  # e.g. 2024-09-08T00:30:00-03:00
    parsed = parse_dates(pd.Series([text]))
    assert parsed.absolute.tolist() == [True]
    assert parsed.values.iloc[0] == pd.Timestamp(aware.astimezone(dt.UTC).replace(tzinfo=None))


@pytest.mark.slow
@settings(max_examples=100, deadline=None)
@given(seconds=st.lists(st.integers(0, 86_399), min_size=1, max_size=20))
def test_times_round_trip(seconds: list[int]) -> None:
    clock = [dt.time(s // 3600, s % 3600 // 60, s % 60) for s in seconds]
    for fmt, keep_seconds in (("%H:%M:%S", True), ("%H:%M", False)):
        parsed = parse_times(pd.Series([t.strftime(fmt) for t in clock]))
        expected = [s if keep_seconds else s - s % 60 for s in seconds]
        assert parsed.values.dt.total_seconds().astype(int).tolist() == expected
    short = parse_times(pd.Series([f"{t.hour}:{t.minute:02d}" for t in clock]))
    assert short.values.dt.total_seconds().astype(int).tolist() == [s - s % 60 for s in seconds]


ZONES = ["America/Santiago", "America/Vancouver", "America/Coyhaique", "Pacific/Easter"]
LOCAL = st.datetimes(min_value=dt.datetime(1970, 1, 1), max_value=dt.datetime(2037, 12, 31))


def _first_occurrence_utc(value: dt.datetime, zone: ZoneInfo) -> pd.Timestamp | None:
    local = value.replace(tzinfo=zone, fold=0)
    utc = local.astimezone(dt.UTC)
    if utc.astimezone(zone).replace(tzinfo=None) != value:
        return None  # skipped by a DST jump
    return pd.Timestamp(utc)


@pytest.mark.slow
@settings(max_examples=150, deadline=None)
@given(
    values=st.lists(
        LOCAL.map(lambda v: v.replace(second=0, microsecond=0)), min_size=1, max_size=30
    ),
    tz=st.sampled_from(ZONES),
)
def test_localize_agrees_with_zoneinfo(values: list[dt.datetime], tz: str) -> None:
    result = localize(pd.Series(values, dtype="datetime64[ns]"), tz)
    zone = ZoneInfo(tz)
    expected = [_first_occurrence_utc(v, zone) for v in values]
    assert [None if pd.isna(v) else v for v in result.utc] == expected
    assert result.nonexistent_mask.tolist() == [e is None for e in expected]
    repeated = [
        v.replace(tzinfo=zone, fold=0).utcoffset() != v.replace(tzinfo=zone, fold=1).utcoffset()
        and e is not None
        for v, e in zip(values, expected, strict=True)
    ]
    assert result.ambiguous_mask.tolist() == repeated
