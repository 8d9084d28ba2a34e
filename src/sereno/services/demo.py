"""The demo store: real CEAD statistics plus one synthetic year of incidents."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

from sereno.services.imports import import_incidents
from sereno.services.statistics import import_statistics
from sereno.services.store import init_store
from sereno.services.synth import synthesize_incidents, write_synthetic

__all__ = ["DEMO_SOURCE", "build_demo"]

DEMO_SOURCE = "Carabineros (datos sintéticos)"


def build_demo(
    url: str,
    *,
    n: int = 100_000,
    seed: int = 1,
    workdir: str | Path = "demo_datos",
    log: Callable[[str], None] = lambda _m: None,
) -> dict[str, Any]:
    """Create (or refresh, idempotently) the demo database at ``url``."""
    engine = init_store(url)
    folder = Path(workdir)
    folder.mkdir(parents=True, exist_ok=True)
    log("Importando estadísticas reales CEAD (casos policiales, RM, 2010-2025)…")
    with resources.as_file(
        resources.files("sereno.data") / "rm_cead_casos_policiales_monthly.csv.gz"
    ) as cead:
        stats = import_statistics(engine, cead, source="CEAD", report_dir=folder / "informes")
    log(f"Generando {n:,} incidentes SINTÉTICOS (semilla {seed})…".replace(",", "."))
    result = synthesize_incidents(n, seed=seed, start=date(2025, 1, 1), end=date(2026, 1, 1))
    csv_path, _manifest = write_synthetic(result, folder / f"incidentes_sinteticos_{seed}.csv")
    log("Importando incidentes sintéticos…")
    inc = import_incidents(
        engine,
        csv_path,
        source=DEMO_SOURCE,
        source_kind="carabineros",
        synthetic=True,
        report_dir=folder / "informes",
    )
    from sereno.services.status import store_status

    status = store_status(engine)
    return {
        "statistics": status["statistics"],
        "incidents": status["incidents"],
        "stats_batch": stats.to_dict(),
        "incidents_batch": inc.to_dict(),
    }
