import numpy as np
import pandas as pd
import pytest

from sereno.ingest.dedup import LinkRule, duplicated_keys, link_across_sources, record_keys


def _records(**over):
    base = {
        "source_record_id": [None, None, "X-1"],
        "raw_label": ["Hurtos", "Hurtos", "Robo"],
        "occurred_from": pd.to_datetime(
            ["2025-01-01 10:00", "2025-01-01 10:00", "2025-01-02 00:00"], utc=True
        ),
        "occurred_to": pd.to_datetime(
            ["2025-01-01 10:00", "2025-01-01 10:00", "2025-01-02 00:00"], utc=True
        ),
        "lon": [-70.6, -70.6, -70.5],
        "lat": [-33.4, -33.4, -33.3],
        "address": ["Calle 1", "Calle 1", None],
    }
    base.update(over)
    return pd.DataFrame(base)


def test_identical_content_gives_identical_keys():
    k = record_keys(_records())
    assert k.dtype == np.int64 and k[0] == k[1] and k[0] != k[2]
    assert list(duplicated_keys(k)) == [False, True, False]


def test_keys_ignore_row_order_and_float_noise():
    a = record_keys(_records())
    b = record_keys(_records(lon=[-70.6 + 1e-9, -70.6, -70.5])[::-1].reset_index(drop=True))
    assert sorted(a.tolist()) == sorted(b.tolist())


def test_record_id_and_label_identify_a_record():
    a = record_keys(_records())
    moved = record_keys(_records(lon=[-70.6, -70.6, -70.0], address=[None, None, "otra"]))
    other_offence = record_keys(_records(raw_label=["Hurtos", "Hurtos", "Lesiones leves"]))
    assert a[2] == moved[2]  # same case id and offence: same record, whatever else changed
    assert a[2] != other_offence[2]  # one case id with two offences: two records


def test_link_matches_nearest_within_tolerance_once():
    existing = pd.DataFrame(
        {
            "id": [10, 11, 12],
            "group": ["05", "05", "04"],
            "t": [0.0, 0.0, 0.0],
            "x": [0.0, 500.0, 0.0],
            "y": [0.0, 0.0, 0.0],
        }
    )
    new = pd.DataFrame(
        {
            "group": ["05", "05", "04", "05"],
            "t": [600.0, 300.0, 7200.0, 0.0],
            "x": [20.0, 510.0, 0.0, 5000.0],
            "y": [0.0, 0.0, 0.0, 0.0],
        }
    )
    out = link_across_sources(new, existing, LinkRule(max_minutes=60, max_metres=100))
    assert list(out) == [10, 11, -1, -1]


@pytest.mark.parametrize("n", [0, 1])
def test_link_with_nothing_to_match(n):
    empty = pd.DataFrame({"id": [], "group": [], "t": [], "x": [], "y": []})
    new = pd.DataFrame({"group": ["05"] * n, "t": [0.0] * n, "x": [0.0] * n, "y": [0.0] * n})
    assert list(link_across_sources(new, empty)) == [-1] * n
