"""Regression tests for defects found in review: linking, synthetic labels, reports, races."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import text

from sereno.services.imports import import_incidents
from sereno.services.statistics import import_statistics
from sereno.services.status import store_status

NOW = datetime(2026, 11, 28, tzinfo=UTC)


def _csv(path: Path, rows: list[dict[str, str]]) -> Path:
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def _row(
    i: str,
    label: str = "Robo por sorpresa",
    hora: str = "10:00",
    lat: str = "-33.440000",
    **extra: str,
):
    return {
        "id_caso": i,
        "fecha": "10-03-2025",
        "hora": hora,
        "delito": label,
        "latitud": lat,
        "longitud": "-70.650000",
        **extra,
    }


def test_status_counts_linked_events_once(store, tmp_path):
    a = _csv(tmp_path / "a.csv", [_row("A1"), _row("A2", lat="-33.450000")])
    b = _csv(
        tmp_path / "b.csv", [_row("B1", hora="10:10"), _row("B2", hora="10:10", lat="-33.450000")]
    )
    import_incidents(store, a, source="Carabineros", now=NOW, report_dir=tmp_path)
    second = import_incidents(store, b, source="PDI", now=NOW, report_dir=tmp_path)
    status = store_status(store)
    assert second.linked == 2
    assert (status["incidents"], status["records"], status["linked"]) == (2, 4, 2)
    assert sum(t["incidents"] for t in status["by_territory"]) == 2
    assert sum(p["incidents"] for p in status["by_period"]) == 2


def test_unclassified_records_are_never_linked(store, tmp_path):
    a = _csv(tmp_path / "a.csv", [_row("A1", label="Incendio")])
    b = _csv(tmp_path / "b.csv", [_row("B1", label="Presunta desgracia", hora="10:05")])
    import_incidents(store, a, source="Carabineros", now=NOW, report_dir=tmp_path)
    second = import_incidents(store, b, source="PDI", now=NOW, report_dir=tmp_path)
    assert second.unclassified == 1 and second.linked == 0


def test_local_month_of_status_uses_the_territory_time_zone(store, tmp_path):
    f = _csv(tmp_path / "m.csv", [{**_row("M1", hora="23:00"), "fecha": "31-03-2025"}])
    import_incidents(store, f, source="Carabineros", now=NOW, report_dir=tmp_path)
    assert store_status(store)["by_period"] == [{"period": "2025-03", "incidents": 1}]


def test_synthetic_rows_are_labelled_even_in_an_existing_real_source(store, tmp_path):
    real = _csv(tmp_path / "real.csv", [_row("R1")])
    synth = _csv(tmp_path / "synth.csv", [_row("S1", lat="-33.460000", sintetico="sí")])
    import_incidents(store, real, source="Carabineros", now=NOW, report_dir=tmp_path)
    import_incidents(store, synth, source="Carabineros", now=NOW, report_dir=tmp_path)
    with store.connect() as conn:
        flags = conn.execute(
            text("SELECT file_name, synthetic FROM import_batches ORDER BY id")
        ).all()
    assert [(f, bool(s)) for f, s in flags] == [("real.csv", False), ("synth.csv", True)]
    src = next(s for s in store_status(store)["by_source"] if s["source"] == "Carabineros")
    assert src["synthetic"] is True


def test_one_case_id_with_two_offences_is_two_records(store, tmp_path):
    f = _csv(
        tmp_path / "ruc.csv",
        [_row("2500123456-7", label="Hurtos"), _row("2500123456-7", label="Lesiones leves")],
    )
    s = import_incidents(store, f, source="Fiscalía", now=NOW, report_dir=tmp_path)
    assert (s.inserted, s.duplicates) == (2, 0)
    again = import_incidents(store, f, source="Fiscalía", now=NOW, report_dir=tmp_path)
    assert (again.inserted, again.duplicates) == (0, 2)
    dup = pd.read_csv(again.duplicates_report, sep=";", encoding="utf-8-sig")
    assert list(dup["fila"]) == [2, 3] and dup["motivo"].str.contains("ya importado antes").all()


def test_report_failure_after_commit_is_a_warning_not_a_lie(store, tmp_path):
    blocker = tmp_path / "no-es-carpeta"
    blocker.write_text("x")
    s = import_incidents(
        store,
        _csv(tmp_path / "r.csv", [_row("R1")]),
        source="Carabineros",
        now=NOW,
        report_dir=blocker / "informes",
    )
    assert s.inserted == 1 and s.report is None
    assert s.report_error and "quedó guardado" in s.report_error


def test_reports_of_two_runs_do_not_overwrite_each_other(store, tmp_path):
    f = _csv(tmp_path / "r.csv", [_row("R1")])
    a = import_incidents(store, f, source="Carabineros", now=NOW, report_dir=tmp_path / "rep")
    b = import_incidents(store, f, source="Otra", now=NOW, report_dir=tmp_path / "rep")
    assert a.report != b.report and Path(a.report).exists() and Path(b.report).exists()


def test_concurrent_imports_of_a_new_source_both_succeed(store, tmp_path):
    files = [
        _csv(tmp_path / f"c{i}.csv", [_row(f"C{i}-{j}", lat=f"-33.4{i}{j}000") for j in range(5)])
        for i in range(2)
    ]
    results, errors = [], []

    def run(path: Path) -> None:
        try:
            results.append(
                import_incidents(store, path, source="Conc", now=NOW, report_dir=tmp_path / "rep")
            )
        except Exception as exc:  # the test reports any failure below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(f,)) for f in files]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == [] and sorted(r.inserted for r in results) == [5, 5]
    with store.connect() as conn:
        assert (
            conn.execute(text("SELECT COUNT(*) FROM sources WHERE name = 'Conc'")).scalar_one() == 1
        )


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("cut,period,category,count\n13101,2024-01,Hurtos,1.096\n", "entero"),
        (
            "cut;period;category;count\n13101;2024-01;Hurtos;5\n13101;2024-01;Hurtos;7\n",
            "valores distintos",
        ),
        ("cut;period;category;count\n13101;2099-01;Hurtos;5\n", "futuro"),
    ],
    ids=["thousands-misread", "conflicting-rows", "future-period"],
)
def test_suspicious_statistics_are_rejected_not_stored(store, tmp_path, content, reason):
    f = tmp_path / "s.csv"
    f.write_text(content, encoding="utf-8")
    s = import_statistics(store, f, report_dir=tmp_path)
    assert s.inserted == 0 and s.rejected == s.rows_read
    rej = pd.read_csv(s.rejects_report, sep=";", encoding="utf-8-sig")
    assert rej["motivo"].str.contains(reason).all()
