"""Import use cases: incident files and aggregated statistics, each as one atomic batch.

A batch reads and validates the whole file first, then writes the batch row, its incidents
and their person attributes in ONE transaction. A crash, an error or ``kill -9`` at any
moment leaves the store as it was; reports are written only after the commit.
"""

from __future__ import annotations

import csv
import json
import time
import unicodedata
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Engine

from sereno import PIPELINE_VERSION
from sereno.domain.grid import DEFAULT_CELL_SIZE, cell_ids
from sereno.domain.taxonomy import UNCLASSIFIED, load_mapping, load_taxonomy
from sereno.errors import ConfigError
from sereno.ingest.dedup import LinkRule, duplicated_keys, link_across_sources, record_keys
from sereno.ingest.normalize import normalize
from sereno.ingest.profiles import load_profile
from sereno.ingest.readers import read_table
from sereno.services.territories import get_territory_set
from sereno.storage import repo
from sereno.storage.bulk import bulk_insert, set_sequence
from sereno.storage.db import transaction
from sereno.storage.models import Incident, IncidentPerson

__all__ = ["SOURCE_KINDS", "ImportSummary", "import_incidents", "source_kind_for"]

SOURCE_KINDS = ("carabineros", "pdi", "fiscalia", "municipal", "cead", "other")
_MAPPING_FOR_KIND = {
    "carabineros": "carabineros",
    "pdi": "pdi",
    "fiscalia": "fiscalia",
    "municipal": "municipal",
    "cead": "cead",
    "other": "generic",
}

Progress = Callable[[str, float], None]
DEFAULT_LINK_RULE = LinkRule(max_minutes=30.0, max_metres=50.0)


@dataclass(frozen=True)
class ImportSummary:
    """What an import did; ``inserted + duplicates + rejected == rows_read``."""

    batch_id: int | None
    rows_read: int
    inserted: int
    duplicates: int
    rejected: int
    unclassified: int
    seconds: float
    linked: int = 0
    updated: int = 0
    ambiguous_times: int = 0
    source: str = ""
    file_name: str = ""
    report: str | None = None
    rejects_report: str | None = None
    duplicates_report: str | None = None
    report_error: str | None = None
    unclassified_labels: dict[str, int] = field(default_factory=dict)
    reject_reasons: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dictionary (the ``--json`` output)."""
        return asdict(self)


def source_kind_for(name: str) -> str:
    """Guess an institution kind from a source name (``Carabineros RM`` → ``carabineros``)."""
    n = "".join(
        c for c in unicodedata.normalize("NFD", name.casefold()) if unicodedata.category(c) != "Mn"
    )
    if "carabiner" in n:
        return "carabineros"
    if "pdi" in n.split() or "investigaciones" in n:
        return "pdi"
    if "fiscal" in n or "ministerio publico" in n:
        return "fiscalia"
    if "munici" in n or "seguridad" in n:
        return "municipal"
    if "cead" in n:
        return "cead"
    return "other"


def write_reports(
    summary: ImportSummary,
    rejects: pd.DataFrame,
    report_dir: Path,
    *,
    sha256: str = "",
    duplicates: pd.DataFrame | None = None,
) -> ImportSummary:
    """Write the summary JSON and the reject (and duplicate) reports after the commit.

    Names carry the batch id, the file's hash prefix and the UTC time, so reports of
    different stores or runs never overwrite each other. The batch is already stored:
    a failure here is reported in ``report_error``, never raised.
    """
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    stem = f"lote-{summary.batch_id}-{sha256[:8] or 'x'}-{stamp}"
    rej_path = report_dir / f"{stem}-rechazos.csv"
    dup_path = report_dir / f"{stem}-duplicados.csv"
    sum_path = report_dir / f"{stem}-resumen.json"
    cols = {"row": "fila", "column": "columna", "value": "valor", "reason": "motivo"}
    try:
        report_dir.mkdir(parents=True, exist_ok=True)
        # Excel es-CL: semicolon separator, UTF-8 with BOM.
        rejects.rename(columns=cols).to_csv(
            rej_path, sep=";", index=False, encoding="utf-8-sig", quoting=csv.QUOTE_MINIMAL
        )
        dup_report = None
        if duplicates is not None and len(duplicates):
            duplicates.rename(columns=cols).to_csv(
                dup_path, sep=";", index=False, encoding="utf-8-sig"
            )
            dup_report = str(dup_path)
        done = replace(
            summary,
            report=str(sum_path),
            rejects_report=str(rej_path),
            duplicates_report=dup_report,
        )
        sum_path.write_text(
            json.dumps(done.to_dict(), ensure_ascii=False, indent=2), encoding="utf-8"
        )
    except OSError as exc:
        return replace(
            summary,
            report_error=f"El lote {summary.batch_id} quedó guardado, pero no se pudo escribir el "
            f"informe en «{report_dir}»: {exc.strerror or exc}.",
        )
    return done


def import_incidents(
    engine: Engine,
    path: str | Path,
    *,
    source: str,
    source_kind: str | None = None,
    profile: str = "generic",
    mapping: str | Path | None = None,
    territory_set: str | None = None,
    imported_by: str = "cli",
    now: datetime | None = None,
    report_dir: str | Path | None = None,
    synthetic: bool | None = None,
    link_rule: LinkRule = DEFAULT_LINK_RULE,
    progress: Progress | None = None,
) -> ImportSummary:
    """Import an incident file (CSV, XLSX, GeoJSON, GeoPackage) as one atomic batch.

    Parameters
    ----------
    engine
        Store (already migrated).
    path
        File to import.
    source
        Name of the institution sending the file; created on first use.
    source_kind
        Institution kind (one of ``SOURCE_KINDS``); guessed from the name if omitted.
    profile
        Column-mapping profile (``generic``, ``carabineros``…, or a YAML path).
    mapping
        Extra label-mapping YAML merged over the source's built-in mapping.
    territory_set
        Territory set to assign records to (default: the profile's, else ``CL``).
    """
    t0 = time.perf_counter()
    step = progress or (lambda _msg, _frac: None)
    kind = source_kind or source_kind_for(source)
    if kind not in SOURCE_KINDS:
        raise ConfigError(
            f"El tipo de fuente «{kind}» no existe.",
            hint=f"Tipos válidos: {', '.join(SOURCE_KINDS)}.",
        )
    step("Leyendo archivo", 0.0)
    raw = read_table(path)
    prof = load_profile(profile)
    tset = get_territory_set(engine, territory_set or prof.territory_set or "CL")
    labels = load_mapping(_MAPPING_FOR_KIND[kind], extra=mapping)
    taxonomy = load_taxonomy()
    clock = now or datetime.now(UTC)
    step("Validando filas", 0.2)
    norm = normalize(raw, prof, timezone=tset.timezone, now=clock, bounds=tset.bounds)
    rec = norm.records.reset_index(drop=True)
    rejects = norm.rejects.copy()
    # Rows the reader could not even split into fields are pre-rejected: count them too.
    pre = raw.rejects["row"].to_numpy() if len(raw.rejects) else np.zeros(0, np.int64)
    rows_read = int(len(raw.row_numbers) + np.setdiff1d(pre, raw.row_numbers).size)

    step("Asignando comuna y celda", 0.4)
    x, y = tset.to_metric(rec["lon"].to_numpy(float), rec["lat"].to_numpy(float))
    where = tset.locate_metric(x, y)
    outside = where < 0
    rec = _reread_other_zones(raw, prof, tset, rec, where, clock)
    if outside.any():
        bad = rec.loc[outside]
        rejects = pd.concat(
            [
                rejects,
                pd.DataFrame(
                    {
                        "row": bad["source_row"].to_numpy(),
                        "column": "latitud/longitud",
                        "value": [
                            f"{la:.6f}, {lo:.6f}"
                            for la, lo in zip(bad["lat"], bad["lon"], strict=True)
                        ],
                        "reason": f"El punto queda fuera de todos los territorios del conjunto {tset.code} "
                        f"({tset.name}). Revise las coordenadas o importe con otro conjunto (--territory-set).",
                    }
                ),
            ],
            ignore_index=True,
        )
        keep = ~outside
        rec, x, y, where = rec.loc[keep].reset_index(drop=True), x[keep], y[keep], where[keep]

    codes = labels.classify(rec["raw_label"])
    classification = taxonomy.classification(labels.version)
    iccs = _iccs_vectorised(codes, classification)
    keys = record_keys(rec)
    dup_in_file = duplicated_keys(keys)
    synthetic_flag = bool(synthetic) if synthetic is not None else _looks_synthetic(raw.frame)
    n_rej_rows = int(rejects["row"].nunique()) if len(rejects) else 0

    step("Guardando", 0.6)
    # One transaction from the duplicate check to the last row: BEGIN IMMEDIATE on SQLite
    # holds the write lock, so a concurrent import of the same source cannot interleave.
    with transaction(engine, exclusive=True) as conn:
        source_id = repo.get_or_create_source(conn, source, kind, synthetic=synthetic_flag)
        stored = repo.existing_incident_keys(conn, source_id)
        dup_stored = (
            np.isin(keys, stored["record_key"].to_numpy())
            if len(stored)
            else np.zeros(len(keys), bool)
        )
        is_dup = dup_in_file | dup_stored
        dup_report = _duplicates_report(rec, keys, dup_in_file, dup_stored, stored)
        n_dup = int(is_dup.sum())
        new = ~is_dup
        rec, x, y, where, codes, iccs, keys = (
            rec.loc[new].reset_index(drop=True),
            x[new],
            y[new],
            where[new],
            codes[new],
            iccs[new],
            keys[new],
        )
        unclassified_labels = {
            str(k): int(v)
            for k, v in rec.loc[codes == UNCLASSIFIED, "raw_label"].value_counts().head(50).items()
        }
        batch_id = repo.create_batch(
            conn,
            source_id=source_id,
            kind="incidents",
            file_name=Path(path).name,
            sha256=raw.sha256,
            rows_read=rows_read,
            imported_by=imported_by,
            pipeline_version=PIPELINE_VERSION,
            profile=prof.name,
            mapping=str(mapping or _MAPPING_FOR_KIND[kind]),
            status="running",
            synthetic=synthetic_flag,
        )
        linked = np.full(len(rec), -1, dtype=np.int64)
        if len(rec):
            t_sec = (
                pd.to_datetime(rec["occurred_from"], utc=True)
                .dt.as_unit("ns")
                .astype("int64")
                .to_numpy()
                / 1e9
            )
            lo = pd.Timestamp(t_sec.min() - link_rule.max_minutes * 60, unit="s").to_pydatetime()
            hi = pd.Timestamp(t_sec.max() + link_rule.max_minutes * 60, unit="s").to_pydatetime()
            cand = repo.candidate_links(conn, source_id, lo, hi)
            if len(cand):
                existing = pd.DataFrame(
                    {
                        "id": cand["id"].to_numpy(np.int64),
                        "group": _link_group(cand["iccs_l1"], cand["category"], "old"),
                        "t": pd.to_datetime(cand["occurred_from"])
                        .dt.as_unit("ns")
                        .astype("int64")
                        .to_numpy()
                        / 1e9,
                        "x": cand["x"].to_numpy(float),
                        "y": cand["y"].to_numpy(float),
                    }
                )
                newf = pd.DataFrame(
                    {
                        "group": _link_group(pd.Series(iccs), pd.Series(codes), "new"),
                        "t": t_sec,
                        "x": x,
                        "y": y,
                    }
                )
                linked = link_across_sources(newf, existing, link_rule)
            # Insert in (comuna, time) order: the table and its territory-time index then
            # grow at their ends instead of at random pages (measured ~20 % faster).
            order = np.lexsort((t_sec, where))
            rec = rec.iloc[order].reset_index(drop=True)
            x, y, where, keys, linked = x[order], y[order], where[order], keys[order], linked[order]
            codes, iccs = codes[order], iccs[order]
            first_id = repo.max_id(conn, Incident) + 1
            ids = np.arange(first_id, first_id + len(rec), dtype=np.int64)
            frame = pd.DataFrame(
                {
                    "id": ids,
                    "batch_id": batch_id,
                    "source_id": source_id,
                    "source_row": rec["source_row"].to_numpy(np.int64),
                    "source_record_id": rec["source_record_id"],
                    "record_key": keys,
                    "category": codes,
                    "raw_label": rec["raw_label"],
                    "classification_version": labels.version,
                    "iccs_l1": iccs,
                    "occurred_from": rec["occurred_from"],
                    "occurred_to": rec["occurred_to"],
                    "occurred_local": rec["occurred_local"],
                    "time_flag": rec["time_flag"].fillna(""),
                    "reported_at": rec["reported_at"],
                    "lon": rec["lon"].to_numpy(float),
                    "lat": rec["lat"].to_numpy(float),
                    "x": x,
                    "y": y,
                    "location_precision": rec["location_precision"].fillna("exact"),
                    "territory_set": tset.code,
                    "territory_code": tset.codes[where],
                    "cell_id": cell_ids(x, y, DEFAULT_CELL_SIZE),
                    "address": rec["address"],
                    "place_type": rec["place_type"],
                    "linked_to": pd.Series(linked).where(linked >= 0).astype("Int64"),
                }
            )
            bulk_insert(conn, "incidents", frame)
            del frame
            set_sequence(conn, "incidents")
            _insert_persons(conn, rec, ids)
        n_linked = int((linked >= 0).sum())
        n_uncl = int((codes == UNCLASSIFIED).sum())
        reasons = _reasons(rejects)
        details: dict[str, Any] = {
            "unclassified_labels": unclassified_labels,
            "reject_reasons": reasons,
            "territory_set": tset.code,
            "encoding": raw.encoding,
            "delimiter": raw.delimiter,
            "decimal": raw.decimal,
        }
        repo.finish_batch(
            conn,
            batch_id,
            details,
            inserted=len(rec),
            duplicates=n_dup,
            rejected=n_rej_rows,
            unclassified=n_uncl,
            linked=n_linked,
        )
    summary = ImportSummary(
        batch_id=batch_id,
        rows_read=rows_read,
        inserted=len(rec),
        duplicates=n_dup,
        rejected=n_rej_rows,
        unclassified=n_uncl,
        seconds=round(time.perf_counter() - t0, 3),
        linked=n_linked,
        ambiguous_times=int((rec["time_flag"] == "ambiguous_dst").sum()) if len(rec) else 0,
        source=source,
        file_name=Path(path).name,
        unclassified_labels=unclassified_labels,
        reject_reasons=reasons,
    )
    step("Listo", 1.0)
    return write_reports(
        summary,
        rejects,
        Path(report_dir or "informes_importacion"),
        sha256=raw.sha256,
        duplicates=dup_report,
    )


def _reread_other_zones(
    raw: Any, prof: Any, tset: Any, rec: pd.DataFrame, where: np.ndarray, clock: datetime
) -> pd.DataFrame:
    """Re-read local times of records that fall in a territory with its own time zone.

    Times are first read in the set's zone (the comuna is not known before the point is
    located); records located in, e.g., Magallanes are then read again from their raw row
    in America/Punta_Arenas. Same rows, same order: only the time columns change.
    """
    if not tset.zones or len(rec) == 0:
        return rec
    zones = tset.zone_of(np.where(where < 0, 0, where))
    zones[where < 0] = tset.timezone
    rows = raw.row_numbers
    for zone in sorted(set(zones.tolist()) - {tset.timezone}):
        mine = zones == zone
        pick = np.isin(rows, rec.loc[mine, "source_row"].to_numpy())
        subset = replace(
            raw,
            frame=raw.frame.loc[pick].reset_index(drop=True),
            row_numbers=rows[pick],
            rejects=raw.rejects.iloc[0:0],
        )
        again = normalize(subset, prof, timezone=zone, now=clock, bounds=tset.bounds).records
        again = again.set_index("source_row")
        target = rec.loc[mine, "source_row"]
        # A row valid in the set's zone but not in its own (an hour skipped only there)
        # keeps its first reading; the re-read covers every other row.
        found = target.isin(again.index).to_numpy()
        idx = rec.index[mine][found]
        for col in ("occurred_from", "occurred_to", "time_flag", "reported_at"):
            rec.loc[idx, col] = again.loc[target[found].to_numpy(), col].to_numpy()
    return rec


def _iccs_vectorised(codes: np.ndarray, classification: Any) -> np.ndarray:
    inv, uniq = pd.factorize(codes)
    lut = np.array(
        [
            classification.categories[c].iccs_l1 if c in classification.categories else None
            for c in uniq
        ],
        dtype=object,
    )
    out: np.ndarray = lut[inv]
    return out


def _reasons(rejects: pd.DataFrame) -> dict[str, int]:
    """Reject reasons grouped by kind: quoted values and numbers are blanked out."""
    if rejects.empty:
        return {}
    kind = (
        rejects["reason"]
        .astype(str)
        .str.replace(r"«[^»]*»", "«…»", regex=True)
        .str.replace(r"\d+(?:[.,:/-]\d+)*", "…", regex=True)
        .str.slice(0, 160)
    )
    return {str(k): int(v) for k, v in kind.value_counts().head(20).items()}


def _link_group(iccs: pd.Series, category: pd.Series, side: str) -> np.ndarray:
    """Linking group: ICCS section, else category; unclassified records never link."""
    group = iccs.astype(object).where(iccs.notna(), category.astype(object)).astype(str)
    group = group.where(category.astype(str) != UNCLASSIFIED, None)
    # A unique token per unclassified record: it can match nothing.
    tokens = pd.Series([f"~{side}{i}" for i in range(len(group))], index=group.index)
    return np.asarray(group.where(group.notna(), tokens).to_numpy(), dtype=object)


def _duplicates_report(
    rec: pd.DataFrame,
    keys: np.ndarray,
    in_file: np.ndarray,
    stored_dup: np.ndarray,
    stored: pd.DataFrame,
) -> pd.DataFrame:
    """One line per duplicate row: which earlier row or stored batch it repeats."""
    rows = rec["source_row"].to_numpy(np.int64)
    idx = np.flatnonzero(in_file | stored_dup)
    if idx.size == 0:
        return pd.DataFrame({"row": [], "reason": []})
    first_row = pd.Series(rows).groupby(keys).transform("first").to_numpy()[idx]
    batch_of = stored.drop_duplicates("record_key").set_index("record_key")["batch_id"]
    batch = pd.Series(keys[idx]).map(batch_of).astype("Int64").astype(str).to_numpy()
    earlier = "ya importado antes por esta fuente (lote " + batch + "); no se inserta de nuevo"
    same_file = (
        "repite la fila "
        + first_row.astype(str)
        + " del mismo archivo (mismo id y delito, o mismo contenido)"
    )
    reason = np.where(stored_dup[idx], earlier, same_file)
    return pd.DataFrame({"row": rows[idx], "reason": reason})


def _looks_synthetic(frame: pd.DataFrame) -> bool:
    cols = {c.casefold() for c in frame.columns}
    return "sintetico" in cols or "sintético" in cols


def _insert_persons(conn: Any, rec: pd.DataFrame, ids: np.ndarray) -> None:
    """Victim/offender attributes, one row per person role present on a record."""
    for role in ("victim", "offender"):
        cols = [
            c for c in (f"{role}_sex", f"{role}_age", f"{role}_relationship") if c in rec.columns
        ]
        if not cols:
            continue
        has = rec[cols].notna().any(axis=1).to_numpy()
        if not has.any():
            continue
        sub = rec.loc[has]
        none = pd.Series([None] * len(sub), index=sub.index, dtype=object)
        age = pd.to_numeric(sub[f"{role}_age"], errors="coerce") if f"{role}_age" in sub else none
        frame = pd.DataFrame(
            {
                "incident_id": ids[has],
                "role": role,
                "sex": sub[f"{role}_sex"] if f"{role}_sex" in sub else none,
                "age": pd.array(age, dtype="Int64"),
                "relationship": sub[f"{role}_relationship"]
                if f"{role}_relationship" in sub
                else none,
            }
        )
        bulk_insert(conn, IncidentPerson.__tablename__, frame)
