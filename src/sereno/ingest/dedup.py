"""Duplicate detection: record identity within a source, and the same event across sources.

* **Within a source** every record gets a 64-bit ``record_key``: a hash of the source's own
  record id and the crime label when the file has an id (one case id may carry several
  offences, each its own record), otherwise of its normalised content (label, time
  window, coordinates rounded to 1e-6 degrees, address). Keys do not depend on row
  order, delimiter, decimal mark or encoding, so re-importing the same data in another
  form inserts nothing.
* **Across sources** the same event reported by the police and by the prosecutor is
  *linked*: a new record is linked to an existing record of another source when both
  fall in the same ICCS level-1 section, their start times are at most ``max_minutes``
  apart and their points at most ``max_metres`` apart. Candidates are found by hashing
  into space-time buckets of that size and scanning the neighbouring buckets, so the
  cost is linear in the number of records.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

__all__ = [
    "LinkRule",
    "duplicated_keys",
    "link_across_sources",
    "record_keys",
]


def _text(values: pd.Series) -> pd.Series:
    return values.astype("object").where(values.notna(), "").astype(str)


def _epoch_us(values: pd.Series) -> npt.NDArray[np.int64]:
    ts = pd.to_datetime(values, utc=True).dt.as_unit("us")
    return np.asarray(ts.astype("int64").to_numpy(), dtype=np.int64)


def record_keys(records: pd.DataFrame) -> npt.NDArray[np.int64]:
    """Order- and format-independent 64-bit identity of each record within its source.

    Parameters
    ----------
    records
        Normalised records with ``source_record_id``, ``raw_label``, ``occurred_from``,
        ``occurred_to``, ``lon``, ``lat`` and ``address``.

    Returns
    -------
    numpy.ndarray
        Signed 64-bit keys (SQL ``BIGINT``).
    """
    if len(records) == 0:
        return np.zeros(0, dtype=np.int64)
    rid = _text(records["source_record_id"]).str.strip()
    has_id = rid.ne("").to_numpy()
    content = pd.DataFrame(
        {
            "label": _text(records["raw_label"]).str.casefold().str.strip(),
            # pandas may infer s/ms/us/ns resolution per file: fix the unit first.
            "t0": _epoch_us(records["occurred_from"]),
            "t1": _epoch_us(records["occurred_to"]),
            "lon": np.round(records["lon"].to_numpy(float) * 1e6).astype(np.int64),
            "lat": np.round(records["lat"].to_numpy(float) * 1e6).astype(np.int64),
            "addr": _text(records["address"]).str.casefold().str.strip(),
        }
    )
    by_content = pd.util.hash_pandas_object(content, index=False).to_numpy()
    by_id = pd.util.hash_pandas_object(
        pd.DataFrame({"tag": "id", "id": rid, "label": content["label"]}), index=False
    ).to_numpy()
    keys = np.where(has_id, by_id, by_content).astype(np.uint64)
    return np.asarray(keys.view(np.int64), dtype=np.int64)


def duplicated_keys(keys: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
    """True for every repeat of a key already seen earlier in the array."""
    return np.asarray(pd.Series(keys).duplicated(keep="first").to_numpy(), dtype=bool)


@dataclass(frozen=True)
class LinkRule:
    """How close two records of different sources must be to be the same event."""

    max_minutes: float = 60.0
    max_metres: float = 100.0


def link_across_sources(
    new: pd.DataFrame,
    existing: pd.DataFrame,
    rule: LinkRule = LinkRule(),
) -> npt.NDArray[np.int64]:
    """For each new record, the id of the matching existing record, or ``-1``.

    Parameters
    ----------
    new, existing
        Frames with ``group`` (ICCS section or category), ``t`` (UTC epoch seconds),
        ``x``, ``y`` (metres); ``existing`` also has ``id``.
    rule
        Time and distance tolerance.

    Returns
    -------
    numpy.ndarray
        Existing ids (nearest in space-time) or ``-1``; each existing record is linked at
        most once.
    """
    out = np.full(len(new), -1, dtype=np.int64)
    if len(new) == 0 or len(existing) == 0:
        return out
    tw = rule.max_minutes * 60.0
    sw = rule.max_metres

    def buckets(df: pd.DataFrame) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "g": df["group"].astype(str).to_numpy(),
                "bt": np.floor(df["t"].to_numpy(float) / tw).astype(np.int64),
                "bx": np.floor(df["x"].to_numpy(float) / sw).astype(np.int64),
                "by": np.floor(df["y"].to_numpy(float) / sw).astype(np.int64),
            }
        )

    nb = buckets(new)
    nb["n"] = np.arange(len(new))
    eb = buckets(existing)
    eb["e"] = np.arange(len(existing))
    pairs = []
    for dt in (-1, 0, 1):
        for dx in (-1, 0, 1):
            for dy in (-1, 0, 1):
                shifted = eb.assign(bt=eb["bt"] + dt, bx=eb["bx"] + dx, by=eb["by"] + dy)
                pairs.append(nb.merge(shifted, on=["g", "bt", "bx", "by"])[["n", "e"]])
    cand = pd.concat(pairs, ignore_index=True)
    if cand.empty:
        return out
    n_i = cand["n"].to_numpy()
    e_i = cand["e"].to_numpy()
    dt_s = np.abs(new["t"].to_numpy(float)[n_i] - existing["t"].to_numpy(float)[e_i])
    dist = np.hypot(
        new["x"].to_numpy(float)[n_i] - existing["x"].to_numpy(float)[e_i],
        new["y"].to_numpy(float)[n_i] - existing["y"].to_numpy(float)[e_i],
    )
    ok = (dt_s <= tw) & (dist <= sw)
    if not ok.any():
        return out
    # Score distance in units of each tolerance; greedy one-to-one, best pairs first.
    score = dt_s[ok] / tw + dist[ok] / sw
    m = pd.DataFrame({"n": n_i[ok], "e": e_i[ok], "s": score}).sort_values("s", kind="stable")
    m = m.drop_duplicates("e").drop_duplicates("n")
    out[m["n"].to_numpy()] = existing["id"].to_numpy(np.int64)[m["e"].to_numpy()]
    return out
