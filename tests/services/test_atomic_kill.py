"""kill -9 at random moments of a large import leaves the store unchanged and consistent."""

from __future__ import annotations

import hashlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest


def _write_csv(path: Path, n: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    days = pd.Timestamp("2025-01-01") + pd.to_timedelta(rng.integers(0, 300, n), unit="D")
    pd.DataFrame(
        {
            "id_caso": [f"K{seed}-{i}" for i in range(n)],
            "fecha": days.strftime("%d-%m-%Y"),
            "hora": [
                f"{h:02d}:{m:02d}"
                for h, m in zip(rng.integers(8, 20, n), rng.integers(0, 60, n), strict=True)
            ],
            "delito": rng.choice(["Hurtos", "Robo por sorpresa", "Lesiones leves", "Daños"], n),
            "latitud": np.round(rng.uniform(-33.50, -33.40, n), 6),
            "longitud": np.round(rng.uniform(-70.70, -70.58, n), 6),
        }
    ).to_csv(path, index=False)


def _snapshot(db: Path) -> tuple[str, str]:
    con = sqlite3.connect(db)
    try:
        ok = con.execute("PRAGMA integrity_check").fetchone()[0]
        rows = con.execute(
            "SELECT 'i', COUNT(*), COALESCE(SUM(record_key % 1000003), 0) FROM incidents "
            "UNION ALL SELECT 'b', COUNT(*), COALESCE(SUM(id), 0) FROM import_batches "
            "UNION ALL SELECT 's', COUNT(*), 0 FROM sources"
        ).fetchall()
    finally:
        con.close()
    return ok, hashlib.sha256(repr(rows).encode()).hexdigest()


def _import(db: Path, csv: Path, tmp: Path) -> subprocess.Popen[bytes]:
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sereno",
            "import",
            "incidents",
            str(csv),
            "--source",
            "Carabineros",
            "--territory-set",
            "RM",
            "--db",
            f"sqlite:///{db}",
            "--report-dir",
            str(tmp / "rep"),
            "--json",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )


@pytest.mark.slow
def test_kill_9_during_import_never_leaves_a_partial_batch(tmp_path: Path) -> None:
    db = tmp_path / "store.db"
    first, big = tmp_path / "first.csv", tmp_path / "big.csv"
    _write_csv(first, 1_000, seed=1)
    _write_csv(big, 80_000, seed=2)
    assert _import(db, first, tmp_path).wait(timeout=300) == 0
    before = _snapshot(db)
    assert before[0] == "ok"

    # Calibrate: how long does a full import take (on a copy, so the store stays as before)?
    probe = tmp_path / "probe.db"
    probe.write_bytes(db.read_bytes())
    t0 = time.monotonic()
    assert _import(probe, big, tmp_path).wait(timeout=600) == 0
    full = time.monotonic() - t0
    after_full = _snapshot(probe)

    pristine = db.read_bytes()
    rng = np.random.default_rng(20261128)
    killed_mid_import = 0
    attempts = 0
    # Keep going until 20 kills landed while the import was running (bounded).
    while killed_mid_import < 20 and attempts < 45:
        attempts += 1
        proc = _import(db, big, tmp_path)
        time.sleep(float(rng.uniform(0.05, 0.9)) * full)
        finished = proc.poll() is not None
        if not finished:
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=60)
        state = _snapshot(db)
        assert state[0] == "ok", "PRAGMA integrity_check failed after kill -9"
        if state == before:
            killed_mid_import += 1
            continue
        # The kill came after the commit: then the whole batch must be there, not part of it.
        assert state == after_full, "store changed partially after kill -9"
        for suffix in ("-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        db.write_bytes(pristine)
    assert killed_mid_import == 20
