"""Import acceptance: counts, idempotency, format independence, linking, atomicity."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import text

from sereno.errors import FileFormatError, MissingColumnsError, SerenoError
from sereno.services.imports import import_incidents
from sereno.services.statistics import import_statistics

NOW = datetime(2026, 11, 28, tzinfo=UTC)


def _count(engine, table: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar_one())


@pytest.fixture(scope="module")
def synth_100k(tmp_path_factory) -> Path:
    from sereno.services.synth import synthesize_incidents, write_synthetic

    folder = tmp_path_factory.mktemp("synth")
    result = synthesize_incidents(100_000, seed=5, start=date(2025, 1, 1), end=date(2026, 1, 1))
    path, _ = write_synthetic(result, folder / "incidentes.csv")
    return path


def _excel_variant(src: Path, dst: Path, seed: int) -> Path:
    """Same rows, shuffled, written as Excel es-CL would: ';', decimal comma, Windows-1252."""
    df = pd.read_csv(src, dtype=str, keep_default_na=False)
    df = df.sample(frac=1.0, random_state=seed).reset_index(drop=True)
    for col in ("latitud", "longitud"):
        df[col] = df[col].str.replace(".", ",", regex=False)
    df.to_csv(dst, sep=";", index=False, encoding="cp1252")
    return dst


def test_cead_statistics_load_as_is_and_reimport_inserts_nothing(store, tmp_path):
    with resources.as_file(
        resources.files("sereno.data") / "rm_cead_casos_policiales_monthly.csv.gz"
    ) as cead:
        first = import_statistics(store, cead, source="CEAD", report_dir=tmp_path)
        again = import_statistics(store, cead, source="CEAD", report_dir=tmp_path)
    assert (first.rows_read, first.inserted, first.rejected) == (299_520, 299_520, 0)
    assert _count(store, "statistics") == 299_520
    assert (again.inserted, again.duplicates, again.updated) == (0, 299_520, 0)
    with store.connect() as conn:
        hom_2019 = conn.execute(
            text(
                "SELECT SUM(value) FROM statistics WHERE category = '10101' AND period LIKE '2019-%'"
            )
        ).scalar_one()
    assert hom_2019 == 340  # RM homicides 2019 per the data README


def test_revised_statistic_is_updated_not_duplicated(store, tmp_path):
    f = tmp_path / "rev.csv"
    f.write_text(
        "cut;period;category;count\n13101;2024-01;Hurtos;1.096\n13102;2024-01;Hurtos;12\n",
        encoding="utf-8",
    )
    first = import_statistics(store, f, report_dir=tmp_path)
    f.write_text(
        "cut;period;category;count\n13101;2024-01;Hurtos;1.100\n13102;2024-01;Hurtos;12\n",
        encoding="utf-8",
    )
    second = import_statistics(store, f, report_dir=tmp_path)
    assert first.inserted == 2 and second.inserted == 0 and second.updated == 1
    with store.connect() as conn:
        # "1.096" with ';' is Spanish thousands: one thousand and ninety-six.
        assert (
            conn.execute(
                text("SELECT value FROM statistics WHERE territory_code='13101'")
            ).scalar_one()
            == 1100
        )


def test_bad_statistic_rows_are_reported(store, tmp_path):
    f = tmp_path / "malo.csv"
    f.write_text(
        "cut,period,category,count\n99999,2024-01,Hurtos,3\n13101,2024-13,Hurtos,3\n13101,2024-02,Hurtoss,3\n13101,2024-02,Hurtos,-1\n",
        encoding="utf-8",
    )
    s = import_statistics(store, f, report_dir=tmp_path)
    assert (s.rows_read, s.inserted, s.rejected) == (4, 0, 4)
    rej = pd.read_csv(s.rejects_report, sep=";", encoding="utf-8-sig")
    assert list(rej["fila"]) == [2, 3, 4, 5]
    assert rej["motivo"].str.contains("CUT|periodo|categoría|Hurtos|número", regex=True).all()


@pytest.mark.slow
def test_100k_synthetic_import_is_idempotent_in_any_form(store, synth_100k, tmp_path):
    first = import_incidents(store, synth_100k, source="Carabineros", now=NOW, report_dir=tmp_path)
    assert first.inserted + first.duplicates + first.rejected == first.rows_read == 100_000
    assert first.inserted > 99_000
    assert first.unclassified > 0  # the generator plants a few labels nobody maps
    assert _count(store, "incidents") == first.inserted
    again = import_incidents(store, synth_100k, source="Carabineros", now=NOW, report_dir=tmp_path)
    assert again.inserted == 0 and again.duplicates + again.rejected == 100_000
    variant = _excel_variant(synth_100k, tmp_path / "planilla.csv", seed=3)
    third = import_incidents(store, variant, source="Carabineros", now=NOW, report_dir=tmp_path)
    assert third.inserted == 0 and third.inserted + third.duplicates + third.rejected == 100_000
    assert _count(store, "incidents") == first.inserted
    with store.connect() as conn:
        batches = conn.execute(text("SELECT COUNT(*), SUM(inserted) FROM import_batches")).one()
        cells = conn.execute(
            text("SELECT COUNT(*) FROM incidents WHERE cell_id NOT LIKE '100:%'")
        ).scalar_one()
        terr = conn.execute(
            text("SELECT COUNT(DISTINCT territory_code) FROM incidents")
        ).scalar_one()
    assert tuple(batches) == (3, first.inserted)
    assert cells == 0 and terr == 52


def _small_file(tmp_path: Path, name: str, rows: list[dict[str, str]]) -> Path:
    path = tmp_path / name
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def _rows(n: int, *, prefix: str, minutes: int = 0, metres: float = 0.0) -> list[dict[str, str]]:
    rng = np.random.default_rng(0)
    out = []
    for i in range(n):
        t = pd.Timestamp("2025-03-10 10:00") + pd.Timedelta(hours=7 * i, minutes=minutes)
        out.append(
            {
                "id_caso": f"{prefix}-{i}",
                "fecha": t.strftime("%d-%m-%Y"),
                "hora": t.strftime("%H:%M"),
                "delito": "Robo por sorpresa",
                "latitud": f"{-33.44 - 0.003 * i + metres / 111_000:.6f}",
                "longitud": f"{-70.65 + 0.002 * float(rng.uniform()):.6f}",
            }
        )
    return out


def test_same_event_from_two_sources_is_linked_not_double_counted(store, tmp_path):
    police = _small_file(tmp_path, "carabineros.csv", _rows(20, prefix="C"))
    prosecutor = _small_file(tmp_path, "fiscalia.csv", _rows(20, prefix="F", minutes=10, metres=30))
    a = import_incidents(store, police, source="Carabineros", now=NOW, report_dir=tmp_path)
    b = import_incidents(store, prosecutor, source="PDI", now=NOW, report_dir=tmp_path)
    assert a.inserted == 20 and a.linked == 0
    assert b.inserted == 20 and b.linked == 20
    with store.connect() as conn:
        events = conn.execute(
            text("SELECT COUNT(*) FROM incidents WHERE linked_to IS NULL")
        ).scalar_one()
    assert events == 20
    far = _small_file(tmp_path, "lejos.csv", _rows(20, prefix="M", minutes=180))
    c = import_incidents(
        store, far, source="Seguridad Municipal Santiago", now=NOW, report_dir=tmp_path
    )
    assert c.linked == 0  # three hours apart: different events


def test_unclassified_labels_are_kept_and_counted(store, tmp_path):
    rows = _rows(3, prefix="U")
    rows[1]["delito"] = "Hecho raro sin tipificar"
    s = import_incidents(
        store,
        _small_file(tmp_path, "u.csv", rows),
        source="Carabineros",
        now=NOW,
        report_dir=tmp_path,
    )
    assert s.unclassified == 1 and s.unclassified_labels == {"Hecho raro sin tipificar": 1}
    with store.connect() as conn:
        got = conn.execute(
            text("SELECT category, raw_label FROM incidents WHERE source_record_id='U-1'")
        ).one()
    assert tuple(got) == ("unclassified", "Hecho raro sin tipificar")


def test_user_mapping_classifies_own_labels(store, tmp_path):
    rows = _rows(2, prefix="M")
    rows[0]["delito"] = "Sustracción de especies"
    mapping = tmp_path / "mias.yaml"
    mapping.write_text(
        'version: cead-2025\nlabels:\n  "Sustracción de especies": "60401"\n', encoding="utf-8"
    )
    s = import_incidents(
        store,
        _small_file(tmp_path, "m.csv", rows),
        source="Municipalidad de Santiago",
        mapping=mapping,
        now=NOW,
        report_dir=tmp_path,
    )
    assert s.unclassified == 0
    with store.connect() as conn:
        assert (
            conn.execute(
                text("SELECT category FROM incidents WHERE source_record_id='M-0'")
            ).scalar_one()
            == "60401"
        )


def test_times_are_stored_in_utc_with_dst_rules(store, tmp_path):
    rows = _rows(3, prefix="T")
    rows[0].update(fecha="15-01-2025", hora="12:00")  # summer, UTC-3
    rows[1].update(fecha="15-07-2025", hora="12:00")  # winter, UTC-4
    rows[2].update(fecha="05-04-2025", hora="23:30")  # happens twice: first occurrence, flagged
    s = import_incidents(
        store,
        _small_file(tmp_path, "t.csv", rows),
        source="Carabineros",
        now=NOW,
        report_dir=tmp_path,
    )
    assert s.inserted == 3
    with store.connect() as conn:
        got = dict(
            conn.execute(text("SELECT source_record_id, occurred_from FROM incidents")).all()
        )
        flag = conn.execute(
            text("SELECT time_flag FROM incidents WHERE source_record_id='T-2'")
        ).scalar_one()
    as_text = {k: str(v)[:16] for k, v in got.items()}
    assert as_text == {
        "T-0": "2025-01-15 15:00",
        "T-1": "2025-07-15 16:00",
        "T-2": "2025-04-06 02:30",
    }
    assert flag == "ambiguous_dst" and s.ambiguous_times == 1


def test_victim_attributes_go_to_their_own_table(store, tmp_path):
    rows = _rows(2, prefix="V")
    rows[0].update(delito="VIF", sexo_victima="F", edad_victima="71")
    rows[1].update(sexo_victima="", edad_victima="")
    s = import_incidents(
        store,
        _small_file(tmp_path, "v.csv", rows),
        source="Carabineros",
        now=NOW,
        report_dir=tmp_path,
    )
    assert s.inserted == 2
    with store.connect() as conn:
        persons = conn.execute(text("SELECT role, sex, age FROM incident_persons")).all()
    assert [tuple(p) for p in persons] == [("victim", "F", 71)]


def test_rejects_report_and_invariant(store, tmp_path):
    rows = _rows(6, prefix="R")
    rows[0]["latitud"] = "-70.650000"  # swapped with longitude
    rows[0]["longitud"] = "-33.440000"
    rows[1]["fecha"] = "31-02-2025"
    rows[2]["latitud"] = "-41.0"  # Chile, but outside the RM set
    rows[3]["delito"] = '=HYPERLINK("http://x")'
    s = import_incidents(
        store,
        _small_file(tmp_path, "r.csv", rows),
        source="Carabineros",
        territory_set="RM",
        now=NOW,
        report_dir=tmp_path,
    )
    assert s.rows_read == 6 and s.rejected == 4 and s.inserted == 2
    rep = pd.read_csv(s.rejects_report, sep=";", encoding="utf-8-sig")
    assert set(rep["fila"]) == {2, 3, 4, 5}
    reasons = " ".join(rep["motivo"])
    assert "intercambiadas" in reasons and "fuera" in reasons and "fórmula" in reasons
    summary = json.loads(Path(s.report).read_text(encoding="utf-8"))
    assert summary["rejected"] == 4


@pytest.mark.parametrize(
    ("content", "error"),
    [
        (b"", FileFormatError),
        (b"fecha,hora\n01-01-2025,10:00\n", MissingColumnsError),
        (b"\x00\x01\x02\xff" * 100, FileFormatError),
    ],
    ids=["empty", "missing-columns", "binary"],
)
def test_bad_files_leave_the_store_unchanged(store, tmp_path, content, error):
    ok = import_incidents(
        store,
        _small_file(tmp_path, "ok.csv", _rows(3, prefix="O")),
        source="Carabineros",
        now=NOW,
        report_dir=tmp_path,
    )
    before = (_count(store, "incidents"), _count(store, "import_batches"), _count(store, "sources"))
    bad = tmp_path / "malo.csv"
    bad.write_bytes(content)
    with pytest.raises(error) as info:
        import_incidents(store, bad, source="Otra Fuente", now=NOW, report_dir=tmp_path)
    assert isinstance(info.value, SerenoError) and info.value.message
    assert ok.inserted == 3
    assert (
        _count(store, "incidents"),
        _count(store, "import_batches"),
        _count(store, "sources"),
    ) == before


def test_aysen_and_magallanes_times_use_their_own_zones(store, tmp_path):
    rows = _rows(3, prefix="Z")
    rows[0].update(fecha="15-07-2025", hora="12:00")  # Santiago, winter: UTC-4
    rows[1].update(
        fecha="15-07-2025", hora="12:00", latitud="-53.1638", longitud="-70.9171"
    )  # Punta Arenas: UTC-3
    rows[2].update(
        fecha="15-07-2025", hora="12:00", latitud="-45.5712", longitud="-72.0685"
    )  # Coyhaique: UTC-3
    s = import_incidents(
        store,
        _small_file(tmp_path, "z.csv", rows),
        source="Carabineros",
        now=NOW,
        report_dir=tmp_path,
    )
    assert s.inserted == 3
    with store.connect() as conn:
        got = dict(
            conn.execute(text("SELECT source_record_id, occurred_from FROM incidents")).all()
        )
        terr = dict(
            conn.execute(text("SELECT source_record_id, territory_code FROM incidents")).all()
        )
    assert {k: str(v)[:16] for k, v in got.items()} == {
        "Z-0": "2025-07-15 16:00",
        "Z-1": "2025-07-15 15:00",
        "Z-2": "2025-07-15 15:00",
    }
    assert terr["Z-1"].startswith("12") and terr["Z-2"].startswith("11")
